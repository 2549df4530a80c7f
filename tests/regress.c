/* Regression tests for the defects a code review found (each names the finding it pins down).
   In memory; prints one line per check and "N passed, M failed". Run under ASan+UBSan and valgrind too. */
#define _GNU_SOURCE /* memmem */
#define RTM_PUSH_IMPLEMENTATION
#include "../rtm_push.h"
#include <stdio.h>
#include <string.h>

static int npass, nfail;
static void check(int ok, const char *what) {
  printf("%s %s\n", ok ? "ok  " : "FAIL", what);
  if (ok) npass++; else nfail++;
}
static int entropy(void *u, unsigned char *b, size_t n) { (void)u; memset(b, 1, n); return 0; }
static size_t pkg(uint8_t *o, int mtype, int flag, uint32_t seq, const char *method, const void *pl, size_t n) {
  size_t ml = method ? strlen(method) : 0, h = mtype == 0 ? 12 : 16;
  memcpy(o, "FPNN\x01", 5);
  o[5] = (uint8_t)flag, o[6] = (uint8_t)mtype, o[7] = (uint8_t)(mtype == 2 ? 0 : ml);
  o[8] = (uint8_t)n, o[9] = (uint8_t)(n >> 8), o[10] = o[11] = 0;
  o[12] = (uint8_t)seq, o[13] = (uint8_t)(seq >> 8), o[14] = o[15] = 0;
  if (ml) memcpy(o + h, method, ml);
  memcpy(o + h + ml, pl, n);
  return h + ml + n;
}
#define JSON_PUSH(o, seq, m, json) pkg(o, 1, 0x40, seq, m, json, strlen(json))
static rtm_push *fpnn_session(rtm_push_event_fn cb, void *user, int login) {
  rtm_push_config c;
  rtm_push *s = NULL;
  memset(&c, 0, sizeof c);
  c.start = RTM_PUSH_START_FPNN, c.no_login = !login, c.pid = 5, c.uid = 42, c.token = "t";
  c.entropy = entropy, c.on_event = cb, c.user_data = user;
  rtm_push_new(&s, &c);
  return s;
}
static void drain(rtm_push *s) { size_t n; while ((n = rtm_push_pending_output(s, NULL))) rtm_push_consume_output(s, n); }

/* finding 1: a send helper called from a callback must not overwrite the event's decoded strings */
static uint8_t sent[4096];
static size_t sent_len;
static void echo_cb(const rtm_push_event *ev, void *u) {
  rtm_push *s = *(rtm_push **)u;
  if (ev->type == RTM_PUSH_EV_PUSHMSG) {
    const uint8_t *o;
    size_t before = rtm_push_pending_output(s, NULL);
    rtm_push_sendmsg(s, ev->from, 1234, 1, ev->msg.ptr, ev->msg.len, NULL, NULL, NULL);
    rtm_push_pending_output(s, &o);
    (void)before;
    sent_len = 0;
    while (rtm_push_pending_output(s, &o)) { /* the answer to the push, then our quest */
      size_t n = rtm_push_pending_output(s, &o);
      memcpy(sent, o, n);
      sent_len = n;
      rtm_push_consume_output(s, n);
    }
  }
}
/* finding 2: free from a callback stops everything */
static int after_free;
static void free_cb(const rtm_push_event *ev, void *u) {
  rtm_push **sp = (rtm_push **)u;
  if (*sp == NULL) { after_free++; return; }
  if (ev->type == RTM_PUSH_EV_PUSHMSG) { rtm_push_free(*sp); *sp = NULL; }
}
static int new_events;
static void count_cb(const rtm_push_event *ev, void *u) { (void)ev; (void)u; new_events++; }
static int retries;
static void retry_answer(const rtm_push_answer *a) { /* retries on every failure */
  retries++;
  if (retries < 1000) rtm_push_quest(a->session, "again", RTM_PUSH_ENC_JSON, NULL, 0, 0, retry_answer, NULL, NULL);
}

/* ---- issue 20: what a hostile gate or a man in the middle found (7ff04e2). These tests belong in the
   per-layer files (tests/test_<layer>.c) once the split of tests/unit.c lands: the upgrade and message ones
   in test_upgrade.c / test_session.c, the dedup ones in test_dedup.c, the memory bound in test_decode.c. */
