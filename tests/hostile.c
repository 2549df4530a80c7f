/* Hostile input and misuse: a failing-allocation sweep, floods against the limits, inputs against a
   guard page, and API misuse. In memory; on tests/harness.h (a line per test case, its measurements as
   notes, "N passed, M failed" last). */
#define _GNU_SOURCE /* mallinfo2 */
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>
#include "harness.h"

/* >>a counting allocator that can fail the n-th allocation --------------------------------------- */
typedef struct { long count, fail_at, live; size_t bytes, peak; } alloc_stats;
static void *t_alloc(size_t n, void *u) {
  alloc_stats *a = (alloc_stats *)u;
  size_t *p;
  if (a->count++ == a->fail_at) return NULL;
  p = (size_t *)malloc(n + sizeof(size_t) * 2);
  if (!p) return NULL;
  p[0] = n;
  a->live++;
  a->bytes += n;
  if (a->bytes > a->peak) a->peak = a->bytes;
  return p + 2;
}
static void t_free(void *ptr, void *u) {
  alloc_stats *a = (alloc_stats *)u;
  size_t *p = (size_t *)ptr - 2;
  a->live--;
  a->bytes -= p[0];
  free(p);
}

/* the same bytes every time: every run of the sweep's scenario makes the same allocations */
static int fixed_entropy(unsigned char *b, size_t n, void *u) { (void)u; memset(b, 0x5a, n); return 0; }

typedef struct { int events, errors, nomem, fatal; } counts;
static void on_event(rtm_push *cb_s, const rtm_push_event *ev, void *u) {
  (void)cb_s;
  counts *c = (counts *)u;
  char buf[64];
  rtm_push_event_to_json(ev, buf, sizeof buf); /* the printer must cope with every event, truncated */
  c->events++;
  if (ev->type == RTM_PUSH_EV_ERROR) { c->errors++; if (ev->fatal) c->fatal++; }
  if ((ev->type == RTM_PUSH_EV_ERROR || ev->type == RTM_PUSH_EV_CLOSED) && ev->error == RTM_PUSH_E_NOMEM) c->nomem++;
}
static void on_answer(rtm_push *cb_s, const rtm_push_answer *a, void *cb_user) { (void)cb_s, (void)a; ++*(int *)cb_user; }

/* One whole session: upgrade, login (the vector's first frame answers our auth, seq 1), every push of
   the recorded JSON and msgpack sessions, a quest, a room, close. Returns a summary of what happened. */
static int scenario(alloc_stats *st, const unsigned char *json, size_t jn, const unsigned char *mp, size_t mn, counts *c) {
  rtm_push_config cfg;
  rtm_push *s;
  int rc, answers = 0;
  char key[32], acc[64];
  bytes req = {0, 0, 0}, resp = {0, 0, 0};
  memset(&cfg, 0, sizeof cfg);
  memset(c, 0, sizeof *c);
  cfg.host = "gate.example", cfg.pid = 1, cfg.uid = 4242, cfg.token = "t", cfg.entropy = fixed_entropy;
  cfg.allocator.alloc_fn = t_alloc, cfg.allocator.free_fn = t_free, cfg.allocator.user_data = st;
  cfg.on_event = on_event, cfg.user_data = c;
  cfg.limits.dedup_capacity = 8;
  if ((rc = rtm_push_new(&s, &cfg)) != RTM_PUSH_OK) return rc;
  rtm_push_consume_output(s, request_key(s, key, &req));
  accept_for(key, acc);
  switching(&resp, acc);
  b_free(&req);
  rtm_push_feed(s, resp.p, resp.len, 1);
  b_free(&resp);
  discard_output(s);
  rtm_push_feed(s, json, jn - 23, 2); /* the recorded session but its last frame (kickout: 23 bytes) */
  discard_output(s);
  rtm_push_feed(s, mp + 23, mn - 23 - 22, 3); /* the msgpack pushes (its auth answer and kickout left out) */
  discard_output(s);
  if (h_quest(s, "anything", RTM_PUSH_ENC_JSON, NULL, 0, 0, on_answer, &answers, NULL) == RTM_PUSH_E_NOMEM) c->nomem++;
  if (rtm_push_enterroom(s, 42, on_answer, &answers) == RTM_PUSH_E_NOMEM) c->nomem++;
  rtm_push_close(s, 4);
  discard_output(s);
  rtm_push_tick(s, 100000);
  rtm_push_feed_eof(s, 100001);
  rtm_push_free(s);
  return answers == 2 || c->nomem ? RTM_PUSH_OK : -1; /* each quest got its callback (or failed visibly) */
}

