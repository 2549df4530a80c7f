#!/usr/bin/env python3
"""Regenerates the seed corpora in fuzz/corpus/<target>/ (and checks the dictionary's handshake entry).

    python3 fuzz/make_corpus.py [--sim DIR|auto|none] [--handshake FILE]

Sources:
  - tests/vectors/*.bin (WebSocket frames after the 101), cut into frames / FPNN packages / payloads with the
    offsets in tests/vectors/*.expected.jsonl;
  - optionally the simulator's recordings (`node tests/sim/selftest.js --keep DIR`): the demo script has the
    126-byte framing bug, fragmented messages with a ping inside, packages spanning messages, bin msgs...
    (--sim auto runs the self-test into a temporary directory; default: auto if node is there);
  - hand-made edge cases (below).
The 65 KiB packages are kept whole once (session/fpnn, under -max_len 70000) and otherwise trimmed.
The 101 response for fuzz_upgrade must carry the Accept of the harness's deterministic key: it is read from
--handshake FILE (default: run build/fuzz/print_handshake, which run.sh builds)."""
import json, os, random, shutil, struct, subprocess, sys, tempfile, hashlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
VEC = os.path.join(ROOT, 'tests', 'vectors')
OUT = os.path.join(HERE, 'corpus')
TARGETS = ['fuzz_session', 'fuzz_fpnn', 'fuzz_upgrade', 'fuzz_json', 'fuzz_msgpack']
rnd = random.Random(20261125)


def arg(name, default=None):
    if name in sys.argv:
        return sys.argv[sys.argv.index(name) + 1]
    return default


# ------------------------------------------------------------------------------------------------ frames
def ws_frame(payload, opcode=2, fin=True, mask=None, bug126=False):
    b0 = (0x80 if fin else 0) | opcode
    n = len(payload)
    m = 0x80 if mask else 0
    if bug126:
        assert n == 126
        h = bytes([b0, 126])
    elif n < 126:
        h = bytes([b0, m | n])
    elif n <= 0xffff:
        h = bytes([b0, m | 126]) + struct.pack('>H', n)
    else:
        h = bytes([b0, m | 127]) + struct.pack('>Q', n)
    if mask:
        h += mask
        payload = bytes(c ^ mask[i & 3] for i, c in enumerate(payload))
    return h + payload


def parse_frames(data):
    """Server frames (unmasked), tolerating the FPNN 126-byte bug. Returns [(opcode, fin, payload, raw)]."""
    out, i = [], 0
    while i + 2 <= len(data):
        b0, b1 = data[i], data[i + 1]
        l7 = b1 & 0x7f
        if l7 == 126 and data[i + 2:i + 6] == b'FPNN':
            hl, n = 2, 126
        elif l7 == 126:
            hl, n = 4, struct.unpack('>H', data[i + 2:i + 4])[0]
        elif l7 == 127:
            hl, n = 10, struct.unpack('>Q', data[i + 2:i + 10])[0]
        else:
            hl, n = 2, l7
        if b1 & 0x80:
            hl += 4
        raw = data[i:i + hl + n]
        out.append((b0 & 0x0f, bool(b0 & 0x80), data[i + hl:i + hl + n], raw))
        i += hl + n
    return out


def split_packages(stream):
    """Bare FPNN packages of a byte stream."""
    pk, i = [], 0
    while i + 12 <= len(stream):
        assert stream[i:i + 4] == b'FPNN', stream[i:i + 16]
        mt, ss, psize = stream[i + 6], stream[i + 7], struct.unpack('<I', stream[i + 8:i + 12])[0]
        total = (12 if mt == 0 else 16) + (0 if mt == 2 else ss) + psize
        pk.append(stream[i:i + total])
        i += total
    return pk


def pkg_payload(p):
    mt, ss, psize = p[6], p[7], struct.unpack('<I', p[8:12])[0]
    hl = (12 if mt == 0 else 16) + (0 if mt == 2 else ss)
    return p[5], p[hl:hl + psize]


