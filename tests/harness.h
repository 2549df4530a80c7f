/* The one harness of the C test programs (tests/test_*.c, tests/hostile.c, tests/live_quests.c): one assertion
   macro (CHECK, and CHECKM: the same check with a printf-style note printed on failure), one FPNN / WebSocket /
   msgpack byte builder, the event recorder, the session makers, and one runner that prints a line per test case,
   the number of checks, then "N passed, M failed" last and returns nonzero on any failure.
   Each test program is its own translation unit carrying the implementation: the tests use its internals
   (rtm_push__*). Run from the repository root (the recorded vectors are read from tests/vectors/).
     build/test_decode [name-filter]     only the test cases whose name contains the filter
     build/test_kernels --simd           which vector code this CPU runs (any program answers it)
     UNIT_VERBOSE=1  timings and notes   UNIT_QUICK=1  fewer chunkings of the vectors (for valgrind) */
#ifndef RTM_PUSH_TEST_HARNESS_H
#define RTM_PUSH_TEST_HARNESS_H
#define RTM_PUSH_IMPLEMENTATION
#include "../rtm_push.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <time.h>

/* Each program uses a part of the harness: what it leaves unused is no warning. */
#if defined(__GNUC__) || defined(__clang__)
#define H_UNUSED __attribute__((unused))
#else
#define H_UNUSED
#endif