/* >>failmalloc ---------------------------------------------------------------------------------- */
static void test_failmalloc_sweep(void) {
  bytes json = {0, 0, 0}, mp = {0, 0, 0};
  int have = load_file("public-json.bin", &json) && load_file("public-msgpack.bin", &mp);
  alloc_stats st;
  counts base, c;
  long i, total, silent = 0, leaks = 0;
  memset(&st, 0, sizeof st);
  st.fail_at = -1;
  CHECKM(have && scenario(&st, json.p, json.len, mp.p, mp.len, &base) == RTM_PUSH_OK && base.fatal == 0 && st.live == 0,
         "failmalloc: the reference run succeeds and frees everything");
  total = have ? st.count : 0;
  for (i = 0; i < total; i++) {
    int rc;
    memset(&st, 0, sizeof st);
    st.fail_at = i;
    rc = scenario(&st, json.p, json.len, mp.p, mp.len, &c);
    if (st.live) leaks++;
    if (rc != RTM_PUSH_E_NOMEM && c.nomem == 0) silent++;
  }
  h_note("failmalloc: each of the %ld allocations of a whole session failed in turn: %ld leaks, %ld silent", total, leaks,
         silent);
  CHECKM(total > 10 && leaks == 0 && silent == 0, "%ld allocations, %ld leaks, %ld silent", total, leaks, silent);
  b_free(&json);
  b_free(&mp);
}