def make_pkg(flag, mtype, method, payload, seq=1, status=0):
    m = method.encode() if isinstance(method, str) else method
    h = b'FPNN' + bytes([1, flag, mtype, status if mtype == 2 else len(m)]) + struct.pack('<I', len(payload))
    if mtype != 0:
        h += struct.pack('<I', seq)
    return h + (b'' if mtype == 2 else m) + payload


# ------------------------------------------------------------------------------------------------ trimming
def trim_json_payload(p, keep=200):
    """Shorten long runs inside JSON strings (the P65536/M65536 msgs) while keeping the JSON valid."""
    out, i, n = bytearray(), 0, len(p)
    while i < n:
        c = p[i]
        out.append(c)
        if c == 0x22:  # string: copy at most `keep` bytes of it (cut only before a plain ASCII letter)
            i += 1
            k = 0
            while i < n and p[i] != 0x22:
                if p[i] == 0x5c:
                    if k < keep:
                        out += p[i:i + 2]
                    k += 2
                    i += 2
                    continue
                if k < keep or not (0x41 <= p[i] <= 0x5a):
                    out.append(p[i])
                k += 1
                i += 1
            if i < n:
                out.append(p[i])
        i += 1
    return bytes(out)


def mp_trim(p, keep=200):
    """Walk one msgpack value; return (bytes, consumed) with long str/bin values cut to `keep` bytes."""
    def item(i):
        b = p[i]
        if b <= 0x7f or b >= 0xe0 or b in (0xc0, 0xc2, 0xc3):
            return p[i:i + 1], i + 1
        if 0xa0 <= b <= 0xbf:
            n = b & 0x1f
            return p[i:i + 1 + n], i + 1 + n
        if b in (0xd9, 0xda, 0xdb, 0xc4, 0xc5, 0xc6):
            w = {0xd9: 1, 0xda: 2, 0xdb: 4, 0xc4: 1, 0xc5: 2, 0xc6: 4}[b]
            n = int.from_bytes(p[i + 1:i + 1 + w], 'big')
            body = p[i + 1 + w:i + 1 + w + n]
            if n > keep:
                body = body[:keep]
                tag = 0xda if b in (0xd9, 0xda, 0xdb) else 0xc5
                return bytes([tag]) + struct.pack('>H', len(body)) + body, i + 1 + w + n
            return p[i:i + 1 + w + n], i + 1 + w + n
        if b in (0xcc, 0xcd, 0xce, 0xcf, 0xd0, 0xd1, 0xd2, 0xd3, 0xca, 0xcb):
            w = {0xcc: 1, 0xcd: 2, 0xce: 4, 0xcf: 8, 0xd0: 1, 0xd1: 2, 0xd2: 4, 0xd3: 8, 0xca: 4, 0xcb: 8}[b]
            return p[i:i + 1 + w], i + 1 + w
        if 0x80 <= b <= 0x9f or b in (0xdc, 0xdd, 0xde, 0xdf):
            if b <= 0x8f:
                cnt, hl = (b & 0x0f) * 2, 1
            elif b <= 0x9f:
                cnt, hl = b & 0x0f, 1
            else:
                w = 2 if b in (0xdc, 0xde) else 4
                cnt, hl = int.from_bytes(p[i + 1:i + 1 + w], 'big'), 1 + w
                if b >= 0xde:
                    cnt *= 2
            out, j = bytearray(p[i:i + hl]), i + hl
            for _ in range(cnt):
                v, j = item(j)
                out += v
            return bytes(out), j
        raise ValueError('unexpected msgpack byte %02x' % b)
    v, _ = item(0)
    return v


def trim_payload(flag, pl):
    if len(pl) <= 2048:
        return pl
    return trim_json_payload(pl) if flag == 0x40 else mp_trim(pl)


def trim_pkg(p):
    flag, pl = pkg_payload(p)
    if len(pl) <= 2048:
        return p
    npl = trim_payload(flag, pl)
    return p[:8] + struct.pack('<I', len(npl)) + p[12:len(p) - len(pl)] + npl


