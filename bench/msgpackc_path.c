/* bench/msgpackc_path.c -- the "msgpackc" path of bench/bench.c: the msgpack stream, each frame's FPNN
   payload unpacked by msgpack-c (Debian libmsgpack-dev, the C library the "msgpack-c" figure names)
   and the push fields (from, to, gid, rid, mid, mtype, msg, attrs, mtime) pulled out of the map into an
   rtm_push_event handed to the benchmark's callback. It is to the msgpack path what simdjson_path.cpp is to
   the JSON path: the reference decoder of the format, timed in the same run on the same stream.

   A baseline, so it gets the same advantages as the simdjson path: the whole stream is one buffer (no
   socket-read chunks, no reassembly), frames are trusted (no WebSocket or FPNN checks beyond the lengths),
   no answers are written, no de-duplication, no file or excludedUids fields, translation maps are skipped.
   msgpack-c builds a tree of msgpack_object in a zone; the zone is kept and cleared after every payload,
   so its first chunk is reused and the steady state allocates nothing. Strings point into the stream.
   msgpack_unpack() is the header's "obsolete" entry point, but the only one that unpacks a buffer in place
   into a zone of the caller's; msgpack_unpack_next() takes a new zone per payload (~25% slower here, 2
   allocations a push) and the streaming unpacker copies the bytes first.
   msgpack-c does not check strings for UTF-8 (rtm_push.h does). */
#include <string.h>
#include <msgpack.h>
#include "../rtm_push.h"
#include "frames.h"

typedef void (*bench_msgpackc_emit_fn)(rtm_push_event *ev, void *u);
int bench_msgpackc_run(const uint8_t *p, size_t len, bench_msgpackc_emit_fn emit, void *u);
const char *bench_msgpackc_version(void);

const char *bench_msgpackc_version(void) { return msgpack_version(); }

static msgpack_zone g_zone;
static int g_zone_ok;

static int int_field(const msgpack_object *o, int64_t *x) {
  if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
    if (o->via.u64 > (uint64_t)INT64_MAX) return 0;
    *x = (int64_t)o->via.u64;
    return 1;
  }
  if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
    *x = o->via.i64;
    return 1;
  }
  return 0;
}
static int str_field(const msgpack_object *o, rtm_push_str *out) {
  if (o->type == MSGPACK_OBJECT_STR) {
    out->ptr = o->via.str.ptr;
    out->len = o->via.str.size;
    return 1;
  }
  if (o->type == MSGPACK_OBJECT_BIN) {
    out->ptr = o->via.bin.ptr;
    out->len = o->via.bin.size;
    out->binary = 1;
    return 1;
  }
  return 0;
}
static int key_is(const msgpack_object *k, const char *s, size_t n) {
  return k->via.str.size == n && memcmp(k->via.str.ptr, s, n) == 0;
}

/* 0 ok, -1 a frame or a payload msgpack-c could not take */
int bench_msgpackc_run(const uint8_t *p, size_t len, bench_msgpackc_emit_fn emit, void *u) {
  size_t off = 0, plen;
  rtm_push_event ev;
  const uint8_t *pl;
  int rc;
  if (!g_zone_ok) {
    if (!msgpack_zone_init(&g_zone, 65536)) return -1;
    g_zone_ok = 1;
  }
  while ((rc = bench_next_quest(p, len, &off, &ev, &pl, &plen)) > 0) {
    size_t po = 0;
    uint32_t i;
    msgpack_object obj;
    if (msgpack_unpack((const char *)pl, plen, &po, &g_zone, &obj) != MSGPACK_UNPACK_SUCCESS ||
        obj.type != MSGPACK_OBJECT_MAP) {
      msgpack_zone_clear(&g_zone);
      return -1;
    }
    for (i = 0; i < obj.via.map.size; i++) {
      const msgpack_object *k = &obj.via.map.ptr[i].key, *v = &obj.via.map.ptr[i].val;
      int64_t x;
      if (k->type != MSGPACK_OBJECT_STR) continue;
      if (key_is(k, "from", 4)) { if (int_field(v, &x)) { ev.from = x; ev.fields |= RTM_PUSH_F_FROM; } }
      else if (key_is(k, "to", 2)) { if (int_field(v, &x)) { ev.to = x; ev.fields |= RTM_PUSH_F_TO; } }
      else if (key_is(k, "gid", 3)) { if (int_field(v, &x)) { ev.gid = x; ev.fields |= RTM_PUSH_F_GID; } }
      else if (key_is(k, "rid", 3)) { if (int_field(v, &x)) { ev.rid = x; ev.fields |= RTM_PUSH_F_RID; } }
      else if (key_is(k, "mid", 3)) { if (int_field(v, &x)) { ev.mid = x; ev.fields |= RTM_PUSH_F_MID; } }
      else if (key_is(k, "mtime", 5)) { if (int_field(v, &x)) { ev.mtime = x; ev.fields |= RTM_PUSH_F_MTIME; } }
      else if (key_is(k, "mtype", 5)) { if (int_field(v, &x)) { ev.mtype = (int32_t)x; ev.fields |= RTM_PUSH_F_MTYPE; } }
      else if (key_is(k, "msg", 3)) { if (str_field(v, &ev.msg)) ev.fields |= RTM_PUSH_F_MSG; }
      else if (key_is(k, "attrs", 5)) { if (str_field(v, &ev.attrs)) ev.fields |= RTM_PUSH_F_ATTRS; }
    }
    emit(&ev, u);
    msgpack_zone_clear(&g_zone); /* after the callback: the event's strings point into the stream, not the zone */
  }
  return rc;
}
