// bench/simdjson_path.cpp -- the "simdjson" path of bench/bench.c (issue #6 asks for >= 1.6x simdjson's
// On Demand extraction): the same WebSocket stream, each frame's FPNN payload parsed by simdjson On Demand,
// the push fields (from, to, gid, rid, mid, mtype, msg, attrs, mtime) pulled out into an rtm_push_event
// and handed to the benchmark's callback.
//
// A baseline, so it is given every advantage: the whole stream is one buffer (no socket-read chunks, so no
// frame ever needs reassembling), frames are trusted (no WebSocket or FPNN checks beyond the lengths), no
// answers are written, no de-duplication, no routing by mtype, no file or excludedUids parsing, and msg
// translation objects are skipped. simdjson does validate the whole payload as UTF-8 and decodes escapes.
//
// Built with -march=haswell (AVX2): simdjson's On Demand front end is compiled for one instruction set
// (without -m flags it is the scalar "fallback" kernel). bench.c calls it only on a CPU with AVX2.
#include <simdjson.h>
#include <cstring>
#include <string>
#include "../rtm_push.h"
#include "frames.h"

extern "C" {
typedef void (*bench_simdjson_emit_fn)(rtm_push_event *ev, void *u);
const char *bench_simdjson_kernel(void);
int bench_simdjson_run(const uint8_t *p, size_t len, bench_simdjson_emit_fn emit, void *u);
}

using namespace simdjson;

const char *bench_simdjson_kernel(void) { return SIMDJSON_STRINGIFY(SIMDJSON_BUILTIN_IMPLEMENTATION); }

static ondemand::parser g_parser;
static std::string g_tail; // the last frames' payloads, copied with the padding simdjson reads past the end

static int str_field(ondemand::value v, rtm_push_str *out) {
  std::string_view sv;
  if (v.get_string().get(sv)) return 0;
  out->ptr = sv.data();
  out->len = sv.size();
  return 1;
}

// 0 ok, -1 a frame or a payload simdjson could not take
int bench_simdjson_run(const uint8_t *p, size_t len, bench_simdjson_emit_fn emit, void *u) {
  size_t off = 0, plen;
  rtm_push_event ev;
  const uint8_t *pl;
  int rc;
  while ((rc = bench_next_quest(p, len, &off, &ev, &pl, &plen)) > 0) {
    const char *json = (const char *)pl;
    size_t cap = len - (size_t)((const uint8_t *)json - p); // the stream after the payload is readable padding
    if (cap < plen + SIMDJSON_PADDING) {
      g_tail.assign(json, plen);
      g_tail.resize(plen + SIMDJSON_PADDING);
      json = g_tail.data();
      cap = g_tail.size();
    }
    ondemand::document doc;
    ondemand::object obj;
    if (g_parser.iterate(json, plen, cap).get(doc) || doc.get_object().get(obj)) return -1;
    for (auto field : obj) {
      ondemand::raw_json_string key;
      ondemand::value v;
      if (field.key().get(key) || field.value().get(v)) return -1;
      int64_t x;
      if (key == "from") { if (!v.get_int64().get(x)) { ev.from = x; ev.fields |= RTM_PUSH_F_FROM; } }
      else if (key == "to") { if (!v.get_int64().get(x)) { ev.to = x; ev.fields |= RTM_PUSH_F_TO; } }
      else if (key == "gid") { if (!v.get_int64().get(x)) { ev.gid = x; ev.fields |= RTM_PUSH_F_GID; } }
      else if (key == "rid") { if (!v.get_int64().get(x)) { ev.rid = x; ev.fields |= RTM_PUSH_F_RID; } }
      else if (key == "mid") { if (!v.get_int64().get(x)) { ev.mid = x; ev.fields |= RTM_PUSH_F_MID; } }
      else if (key == "mtime") { if (!v.get_int64().get(x)) { ev.mtime = x; ev.fields |= RTM_PUSH_F_MTIME; } }
      else if (key == "mtype") { if (!v.get_int64().get(x)) { ev.mtype = (int32_t)x; ev.fields |= RTM_PUSH_F_MTYPE; } }
      else if (key == "msg") { if (str_field(v, &ev.msg)) ev.fields |= RTM_PUSH_F_MSG; }
      else if (key == "attrs") { if (str_field(v, &ev.attrs)) ev.fields |= RTM_PUSH_F_ATTRS; }
    }
    emit(&ev, u);
  }
  return rc;
}