# ------------------------------------------------------------------------------------------------ sources
def vector_sessions():
    """name -> list of (raw frame bytes, package bytes, expected record)"""
    res = {}
    for fn in sorted(os.listdir(VEC)):
        if not fn.endswith('.expected.jsonl'):
            continue
        name = fn[:-len('.expected.jsonl')]
        data = open(os.path.join(VEC, name + '.bin'), 'rb').read()
        frames = []
        for line in open(os.path.join(VEC, fn)):
            d = json.loads(line)
            off, hl, pl = d['ws']['offset'], d['ws']['header_len'], d['ws']['payload_len']
            raw = data[off:off + hl + pl]
            frames.append((raw, data[off + hl:off + hl + pl], d))
        res[name] = (data, frames)
    return res


def sim_sessions(simdir):
    res = {}
    if not simdir or not os.path.isdir(simdir):
        return res
    for fn in sorted(os.listdir(simdir)):
        if fn.endswith('.bin'):
            res['sim-' + fn[:-4]] = open(os.path.join(simdir, fn), 'rb').read()
    return res


# ------------------------------------------------------------------------------------------------ writing
written = {t: {} for t in TARGETS}


def seed(target, name, data):
    h = hashlib.sha1(data).hexdigest()[:8]
    if any(hashlib.sha1(v).hexdigest()[:8] == h for v in written[target].values()):
        return
    written[target]['%s-%s' % (name, h)] = data


def ctrl_trailer(n, sizes=(0, 31), acts=(0,)):
    return bytes((rnd.randint(*sizes) & 63) | (rnd.choice(acts) << 6) for _ in range(n))