/* >>floods -------------------------------------------------------------------------------------- */
/* fr = one unmasked binary frame holding a two-way JSON quest */
static void quest_frame(bytes *fr, uint32_t seq, const char *method, const char *json) {
  bytes pkg = {0, 0, 0};
  pkg_jquest(&pkg, 1, seq, method, json);
  b_reset(fr);
  ws_frame(fr, pkg.p, pkg.len);
  b_free(&pkg);
}
static rtm_push *ws_session(alloc_stats *st, counts *c, const rtm_push_limits *lim) {
  rtm_push_config cfg;
  rtm_push *s = NULL;
  memset(&cfg, 0, sizeof cfg);
  cfg.start = RTM_PUSH_START_WS, cfg.no_login = 1, cfg.entropy = fixed_entropy, cfg.uid = 1;
  cfg.allocator.alloc_fn = t_alloc, cfg.allocator.free_fn = t_free, cfg.allocator.user_data = st;
  cfg.on_event = on_event, cfg.user_data = c;
  if (lim) cfg.limits = *lim;
  memset(st, 0, sizeof *st);
  st->fail_at = -1;
  memset(c, 0, sizeof *c);
  rtm_push_new(&s, &cfg);
  return s;
}
/* unique mids forever: memory stays under the dedup bound */
static void test_flood_unique_mids(void) {
  alloc_stats st;
  counts c;
  rtm_push *s;
  bytes fr = {0, 0, 0};
  char json[256];
  size_t peak_after_warmup = 0;
  long i;
  struct mallinfo2 m0, m1;
  m0 = mallinfo2();
  s = ws_session(&st, &c, NULL);
  for (i = 0; i < 200000; i++) {
    snprintf(json, sizeof json, "{\"from\":7, \"to\":8, \"mtype\":30, \"mid\":%ld, \"msg\":\"hello\", \"attrs\":\"\", \"mtime\":1}", 1000000 + i);
    quest_frame(&fr, (uint32_t)i + 1, "pushmsg", json);
    rtm_push_feed(s, fr.p, fr.len, (uint64_t)i);
    discard_output(s);
    if (i == 2000) peak_after_warmup = st.peak;
  }
  m1 = mallinfo2();
  h_note("flood of 200,000 unique mids: %d delivered, peak %zu bytes of library memory, no growth after the dedup table "
         "filled (%zu at 2,000); whole heap grew %ld bytes", c.events, st.peak, peak_after_warmup, (long)(m1.uordblks - m0.uordblks));
  CHECKM(c.events == 200000 && st.peak == peak_after_warmup && st.peak < 100000, "%d delivered, peak %zu, %zu at 2,000",
         c.events, st.peak, peak_after_warmup);
  rtm_push_free(s);
  b_free(&fr);
}
/* sizes announced far beyond the limits: refused from the header, nothing allocated for them */
static void test_flood_huge_announcements(void) {
  alloc_stats st;
  counts c;
  rtm_push *s;
  long i;
  s = ws_session(&st, &c, NULL);
  { /* a 100 MB frame */
    static const uint8_t big[] = {0x82, 127, 0, 0, 0, 0, 0x06, 0x40, 0, 0, 'F', 'P', 'N', 'N'};
    int rc = rtm_push_feed(s, big, sizeof big, 0);
    h_note("100 MB frame announced: %s, peak %zu bytes", rtm_push_strerror(rc), st.peak);
    CHECKM(rc == RTM_PUSH_E_WS_FRAME_TOO_LARGE && st.peak < 64 * 1024, "100 MB frame: %s, peak %zu", rtm_push_strerror(rc), st.peak);
  }
  rtm_push_free(s);
  s = ws_session(&st, &c, NULL);
  { /* a 4 GB FPNN package */
    static const uint8_t hdr[] = {0x82, 12, 'F', 'P', 'N', 'N', 1, 0x40, 0, 4, 0xf0, 0xff, 0xff, 0xff};
    int rc = rtm_push_feed(s, hdr, sizeof hdr, 0);
    h_note("4 GB FPNN psize: %s, peak %zu bytes", rtm_push_strerror(rc), st.peak);
    CHECKM(rc == RTM_PUSH_E_FPNN_TOO_LARGE && st.peak < 64 * 1024, "4 GB psize: %s, peak %zu", rtm_push_strerror(rc), st.peak);
  }
  rtm_push_free(s);
  { /* an endless HTTP header */
    rtm_push_config cfg;
    int rc = 0;
    size_t base;
    memset(&cfg, 0, sizeof cfg);
    cfg.host = "h", cfg.entropy = fixed_entropy, cfg.token = "t";
    cfg.allocator.alloc_fn = t_alloc, cfg.allocator.free_fn = t_free, cfg.allocator.user_data = &st;
    memset(&st, 0, sizeof st);
    st.fail_at = -1;
    s = NULL;
    CHECK(rtm_push_new(&s, &cfg) == RTM_PUSH_OK);
    base = st.peak;
    rtm_push_feed(s, "HTTP/1.1 101 OK\r\n", 17, 0);
    for (i = 0; i < 100000 && rc == 0; i++) rc = rtm_push_feed(s, "X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n", 44, 0);
    h_note("endless HTTP header: %s after %ld lines, %zu bytes beyond the new session's %zu", rtm_push_strerror(rc), i,
           st.peak - base, base);
    CHECKM(rc == RTM_PUSH_E_HTTP_HEADER_TOO_LARGE && st.peak - base <= 2 * 16384 + 1 + 256, "%s after %ld lines, %zu bytes",
           rtm_push_strerror(rc), i, st.peak - base);
    rtm_push_free(s);
  }
}
/* deep nesting, JSON and msgpack, far beyond max_depth: one push dropped, no stack overflow */
static void test_flood_deep_nesting(void) {
  alloc_stats st;
  counts c;
  rtm_push *s = ws_session(&st, &c, NULL);
  bytes pl = {0, 0, 0}, pkg = {0, 0, 0}, fr = {0, 0, 0};
  size_t k;
  b_str(&pl, "{\"x\":");
  for (k = 0; k < 30000; k++) b_byte(&pl, '[');
  for (k = 0; k < 30000; k++) b_byte(&pl, ']');
  b_str(&pl, ", \"mid\":1}");
  pkg_quest(&pkg, 1, 0x40, 1, "pushmsg", pl.p, pl.len);
  ws_frame(&fr, pkg.p, pkg.len);
  rtm_push_feed(s, fr.p, fr.len, 0);
  h_note("JSON nested 30,000 deep: the push is dropped with %s, the session goes on", rtm_push_strerror(rtm_push_last_error(s, NULL)));
  CHECKM(rtm_push_last_error(s, NULL) == RTM_PUSH_E_PAYLOAD_DEPTH && rtm_push_current_state(s) == RTM_PUSH_STATE_READY,
         "JSON nested 30,000 deep: %s", rtm_push_strerror(rtm_push_last_error(s, NULL)));
  b_reset(&pl);
  b_reset(&pkg);
  b_reset(&fr);
  b_put(&pl, "\x81\xa1x", 3);
  for (k = 0; k < 60000; k++) b_byte(&pl, 0x91); /* [[[[...]]]] */
  b_byte(&pl, 0xc0);
  pkg_quest(&pkg, 1, 0x80, 2, "pushmsg", pl.p, pl.len);
  ws_frame(&fr, pkg.p, pkg.len);
  rtm_push_feed(s, fr.p, fr.len, 0);
  CHECKM(rtm_push_last_error(s, NULL) == RTM_PUSH_E_PAYLOAD_DEPTH && rtm_push_current_state(s) == RTM_PUSH_STATE_READY,
         "msgpack nested 60,000 deep: dropped with the depth error, the session goes on");
  rtm_push_free(s);
  b_free(&pl);
  b_free(&pkg);
  b_free(&fr);
}
/* a flood of WebSocket pings: absorbed while the host drains; bounded when it does not */
static void test_flood_pings(void) {
  static const uint8_t ping[] = {0x89, 4, 'p', 'i', 'n', 'g'};
  alloc_stats st;
  counts c;
  rtm_push *s = ws_session(&st, &c, NULL);
  int rc = 0;
  long i;
  for (i = 0; i < 100000; i++) { rtm_push_feed(s, ping, sizeof ping, 0); discard_output(s); }
  h_note("100,000 pings, output drained: every one ponged, peak %zu bytes", st.peak);
  CHECKM(rtm_push_current_state(s) == RTM_PUSH_STATE_READY && st.peak < 64 * 1024, "peak %zu", st.peak);
  for (i = 0; i < 2000000 && rc == 0; i++) rc = rtm_push_feed(s, ping, sizeof ping, 0);
  h_note("pings while the host never drains: %s after %ld pings, peak %zu bytes (limits.max_output 4 MiB)",
         rtm_push_strerror(rc), i, st.peak);
  CHECKM(rc == RTM_PUSH_E_OUTPUT_FULL && st.peak < (size_t)9 << 20, "%s after %ld pings, peak %zu", rtm_push_strerror(rc), i, st.peak);
  rtm_push_free(s);
}