static char last_msg[512];
static int msg_events;
static void msg_cb(const rtm_push_event *ev, void *u) {
  (void)u;
  if ((ev->type == RTM_PUSH_EV_ERROR || ev->type == RTM_PUSH_EV_CLOSED) && ev->message) {
    snprintf(last_msg, sizeof last_msg, "%s", ev->message);
    msg_events++;
  }
}
/* An HTTP-start session whose upgrade request is drained; acc: the Sec-WebSocket-Accept it expects. */
static rtm_push *http_session(char *acc, size_t accn) {
  rtm_push_config c;
  rtm_push *s = NULL;
  const uint8_t *o;
  size_t n, wn;
  char key[80];
  unsigned char sha[20];
  memset(&c, 0, sizeof c);
  c.host = "gate.example", c.pid = 5, c.uid = 42, c.token = "t", c.entropy = entropy, c.on_event = msg_cb;
  if (rtm_push_new(&s, &c) != RTM_PUSH_OK) return NULL;
  rtm_push_tick(s, 1);
  n = rtm_push_pending_output(s, &o);
  snprintf(key, sizeof key, "%.24s" RTM_PUSH__GUID, strstr((const char *)o, "Sec-WebSocket-Key: ") + 19);
  RTM_PUSH__SHA1((const unsigned char *)key, strlen(key), sha);
  mbedtls_base64_encode((unsigned char *)acc, accn, &wn, sha, 20);
  acc[wn] = 0;
  rtm_push_consume_output(s, n);
  return s;
}
/* The upgrade answered with this status line and the right headers: the session's state after it. */
static rtm_push_state upgrade_with(const char *status_line) {
  char acc[64], resp[512];
  rtm_push *s = http_session(acc, sizeof acc);
  rtm_push_state st;
  if (!s) return RTM_PUSH_STATE_FAILED;
  snprintf(resp, sizeof resp, "%s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", status_line, acc);
  rtm_push_feed(s, resp, strlen(resp), 2);
  st = rtm_push_get_state(s);
  rtm_push_free(s);
  return st;
}
/* No byte a terminal acts on (C0, DEL, C1 as UTF-8 or raw), and at most 255 bytes. */
static int clean_text(const char *m) {
  const unsigned char *p = (const unsigned char *)m;
  size_t i, n = strlen(m);
  for (i = 0; i < n; i++)
    if (p[i] < 0x20 || p[i] == 0x7f || (p[i] >= 0x80 && p[i] < 0xA0 && (i == 0 || p[i - 1] == 0xC2))) return 0;
  return n <= 255;
}
static int message_clean(rtm_push *s, const char *must_contain) {
  const char *m = NULL;
  rtm_push_last_error(s, &m);
  return m && clean_text(m) && clean_text(last_msg) && msg_events > 0 && strstr(m, must_contain) && strstr(last_msg, must_contain);
}
#define EVIL "Bad\x1b[31m\r\n2026-01-01 INFO login ok\x1b]0;owned\x07\xc2\x9b" "2J\x7f"
static void issue20_upgrade_and_messages(void) {
  rtm_push *s;
  char acc[64], resp[1024];
  uint8_t b[4096];
  size_t n;
  /* f: the 101 status line is exact */
  check(upgrade_with("HTTP/1.1 101 Switching Protocols") == RTM_PUSH_STATE_AUTHENTICATING &&
        upgrade_with("HTTP/1.1 101") == RTM_PUSH_STATE_AUTHENTICATING,
        "20f: 'HTTP/1.1 101 Switching Protocols' and a bare 'HTTP/1.1 101' upgrade");
  check(upgrade_with("HTTP/1.1 1010 Switching Protocols") == RTM_PUSH_STATE_FAILED, "20f: 'HTTP/1.1 1010' is not a 101");
  check(upgrade_with("HTTP/1.9 101 Switching Protocols") == RTM_PUSH_STATE_FAILED, "20f: 'HTTP/1.9 101' is not a 101");
  check(upgrade_with("HTTP/1.1 101x") == RTM_PUSH_STATE_FAILED && upgrade_with("HTTP/1.1 101x Switching") == RTM_PUSH_STATE_FAILED,
        "20f: 'HTTP/1.1 101x' is not a 101");
  check(upgrade_with("HTTP/1.0 101 Switching Protocols") == RTM_PUSH_STATE_FAILED, "20f: a 101 needs HTTP/1.1");
  /* c: an empty TLS server name is refused, not checked as "" */
  {
    rtm_push_config c;
    memset(&c, 0, sizeof c);
    c.host = "gate.example", c.token = "t", c.entropy = entropy, c.tls = 1, c.tls_insecure_no_verify = 0;
    c.tls_ca_pem = "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n";
    c.tls_ca_pem_len = strlen(c.tls_ca_pem);
    c.tls_server_name = "";
    s = NULL;
    check(rtm_push_new(&s, &c) == RTM_PUSH_E_CONFIG && s == NULL, "20c: tls_server_name \"\" -> RTM_PUSH_E_CONFIG");
    c.host = "", c.tls_server_name = NULL;
    check(rtm_push_new(&s, &c) == RTM_PUSH_E_CONFIG && s == NULL, "20c: TLS to host \"\" (so server name \"\") -> RTM_PUSH_E_CONFIG");
  }
  /* d: messages built from peer bytes: control bytes escaped, length capped */
  s = http_session(acc, sizeof acc);
  msg_events = 0;
  { /* the status line ends at its first CRLF: the rest of the evil text is a header line; the body has its own */
    const char *body = "x\r\n2026-01-01 INFO login ok\x1b]0;owned\x07\xc2\x9b" "2J\x7f";
    snprintf(resp, sizeof resp, "HTTP/1.1 500 %s\r\nContent-Length: %u\r\n\r\n%s", EVIL, (unsigned)strlen(body), body);
  }
  rtm_push_feed(s, resp, strlen(resp), 2);
  check(message_clean(s, "Bad\\u001b[31m: x\\u000d\\u000a2026-01-01 INFO login ok\\u001b]0;owned\\u0007\\u009b2J\\u007f"), "20d: HTTP status line and refusal body: CR, LF, ESC, BEL, DEL, C1 escaped in last_error and the events");
  rtm_push_free(s);
  s = http_session(acc, sizeof acc);
  msg_events = 0;
  snprintf(resp, sizeof resp, "HTTP/1.1 101 %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", "OK", acc);
  rtm_push_feed(s, resp, strlen(resp), 2);
  { /* a close frame whose reason is the evil text */
    const char *r = EVIL;
    size_t rl = strlen(r);
    b[0] = 0x88, b[1] = (uint8_t)(2 + rl), b[2] = 0x03, b[3] = 0xf0; /* 1008 */
    memcpy(b + 4, r, rl);
    rtm_push_feed(s, b, 4 + rl, 3);
  }
  check(rtm_push_get_state(s) == RTM_PUSH_STATE_FAILED && message_clean(s, "\\u001b[31m"), "20d: close reason: escaped");
  rtm_push_free(s);
  { /* login ex (an error answer) and gate (ok:false), in an FPNN session */
    static const char *answers[2] = {"{\"code\":200010,\"ex\":\"" "Bad\\u001b[31m\\r\\n2026-01-01 INFO login ok\\u001b]0;owned\\u0007\\u009b2J\\u007f" "\"}",
                                     "{\"ok\":false,\"gate\":\"" "h\\u001b[31m\\r\\nfake\\u0085" "\"}"};
    int i;
    for (i = 0; i < 2; i++) {
      rtm_push_config c;
      memset(&c, 0, sizeof c);
      c.start = RTM_PUSH_START_FPNN, c.pid = 5, c.uid = 42, c.token = "t", c.entropy = entropy, c.on_event = msg_cb;
      s = NULL;
      rtm_push_new(&s, &c);
      rtm_push_tick(s, 1);
      drain(s);
      msg_events = 0;
      n = pkg(b, 2, 0x40, 1, NULL, answers[i], strlen(answers[i]));
      b[7] = (uint8_t)(i == 0 ? 1 : 0); /* answer status: 1 error (ex), 0 ok */
      rtm_push_feed(s, b, n, 2);
      check(rtm_push_get_state(s) == RTM_PUSH_STATE_FAILED && message_clean(s, i == 0 ? "\\u001b[31m" : "h\\u001b[31m\\u000d\\u000afake\\u0085"),
            i == 0 ? "20d: login ex: escaped" : "20d: login gate: escaped");
      rtm_push_free(s);
    }
  }
  { /* the length cap: a 4 KiB refusal body of ESC bytes */
    static char big[4200];
    s = http_session(acc, sizeof acc);
    msg_events = 0;
    memcpy(big, "HTTP/1.1 503 x\r\nContent-Length: 4000\r\n\r\n", 40);
    memset(big + 40, 0x1b, 4000);
    rtm_push_feed(s, big, 4040, 2);
    if (!message_clean(s, "\\u001b\\u001b")) printf("     message: %s\n", last_msg);
    check(message_clean(s, "\\u001b\\u001b"), "20d: a body of 4000 ESC bytes: the message escaped and at most 255 bytes");
    rtm_push_free(s);
  }
}