/* >>checks -------------------------------------------------------------------------------------- */
static H_UNUSED int g_test_failed;
static H_UNUSED long g_checks, g_check_failures;
static H_UNUSED void h_check_failed(const char *file, int line, const char *cond) {
  g_check_failures++;
  g_test_failed = 1;
  fprintf(stderr, "%s:%d: CHECK failed: %s", file, line, cond);
}
/* CHECK(cond); CHECKM(cond, "printf format", ...) adds a note to the failure's line. */
#define CHECK(cond)                                                                      \
  do {                                                                                   \
    g_checks++;                                                                          \
    if (!(cond)) {                                                                       \
      h_check_failed(__FILE__, __LINE__, #cond);                                         \
      fprintf(stderr, "\n");                                                             \
    }                                                                                    \
  } while (0)
#define CHECKM(cond, ...)                                                                \
  do {                                                                                   \
    g_checks++;                                                                          \
    if (!(cond)) {                                                                       \
      h_check_failed(__FILE__, __LINE__, #cond);                                         \
      fprintf(stderr, " -- ");                                                           \
      fprintf(stderr, __VA_ARGS__);                                                      \
      fprintf(stderr, "\n");                                                             \
    }                                                                                    \
  } while (0)
/* A measurement worth reading beside the results (memory peaks, counts): printed, never asserted. */
#if defined(__GNUC__) || defined(__clang__)
static H_UNUSED void h_note(const char *fmt, ...) __attribute__((format(printf, 1, 2), unused));
#endif
static H_UNUSED void h_note(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  printf("     ");
  vprintf(fmt, ap);
  printf("\n");
  va_end(ap);
}
/* memmem without _GNU_SOURCE: the first occurrence of w (wn bytes) in h (hn bytes), or NULL */
static H_UNUSED const void *h_find(const void *h, size_t hn, const void *w, size_t wn) {
  const uint8_t *p = (const uint8_t *)h;
  size_t i;
  if (wn == 0) return h;
  for (i = 0; i + wn <= hn; i++)
    if (p[i] == *(const uint8_t *)w && memcmp(p + i, w, wn) == 0) return p + i;
  return NULL;
}
/* >>bytes --------------------------------------------------------------------------------------- */
typedef struct bytes {
  uint8_t *p;
  size_t len, cap;
} bytes;
static H_UNUSED void b_put(bytes *b, const void *p, size_t n) {
  if (b->len + n + 1 > b->cap) {
    size_t c = b->cap ? b->cap : 64;
    while (c < b->len + n + 1) c *= 2;
    b->p = (uint8_t *)realloc(b->p, c);
    if (!b->p) { fprintf(stderr, "out of memory\n"); exit(2); }
    b->cap = c;
  }
  if (n) memcpy(b->p + b->len, p, n);
  b->len += n;
  b->p[b->len] = 0; /* always NUL-terminated for string checks */
}
static H_UNUSED void b_byte(bytes *b, uint8_t c) { b_put(b, &c, 1); }
static H_UNUSED void b_str(bytes *b, const char *z) { b_put(b, z, strlen(z)); }
static H_UNUSED void b_le32(bytes *b, uint32_t v) {
  uint8_t t[4];
  t[0] = (uint8_t)v; t[1] = (uint8_t)(v >> 8); t[2] = (uint8_t)(v >> 16); t[3] = (uint8_t)(v >> 24);
  b_put(b, t, 4);
}
static H_UNUSED void b_be(bytes *b, uint64_t v, int w) {
  int i;
  for (i = w - 1; i >= 0; i--) b_byte(b, (uint8_t)(v >> (8 * i)));
}
static H_UNUSED void b_free(bytes *b) {
  free(b->p);
  b->p = NULL;
  b->len = b->cap = 0;
}
static H_UNUSED void b_reset(bytes *b) { b->len = 0; if (b->p) b->p[0] = 0; }

/* >>fpnn and websocket builders ----------------------------------------------------------------- */
/* mtype 0 one-way, 1 two-way quest, 2 answer (ss = status). */
static H_UNUSED void pkg_raw(bytes *b, int mtype, int flag, uint32_t seq, int ss, const char *method, const void *payload,
                    size_t plen) {
  size_t ml = method ? strlen(method) : 0;
  b_str(b, "FPNN");
  b_byte(b, 1);
  b_byte(b, (uint8_t)flag);
  b_byte(b, (uint8_t)mtype);
  b_byte(b, (uint8_t)(mtype == 2 ? ss : (int)ml));
  b_le32(b, (uint32_t)plen);
  if (mtype != 0) b_le32(b, seq);
  if (mtype != 2 && ml) b_put(b, method, ml);
  b_put(b, payload, plen);
}
static H_UNUSED void pkg_quest(bytes *b, int twoway, int flag, uint32_t seq, const char *method, const void *p, size_t n) {
  pkg_raw(b, twoway ? 1 : 0, flag, seq, 0, method, p, n);
}
static H_UNUSED void pkg_jquest(bytes *b, int twoway, uint32_t seq, const char *method, const char *json) {
  pkg_quest(b, twoway, 0x40, seq, method, json, strlen(json));
}
static H_UNUSED void pkg_answer(bytes *b, int flag, uint32_t seq, int status, const void *p, size_t n) {
  pkg_raw(b, 2, flag, seq, status, NULL, p, n);
}
/* An unmasked server frame. form: 0 minimal, 7, 16 or 64 to force a length form. */
static H_UNUSED void ws_frame_form(bytes *b, uint8_t b0, const void *p, size_t n, int form) {
  if (!form) form = n < 126 ? 7 : n <= 0xffff ? 16 : 64;
  b_byte(b, b0);
  if (form == 7) b_byte(b, (uint8_t)n);
  else if (form == 16) { b_byte(b, 126); b_be(b, n, 2); }
  else { b_byte(b, 127); b_be(b, n, 8); }
  b_put(b, p, n);
}
static H_UNUSED void ws_frame(bytes *b, const void *p, size_t n) { ws_frame_form(b, 0x82, p, n, 0); }

/* Parses one client frame at p (must be masked). Returns its total length, 0 if incomplete/invalid. */
static H_UNUSED size_t ws_client_frame(const uint8_t *p, size_t n, int *b0, bytes *payload) {
  size_t hl = 2, len, i;
  const uint8_t *mask;
  if (n < 2 || !(p[1] & 0x80)) return 0;
  len = p[1] & 0x7f;
  if (len == 126) { if (n < 4) return 0; len = ((size_t)p[2] << 8) | p[3]; hl = 4; }
  else if (len == 127) {
    if (n < 10) return 0;
    len = 0;
    for (i = 0; i < 8; i++) len = (len << 8) | p[2 + i];
    hl = 10;
  }
  if (n < hl + 4 + len) return 0;
  mask = p + hl;
  if (b0) *b0 = p[0];
  if (payload) {
    b_reset(payload);
    for (i = 0; i < len; i++) b_byte(payload, (uint8_t)(p[hl + 4 + i] ^ mask[i & 3]));
  }
  return hl + 4 + len;
}

/* msgpack strings: tag 0 the smallest form, else the given one (0xd9/0xda/0xdb str, 0xc4/0xc5/0xc6 bin) */
static H_UNUSED void mp_str_form(bytes *b, const void *p, size_t n, int tag) { /* tag 0: smallest form */
  if (!tag) tag = n < 32 ? 0xa0 : n <= 0xff ? 0xd9 : n <= 0xffff ? 0xda : 0xdb;
  if (tag == 0xa0) b_byte(b, (uint8_t)(0xa0 | n));
  else {
    int w = (tag == 0xd9 || tag == 0xc4) ? 1 : (tag == 0xda || tag == 0xc5) ? 2 : 4;
    b_byte(b, (uint8_t)tag);
    b_be(b, n, w);
  }
  b_put(b, p, n);
}
static H_UNUSED void mp_s(bytes *b, const char *z) { mp_str_form(b, z, strlen(z), 0); }

/* >>entropy ------------------------------------------------------------------------------------- */
/* a deterministic xorshift: the same inputs every run (each program starts from the same state) */
static H_UNUSED uint32_t g_rng = 0x9E3779B9u;
static H_UNUSED uint32_t rnd32(void) { g_rng ^= g_rng << 13; g_rng ^= g_rng >> 17; g_rng ^= g_rng << 5; return g_rng; }
/* Deterministic: the state is *(uint32_t *)u when given (two sessions with equal seeds draw the same
   WebSocket keys and masks), else a shared counter. */
static H_UNUSED int test_entropy(unsigned char *buf, size_t len, void *u) {
  static uint32_t shared = 0x12345678u;
  uint32_t *x = u ? (uint32_t *)u : &shared;
  size_t i;
  for (i = 0; i < len; i++) {
    *x = *x * 1103515245u + 12345u;
    buf[i] = (unsigned char)(*x >> 16);
  }
  return 0;
}
static H_UNUSED int failing_entropy(unsigned char *buf, size_t len, void *u) {
  (void)u; (void)buf; (void)len;
  return -1;
}

/* >>recorder ------------------------------------------------------------------------------------ */
#define MAXREC 256
typedef struct evrec {
  rtm_push_event ev; /* scalars only: the pointers are cleared */
  char msg[600];
  size_t msg_len;
  int msg_binary;
  char message[300];
  char ex[128];
  char url[128], surl[128];
  char method[64];
  char payload[256];
  size_t payload_len;
  char attrs[256];
} evrec;
typedef struct rec rec;
typedef void (*rec_hook)(rec *r, const rtm_push_event *ev);
struct rec {
  bytes lines; /* one rtm_push_event_to_json line per event, '\n'-terminated */
  int count[RTM_PUSH_EV_COUNT];
  int n;
  evrec *evs; /* the first MAXREC events */
  rtm_push *s;   /* for hooks */
  rec_hook hook; /* called inside the callback */
  int hook_rc;
  void *hook_data;
};
static H_UNUSED void copy_str(char *dst, size_t cap, const rtm_push_str *s) {
  size_t n = s->ptr ? (s->len < cap - 1 ? s->len : cap - 1) : 0;
  if (n) memcpy(dst, s->ptr, n);
  dst[n] = 0;
}
static H_UNUSED void rec_cb(rtm_push *cb_s, const rtm_push_event *ev, void *u) {
  (void)cb_s;
  rec *r = (rec *)u;
  size_t n = rtm_push_event_to_json(ev, NULL, 0);
  char *line = (char *)malloc(n + 1);
  size_t n2 = rtm_push_event_to_json(ev, line, n + 1);
  if (n2 != n) fprintf(stderr, "event_to_json: measured %lu, wrote %lu\n", (unsigned long)n, (unsigned long)n2);
  b_put(&r->lines, line, strlen(line));
  b_byte(&r->lines, '\n');
  free(line);
  if ((int)ev->type >= 0 && ev->type < RTM_PUSH_EV_COUNT) r->count[ev->type]++;
  if (!r->evs) r->evs = (evrec *)calloc(MAXREC, sizeof(evrec));
  if (r->n < MAXREC) {
    evrec *e = &r->evs[r->n];
    e->ev = *ev;
    e->msg_len = ev->msg.len;
    e->msg_binary = ev->msg.binary;
    copy_str(e->msg, sizeof e->msg, &ev->msg);
    copy_str(e->ex, sizeof e->ex, &ev->ex);
    copy_str(e->url, sizeof e->url, &ev->file.url);
    copy_str(e->surl, sizeof e->surl, &ev->file.surl);
    copy_str(e->method, sizeof e->method, &ev->method);
    copy_str(e->payload, sizeof e->payload, &ev->payload);
    copy_str(e->attrs, sizeof e->attrs, &ev->attrs);
    e->payload_len = ev->payload.len;
    snprintf(e->message, sizeof e->message, "%s", ev->message ? ev->message : "");
    memset(&e->ev.method, 0, sizeof e->ev.method);
    memset(&e->ev.payload, 0, sizeof e->ev.payload);
    memset(&e->ev.msg, 0, sizeof e->ev.msg);
    memset(&e->ev.attrs, 0, sizeof e->ev.attrs);
    memset(&e->ev.translation, 0, sizeof e->ev.translation);
    memset(&e->ev.file.url, 0, sizeof e->ev.file.url);
    memset(&e->ev.file.surl, 0, sizeof e->ev.file.surl);
    memset(&e->ev.ex, 0, sizeof e->ev.ex);
    memset(&e->ev.gate, 0, sizeof e->ev.gate);
    e->ev.message = NULL;
    e->ev.name = NULL;
  }
  r->n++;
  if (r->hook) r->hook(r, ev);
}
static H_UNUSED void rec_free(rec *r) {
  b_free(&r->lines);
  free(r->evs);
  memset(r, 0, sizeof *r);
}
static H_UNUSED const char *rec_text(const rec *r) { return r->lines.p ? (const char *)r->lines.p : ""; }
static H_UNUSED int rec_has(const rec *r, const char *sub) { return strstr(rec_text(r), sub) != NULL; }
static H_UNUSED const evrec *rec_last(const rec *r) { return r->n && r->n <= MAXREC ? &r->evs[r->n - 1] : NULL; }
/* the i-th event of a type (0-based), or NULL */
static H_UNUSED const evrec *rec_nth(const rec *r, rtm_push_event_type t, int i) {
  int k;
  for (k = 0; k < r->n && k < MAXREC; k++)
    if (r->evs[k].ev.type == t && i-- == 0) return &r->evs[k];
  return NULL;
}

/* >>sessions ------------------------------------------------------------------------------------ */
static H_UNUSED void cfg_init(rtm_push_config *c, rec *r, rtm_push_start start) {
  memset(c, 0, sizeof *c);
  c->host = "gate.example";
  c->port = 13321;
  c->start = start;
  c->pid = 11000001;
  c->uid = 4242;
  c->token = "TOKEN";
  c->no_login = 1;
  c->on_event = rec_cb;
  c->user_data = r;
  c->entropy = test_entropy;
}
static H_UNUSED rtm_push *mk_cfg(rec *r, const rtm_push_config *c) {
  rtm_push *s = NULL;
  int rc = rtm_push_new(&s, c);
  if (rc != RTM_PUSH_OK || !s) {
    fprintf(stderr, "rtm_push_new failed: %d %s\n", rc, rtm_push_strerror(rc));
    exit(2);
  }
  r->s = s;
  return s;
}
static H_UNUSED rtm_push *mk(rec *r, rtm_push_start start) {
  rtm_push_config c;
  cfg_init(&c, r, start);
  return mk_cfg(r, &c);
}
/* Feed a package: as is (START_FPNN) or wrapped in one frame (START_WS). */
/* Feeds a copy in a buffer of exactly n bytes, so that ASan and valgrind see any over-read. */
static H_UNUSED int feed_exact(rtm_push *s, const void *p, size_t n, uint64_t now) {
  uint8_t *c = (uint8_t *)malloc(n ? n : 1);
  int rc;
  if (n) memcpy(c, p, n);
  rc = rtm_push_feed(s, c, n, now);
  free(c);
  return rc;
}
static H_UNUSED int feed_pkg(rtm_push *s, const bytes *pkg, uint64_t now) {
  if (rtm_push_current_config(s)->start == RTM_PUSH_START_FPNN) return feed_exact(s, pkg->p, pkg->len, now);
  {
    bytes f = {0, 0, 0};
    int rc;
    ws_frame(&f, pkg->p, pkg->len);
    rc = feed_exact(s, f.p, f.len, now);
    b_free(&f);
    return rc;
  }
}
static H_UNUSED int feed_jpush(rtm_push *s, int twoway, uint32_t seq, const char *method, const char *json) {
  bytes b = {0, 0, 0};
  int rc;
  pkg_jquest(&b, twoway, seq, method, json);
  rc = feed_pkg(s, &b, 1000);
  b_free(&b);
  return rc;
}
static H_UNUSED int feed_mpush(rtm_push *s, int twoway, uint32_t seq, const char *method, const bytes *mp) {
  bytes b = {0, 0, 0};
  int rc;
  pkg_quest(&b, twoway, 0x80, seq, method, mp->p, mp->len);
  rc = feed_pkg(s, &b, 1000);
  b_free(&b);
  return rc;
}
/* All pending output, drained (START_FPNN: package by package, each checked to be exactly one). */
static H_UNUSED void drain(rtm_push *s, bytes *out) {
  const uint8_t *p;
  size_t n;
  while ((n = rtm_push_pending_output(s, &p)) > 0) {
    b_put(out, p, n);
    if (rtm_push_consume_output(s, n) != RTM_PUSH_OK) break;
  }
}
/* All pending output, thrown away (what a host that writes everything does). */
static H_UNUSED void discard_output(rtm_push *s) {
  size_t n;
  while ((n = rtm_push_pending_output(s, NULL)) > 0)
    if (rtm_push_consume_output(s, n) != RTM_PUSH_OK) break;
}
/* The 0.1 positional quest and send calls, as tests write them most compactly: each fills the description. */
static H_UNUSED int h_quest(rtm_push *s, const char *method, rtm_push_encoding enc, const void *payload, size_t len,
                            uint32_t timeout_ms, rtm_push_answer_fn cb, void *user, uint32_t *seq) {
  rtm_push_quest_desc q;
  memset(&q, 0, sizeof q);
  q.method = method, q.encoding = enc, q.payload = payload, q.payload_len = len, q.timeout_ms = timeout_ms;
  q.on_answer = cb, q.user_data = user;
  return rtm_push_quest(s, &q, seq);
}
static H_UNUSED int h_send(rtm_push *s, rtm_push_target target, int64_t to, int64_t mid, int32_t mtype, const char *msg,
                           size_t len, const char *attrs, rtm_push_answer_fn cb, void *user) {
  rtm_push_message m;
  memset(&m, 0, sizeof m);
  m.target = target, m.to = to, m.mid = mid, m.mtype = mtype, m.msg = msg, m.msg_len = len, m.attrs = attrs;
  m.on_answer = cb, m.user_data = user;
  return rtm_push_send(s, &m, NULL);
}
/* A bare START_FPNN session with the caller's own callback (no recorder): pid 5, uid 42, token "t". */
static H_UNUSED rtm_push *mk_bare(rtm_push_event_fn cb, void *user, int login) {
  rtm_push_config c;
  rtm_push *s = NULL;
  memset(&c, 0, sizeof c);
  c.start = RTM_PUSH_START_FPNN, c.no_login = !login, c.pid = 5, c.uid = 42, c.token = "t";
  c.entropy = test_entropy, c.on_event = cb, c.user_data = user;
  CHECK(rtm_push_new(&s, &c) == RTM_PUSH_OK && s != NULL);
  return s;
}
static H_UNUSED int feed_jpush_at(rtm_push *s, uint64_t now, uint32_t seq, const char *method, const char *json) {
  bytes b = {0, 0, 0};
  int rc;
  pkg_jquest(&b, 1, seq, method, json);
  rc = feed_pkg(s, &b, now);
  b_free(&b);
  return rc;
}
/* number of FPNN packages in START_FPNN output (drained) */
static H_UNUSED int count_answers(rtm_push *s) {
  const uint8_t *p;
  size_t n;
  int k = 0;
  while ((n = rtm_push_pending_output(s, &p)) > 0) {
    k++;
    rtm_push_consume_output(s, n);
  }
  return k;
}
/* One answer {} (JSON) or 0x80 (msgpack) to the gate's quest seq, exactly. */
static H_UNUSED void expect_answer(const uint8_t *p, size_t n, int flag, uint32_t seq) {
  bytes want = {0, 0, 0};
  pkg_answer(&want, flag, seq, 0, flag == 0x80 ? "\x80" : "{}", flag == 0x80 ? 1 : 2);
  CHECKM(n == want.len && memcmp(p, want.p, n) == 0, "answer to seq %u: %lu bytes", (unsigned)seq, (unsigned long)n);
  b_free(&want);
}
/* A two-way JSON pushmsg package of exactly `total` bytes (>= 60), msg "AAA...", the given mid. */
static H_UNUSED void pkg_sized(bytes *b, size_t total, int mid, uint32_t seq) {
  bytes j = {0, 0, 0};
  char head[64];
  size_t fill;
  snprintf(head, sizeof head, "{\"mid\":%d, \"msg\":\"", mid);
  b_str(&j, head);
  fill = total - 23 - strlen(head) - 2;
  while (fill--) b_byte(&j, 'A');
  b_str(&j, "\"}");
  pkg_quest(b, 1, 0x40, seq, "pushmsg", j.p, j.len);
  b_free(&j);
}

/* >>upgrade and login --------------------------------------------------------------------------- */
/* The Sec-WebSocket-Key of the pending request (copied into key[32]); returns the request length. */
static H_UNUSED size_t request_key(rtm_push *s, char key[32], bytes *req) {
  const uint8_t *p;
  size_t n = rtm_push_pending_output(s, &p);
  const char *k;
  key[0] = 0;
  b_reset(req);
  b_put(req, p, n);
  k = strstr((const char *)req->p, "Sec-WebSocket-Key: ");
  if (k) {
    size_t i;
    k += 19;
    for (i = 0; i < 31 && k[i] && k[i] != '\r'; i++) key[i] = k[i];
    key[i] = 0;
  }
  return n;
}
static H_UNUSED void accept_for(const char *key, char out[64]) {
  char buf[128];
  unsigned char sha[20];
  size_t n = 0;
  snprintf(buf, sizeof buf, "%s258EAFA5-E914-47DA-95CA-C5AB0DC85B11", key);
  RTM_PUSH__SHA1((const unsigned char *)buf, strlen(buf), sha);
  mbedtls_base64_encode((unsigned char *)out, 64, &n, sha, 20);
  out[n] = 0;
}
static H_UNUSED void switching(bytes *b, const char *accept) {
  b_str(b, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ");
  b_str(b, accept);
  b_str(b, "\r\n\r\n");
}
/* The auth quest in `out` (one masked frame): checks it and returns its seq. */
static H_UNUSED uint32_t check_auth_frame(const bytes *out, const char *want_uid, int msgpack) {
  bytes pl = {0, 0, 0};
  int b0 = 0;
  uint32_t seq = 0;
  size_t k = ws_client_frame(out->p, out->len, &b0, &pl);
  CHECKM(k == out->len && b0 == 0x82, "auth frame: %lu of %lu", (unsigned long)k, (unsigned long)out->len);
  if (k && pl.len > 20) {
    CHECK(memcmp(pl.p, "FPNN\x01", 5) == 0 && pl.p[5] == (msgpack ? 0x80 : 0x40) && pl.p[6] == 1 && pl.p[7] == 4);
    CHECK((pl.p[8] | (pl.p[9] << 8) | (pl.p[10] << 16) | ((uint32_t)pl.p[11] << 24)) == pl.len - 20);
    seq = pl.p[12] | (pl.p[13] << 8) | (pl.p[14] << 16) | ((uint32_t)pl.p[15] << 24);
    CHECK(memcmp(pl.p + 16, "auth", 4) == 0);
    if (!msgpack) {
      cJSON *j = cJSON_ParseWithLength((const char *)pl.p + 20, pl.len - 20);
      char want[64];
      CHECK(j != NULL);
      if (j) {
        cJSON *pid = cJSON_GetObjectItemCaseSensitive(j, "pid"), *tok = cJSON_GetObjectItemCaseSensitive(j, "token"),
              *ver = cJSON_GetObjectItemCaseSensitive(j, "version");
        CHECK(cJSON_IsNumber(pid) && pid->valuedouble == 11000001.0);
        CHECK(cJSON_IsString(tok) && strcmp(tok->valuestring, "TOKEN") == 0);
        CHECK(cJSON_IsString(ver) && strcmp(ver->valuestring, "C-rtm_push-" RTM_PUSH_VERSION_STRING) == 0);
        cJSON_Delete(j);
      }
      snprintf(want, sizeof want, "\"uid\":%s", want_uid);
      CHECKM(strstr((const char *)pl.p + 20, want) != NULL, "%s", (const char *)pl.p + 20);
    }
  }
  b_free(&pl);
  return seq;
}
/* START_WS with login: the auth quest (seq 1) is pending at once */
static H_UNUSED rtm_push *mk_login(rec *r, rtm_push_config *c) {
  rtm_push *s;
  bytes out = {0, 0, 0};
  memset(r, 0, sizeof *r);
  if (!c->on_event) cfg_init(c, r, RTM_PUSH_START_WS);
  c->no_login = 0;
  s = mk_cfg(r, c);
  CHECK(rtm_push_current_state(s) == RTM_PUSH_STATE_AUTHENTICATING);
  drain(s, &out);
  CHECK(check_auth_frame(&out, "4242", 0) == 1);
  b_free(&out);
  return s;
}
static H_UNUSED int feed_answer(rtm_push *s, uint32_t seq, int status, const char *json, uint64_t now) {
  bytes b = {0, 0, 0};
  int rc;
  pkg_answer(&b, 0x40, seq, status, json, strlen(json));
  rc = feed_pkg(s, &b, now);
  b_free(&b);
  return rc;
}
/* START_WS, logged in at `now` (the default configuration of mk_login) */
static H_UNUSED rtm_push *mk_ready(rec *r, uint64_t now) {
  rtm_push_config c;
  rtm_push *s;
  memset(&c, 0, sizeof c);
  s = mk_login(r, &c);
  CHECK(feed_answer(s, 1, 0, "{\"ok\":true}", now) == RTM_PUSH_OK);
  return s;
}

/* >>files --------------------------------------------------------------------------------------- */
static H_UNUSED int load_file(const char *name, bytes *out) {
  static const char *const dirs[] = {"tests/vectors/", "vectors/", "../tests/vectors/", "../vectors/"};
  size_t i;
  b_reset(out);
  for (i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
    char path[256];
    FILE *f;
    snprintf(path, sizeof path, "%s%s", dirs[i], name);
    if ((f = fopen(path, "rb")) != NULL) {
      char buf[65536];
      size_t n;
      while ((n = fread(buf, 1, sizeof buf, f)) > 0) b_put(out, buf, n);
      fclose(f);
      if (!out->p) b_put(out, "", 0);
      return 1;
    }
  }
  fprintf(stderr, "cannot open %s (run from the repository root)\n", name);
  return 0;
}

/* >>kernels -------------------------------------------------------------------------------------- */
/* The kernel tier a session runs on this CPU: the library's own choice, read from a session. */
static H_UNUSED const rtm_push__kernels *kernels_of_session(void) {
  const rtm_push__kernels *k = NULL;
  rec r;
  rtm_push *s;
  memset(&r, 0, sizeof r);
  s = mk(&r, RTM_PUSH_START_FPNN);
  if (s) {
    k = s->k;
    rtm_push_free(s);
  }
  rec_free(&r);
  return k;
}

/* >>runner -------------------------------------------------------------------------------------- */
typedef struct test_def {
  const char *name;
  void (*fn)(void);
} test_def;
#define T(f) {#f, f}
/* `--simd`: the kernel tier this CPU runs, and the tiers compiled in (tests/run.sh names them in the kernels'
   line: the AVX-512 tier is tested only where the CPU has it, never under valgrind, which has none). */
static H_UNUSED void print_simd(void) {
  const rtm_push__kernels *k = kernels_of_session();
  int t;
  printf("kernels %s; compiled in:", k ? k->name : "?");
  for (t = 0; rtm_push__k_tiers[t]; t++) printf(" %s", rtm_push__k_tiers[t]->name);
  printf("\n");
}
/* The last two lines of every test program: the checks made, then the test cases. */
static H_UNUSED int h_summary(int passed, int failed) {
  printf("%ld checks, %ld failed\n", g_checks, g_check_failures);
  printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
/* Runs the test cases whose name contains filter (all: NULL), a line each. */
static H_UNUSED int run_tests(const char *filter, const test_def *tests, size_t count) {
  size_t i;
  int passed = 0, failed = 0, verbose = getenv("UNIT_VERBOSE") != NULL;
  setvbuf(stdout, NULL, _IONBF, 0);
  for (i = 0; i < count; i++) {
    clock_t t1;
    long c0 = g_checks;
    if (filter && !strstr(tests[i].name, filter)) continue;
    g_test_failed = 0;
    t1 = clock();
    tests[i].fn();
    if (g_test_failed) failed++;
    else passed++;
    printf("%s %s (%ld checks", g_test_failed ? "FAIL" : "ok  ", tests[i].name, g_checks - c0);
    if (verbose) printf(", %.0f ms", (double)(clock() - t1) * 1000.0 / CLOCKS_PER_SEC);
    printf(")\n");
  }
  return h_summary(passed, failed);
}
/* main of a test program: `prog [name-filter]`, `prog --simd` */
static H_UNUSED int h_main(int argc, char **argv, const test_def *tests, size_t count) {
  if (argc > 1 && strcmp(argv[1], "--simd") == 0) {
    print_simd();
    return 0;
  }
  return run_tests(argc > 1 ? argv[1] : NULL, tests, count);
}
#define TEST_MAIN(tests)                                                                 \
  int main(int argc, char **argv) { return h_main(argc, argv, tests, sizeof tests / sizeof tests[0]); }

#endif /* RTM_PUSH_TEST_HARNESS_H */