def ctrl_feed(n, act=0):
    """Control bytes that feed exactly n bytes (sizes 53248..4096 step 4096, 1024..64 step 64, 32..1)."""
    out = []
    while n > 0:
        if n >= 4096:
            k = min(n // 4096, 13); out.append(47 + k); n -= k * 4096
        elif n >= 64:
            k = min(n // 64, 16); out.append(31 + k); n -= k * 64
        else:
            k = min(n, 32); out.append(k - 1); n -= k
    return bytes(c | (act << 6) for c in out)


def session_seed(target, name, body, f=0, cb=0, ctrl=b''):
    assert len(ctrl) < 256
    seed(target, name, bytes([f, cb, len(ctrl)]) + body + ctrl)


def main():
    sim = arg('--sim', 'auto')
    tmp = None
    if sim == 'auto':
        sim = None
        if shutil.which('node') and os.path.isdir(os.path.join(ROOT, 'tests', 'sim', 'node_modules')):
            tmp = tempfile.mkdtemp(prefix='rtm-sim-')
            r = subprocess.run(['node', os.path.join(ROOT, 'tests', 'sim', 'selftest.js'), '--keep', tmp],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)
            sim = tmp if r.returncode == 0 else None
            print('simulator self-test:', 'ok' if sim else 'failed (no simulator seeds)')
    elif sim == 'none':
        sim = None
    hs_file = arg('--handshake')
    if hs_file:
        handshake = open(hs_file, 'rb').read()
    else:
        exe = os.path.join(ROOT, 'build', 'fuzz', 'print_handshake')
        handshake = subprocess.run([exe], stdout=subprocess.PIPE, check=True).stdout
    assert handshake.startswith(b'HTTP/1.1 101') and handshake.endswith(b'\r\n\r\n')

    vs = vector_sessions()
    ss = sim_sessions(sim)

    # ---- per recorded session: ws streams (full, 65k-trimmed, small), fpnn streams, payloads
    streams = {}   # name -> (ws bytes small, ws bytes with one 64k frame, fpnn small, fpnn 64k)
    payloads = []  # (flag, name, payload)
    for name, (data, frames) in vs.items():
        small = b''.join(raw for raw, pl, d in frames if len(raw) < 4096)
        with64 = b''
        big_seen = False
        for raw, pl, d in frames:
            if len(raw) >= 4096:
                if big_seen:
                    continue
                big_seen = True
            with64 += raw
        pk_small = b''.join(pl for raw, pl, d in frames if len(pl) < 4096)
        pk_64 = b''.join(pl for raw, pl, d in frames if len(pl) < 4096 or pl is frames[11][1]) if len(frames) > 11 else pk_small
        streams[name] = (small, with64, pk_small, pk_64, data)
        for raw, pl, d in frames:
            flag, body = pkg_payload(pl)
            payloads.append((flag, '%s-%02d-%s' % (name, d['n'], d.get('method') or 'answer'), trim_payload(flag, body)))
    for name, data in ss.items():
        fr = parse_frames(data)
        keep = [f for f in fr if len(f[3]) < 4096]
        small = b''.join(f[3] for f in keep)
        stream = b''.join(f[2] for f in fr if f[0] in (0, 2))
        pk = [p for p in split_packages(stream)]
        pk_small = b''.join(p for p in pk if len(p) < 4096)
        streams[name] = (small, small, pk_small, pk_small, data)
        for i, p in enumerate(pk):
            flag, body = pkg_payload(p)
            payloads.append((flag, '%s-%02d' % (name, i), trim_payload(flag, body)))

    # ---- fuzz_session
    for name, (small, with64, pk_small, pk_64, data) in streams.items():
        session_seed('fuzz_session', name + '-ws', small, 0x00)
        session_seed('fuzz_session', name + '-login', small, 0x03)
        session_seed('fuzz_session', name + '-login-mp-close', small, 0x07 | 0x40, 0x40)
        session_seed('fuzz_session', name + '-split1', small, 0x00, 0, ctrl_trailer(255, (0, 3)))
        session_seed('fuzz_session', name + '-split-ticks', small, 0x03, 0, ctrl_trailer(120, (0, 40), (0, 1, 2)))
        session_seed('fuzz_session', name + '-small-limits', small, 0x23, 0, ctrl_trailer(60, (0, 47), (0, 1, 2, 3)))
        session_seed('fuzz_session', name + '-strict-uid7-nodedup', small, 0x98)
        session_seed('fuzz_session', name + '-cbclose', small, 0x01, 0x13)
        session_seed('fuzz_session', name + '-cbfree', small, 0x00, 0x25)
        if name.startswith('public') and len(with64) + 3 < 70000:
            session_seed('fuzz_session', name + '-64k', with64, 0x00)
    # hand-made WebSocket edge cases (no_login, START_WS)
    ping = make_pkg(0x40, 1, 'ping', b'{}', 9)
    push = make_pkg(0x40, 1, 'pushmsg', b'{"from":1, "to":2, "mtype":30, "mid":3, "msg":"hi", "attrs":"", "mtime":4}', 10)
    pre = b'{"from":1, "mid":5, "msg":"'
    p126 = make_pkg(0x40, 1, 'pushmsg', pre + b'x' * (126 - 16 - 7 - len(pre) - 2) + b'"}', 11)
    assert len(p126) == 126, len(p126)
    kick = make_pkg(0x40, 0, 'kickout', b'{}')
    ws_edge = {
        'ws-ping-frame': ws_frame(b'hb', 9) + ws_frame(ping),
        'ws-close-frame': ws_frame(ping) + ws_frame(b'\x03\xe8bye', 8),
        'ws-bug126': ws_frame(p126, bug126=True) + ws_frame(ping),
        'ws-genuine126': ws_frame(p126) + ws_frame(ping),
        'ws-fragmented': ws_frame(push[:10], 2, False) + ws_frame(b'', 9) + ws_frame(push[10:30], 0, False) + ws_frame(push[30:], 0, True),
        'ws-two-in-one': ws_frame(ping + push),
        'ws-split-pkg': ws_frame(push[:5]) + ws_frame(push[5:]),
        'ws-masked': ws_frame(ping, mask=b'\x01\x02\x03\x04'),
        'ws-huge-announce': bytes([0x82, 127, 0, 0, 0, 1, 0, 0, 0, 0]),
        'ws-nonminimal': bytes([0x82, 126, 0, 5]) + b'FPNN\x01',
        'ws-text': ws_frame(b'hello', 1),
        'ws-kickout': ws_frame(push) + ws_frame(kick),
        'ws-bad-magic': ws_frame(b'FPNX' + ping[4:]),
        'ws-bad-flag': ws_frame(ping[:5] + b'\x20' + ping[6:]),
        'ws-answer-unknown-seq': ws_frame(make_pkg(0x40, 2, '', b'{"ok":true}', 99)),
        'ws-error-answer': ws_frame(make_pkg(0x40, 2, '', b'{"code":200027, "ex":"invalid token"}', 1, 1)),
        'ws-gate-refused': ws_frame(make_pkg(0x40, 2, '', b'{"ok":false, "gate":"10.0.0.1:13321"}', 1)),
        'ws-unknown-method': ws_frame(make_pkg(0x80, 1, 'pushsomethingnew', b'\x81\xa1x\x01', 12)),
        'ws-pong-unsolicited': ws_frame(b'', 10) + ws_frame(ping),
    }
    # reconnects: a first connection that ends (error / refused login / kickout + EOF-less end), control 62
    # (rtm_push_reconnect on the ended session; START_HTTP: a new request and 101), then a second connection
    ok_answer = ws_frame(make_pkg(0x40, 2, '', b'{"ok":true}', 1))
    pj = streams.get('public-json', (b'',))[0]
    af = streams.get('authfail', (b'',))[0]
    for nm, first, second, f in (('bad-magic', ws_edge['ws-bad-magic'], pj, 0x00),
                                 ('kickout-close', ws_edge['ws-kickout'] + ws_frame(b'\x03\xe8', 8), pj, 0x00),
                                 ('authfail-login', af, pj, 0x03),
                                 ('error-then-login', ok_answer + ws_edge['ws-masked'], pj, 0x03),
                                 ('two-drops', ok_answer + ws_edge['ws-huge-announce'], ok_answer + ws_edge['ws-bad-flag'], 0x03)):
        session_seed('fuzz_session', 'reconnect-' + nm, first + second, f, 0, ctrl_feed(len(first)) + bytes([62, 63]))
    fj = streams.get('public-json', (b'', b'', b''))[2]
    session_seed('fuzz_fpnn', 'reconnect-bad-magic', fp_bad := (b'FPNX' + ping[4:]) + fj, 0x00, 0,
                 ctrl_feed(len(ping)) + bytes([62, 63]))
    for name, body in ws_edge.items():
        session_seed('fuzz_session', name, body, 0x00)
        session_seed('fuzz_session', name + '-login', ws_frame(make_pkg(0x40, 2, '', b'{"ok":true}', 1)) + body, 0x03)

    # ---- fuzz_fpnn
    for name, (small, with64, pk_small, pk_64, data) in streams.items():
        session_seed('fuzz_fpnn', name, pk_small, 0x00)
        session_seed('fuzz_fpnn', name + '-split1', pk_small, 0x00, 0, ctrl_trailer(255, (0, 3)))
        session_seed('fuzz_fpnn', name + '-split-ticks', pk_small, 0x40, 0, ctrl_trailer(100, (0, 47), (0, 1, 2)))
        session_seed('fuzz_fpnn', name + '-small', pk_small, 0x24, 0, ctrl_trailer(60, (0, 47), (0, 1, 2, 3)))
        session_seed('fuzz_fpnn', name + '-uid7', pk_small, 0x80)
        session_seed('fuzz_fpnn', name + '-cbclose', pk_small, 0x00, 0x33)
        if name.startswith('public') and len(pk_64) + 3 < 70000:
            session_seed('fuzz_fpnn', name + '-64k', pk_64, 0x00)
    fp_edge = {
        'fpnn-ping': ping, 'fpnn-push-kick': push + kick,
        'fpnn-v0': ping[:4] + b'\x00' + ping[5:],
        'fpnn-huge-psize': ping[:8] + b'\xff\xff\xff\x7f' + ping[12:],
        'fpnn-empty-method': make_pkg(0x40, 0, '', b'{}'),
        'fpnn-mtype3': ping[:6] + b'\x03' + ping[7:],
        'fpnn-bye-answer': make_pkg(0x40, 2, '', b'{}', 1),
        'fpnn-truncated': push[:-3],
    }
    for name, body in fp_edge.items():
        session_seed('fuzz_fpnn', name, body, 0x00)

    # ---- fuzz_upgrade
    for name, (small, with64, pk_small, pk_64, data) in streams.items():
        if name.startswith('sim-demo'):
            continue
        seed('fuzz_upgrade', name + '-101', bytes([0x00]) + handshake + small[:1500])
        seed('fuzz_upgrade', name + '-101-login-split7', bytes([0x20 | 7]) + handshake + small[:1500])
    for fn in sorted(os.listdir(VEC)):
        if fn.endswith('.handshake.txt'):  # the recorded 101: its Accept is for another key
            seed('fuzz_upgrade', 'recorded-' + fn[:-14], bytes([0x00]) + open(os.path.join(VEC, fn), 'rb').read())
    acc_line = [l for l in handshake.split(b'\r\n') if l.lower().startswith(b'sec-websocket-accept')][0]
    dict_line = 'h_accept_value="%s\\x0d\\x0a"' % acc_line.decode()
    if dict_line not in open(os.path.join(HERE, 'rtm.dict')).read():
        print('fuzz/rtm.dict: h_accept_value is not the harness\'s Accept; it should read', dict_line)
    up_edge = {
        'lowercase-headers': b'HTTP/1.1 101 Switching Protocols\r\nupgrade: WebSocket\r\nconnection: keep-alive, upgrade\r\n'
                             + acc_line.lower().split(b':')[0] + b':' + acc_line.split(b':', 1)[1] + b'\r\n\r\n' + ws_frame(ping),
        'http500-body': b'HTTP/1.1 500 Internal Server Error\r\nContent-Length: 47\r\n\r\n{"code":20004, "ex":"Unknown method: websocket"}',
        'http404-nobody': b'HTTP/1.1 404 Not Found\r\n\r\n',
        'http503-short-body': b'HTTP/1.1 503 Busy\r\nContent-Length: 100\r\n\r\nbusy',
        'bad-status-line': b'HTTP/1.1 1O1 Switching\r\n\r\n',
        'http10': b'HTTP/1.0 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' + acc_line + b'\r\n\r\n',
        'no-accept': b'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
        'no-colon': b'HTTP/1.1 101 Switching Protocols\r\nUpgrade websocket\r\n\r\n',
        'bare-lf': b'HTTP/1.1 101 Switching Protocols\nUpgrade: websocket\n\n',
        'nul-in-header': b'HTTP/1.1 101 Switching Protocols\r\nUpgrade: web\x00socket\r\nConnection: Upgrade\r\n' + acc_line + b'\r\n\r\n',
        'long-header': b'HTTP/1.1 101 Switching Protocols\r\nX-Pad: ' + b'a' * 600 + b'\r\n' + handshake[34:],
        '101-plus-frames': handshake + ws_frame(make_pkg(0x40, 2, '', b'{"ok":true}', 1)) + ws_frame(ping) + ws_frame(kick),
    }
    for name, body in up_edge.items():
        seed('fuzz_upgrade', name, bytes([0x00]) + body)
        seed('fuzz_upgrade', name + '-b1', bytes([0x01]) + body)
    seed('fuzz_upgrade', 'long-header-small-limit', bytes([0x40]) + up_edge['long-header'])
    seed('fuzz_upgrade', 'login-close', bytes([0xa0 | 3]) + up_edge['101-plus-frames'])

    # ---- fuzz_json / fuzz_msgpack
    for flag, name, body in payloads:
        seed('fuzz_json' if flag == 0x40 else 'fuzz_msgpack', name, body)
    json_edge = [
        b'{}', b'{"mid":"9223372036854775807", "from":-9223372036854775808}', b'{"mid":9223372036854775808}',
        b'{"mid":-9223372036854775809}', b'{"mid":1.5}', b'{"mid":1e3}', b'{"mid":"-0"}', b'{"mid":00}',
        b'{"mtype":2147483648}', b'{"mtype":"30"}', b'{"msg":{"source":"a"}}', b'{"msg":{"targetText":"t","sourceText":"s"}}',
        b'{"msg":"\\ud83e\\udd80 \\ud800 \\u0000 \\/ \\b\\f\\n\\r\\t \\"\\\\"}', b'{"msg":"\xc3\x28 \xed\xa0\x80"}',
        b'{"x":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}',
        b'{"mtype":41, "msg":"{\\"url\\":\\"https:\\\\/\\\\/e.org\\/f\\", \\"size\\":\\"2048\\", \\"surl\\":\\"s\\"}"}',
        b'{"mtype":45, "msg":"  https://e.org/bare"}',
        b'{"from":7, "mid":1, "attrs":"{\\"excludedUids\\":[\\"4242\\", 7, \\"x\\"]}"}',
        b'{"attrs":"{\\"excludedUids\\":[7]}", "mid":2}', b'{"ok":true, "code":200027, "ex":"invalid token", "gate":"h:1"}',
        b' {"from" : 1 , "to":2}  ', b'{"from":1,}', b'{"a":tru}', b'{"a":nul', b'[1,2]', b'"str"', b'9223372036854775807',
        b'-9223372036854775808', b'-', b'00012', b'{"msg":null, "mid":null}', b'{"mid":3, "mid":"4"}',
    ]
    for i, b in enumerate(json_edge):
        seed('fuzz_json', 'edge%02d' % i, b)

    def mstr(s):
        s = s.encode() if isinstance(s, str) else s
        return (bytes([0xa0 | len(s)]) if len(s) < 32 else b'\xd9' + bytes([len(s)])) + s
    mp_edge = [
        b'\x80', b'\x82' + mstr('mid') + b'\xcf\xff\xff\xff\xff\xff\xff\xff\xff' + mstr('from') + b'\xd3\x80\x00\x00\x00\x00\x00\x00\x00',
        b'\x81' + mstr('mid') + b'\xcf\x7f\xff\xff\xff\xff\xff\xff\xff', b'\x81' + mstr('msg') + b'\xc4\x04\x00\xff\x80\x41',
        b'\x81' + mstr('msg') + b'\xa3\xc3\x28\x41', b'\x81' + mstr('mtype') + b'\xd2\x80\x00\x00\x00',
        b'\x82' + mstr('mtype') + b'\x1e' + mstr('msg') + b'\x84' + mstr('source') + mstr('zh') + mstr('target') + mstr('en')
        + mstr('sourceText') + mstr('ni hao') + mstr('targetText') + mstr('hello'),
        b'\x81' + mstr('x') + b'\xd4\x01\x02', b'\x81' + mstr('x') + b'\xc7\x02\x05ab', b'\x81' + mstr('x') + b'\xcb' + b'\x00' * 8,
        b'\xde\x00\x01' + mstr('mid') + b'\x05', b'\xdf\x00\x00\x00\x01' + mstr('mid') + b'\xcd\x01\x00',
        b'\x81\x01\x02', b'\x81' + mstr('x') + b'\xc1', b'\x81' + mstr('x') + b'\xdd\xff\xff\xff\xff',
        b'\x81' + mstr('x') + b'\x91' * 40 + b'\x01', b'\x82' + mstr('mtype') + b'\x29' + mstr('msg') + mstr('{"url":"u","size":5}'),
        b'\x83' + mstr('ok') + b'\xc3' + mstr('code') + b'\xce\x00\x03\x0d\x5b' + mstr('ex') + mstr('bad'),
        b'\x81' + mstr('mid') + b'\xa5' + b'12345', b'\x81' + mstr('attrs') + mstr('{"excludedUids":["7"]}'),
    ]
    for i, b in enumerate(mp_edge):
        seed('fuzz_msgpack', 'edge%02d' % i, b)

    # ---- write
    total = 0
    for t in TARGETS:
        d = os.path.join(OUT, t)
        if os.path.isdir(d):
            shutil.rmtree(d)
        os.makedirs(d)
        for name, data in sorted(written[t].items()):
            with open(os.path.join(d, name), 'wb') as f:
                f.write(data)
        sz = sum(len(v) for v in written[t].values())
        total += sz
        print('%-14s %4d seeds %8d bytes' % (t, len(written[t]), sz))
    print('total %d bytes' % total)
    if tmp:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    main()