/* 20a: the duplicate table's hash before it had a key (7ff04e2): a sender who knows it picks mids that share
   one bucket. Copied here to compute such mids. */
static uint32_t unkeyed_dd_hash(uint32_t cs, int64_t target, int64_t from, int64_t mid) {
  uint64_t h = (uint64_t)mid * 0x9E3779B97F4A7C15ull;
  h ^= (uint64_t)from * 0xC2B2AE3D27D4EB4Full + (h >> 31);
  h ^= (uint64_t)target * 0x165667B19E3779F9ull + (cs & 15u);
  h ^= h >> 29;
  h *= 0xBF58476D1CE4E5B9ull;
  h ^= h >> 32;
  return (uint32_t)h;
}
static void issue20_dedup(void) {
  rtm_push *s;
  uint8_t b[512];
  char json[200];
  size_t n;
  int64_t mid = 1;
  uint32_t i, found = 0;
  uint64_t probes = 0;
  { /* 20a: 1,100 room messages whose mids all land in bucket 0 of the default table (1,024 buckets) under the
       unkeyed hash; the last 100 lookups must not walk the table */
    s = fpnn_session(NULL, NULL, 0);
    rtm_push_tick(s, 1);
    while (found < 1100) {
      if ((unkeyed_dd_hash(RTM_PUSH_CAT_ROOM, 7, 99, mid) & 1023) == 0) {
        snprintf(json, sizeof json, "{\"from\":99,\"rid\":7,\"mid\":%lld,\"mtype\":30,\"msg\":\"m\",\"attrs\":\"\",\"mtime\":1}", (long long)mid);
        n = JSON_PUSH(b, found + 1, "pushroommsg", json);
        if (found == 1000) probes = s->dd_probes;
        rtm_push_feed(s, b, n, 2);
        drain(s);
        found++;
      }
      mid++;
    }
    probes = s->dd_probes - probes;
    printf("     20a: %llu index buckets read by the last 100 lookups (%u crafted mids)\n", (unsigned long long)probes, found);
    check(s->dd_count == 1024 && probes <= 300, "20a: mids crafted against the unkeyed hash: the last 100 lookups read <= 3 buckets each on average");
    rtm_push_free(s);
  }
  { /* 20b: a flood into one bucket (hashes forced), then it expires: lookups are short again */
    rtm_push_config c;
    rtm_push__dent e;
    uint64_t before, worst = 0;
    memset(&c, 0, sizeof c);
    c.start = RTM_PUSH_START_FPNN, c.no_login = 1, c.token = "t", c.entropy = entropy;
    c.limits.dedup_ttl_ms = 1000;
    s = NULL;
    rtm_push_new(&s, &c);
    rtm_push_tick(s, 1000);
    for (i = 0; i < 1000; i++) { /* 1,000 keys, one hash: they fill the buckets after bucket 0x345 */
      memset(&e, 0, sizeof e);
      e.cs = RTM_PUSH_CAT_P2P, e.target = 1, e.from = 2, e.mid = (int64_t)i, e.t = s->now, e.hash = 0x12345u;
      rtm_push__dd_check(s, &e);
    }
    rtm_push_tick(s, 3000); /* all expired */
    for (i = 0; i < 2000; i++) { /* new keys, spread over every bucket (the first 4 at the flood's home) */
      memset(&e, 0, sizeof e);
      e.cs = RTM_PUSH_CAT_P2P, e.target = 1, e.from = 3, e.mid = (int64_t)i, e.t = s->now;
      e.hash = i < 4 ? 0x12345u + (i << 20) : (uint32_t)(i * 2654435761u);
      before = s->dd_probes;
      rtm_push__dd_check(s, &e);
      if (s->dd_probes - before > worst) worst = s->dd_probes - before;
    }
    printf("     20b: after the flood expired, the longest of 2000 lookups read %llu buckets\n", (unsigned long long)worst);
    check(s->dd_count == 1024 && worst <= 8, "20b: once a flood has aged out, no lookup walks its buckets (<= 8 read)");
    rtm_push_free(s);
  }
}