/* >>guard page: inputs right before a PROT_NONE page, so any over-read faults ---------------------- */
static void test_guard_page(void) {
  static const char *const vec[] = {"public-json.bin", "public-msgpack.bin", "authfail.bin", "autherror.bin"};
  long pg = sysconf(_SC_PAGESIZE);
  size_t region = (size_t)pg * 40, v, total = 0;
  uint8_t *mem = (uint8_t *)mmap(NULL, region + (size_t)pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  uint8_t *end = mem + region;
  alloc_stats st;
  counts c;
  CHECK(mem != MAP_FAILED && mprotect(end, (size_t)pg, PROT_NONE) == 0);
  if (mem == MAP_FAILED) return;
  for (v = 0; v < 4; v++) {
    bytes b = {0, 0, 0};
    size_t n, cut, off;
    if (!load_file(vec[v], &b)) continue;
    n = b.len;
    /* every prefix of the first 4 KiB, and the whole session, each ending at the guard page */
    for (cut = 1; cut <= n; cut = cut < 4096 ? cut + 1 : (cut == n ? n + 1 : n)) {
      rtm_push *s;
      if (cut > region) break;
      s = ws_session(&st, &c, NULL);
      memcpy(end - cut, b.p, cut);
      rtm_push_feed(s, end - cut, cut, 0);
      rtm_push_feed_eof(s, 0);
      rtm_push_free(s);
      total++;
    }
    { /* and the whole session byte by byte, each byte alone at the guard page */
      rtm_push *s = ws_session(&st, &c, NULL);
      for (off = 0; off < n; off++) { end[-1] = b.p[off]; rtm_push_feed(s, end - 1, 1, 0); discard_output(s); }
      rtm_push_free(s);
      total++;
    }
    b_free(&b);
  }
  h_note("guard page: %zu feeds of the vectors and their prefixes ending at a PROT_NONE page, no fault", total);
  CHECKM(total > 4000, "%zu feeds", total);
  munmap(mem, region + (size_t)pg);
}

/* >>API misuse ---------------------------------------------------------------------------------- */
static rtm_push *g_s;
static int g_in_cb_rc = 1, g_freed;
static void misuse_cb(rtm_push *cb_s, const rtm_push_event *ev, void *u) {
  (void)cb_s;
  (void)u;
  if (ev->type == RTM_PUSH_EV_PING) {
    g_in_cb_rc = rtm_push_feed(g_s, "x", 1, 0);
    if (rtm_push_tick(g_s, 0) != RTM_PUSH_E_IN_CALLBACK) g_in_cb_rc = 0;
    rtm_push_free(g_s); /* deferred until the feed returns */
    g_freed = 1;
    if (rtm_push_current_state(g_s) != RTM_PUSH_STATE_READY) g_in_cb_rc = 0; /* still valid inside the callback */
  }
}
static void test_misuse(void) {
  rtm_push_config cfg;
  rtm_push *s;
  const uint8_t *o;
  bytes fr = {0, 0, 0};
  int rc;
  memset(&cfg, 0, sizeof cfg);
  CHECKM(rtm_push_new(NULL, &cfg) == RTM_PUSH_E_INVALID_ARG && rtm_push_new(&s, NULL) == RTM_PUSH_E_INVALID_ARG,
         "rtm_push_new(NULL...): RTM_PUSH_E_INVALID_ARG");
  CHECKM(rtm_push_new(&s, &cfg) == RTM_PUSH_E_CONFIG && s == NULL, "START_HTTP without a host: RTM_PUSH_E_CONFIG");
  cfg.host = "h", cfg.allocator.alloc_fn = t_alloc;
  CHECKM(rtm_push_new(&s, &cfg) == RTM_PUSH_E_CONFIG, "an allocator with alloc_fn but no free_fn: RTM_PUSH_E_CONFIG");
  CHECKM(rtm_push_feed(NULL, "x", 1, 0) == RTM_PUSH_E_INVALID_ARG && rtm_push_feed_eof(NULL, 0) == RTM_PUSH_E_INVALID_ARG &&
         rtm_push_tick(NULL, 0) == RTM_PUSH_E_INVALID_ARG && rtm_push_close(NULL, 0) == RTM_PUSH_E_INVALID_ARG &&
         rtm_push_pending_output(NULL, &o) == 0 && o == NULL && rtm_push_consume_output(NULL, 1) == RTM_PUSH_E_INVALID_ARG &&
         rtm_push_next_deadline(NULL) == UINT64_MAX && rtm_push_current_state(NULL) == RTM_PUSH_STATE_INVALID &&
         rtm_push_want_read(NULL) == 0 && rtm_push_want_write(NULL) == 0 && rtm_push_last_error(NULL, NULL) == RTM_PUSH_E_INVALID_ARG &&
         h_quest(NULL, "m", RTM_PUSH_ENC_JSON, NULL, 0, 0, NULL, NULL, NULL) == RTM_PUSH_E_INVALID_ARG &&
         rtm_push_reconnect(NULL, 0) == RTM_PUSH_E_INVALID_ARG && rtm_push_event_to_json(NULL, NULL, 0) == 0,
         "NULL sessions: an error code from every call, no crash");
  rtm_push_free(NULL);
  memset(&cfg, 0, sizeof cfg);
  cfg.start = RTM_PUSH_START_WS, cfg.no_login = 1, cfg.entropy = fixed_entropy;
  rtm_push_new(&s, &cfg);
  CHECKM(rtm_push_feed(s, NULL, 5, 0) == RTM_PUSH_E_INVALID_ARG && rtm_push_feed(s, NULL, 0, 0) == RTM_PUSH_OK,
         "feed(NULL, 5): RTM_PUSH_E_INVALID_ARG; feed(NULL, 0) is fine");
  CHECKM(rtm_push_consume_output(s, 1) == RTM_PUSH_E_INVALID_ARG, "consuming more output than pending: RTM_PUSH_E_INVALID_ARG");
  rc = rtm_push_feed(s, "\x82\x0c\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", 14, 0); /* not FPNN: fatal */
  CHECKM(rc == RTM_PUSH_E_FPNN_HEADER, "a package without the FPNN magic: RTM_PUSH_E_FPNN_HEADER");
  rc = rtm_push_feed(s, "\x82\x00", 2, 0);
  CHECKM(rtm_push_current_state(s) == RTM_PUSH_STATE_FAILED && rc == RTM_PUSH_E_CLOSED && rtm_push_tick(s, 0) == RTM_PUSH_OK &&
         h_quest(s, "m", RTM_PUSH_ENC_JSON, NULL, 0, 0, NULL, NULL, NULL) == RTM_PUSH_E_CLOSED,
         "feed after a fatal error: RTM_PUSH_E_CLOSED; quests refused");
  rtm_push_free(s);
  rtm_push_new(&s, &cfg);
  rtm_push_close(s, 0);
  CHECKM(rtm_push_feed(s, "\x82\x00", 2, 0) == RTM_PUSH_E_CLOSED || rtm_push_current_state(s) == RTM_PUSH_STATE_CLOSING,
         "feed after close: refused or still closing, never undefined");
  rtm_push_free(s);
  cfg.on_event = misuse_cb;
  rtm_push_new(&g_s, &cfg);
  quest_frame(&fr, 1, "ping", "{}");
  rc = rtm_push_feed(g_s, fr.p, fr.len, 0);
  CHECKM(g_freed && g_in_cb_rc == RTM_PUSH_E_IN_CALLBACK && rc == RTM_PUSH_E_CLOSED,
         "feed and tick inside a callback: RTM_PUSH_E_IN_CALLBACK; free inside a callback: deferred, the feed returns RTM_PUSH_E_CLOSED");
  b_free(&fr);
}

static void h20_check(int ok, const char *what) { CHECKM(ok, "%s", what); if (ok) h_note("%s", what); }
/* Issue 20: one JSON push with an 8 MiB payload and one escape,
   fed 64 KiB at a time. Its memory, counted by the allocator hook: the package buffer (exactly the package,
   not the next power of two: 16 MiB) and the decode scratch (the payload's length + 64, not 4x). It peaked at
   48 MiB. */
static size_t big_msg_len, big_escape_at;
static int big_msg_escape_ok;
static void big_cb(rtm_push *cb_s, const rtm_push_event *ev, void *u) {
  (void)cb_s;
  (void)u;
  if (ev->fields & RTM_PUSH_F_MSG) { /* pushchat: mtype 30 */
    big_msg_len = ev->msg.len;
    big_msg_escape_ok = ev->msg.len > big_escape_at + 1 && ev->msg.ptr[big_escape_at] == '\n' &&
                        ev->msg.ptr[big_escape_at - 1] == 'a' && ev->msg.ptr[big_escape_at + 1] == 'a';
  }
}
static void test_big_push_peak(void) {
  alloc_stats st;
  rtm_push_config cfg;
  rtm_push *s = NULL;
  static const char head[] = "{\"from\":1,\"mid\":2,\"mtype\":30,\"attrs\":\"\",\"mtime\":3,\"msg\":\"";
  size_t plen = (size_t)8 << 20, total = plen + 16 + 7, msgn = plen - (sizeof head - 1) - 2, off, base, peak;
  uint8_t *pk = (uint8_t *)malloc(total), *pl;
  char line[200];
  if (!pk) { h20_check(0, "malloc 8 MiB"); return; }
  memset(&st, 0, sizeof st);
  st.fail_at = -1;
  memcpy(pk, "FPNN\x01\x40\x01\x07", 8); /* a two-way quest, JSON, method of 7 bytes */
  pk[8] = (uint8_t)plen, pk[9] = (uint8_t)(plen >> 8), pk[10] = (uint8_t)(plen >> 16), pk[11] = (uint8_t)(plen >> 24);
  memcpy(pk + 12, "\x01\x00\x00\x00" "pushmsg", 11);
  pl = pk + 23;
  memcpy(pl, head, sizeof head - 1);
  memset(pl + sizeof head - 1, 'a', msgn);
  memcpy(pl + sizeof head - 1 + msgn / 2 - 1, "\\n", 2); /* the one escape, in the middle */
  big_escape_at = msgn / 2 - 1;
  memcpy(pl + plen - 2, "\"}", 2);
  memset(&cfg, 0, sizeof cfg);
  cfg.start = RTM_PUSH_START_FPNN, cfg.no_login = 1, cfg.token = "t", cfg.entropy = fixed_entropy, cfg.on_event = big_cb;
  cfg.limits.max_package = 9u << 20; /* an 8 MiB payload: the package is 23 bytes more */
  cfg.allocator.alloc_fn = t_alloc, cfg.allocator.free_fn = t_free, cfg.allocator.user_data = &st;
  if (rtm_push_new(&s, &cfg) != RTM_PUSH_OK) { h20_check(0, "rtm_push_new"); free(pk); return; }
  rtm_push_tick(s, 1);
  base = st.bytes;
  st.peak = st.bytes;
  for (off = 0; off < total; off += 65536) {
    rtm_push_feed(s, pk + off, total - off < 65536 ? total - off : 65536, 2);
    discard_output(s);
  }
  peak = st.peak - base;
  snprintf(line, sizeof line, "a JSON push of 8 MiB with one escape, fed 64 KiB at a time: delivered whole; peak %.2f MiB above the "
           "idle session (%.3f x the payload), at most 2 x the payload + 1 MiB", (double)peak / 1048576.0, (double)peak / (double)plen);
  h20_check(big_msg_len == msgn - 1 && big_msg_escape_ok && rtm_push_current_state(s) == RTM_PUSH_STATE_READY && peak <= 2 * plen + (1u << 20), line);
  rtm_push_free(s);
  h20_check(st.live == 0 && st.bytes == 0, "the 8 MiB push: every byte freed with the session");
  free(pk);
}

/* What is read a second time goes to its own scratch, bounded like the first: a file push whose msg is JSON
   text full of escapes (decoded once as msg, again as file info) beside attrs with an escape (read again for
   excludedUids) decodes whole, nothing "exhausted". */
static int file_ok, file_errors;
static size_t file_url_n;
static void file_cb(rtm_push *cb_s, const rtm_push_event *ev, void *u) {
  (void)cb_s;
  size_t i;
  (void)u;
  if (ev->type == RTM_PUSH_EV_ERROR) file_errors++;
  if (!ev->has_file) return;
  file_ok = ev->file.url.len == file_url_n && memcmp(ev->file.url.ptr, "https://x/", 10) == 0 && ev->file.has_size &&
            ev->file.size == 5;
  for (i = 10; file_ok && i < file_url_n; i++) file_ok = ev->file.url.ptr[i] == (i % 2 ? '/' : 'a');
}
static void test_second_reading(void) {
  enum { N = 30000 };
  static char pl[8 * N + 512];
  rtm_push_config cfg;
  rtm_push *s = NULL;
  uint8_t *pk;
  size_t n = 0, i, total;
  n += (size_t)sprintf(pl, "{\"from\":1,\"mid\":3,\"mtype\":40,\"attrs\":\"{\\\"excludedUids\\\":[\\\"\\\\u0039\\\"]}\","
                           "\"msg\":\"{\\\"url\\\":\\\"https:\\\\/\\\\/x\\\\/");
  for (i = 0; i < N; i++) memcpy(pl + n, "a\\\\/", 4), n += 4;
  n += (size_t)sprintf(pl + n, "\\\",\\\"size\\\":5}\"}");
  file_url_n = 10 + 2 * (size_t)N;
  total = 16 + 7 + n;
  pk = (uint8_t *)malloc(total);
  memcpy(pk, "FPNN\x01\x40\x01\x07", 8);
  pk[8] = (uint8_t)n, pk[9] = (uint8_t)(n >> 8), pk[10] = (uint8_t)(n >> 16), pk[11] = (uint8_t)(n >> 24);
  memcpy(pk + 12, "\x01\x00\x00\x00" "pushmsg", 11);
  memcpy(pk + 23, pl, n);
  memset(&cfg, 0, sizeof cfg);
  cfg.start = RTM_PUSH_START_FPNN, cfg.no_login = 1, cfg.uid = 42, cfg.token = "t", cfg.entropy = fixed_entropy, cfg.on_event = file_cb;
  rtm_push_new(&s, &cfg);
  rtm_push_tick(s, 1);
  for (i = 0; i < total; i += 4096) rtm_push_feed(s, pk + i, total - i < 4096 ? total - i : 4096, 2);
  h20_check(file_ok && file_errors == 0 && rtm_push_current_state(s) == RTM_PUSH_STATE_READY,
        "a file push whose msg JSON has 30,000 escapes, attrs with one: file info decoded whole from its second reading");
  rtm_push_free(s);
  free(pk);
}

static const test_def g_tests[] = {
  T(test_misuse),
  T(test_guard_page),
  T(test_flood_unique_mids),
  T(test_flood_huge_announcements),
  T(test_flood_deep_nesting),
  T(test_flood_pings),
  T(test_failmalloc_sweep),
  T(test_big_push_peak),
  T(test_second_reading),
};
TEST_MAIN(g_tests)