int main(void) {
  uint8_t b[4096], b2[8192];
  size_t n, m;
  rtm_push *s;
  const uint8_t *o;
  setvbuf(stdout, NULL, _IOLBF, 0);
  { /* 1 */
    s = fpnn_session(echo_cb, &s, 0);
    n = JSON_PUSH(b, 1, "pushmsg", "{\"from\":9, \"mtype\":1, \"mid\":7, \"msg\":\"see http:\\/\\/example.com\\/a\"}");
    rtm_push_feed(s, b, n, 0);
    check(sent_len > 16 && memmem(sent, sent_len, "\"msg\":\"see http://example.com/a\"", 32) != NULL,
          "1: sendmsg from a callback sends the event's escaped string intact (quest payloads have their own buffer)");
    rtm_push_free(s);
  }
  { /* 2 */
    s = fpnn_session(free_cb, &s, 0);
    n = JSON_PUSH(b, 1, "pushmsg", "{\"mid\":1}");
    n += JSON_PUSH(b + n, 2, "pushmsg", "{\"mid\":2}");
    n += pkg(b + n, 0, 0x40, 0, "kickout", "{}", 2);
    check(rtm_push_feed(s, b, n, 0) == RTM_PUSH_E_CLOSED && after_free == 0,
          "2: rtm_push_free inside a callback: no event after it, even from the same read");
  }
  { /* 3: free requested while rooms are re-entered after a reconnect (ASan would catch a use after free) */
    static rtm_push *g;
    g = fpnn_session(free_cb, &g, 1);
    rtm_push_tick(g, 1);
    drain(g);
    n = pkg(b, 2, 0x40, 1, NULL, "{\"ok\":true}", 11);
    rtm_push_feed(g, b, n, 1);
    rtm_push_enterroom(g, 77, NULL, NULL);
    n = pkg(b, 2, 0x40, 2, NULL, "{}", 2);
    rtm_push_feed(g, b, n, 1);
    rtm_push_feed_eof(g, 2);
    rtm_push_reconnect(g, 3);
    drain(g);
    n = JSON_PUSH(b, 1, "pushmsg", "{\"mid\":5}"); /* its callback frees */
    n += pkg(b + n, 2, 0x40, 4, NULL, "{\"ok\":true}", 11); /* then the login answer: rooms re-entered */
    check(rtm_push_feed(g, b, n, 4) == RTM_PUSH_E_CLOSED && g == NULL, "3: free requested before the rooms are re-entered: no use after free");
  }
  { /* 4: msgpack integers -32..127 */
    rtm_push_config c;
    memset(&c, 0, sizeof c);
    c.start = RTM_PUSH_START_FPNN, c.pid = 5, c.uid = 42, c.token = "t", c.entropy = entropy;
    c.quest_encoding = RTM_PUSH_ENC_MSGPACK;
    rtm_push_new(&s, &c);
    n = rtm_push_pending_output(s, &o);
    check(n > 20 && o && memmem(o, n, "\xa3pid\x05", 5) && memmem(o, n, "\xa3uid\x2a", 5), "4: msgpack auth carries pid 5 and uid 42 as fixints");
    rtm_push_consume_output(s, n);
    rtm_push_free(s);
  }
  { /* the auth quest carries lang and attrs (a map of strings) in both encodings */
    static const char *const attrs[] = {"k1", "v1", "k2", "v\"2", NULL};
    rtm_push_config c;
    memset(&c, 0, sizeof c);
    c.start = RTM_PUSH_START_FPNN, c.pid = 1017, c.uid = 9223372036854775807LL, c.token = "t", c.entropy = entropy;
    c.lang = "en", c.attrs = attrs;
    rtm_push_new(&s, &c);
    n = rtm_push_pending_output(s, &o);
    check(n > 16 && o && memmem(o, n, "{\"pid\":1017,\"uid\":9223372036854775807,\"token\":\"t\",\"version\":\"C-rtm_push-", 62) &&
          memmem(o, n, "\"lang\":\"en\",\"attrs\":{\"k1\":\"v1\",\"k2\":\"v\\\"2\"}}", 38),
          "auth in JSON: pid, exact uid, token, version, lang, attrs");
    rtm_push_free(s);
    c.quest_encoding = RTM_PUSH_ENC_MSGPACK;
    rtm_push_new(&s, &c);
    n = rtm_push_pending_output(s, &o);
    check(n > 16 && o && o[20] == 0x86 && memmem(o, n, "\xa3" "uid" "\xcf\x7f\xff\xff\xff\xff\xff\xff\xff", 13) &&
          memmem(o, n, "\xa5" "attrs" "\x82\xa2" "k1" "\xa2" "v1" "\xa2" "k2" "\xa3" "v\"2", 20), "auth in msgpack: a 6-member map, uid as uint64, attrs a map");
    rtm_push_free(s);
  }
  { /* 5 */
    rtm_push_config c;
    memset(&c, 0, sizeof c);
    c.host = "h", c.token = "t", c.entropy = entropy;
    rtm_push_new(&s, &c);
    check(rtm_push_next_deadline(s) == 0, "5: before any time is given the next deadline is 0 (tick now: the login timer starts)");
    rtm_push_tick(s, 1000);
    check(rtm_push_next_deadline(s) == 1000 + 30000, "5: the login timeout then runs from that tick");
    rtm_push_free(s);
  }
  { /* 6: EOF inside a frame after our own close frame is a clean end */
    rtm_push_config c;
    memset(&c, 0, sizeof c);
    c.start = RTM_PUSH_START_WS, c.no_login = 1, c.entropy = entropy;
    rtm_push_new(&s, &c);
    rtm_push_close(s, 0);
    drain(s);
    n = pkg(b, 2, 0x40, 1, NULL, "{}", 2); /* the bye answer */
    b2[0] = 0x82, b2[1] = (uint8_t)n;
    memcpy(b2 + 2, b, n);
    b2[2 + n] = 0x82, b2[3 + n] = 100, b2[4 + n] = 'F'; /* then half a frame, and the gate drops TCP */
    rtm_push_feed(s, b2, n + 5, 1);
    rtm_push_feed_eof(s, 2);
    check(rtm_push_get_state(s) == RTM_PUSH_STATE_CLOSED && rtm_push_last_error(s, NULL) == RTM_PUSH_OK,
          "6: the connection ending mid-frame after our close is a clean close");
    rtm_push_free(s);
  }
  { /* 7: a translation object with members missing prints (no NULL + 0 arithmetic under UBSan) */
    char line[512];
    rtm_push_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = RTM_PUSH_EV_PUSHCHAT, ev.name = "pushchat", ev.fields = RTM_PUSH_F_MSG, ev.msg_is_translation = 1;
    check(rtm_push_event_to_json(&ev, line, sizeof line) > 0 && strstr(line, "\"msg\":{\"source\":\"\""),
          "7: printing a translation object with absent members");
  }
  { /* 8: kickout before the login answer; a late auth answer does not revive the session */
    s = fpnn_session(NULL, NULL, 1);
    rtm_push_tick(s, 1);
    drain(s);
    n = pkg(b, 0, 0x40, 0, "kickout", "{}", 2);
    n += pkg(b + n, 2, 0x40, 1, NULL, "{\"ok\":true}", 11);
    rtm_push_feed(s, b, n, 2);
    check(rtm_push_get_state(s) == RTM_PUSH_STATE_CLOSING && rtm_push_next_deadline(s) != 1 + 30000,
          "8: kicked out before the login answer: stays closing, login timer off");
    rtm_push_free(s);
  }
  { /* 9: a ping with a bad payload still counts as a ping */
    s = fpnn_session(NULL, NULL, 0);
    rtm_push_tick(s, 0);
    n = JSON_PUSH(b, 1, "ping", "not json");
    rtm_push_feed(s, b, n, 50000);
    rtm_push_tick(s, 100000);
    check(rtm_push_get_state(s) == RTM_PUSH_STATE_READY, "9: a ping with an undecodable payload re-arms the watchdog");
    rtm_push_free(s);
  }
  { /* 10: no callbacks from inside rtm_push_new */
    rtm_push_config c;
    static char token[700];
    memset(token, 'x', sizeof token - 1);
    memset(&c, 0, sizeof c);
    c.start = RTM_PUSH_START_FPNN, c.token = token, c.entropy = entropy, c.on_event = count_cb;
    c.limits.max_output = 512;
    check(rtm_push_new(&s, &c) == RTM_PUSH_E_OUTPUT_FULL && new_events == 0 && s == NULL,
          "10: a failure inside rtm_push_new is its return code, with no callback");
  }
  { /* 11: answer callbacks run by rtm_push_free cannot start new quests */
    s = fpnn_session(NULL, NULL, 0);
    rtm_push_tick(s, 0);
    rtm_push_quest(s, "m", RTM_PUSH_ENC_JSON, NULL, 0, 0, retry_answer, NULL, NULL);
    rtm_push_free(s);
    check(retries == 1, "11: rtm_push_free: each pending quest's callback once, no retry loop");
  }
  check(!rtm_push_is_fatal(RTM_PUSH_E_KICKED_OUT), "12: a kickout is not fatal");
  { /* 13: our close code: 1000 for local conditions (here the login timeout) */
    rtm_push_config c;
    memset(&c, 0, sizeof c);
    c.start = RTM_PUSH_START_WS, c.token = "t", c.entropy = entropy;
    rtm_push_new(&s, &c);
    rtm_push_tick(s, 0);
    drain(s);
    rtm_push_tick(s, 40000);
    m = rtm_push_pending_output(s, &o);
    check(m >= 8 && o[0] == 0x88 && ((o[6] ^ o[2]) << 8 | (o[7] ^ o[3])) == 1000, "13: a login timeout closes with 1000, not 1002");
    rtm_push_free(s);
  }
  { /* 14: close before the upgrade: nothing left to write */
    rtm_push_config c;
    memset(&c, 0, sizeof c);
    c.host = "h", c.token = "t", c.entropy = entropy;
    rtm_push_new(&s, &c);
    rtm_push_close(s, 0);
    check(rtm_push_get_state(s) == RTM_PUSH_STATE_CLOSED && !rtm_push_want_write(s), "14: closed before the upgrade: no request left to send");
    rtm_push_free(s);
  }
  { /* 15: header injection through host or path */
    rtm_push_config c;
    memset(&c, 0, sizeof c);
    c.host = "h\r\nX-Evil: 1", c.entropy = entropy;
    check(rtm_push_new(&s, &c) == RTM_PUSH_E_CONFIG, "15: a host with CR/LF is refused");
    c.host = "h", c.path = "/service/websocket HTTP/1.0\r\n";
    check(rtm_push_new(&s, &c) == RTM_PUSH_E_CONFIG, "15: a path with spaces or CR/LF is refused");
    c.path = NULL, c.limits.max_http_header = SIZE_MAX / 2;
    check(rtm_push_new(&s, &c) == RTM_PUSH_E_CONFIG, "15: limits that would overflow are refused");
  }
  issue20_upgrade_and_messages();
  issue20_dedup();
  printf("%d passed, %d failed\n", npass, nfail);
  return nfail ? 1 : 0;
}
