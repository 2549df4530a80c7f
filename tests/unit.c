/* Unit tests of rtm_push.h: every layer fed from memory, no sockets, a simulated clock.
   Build: cc -std=c99 -Wall -Wextra -Wpedantic -O2 -g -o build/unit tests/unit.c \
            -lwslay -lcjson -lmbedtls -lmbedx509 -lmbedcrypto && ./build/unit [name-filter]
   Tests that show a bug in rtm_push.h are kept under `#if 0 /+ BUG: ... +/` so the suite stays green. */
#define RTM_PUSH_IMPLEMENTATION
#include "../rtm_push.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <time.h>

/* >>framework ----------------------------------------------------------------------------------- */
static int g_test_failed;
static long g_checks, g_check_failures;
#define CHECK(cond)                                                                      \
  do {                                                                                   \
    g_checks++;                                                                          \
    if (!(cond)) {                                                                       \
      g_check_failures++;                                                                \
      g_test_failed = 1;                                                                 \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);          \
    }                                                                                    \
  } while (0)
/* CHECK with a printf-style note on failure */
#define CHECKM(cond, ...)                                                                \
  do {                                                                                   \
    g_checks++;                                                                          \
    if (!(cond)) {                                                                       \
      g_check_failures++;                                                                \
      g_test_failed = 1;                                                                 \
      fprintf(stderr, "%s:%d: CHECK failed: %s -- ", __FILE__, __LINE__, #cond);         \
      fprintf(stderr, __VA_ARGS__);                                                      \
      fprintf(stderr, "\n");                                                             \
    }                                                                                    \
  } while (0)

/* >>bytes --------------------------------------------------------------------------------------- */
typedef struct bytes {
  uint8_t *p;
  size_t len, cap;
} bytes;
static void b_put(bytes *b, const void *p, size_t n) {
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
static void b_byte(bytes *b, uint8_t c) { b_put(b, &c, 1); }
static void b_str(bytes *b, const char *z) { b_put(b, z, strlen(z)); }
static void b_le32(bytes *b, uint32_t v) {
  uint8_t t[4];
  t[0] = (uint8_t)v; t[1] = (uint8_t)(v >> 8); t[2] = (uint8_t)(v >> 16); t[3] = (uint8_t)(v >> 24);
  b_put(b, t, 4);
}
static void b_be(bytes *b, uint64_t v, int w) {
  int i;
  for (i = w - 1; i >= 0; i--) b_byte(b, (uint8_t)(v >> (8 * i)));
}
static void b_free(bytes *b) {
  free(b->p);
  b->p = NULL;
  b->len = b->cap = 0;
}
static void b_reset(bytes *b) { b->len = 0; if (b->p) b->p[0] = 0; }

/* >>fpnn and websocket builders ------------------------------------------------------------------ */
/* mtype 0 one-way, 1 two-way quest, 2 answer (ss = status). */
static void pkg_raw(bytes *b, int mtype, int flag, uint32_t seq, int ss, const char *method, const void *payload,
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
static void pkg_quest(bytes *b, int twoway, int flag, uint32_t seq, const char *method, const void *p, size_t n) {
  pkg_raw(b, twoway ? 1 : 0, flag, seq, 0, method, p, n);
}
static void pkg_jquest(bytes *b, int twoway, uint32_t seq, const char *method, const char *json) {
  pkg_quest(b, twoway, 0x40, seq, method, json, strlen(json));
}
static void pkg_answer(bytes *b, int flag, uint32_t seq, int status, const void *p, size_t n) {
  pkg_raw(b, 2, flag, seq, status, NULL, p, n);
}
/* An unmasked server frame. form: 0 minimal, 7, 16 or 64 to force a length form. */
static void ws_frame_form(bytes *b, uint8_t b0, const void *p, size_t n, int form) {
  if (!form) form = n < 126 ? 7 : n <= 0xffff ? 16 : 64;
  b_byte(b, b0);
  if (form == 7) b_byte(b, (uint8_t)n);
  else if (form == 16) { b_byte(b, 126); b_be(b, n, 2); }
  else { b_byte(b, 127); b_be(b, n, 8); }
  b_put(b, p, n);
}
static void ws_frame(bytes *b, const void *p, size_t n) { ws_frame_form(b, 0x82, p, n, 0); }

/* Parses one client frame at p (must be masked). Returns its total length, 0 if incomplete/invalid. */
static size_t ws_client_frame(const uint8_t *p, size_t n, int *b0, bytes *payload) {
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

/* >>entropy ------------------------------------------------------------------------------------- */
/* Deterministic: the state is *(uint32_t *)u when given (two sessions with equal seeds draw the same
   WebSocket keys and masks), else a shared counter. */
static int test_entropy(void *u, unsigned char *buf, size_t len) {
  static uint32_t shared = 0x12345678u;
  uint32_t *x = u ? (uint32_t *)u : &shared;
  size_t i;
  for (i = 0; i < len; i++) {
    *x = *x * 1103515245u + 12345u;
    buf[i] = (unsigned char)(*x >> 16);
  }
  return 0;
}
static int failing_entropy(void *u, unsigned char *buf, size_t len) {
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
  int count[RTM_PUSH_EV__COUNT];
  int n;
  evrec *evs; /* the first MAXREC events */
  rtm_push *s;   /* for hooks */
  rec_hook hook; /* called inside the callback */
  int hook_rc;
  void *hook_data;
};
static void copy_str(char *dst, size_t cap, const rtm_push_str *s) {
  size_t n = s->ptr ? (s->len < cap - 1 ? s->len : cap - 1) : 0;
  if (n) memcpy(dst, s->ptr, n);
  dst[n] = 0;
}
static void rec_cb(const rtm_push_event *ev, void *u) {
  rec *r = (rec *)u;
  size_t n = rtm_push_event_to_json(ev, NULL, 0);
  char *line = (char *)malloc(n + 1);
  size_t n2 = rtm_push_event_to_json(ev, line, n + 1);
  if (n2 != n) fprintf(stderr, "event_to_json: measured %lu, wrote %lu\n", (unsigned long)n, (unsigned long)n2);
  b_put(&r->lines, line, strlen(line));
  b_byte(&r->lines, '\n');
  free(line);
  if ((int)ev->type >= 0 && ev->type < RTM_PUSH_EV__COUNT) r->count[ev->type]++;
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
static void rec_free(rec *r) {
  b_free(&r->lines);
  free(r->evs);
  memset(r, 0, sizeof *r);
}
static const char *rec_text(const rec *r) { return r->lines.p ? (const char *)r->lines.p : ""; }
static int rec_has(const rec *r, const char *sub) { return strstr(rec_text(r), sub) != NULL; }
static const evrec *rec_last(const rec *r) { return r->n && r->n <= MAXREC ? &r->evs[r->n - 1] : NULL; }
/* the i-th event of a type (0-based), or NULL */
static const evrec *rec_nth(const rec *r, rtm_push_event_type t, int i) {
  int k;
  for (k = 0; k < r->n && k < MAXREC; k++)
    if (r->evs[k].ev.type == t && i-- == 0) return &r->evs[k];
  return NULL;
}

/* >>sessions ------------------------------------------------------------------------------------ */
static void cfg_init(rtm_push_config *c, rec *r, rtm_push_start start) {
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
static rtm_push *mk_cfg(rec *r, const rtm_push_config *c) {
  rtm_push *s = NULL;
  int rc = rtm_push_new(&s, c);
  if (rc != RTM_PUSH_OK || !s) {
    fprintf(stderr, "rtm_push_new failed: %d %s\n", rc, rtm_push_strerror(rc));
    exit(2);
  }
  r->s = s;
  return s;
}
static rtm_push *mk(rec *r, rtm_push_start start) {
  rtm_push_config c;
  cfg_init(&c, r, start);
  return mk_cfg(r, &c);
}
/* Feed a package: as is (START_FPNN) or wrapped in one frame (START_WS). */
/* Feeds a copy in a buffer of exactly n bytes, so that ASan and valgrind see any over-read. */
static int feed_exact(rtm_push *s, const void *p, size_t n, uint64_t now) {
  uint8_t *c = (uint8_t *)malloc(n ? n : 1);
  int rc;
  if (n) memcpy(c, p, n);
  rc = rtm_push_feed(s, c, n, now);
  free(c);
  return rc;
}
static int feed_pkg(rtm_push *s, const bytes *pkg, uint64_t now) {
  if (rtm_push_query_config(s)->start == RTM_PUSH_START_FPNN) return feed_exact(s, pkg->p, pkg->len, now);
  {
    bytes f = {0, 0, 0};
    int rc;
    ws_frame(&f, pkg->p, pkg->len);
    rc = feed_exact(s, f.p, f.len, now);
    b_free(&f);
    return rc;
  }
}
static int feed_jpush(rtm_push *s, int twoway, uint32_t seq, const char *method, const char *json) {
  bytes b = {0, 0, 0};
  int rc;
  pkg_jquest(&b, twoway, seq, method, json);
  rc = feed_pkg(s, &b, 1000);
  b_free(&b);
  return rc;
}
static int feed_mpush(rtm_push *s, int twoway, uint32_t seq, const char *method, const bytes *mp) {
  bytes b = {0, 0, 0};
  int rc;
  pkg_quest(&b, twoway, 0x80, seq, method, mp->p, mp->len);
  rc = feed_pkg(s, &b, 1000);
  b_free(&b);
  return rc;
}
/* All pending output, drained (START_FPNN: package by package, each checked to be exactly one). */
static void drain(rtm_push *s, bytes *out) {
  const uint8_t *p;
  size_t n;
  while ((n = rtm_push_pending_output(s, &p)) > 0) {
    b_put(out, p, n);
    if (rtm_push_consume_output(s, n) != RTM_PUSH_OK) break;
  }
}

/* ================================================================================================ */
/* >>1 Int64                                                                                        */
/* ================================================================================================ */
static int p64(const char *t, int64_t *v) { return rtm_push_parse_int64(t, strlen(t), v); }
static void test_parse_int64(void) {
  int64_t v = 0;
  CHECK(p64("9223372036854775807", &v) == RTM_PUSH_OK && v == INT64_MAX);
  CHECK(p64("-9223372036854775808", &v) == RTM_PUSH_OK && v == INT64_MIN);
  CHECK(p64("9223372036854775808", &v) == RTM_PUSH_E_FIELD_RANGE);
  CHECK(p64("-9223372036854775809", &v) == RTM_PUSH_E_FIELD_RANGE);
  CHECK(p64("18446744073709551615", &v) == RTM_PUSH_E_FIELD_RANGE);
  CHECK(p64("18446744073709551616", &v) == RTM_PUSH_E_FIELD_RANGE);
  CHECK(p64("123456789012345678901234567890", &v) == RTM_PUSH_E_FIELD_RANGE);
  CHECK(p64("007", &v) == RTM_PUSH_OK && v == 7);
  CHECK(p64("-0", &v) == RTM_PUSH_OK && v == 0);
  CHECK(p64("0", &v) == RTM_PUSH_OK && v == 0);
  CHECK(p64("00000000000000000000000000009223372036854775807", &v) == RTM_PUSH_OK && v == INT64_MAX);
  CHECK(p64("9007199254740993", &v) == RTM_PUSH_OK && v == 9007199254740993LL);
  v = 99;
  CHECK(p64("", &v) == RTM_PUSH_E_FIELD_TYPE);
  CHECK(p64("-", &v) == RTM_PUSH_E_FIELD_TYPE);
  CHECK(p64("12a", &v) == RTM_PUSH_E_FIELD_TYPE);
  CHECK(p64(" 1", &v) == RTM_PUSH_E_FIELD_TYPE);
  CHECK(p64("1 ", &v) == RTM_PUSH_E_FIELD_TYPE);
  CHECK(p64("1.5", &v) == RTM_PUSH_E_FIELD_TYPE);
  CHECK(p64("1.0", &v) == RTM_PUSH_E_FIELD_TYPE);
  CHECK(p64("+1", &v) == RTM_PUSH_E_FIELD_TYPE);
  CHECK(p64("--1", &v) == RTM_PUSH_E_FIELD_TYPE);
  CHECK(p64("1e3", &v) == RTM_PUSH_E_FIELD_TYPE);
  CHECK(v == 99); /* untouched on error */
  CHECK(rtm_push_parse_int64("12", 1, &v) == RTM_PUSH_OK && v == 1); /* len is honoured */
  CHECK(rtm_push_parse_int64("7\0" "8", 3, &v) == RTM_PUSH_E_FIELD_TYPE);
  CHECK(rtm_push_parse_int64(NULL, 1, &v) == RTM_PUSH_E_INVALID_ARG);
  CHECK(rtm_push_parse_int64("1", 1, NULL) == RTM_PUSH_E_INVALID_ARG);
  /* a non-digit makes it a type error however many digits come first */
  CHECK(p64("99999999999999999999x", &v) == RTM_PUSH_E_FIELD_TYPE);
  CHECK(p64("-123456789012345678901234567890.5", &v) == RTM_PUSH_E_FIELD_TYPE);
  CHECK(p64("0000000000000000000010000000000000000000", &v) == RTM_PUSH_E_FIELD_RANGE); /* 20 significant digits */
  CHECK(p64("-000000000000000000009223372036854775808", &v) == RTM_PUSH_OK && v == INT64_MIN);
  { /* every length up to 40, leading zeros, both signs, in a buffer of exactly that size: the reference is a
       checked digit loop */
    uint32_t seed = 12345;
    int iter;
    for (iter = 0; iter < 20000; iter++) {
      char t[48];
      int n = 1 + iter % 40, i, neg, zeros, ovf = 0, want;
      uint64_t u = 0;
      char *c;
      int64_t got = 7, ref = 0;
      seed = seed * 1103515245u + 12345u;
      neg = (seed >> 16) & 1;
      zeros = (int)((seed >> 17) % 4 == 0 ? (seed >> 20) % (unsigned)n : 0);
      t[0] = '-';
      for (i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        t[neg + i] = i < zeros ? '0' : (char)('0' + (seed >> 16) % 10);
      }
      for (i = 0; i < n; i++) {
        unsigned d = (unsigned)(t[neg + i] - '0');
        if (u > (UINT64_MAX - d) / 10) ovf = 1; else u = u * 10 + d;
      }
      ovf |= u > (uint64_t)INT64_MAX + (uint64_t)neg;
      if (!ovf) ref = !neg ? (int64_t)u : u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)u;
      want = ovf ? RTM_PUSH_E_FIELD_RANGE : RTM_PUSH_OK;
      c = (char *)malloc((size_t)(neg + n));
      memcpy(c, t, (size_t)(neg + n));
      CHECKM(rtm_push_parse_int64(c, (size_t)(neg + n), &got) == want && (ovf || got == ref), "%.*s", neg + n, t);
      c[neg + n - 1] = 'x'; /* and with a non-digit at the end */
      CHECK(rtm_push_parse_int64(c, (size_t)(neg + n), &got) == RTM_PUSH_E_FIELD_TYPE);
      free(c);
    }
  }
}

/* One JSON push {"mid":<text>} through a START_FPNN session; checks the outcome, then that the
   session still delivers the next push. want_err 0: delivered with mid == want. */
static void json_mid_case(const char *text, int want_err, int64_t want, int want_named) {
  rec r;
  rtm_push *s;
  char json[160];
  memset(&r, 0, sizeof r);
  s = mk(&r, RTM_PUSH_START_FPNN);
  snprintf(json, sizeof json, "{\"from\":5, \"mid\":%s, \"msg\":\"x\"}", text);
  CHECK(feed_jpush(s, 1, 1, "pushmsg", json) == RTM_PUSH_OK);
  if (!want_err) {
    CHECKM(r.count[RTM_PUSH_EV_PUSHMSG] == 1, "%s", text);
    CHECKM(r.n >= 1 && r.evs[0].ev.mid == want && (r.evs[0].ev.fields & RTM_PUSH_F_MID), "%s", text);
  } else {
    const evrec *e = rec_nth(&r, RTM_PUSH_EV_ERROR, 0);
    CHECKM(r.count[RTM_PUSH_EV_PUSHMSG] == 0, "%s", text);
    CHECKM(e && e->ev.error == want_err && e->ev.fatal == 0, "%s: %d", text, e ? e->ev.error : 0);
    if (want_named) CHECKM(e && strstr(e->message, "'mid'"), "%s: %s", text, e ? e->message : "");
    CHECK(rtm_push_get_state(s) == RTM_PUSH_STATE_READY);
    {
      const char *m = NULL;
      CHECK(rtm_push_last_error(s, &m) == want_err && m && (!want_named || strstr(m, "'mid'")));
    }
  }
  CHECK(feed_jpush(s, 1, 2, "pushmsg", "{\"from\":5, \"mid\":77, \"msg\":\"next\"}") == RTM_PUSH_OK);
  CHECKM(r.count[RTM_PUSH_EV_PUSHMSG] == (want_err ? 1 : 2), "%s", text);
  CHECK(rec_has(&r, "\"msg\":\"next\""));
  rtm_push_free(s);
  rec_free(&r);
}
static void test_int64_json(void) {
  json_mid_case("9223372036854775807", 0, INT64_MAX, 0);
  json_mid_case("-9223372036854775808", 0, INT64_MIN, 0);
  json_mid_case("9007199254740993", 0, 9007199254740993LL, 0);
  json_mid_case("-1", 0, -1, 0);
  json_mid_case("\"9223372036854775807\"", 0, INT64_MAX, 0);
  json_mid_case("\"-9223372036854775808\"", 0, INT64_MIN, 0);
  json_mid_case("\"007\"", 0, 7, 0);
  json_mid_case("007", RTM_PUSH_E_PAYLOAD_SYNTAX, 0, 0);
  json_mid_case("1.5", RTM_PUSH_E_FIELD_TYPE, 0, 1);
  json_mid_case("1e3", RTM_PUSH_E_FIELD_TYPE, 0, 1);
  json_mid_case("1.0", RTM_PUSH_E_FIELD_TYPE, 0, 1);
  json_mid_case("-1E+2", RTM_PUSH_E_FIELD_TYPE, 0, 1);
  json_mid_case("true", RTM_PUSH_E_FIELD_TYPE, 0, 1);
  json_mid_case("[1]", RTM_PUSH_E_FIELD_TYPE, 0, 1);
  json_mid_case("\"1.5\"", RTM_PUSH_E_FIELD_TYPE, 0, 1);
  json_mid_case("\"\"", RTM_PUSH_E_FIELD_TYPE, 0, 1);
  json_mid_case("\"9223372036854775808\"", RTM_PUSH_E_FIELD_RANGE, 0, 1);
  json_mid_case("9223372036854775808", RTM_PUSH_E_FIELD_RANGE, 0, 1);
  json_mid_case("-9223372036854775809", RTM_PUSH_E_FIELD_RANGE, 0, 1);
  json_mid_case("18446744073709551615", RTM_PUSH_E_FIELD_RANGE, 0, 1);
  json_mid_case("18446744073709551616", RTM_PUSH_E_FIELD_RANGE, 0, 1);
  json_mid_case("123456789012345678901234567890", RTM_PUSH_E_FIELD_RANGE, 0, 1);
  json_mid_case("-123456789012345678901234567890", RTM_PUSH_E_FIELD_RANGE, 0, 1);
  json_mid_case("1.", RTM_PUSH_E_PAYLOAD_SYNTAX, 0, 0);
  json_mid_case("-", RTM_PUSH_E_PAYLOAD_SYNTAX, 0, 0);
  json_mid_case("+1", RTM_PUSH_E_PAYLOAD_SYNTAX, 0, 0);
}
/* mtype is INT32: out of its range is FIELD_RANGE naming 'mtype' */
static void test_int32_mtype(void) {
  rec r;
  rtm_push *s;
  memset(&r, 0, sizeof r);
  s = mk(&r, RTM_PUSH_START_FPNN);
  CHECK(feed_jpush(s, 1, 1, "pushmsg", "{\"mtype\":2147483647}") == RTM_PUSH_OK);
  CHECK(r.count[RTM_PUSH_EV_PUSHMSG] == 1 && r.evs[0].ev.mtype == INT32_MAX);
  CHECK(feed_jpush(s, 1, 2, "pushmsg", "{\"mtype\":-2147483648}") == RTM_PUSH_OK);
  CHECK(r.count[RTM_PUSH_EV_PUSHMSG] == 2 && r.evs[1].ev.mtype == INT32_MIN);
  CHECK(feed_jpush(s, 1, 3, "pushmsg", "{\"mtype\":2147483648}") == RTM_PUSH_OK);
  CHECK(r.count[RTM_PUSH_EV_ERROR] == 1 && rec_last(&r)->ev.error == RTM_PUSH_E_FIELD_RANGE &&
        strstr(rec_last(&r)->message, "'mtype'"));
  rtm_push_free(s);
  rec_free(&r);
}

/* ================================================================================================ */
/* >>2 JSON strings                                                                                 */
/* ================================================================================================ */
/* Feeds {"mid":N, "msg":<lit>} (no mtype: pushmsg) into a fresh START_FPNN session. */
static rtm_push *json_msg_session(rec *r, const char *lit) {
  rtm_push *s;
  bytes j = {0, 0, 0};
  memset(r, 0, sizeof *r);
  s = mk(r, RTM_PUSH_START_FPNN);
  b_str(&j, "{\"from\":1, \"mid\":2, \"msg\":");
  b_str(&j, lit);
  b_str(&j, ", \"attrs\":\"\"}");
  CHECK(rtm_push_feed(s, NULL, 0, 1000) == RTM_PUSH_OK);
  {
    bytes b = {0, 0, 0};
    pkg_quest(&b, 1, 0x40, 1, "pushmsg", j.p, j.len);
    CHECK(rtm_push_feed(s, b.p, b.len, 1000) == RTM_PUSH_OK);
    b_free(&b);
  }
  b_free(&j);
  return s;
}
/* msg literal -> expected bytes, binary flag */
static void json_msg_ok(const char *lit, const void *want, size_t wn, int binary) {
  rec r;
  rtm_push *s = json_msg_session(&r, lit);
  const evrec *e = rec_nth(&r, RTM_PUSH_EV_PUSHMSG, 0);
  CHECKM(e != NULL, "%s -> %s", lit, rec_text(&r));
  if (e) {
    CHECKM(e->msg_len == wn && memcmp(e->msg, want, wn) == 0, "%s: got %lu bytes", lit, (unsigned long)e->msg_len);
    CHECKM(e->msg_binary == binary, "%s: binary %d", lit, e->msg_binary);
    CHECK(e->ev.fields & RTM_PUSH_F_MSG);
  }
  CHECK(rtm_push_get_state(s) == RTM_PUSH_STATE_READY);
  if (binary) CHECKM(rec_has(&r, "\"msg_base64\":"), "%s", rec_text(&r));
  rtm_push_free(s);
  rec_free(&r);
}
static void json_msg_err(const char *lit, int want_err) {
  rec r;
  rtm_push *s = json_msg_session(&r, lit);
  const evrec *e = rec_nth(&r, RTM_PUSH_EV_ERROR, 0);
  CHECKM(r.count[RTM_PUSH_EV_PUSHMSG] == 0, "%s", lit);
  CHECKM(e && e->ev.error == want_err && !e->ev.fatal, "%s: %s", lit, rec_text(&r));
  CHECK(rtm_push_get_state(s) == RTM_PUSH_STATE_READY);
  CHECK(feed_jpush(s, 1, 2, "pushmsg", "{\"mid\":3, \"msg\":\"after\"}") == RTM_PUSH_OK);
  CHECK(r.count[RTM_PUSH_EV_PUSHMSG] == 1);
  rtm_push_free(s);
  rec_free(&r);
}
static void test_json_escapes(void) {
  static const char want[] = "a\"b\\c/d\be\ff\ng\rh\ti\0j";
  rec r;
  rtm_push *s;
  json_msg_ok("\"a\\\"b\\\\c\\/d\\be\\ff\\ng\\rh\\ti\\u0000j\"", want, sizeof want - 1, 0);
  json_msg_ok("\"\\u00e9\"", "\xc3\xa9", 2, 0);
  json_msg_ok("\"\\u00E9\\u20ac\"", "\xc3\xa9\xe2\x82\xac", 5, 0);
  json_msg_ok("\"\\ud83e\\udd80\"", "\xf0\x9f\xa6\x80", 4, 0);
  json_msg_ok("\"\\uD83E\\uDD80!\"", "\xf0\x9f\xa6\x80!", 5, 0);
  json_msg_ok("\"\\u0041\\u007f\\u001f\"", "A\x7f\x1f", 3, 0);
  json_msg_ok("\"\"", "", 0, 0);
  json_msg_ok("\"\\/\"", "/", 1, 0);
  /* the event line prints the decoded string JSON-escaped, NUL as \u0000 */
  s = json_msg_session(&r, "\"a\\\"b\\\\c\\/d\\be\\ff\\ng\\rh\\ti\\u0000j\\u0001\"");
  CHECKM(rec_has(&r, "\"msg\":\"a\\\"b\\\\c/d\\be\\ff\\ng\\rh\\ti\\u0000j\\u0001\""), "%s", rec_text(&r));
  rtm_push_free(s);
  rec_free(&r);
}
static void test_json_utf8(void) {
  rec r;
  rtm_push *s;
  json_msg_ok("\"\xe4\xbd\xa0\xe5\xa5\xbd \xf0\x9f\xa6\x80 line1\xe2\x80\xa8line2\x7f\"",
              "\xe4\xbd\xa0\xe5\xa5\xbd \xf0\x9f\xa6\x80 line1\xe2\x80\xa8line2\x7f", 26, 0);
  /* lone surrogates (escaped) are kept as 3 bytes and make the string binary */
  json_msg_ok("\"\\ud83e\"", "\xed\xa0\xbe", 3, 1);
  json_msg_ok("\"\\udd80x\"", "\xed\xb6\x80x", 4, 1);
  json_msg_ok("\"\\ud83e\\u0041\"", "\xed\xa0\xbe" "A", 4, 1);
  /* invalid raw UTF-8 */
  json_msg_ok("\"\xff\"", "\xff", 1, 1);
  json_msg_ok("\"\xc0\x80\"", "\xc0\x80", 2, 1);     /* overlong */
  json_msg_ok("\"ab\xe2\x82\"", "ab\xe2\x82", 4, 1);  /* truncated sequence */
  json_msg_ok("\"\xed\xa0\x80\"", "\xed\xa0\x80", 3, 1); /* raw surrogate */
  json_msg_ok("\"\xf4\x90\x80\x80\"", "\xf4\x90\x80\x80", 4, 1); /* > U+10FFFF */
  json_msg_ok("\"\\n\xff\"", "\n\xff", 2, 1);       /* escaped path too */
  /* binary prints as msg_base64 */
  s = json_msg_session(&r, "\"\xff\xfe\xfd\"");
  CHECKM(rec_has(&r, "\"msg_base64\":\"//79\""), "%s", rec_text(&r));
  rtm_push_free(s);
  rec_free(&r);
}
/* >>vector paths: the SSE2 scans and copies, the SSSE3 UTF-8 validator and the 8-digit number parser
   against plain references, on generated inputs that put every boundary at every offset of a 16-byte
   block. (Built with -DRTM_PUSH_NO_SIMD too: make test runs both.) */
static uint32_t g_rng = 0x9E3779B9u;
static uint32_t rnd32(void) { g_rng ^= g_rng << 13; g_rng ^= g_rng >> 17; g_rng ^= g_rng << 5; return g_rng; }
/* Reference: decode code points one by one, the textbook way. */
static int ref_utf8(const uint8_t *p, size_t n) {
  size_t i = 0;
  while (i < n) {
    uint32_t cp, min;
    int k, j;
    if (p[i] < 0x80) { i++; continue; }
    if ((p[i] & 0xE0) == 0xC0) { k = 1; cp = p[i] & 0x1Fu; min = 0x80; }
    else if ((p[i] & 0xF0) == 0xE0) { k = 2; cp = p[i] & 0x0Fu; min = 0x800; }
    else if ((p[i] & 0xF8) == 0xF0) { k = 3; cp = p[i] & 0x07u; min = 0x10000; }
    else return 0;
    if (n - i <= (size_t)k) return 0;
    for (j = 1; j <= k; j++) {
      if ((p[i + (size_t)j] & 0xC0) != 0x80) return 0;
      cp = (cp << 6) | (p[i + (size_t)j] & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    i += (size_t)k + 1;
  }
  return 1;
}
static const char *const g_u8_pieces[] = {
  "a", "abcdefghijklmnop", " ", "\x7f", "\xc2\x80", "\xdf\xbf", "\xe0\xa0\x80", "\xe0\x9f\xbf", "\xed\x9f\xbf",
  "\xed\xa0\x80", "\xee\x80\x80", "\xef\xbf\xbf", "\xe4\xbd\xa0", "\xe5\xa5\xbd", "\xf0\x90\x80\x80", "\xf0\x8f\xbf\xbf",
  "\xf4\x8f\xbf\xbf", "\xf4\x90\x80\x80", "\xf0\x9f\x98\xb3", "\xf3\xbf\xbf\xbf", "\xc1\xbf", "\xc0\x80", "\xf5\x80\x80\x80",
  "\xf8\x88\x80\x80\x80", "\xff", "\xfe", "\x80", "\xbf", "\xe4\xbd", "\xf0\x9f\x98", "\xc3", "\xe0\x80\x80"};
#define NPIECES (sizeof g_u8_pieces / sizeof g_u8_pieces[0])
/* A random string of up to max bytes; bad = 0 draws only from the first valid pieces. */
static size_t gen_text(uint8_t *buf, size_t max, int bad) {
  size_t n = 0, want = rnd32() % (max + 1);
  while (n < want) {
    uint32_t r = rnd32();
    const char *pc = g_u8_pieces[bad && r % 8 == 0 ? (r >> 3) % NPIECES : (r >> 3) % 20 == 0 ? 1 : (r >> 3) % 2 ? 0 : 12 + (r >> 4) % 2];
    size_t k = strlen(pc);
    if (n + k > max) break;
    memcpy(buf + n, pc, k);
    n += k;
  }
  return n;
}
/* The kernel tier a session runs on this CPU: the library's own choice, read from a session. */
static const rtm_push__kernels *kernels_of_session(void) {
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
/* Every kernel tier this CPU runs, against the scalar reference and against ref_utf8. */
static void test_simd_utf8(void) {
  uint8_t buf[200];
  long i, valid = 0, tiers = 0;
  size_t n, k, t;
  for (t = 0; rtm_push__k_tiers[t]; t++) tiers += rtm_push__kernels_usable(rtm_push__k_tiers[t]);
  for (i = 0; i < 200000; i++) {
    int want;
    n = gen_text(buf, i % 4 ? 70 : 199, (int)(i & 1));
    want = ref_utf8(buf, n);
    valid += want;
    for (t = 0; rtm_push__k_tiers[t]; t++)
      if (rtm_push__kernels_usable(rtm_push__k_tiers[t]))
        CHECKM(rtm_push__k_tiers[t]->utf8_valid(buf, n) == want, "%s, case %ld, %lu bytes", rtm_push__k_tiers[t]->name, i,
               (unsigned long)n);
  }
  /* every piece at every offset of two blocks of 64, followed by ASCII or by the end */
  for (k = 0; k < NPIECES; k++) {
    size_t off, pl = strlen(g_u8_pieces[k]);
    for (off = 0; off + pl <= 160; off++) {
      size_t tail;
      for (tail = 0; tail <= 1; tail++) {
        n = off + pl + (tail ? 160 - off - pl : 0);
        memset(buf, 'x', n);
        memcpy(buf + off, g_u8_pieces[k], pl);
        for (t = 0; rtm_push__k_tiers[t]; t++)
          if (rtm_push__kernels_usable(rtm_push__k_tiers[t]))
            CHECKM(rtm_push__k_tiers[t]->utf8_valid(buf, n) == ref_utf8(buf, n), "%s: piece %lu at %lu, %lu bytes",
                   rtm_push__k_tiers[t]->name, (unsigned long)k, (unsigned long)off, (unsigned long)n);
      }
    }
  }
  CHECK(valid > 50000 && valid < 190000); /* both kinds were drawn */
  if (getenv("UNIT_VERBOSE")) printf("     utf8: %ld cases (%ld valid), %ld tiers\n", i, valid, tiers);
}
typedef struct last_msg {
  int n, errors;
  uint8_t msg[512];
  size_t len;
  int binary;
  int64_t mid, from;
  int error;
} last_msg;
static void last_msg_cb(const rtm_push_event *ev, void *u) {
  last_msg *m = (last_msg *)u;
  if (ev->type == RTM_PUSH_EV_ERROR) { m->errors++; m->error = ev->error; return; }
  if (ev->type != RTM_PUSH_EV_PUSHMSG && ev->type != RTM_PUSH_EV_PUSHCHAT) return;
  m->n++;
  m->len = ev->msg.len < sizeof m->msg ? ev->msg.len : sizeof m->msg;
  memcpy(m->msg, ev->msg.ptr, m->len);
  m->binary = ev->msg.binary;
  m->mid = ev->mid;
  m->from = ev->from;
}
static rtm_push *mk_last(last_msg *m) {
  rtm_push_config c;
  rtm_push *s = NULL;
  rec unused;
  cfg_init(&c, &unused, RTM_PUSH_START_FPNN);
  c.on_event = last_msg_cb;
  c.user_data = m;
  c.no_dedup = 1;
  CHECK(rtm_push_new(&s, &c) == RTM_PUSH_OK);
  return s;
}
/* wss:// to an IP address: the literal parsed exactly (RFC 4291 2.2 for IPv6), and the certificate's iPAddress
   subjectAltNames (not its DNS names or CN) compared with it. */
#ifndef RTM_PUSH_NO_TLS
static void test_ip_literal(void) {
  static const struct { const char *text; int len; const char *bytes; } ok[] = {
    {"127.0.0.1", 4, "\x7f\0\0\x01"}, {"0.0.0.0", 4, "\0\0\0\0"}, {"255.255.255.255", 4, "\xff\xff\xff\xff"},
    {"::", 16, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"}, {"::1", 16, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01"},
    {"[::1]", 16, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01"}, {"1::", 16, "\0\x01\0\0\0\0\0\0\0\0\0\0\0\0\0\0"},
    {"2001:DB8::5", 16, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x05"},
    {"::ffff:192.0.2.7", 16, "\0\0\0\0\0\0\0\0\0\0\xff\xff\xc0\0\x02\x07"},
    {"1:2:3:4:5:6:7:8", 16, "\0\x01\0\x02\0\x03\0\x04\0\x05\0\x06\0\x07\0\x08"},
    {"1:2:3:4:5:6:1.2.3.4", 16, "\0\x01\0\x02\0\x03\0\x04\0\x05\0\x06\x01\x02\x03\x04"},
    {"1:2:3:4:5:6:7::", 16, "\0\x01\0\x02\0\x03\0\x04\0\x05\0\x06\0\x07\0\0"},
    {"::2:3:4:5:6:7:8", 16, "\0\0\0\x02\0\x03\0\x04\0\x05\0\x06\0\x07\0\x08"},
    {"fFfF:0::abcd", 16, "\xff\xff\0\0\0\0\0\0\0\0\0\0\0\0\xab\xcd"}};
  static const char *const no[] = {
    "", "localhost", "256.1.1.1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1..2.3", "1.2.3.4 ", " 1.2.3.4", "1.2.3.-4",
    "1234.1.1.1", "1.2.3.4.", "a.b.c.d", "[1.2.3.4]", ":::", "1:::2", "1::2::3", ":1", "1:", ":", "[]",
    "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7:8::", "1::2:3:4:5:6:7:8", "12345::", "::g", "1:2:3:4:5:6:7:1.2.3.4",
    "::1.2.3", "::1.2.3.4.5", "[::1", "::1]", "::1%eth0", "1:2:3:4:5:6:7", "::01.2.3.4"};
  size_t i;
  for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    uint8_t b[16];
    int n = rtm_push__ip_literal(ok[i].text, b);
    CHECKM(n == ok[i].len && memcmp(b, ok[i].bytes, (size_t)n) == 0, "%s: %d", ok[i].text, n);
  }
  for (i = 0; i < sizeof no / sizeof no[0]; i++) {
    uint8_t b[16];
    CHECKM(rtm_push__ip_literal(no[i], b) == 0, "%s", no[i]);
  }
  { /* SAN: DNS:localhost, DNS:10.9.9.9, IP:::1, IP:127.0.0.1, IP:2001:db8::5, IP:::ffff:192.0.2.7; CN=127.0.0.9 */
    static const char san[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIB3jCCAYOgAwIBAgIUJPe4HONASWet9Q3sTfSLM2xDztEwCgYIKoZIzj0EAwIw\n"
    "FDESMBAGA1UEAwwJMTI3LjAuMC45MCAXDTI2MTEyNjA4MDY1NloYDzIxMjYxMTAy\n"
    "MDgwNjU2WjAUMRIwEAYDVQQDDAkxMjcuMC4wLjkwWTATBgcqhkjOPQIBBggqhkjO\n"
    "PQMBBwNCAAQZ9MQOUalizTmj6yRVBOkCEOqz7eGBBKCIpFDb3ULJduUv9xYezld+\n"
    "jNjELUJI934C0cRYC3lIX3es50UgMtI/o4GwMIGtMB0GA1UdDgQWBBRuc0+Cmp9J\n"
    "YruCFYiK51TPqKL7ADAfBgNVHSMEGDAWgBRuc0+Cmp9JYruCFYiK51TPqKL7ADAP\n"
    "BgNVHRMBAf8EBTADAQH/MFoGA1UdEQRTMFGCCWxvY2FsaG9zdIIIMTAuOS45LjmH\n"
    "EAAAAAAAAAAAAAAAAAAAAAGHBH8AAAGHECABDbgAAAAAAAAAAAAAAAWHEAAAAAAA\n"
    "AAAAAAD//8AAAgcwCgYIKoZIzj0EAwIDSQAwRgIhAJivhy5I8rwJMlAn0IPMN9QG\n"
    "pujMUgPlWUVVYL/itHR4AiEAqVaKN4Wlh8YREubDyolXIffgNm15fCfvdEY9oUJr\n"
    "AKE=\n"
    "-----END CERTIFICATE-----\n";
    static const char nosan[] = /* CN=127.0.0.1, no subjectAltName */
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBfjCCASWgAwIBAgIUR9fsKGS6bEuwhL89ybncsfBaJwYwCgYIKoZIzj0EAwIw\n"
    "FDESMBAGA1UEAwwJMTI3LjAuMC4xMCAXDTI2MTEyNjA4MDY1NloYDzIxMjYxMTAy\n"
    "MDgwNjU2WjAUMRIwEAYDVQQDDAkxMjcuMC4wLjEwWTATBgcqhkjOPQIBBggqhkjO\n"
    "PQMBBwNCAASKc7wuW8QvE9gpOl9qc4I//sHwxyrNPLMoUrJ5MM99x4Kj1FcTC4Su\n"
    "26e1evYFipQADNazzxB1DUgFl6YHQurCo1MwUTAdBgNVHQ4EFgQU/RNYcwg9nAZ3\n"
    "JO1ymsZJh8YFgy8wHwYDVR0jBBgwFoAU/RNYcwg9nAZ3JO1ymsZJh8YFgy8wDwYD\n"
    "VR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNHADBEAiBxCRPUKOh1RzzqF2X5EE+q\n"
    "ZKZ4Gvzl3FDjaqSgo8jOIQIgYIWSZ2qEA/H0JmbyO2brwtUz+j596h/gf9odj0w+\n"
    "Jx8=\n"
    "-----END CERTIFICATE-----\n";
    static const struct { const char *ip; int want; } cases[] = {
      {"::1", 1}, {"127.0.0.1", 1}, {"2001:db8::5", 1}, {"::ffff:192.0.2.7", 1}, {"127.0.0.9", 0}, {"10.9.9.9", 0},
      {"127.0.0.2", 0}, {"::2", 0}, {"192.0.2.7", 0}, {"::7f00:1", 0}};
    mbedtls_x509_crt a, b;
    mbedtls_x509_crt_init(&a);
    mbedtls_x509_crt_init(&b);
    CHECK(mbedtls_x509_crt_parse(&a, (const unsigned char *)san, sizeof san) == 0);
    CHECK(mbedtls_x509_crt_parse(&b, (const unsigned char *)nosan, sizeof nosan) == 0);
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
      uint8_t ip[16];
      int n = rtm_push__ip_literal(cases[i].ip, ip);
      CHECKM(n && rtm_push__san_has_ip(&a, ip, (size_t)n) == cases[i].want, "%s", cases[i].ip);
      CHECKM(n && !rtm_push__san_has_ip(&b, ip, (size_t)n), "%s without a SAN", cases[i].ip);
    }
    { /* the extension's DER cut at every length, and whole with each byte changed three ways, each copy in a
         buffer of its own size (ASan sees any read past it): an answer, never a read outside */
      static const unsigned char flips[3] = {0x01, 0x80, 0xff};
      mbedtls_x509_crt c = a;
      size_t n = a.v3_ext.len, k, j;
      uint8_t ip[16];
      long whole = 0;
      CHECK(n > 100 && rtm_push__ip_literal("2001:db8::5", ip) == 16);
      for (k = 0; k <= n + 3 * n; k++) { /* k <= n: the first k bytes; then byte (k - n - 1) / 3 changed */
        size_t len = k <= n ? k : n;
        unsigned char *d = (unsigned char *)malloc(len ? len : 1);
        if (!d) break;
        memcpy(d, a.v3_ext.p, len);
        if (k > n) d[(k - n - 1) / 3] ^= flips[(k - n - 1) % 3];
        c.v3_ext.p = d;
        c.v3_ext.len = len;
        j = (size_t)rtm_push__san_has_ip(&c, ip, 16);
        if (k == n) whole = (long)j;
        free(d);
      }
      CHECK(whole == 1); /* the whole extension, unchanged, answers yes */
    }
    mbedtls_x509_crt_free(&a);
    mbedtls_x509_crt_free(&b);
  }
}
#endif
/* The masks' pool: AES-128-CTR against each counter block through mbedTLS's AES, and refills that differ. */
static void test_aes_ctr(void) {
  static const size_t sizes[] = {16, 100, 128, 1008, 1024, 1040};
  mbedtls_aes_context aes;
  int i;
  size_t si;
  mbedtls_aes_init(&aes);
  for (i = 0; i < 40; i++)
    for (si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
      unsigned char seed[32], got[1040], want[1040], blk[16];
      size_t n = sizes[si], b;
      int j;
      for (j = 0; j < 32; j++) seed[j] = (unsigned char)rnd32();
      if (i == 0) memset(seed + 16, 0xFF, 8); /* the low 64 bits of the counter wrap (the high ones stay) */
      mbedtls_aes_setkey_enc(&aes, seed, 128);
      for (b = 0; 16 * b < n; b++) { /* the reference: each counter block through mbedTLS's AES */
        uint64_t lo = 0;
        for (j = 7; j >= 0; j--) lo = lo << 8 | seed[16 + j];
        lo += b;
        memcpy(blk, seed + 16, 16);
        for (j = 0; j < 8; j++) blk[j] = (unsigned char)(lo >> (8 * j));
        mbedtls_aes_crypt_ecb(&aes, MBEDTLS_AES_ENCRYPT, blk, blk);
        memcpy(want + 16 * b, blk, 16 * b + 16 <= n ? 16 : n - 16 * b);
      }
      CHECK(rtm_push__aes_ctr_mbedtls(seed, got, n) == 0);
      CHECKM(memcmp(got, want, n) == 0, "seed %d, %lu bytes", i, (unsigned long)n);
    }
  mbedtls_aes_free(&aes);
  { /* refills: new bytes each time */
    rec r;
    rtm_push *s;
    memset(&r, 0, sizeof r);
    s = mk(&r, RTM_PUSH_START_FPNN);
    if (s) {
      unsigned char a[sizeof s->rnd];
      CHECK(rtm_push__rnd_refill(s) == 0);
      memcpy(a, s->rnd, sizeof a);
      CHECK(rtm_push__rnd_refill(s) == 0);
      CHECK(memcmp(a, s->rnd, sizeof a) != 0);
    }
    rtm_push_free(s);
    rec_free(&r);
  }
}
static void simd_strings(int tier);
static void test_simd_strings(void) {
  int t;
  for (t = 0; rtm_push__k_tiers[t]; t++) /* every tier this CPU runs, the scalar one too */
    if (rtm_push__kernels_usable(rtm_push__k_tiers[t])) simd_strings(t);
}
/* Is the pair (k0, k) of simd_strings to be tried: every pair up to 41 bytes (blocks of 16 and the byte
   after them); up to 73 bytes (blocks of 32) the first escape near the start, around the 16th and 32nd
   bytes, or just before the second; beyond (blocks of 64) both escapes near the start, a block's edge or
   the end. */
static int near_edge(int len, int k) {
  return k <= 1 || (k >= 14 && k <= 17) || (k >= 29 && k <= 33) || (k >= 61 && k <= 66) || (k >= 125 && k <= 130) || k >= len - 6;
}
static int pair_tried(int len, int k0, int k) {
  if (len <= 41) return 1;
  return len <= 73 ? near_edge(len, k0) || k0 >= k - 4 : near_edge(len, k0) && near_edge(len, k);
}
static void simd_strings(int tier) {
  static const char *const esc[] = {"\\\"", "\\\\", "\\/", "\\n", "\\t", "\\u00e9", "\\u4f60", "\\ud83d\\ude00", "\\ud83d", "\\u0000", "\\b"};
  static const char *const dec[] = {"\"", "\\", "/", "\n", "\t", "\xc3\xa9", "\xe4\xbd\xa0", "\xf0\x9f\x98\x80", "\xed\xa0\xbd", "\0", "\b"};
  last_msg m;
  rtm_push *s;
  long i;
  memset(&m, 0, sizeof m);
  s = mk_last(&m);
  if (s) s->k = rtm_push__k_tiers[tier];
  for (i = 0; i < 20000 && s; i++) {
    char json[1024];
    uint8_t raw[400], want[400];
    size_t rn = 0, wn = 0, jn;
    int pieces = (int)(rnd32() % 12), j, pad = (int)(rnd32() % 17);
    for (j = 0; j < pieces; j++) { /* text runs and escapes, at random offsets */
      if (rnd32() % 3) {
        size_t k = gen_text(raw + rn, 40, i % 5 == 0);
        memcpy(want + wn, raw + rn, k);
        rn += k;
        wn += k;
      } else {
        int e = (int)(rnd32() % (sizeof esc / sizeof esc[0]));
        size_t el = strlen(esc[e]), dl = e == 9 ? 1 : strlen(dec[e]);
        memcpy(raw + rn, esc[e], el);
        memcpy(want + wn, dec[e], dl);
        rn += el;
        wn += dl;
      }
    }
    /* the string in the middle of the payload, or last with only "}" after it */
    if (i % 2)
      jn = (size_t)snprintf(json, sizeof json, "{\"mid\":%ld, \"%.*s\":\"%.*s\", \"msg\":\"%.*s\"}", i + 1, pad, "xxxxxxxxxxxxxxxxx", pad,
                            "yyyyyyyyyyyyyyyyy", (int)rn, (const char *)raw);
    else
      jn = (size_t)snprintf(json, sizeof json, "{\"mid\":%ld, \"msg\":\"%.*s\", \"%.*s\":%d}", i + 1, (int)rn, (const char *)raw, pad,
                            "zzzzzzzzzzzzzzzzz", pad);
    (void)jn;
    m.n = 0;
    CHECK(feed_jpush(s, 0, (uint32_t)i, "pushmsg", json) == RTM_PUSH_OK);
    CHECKM(m.n == 1 && m.mid == i + 1, "case %ld: %s", i, json);
    CHECKM(m.len == wn && memcmp(m.msg, want, wn) == 0, "case %ld: %s", i, json);
    CHECKM(m.binary == !ref_utf8(want, wn), "case %ld: binary %d", i, m.binary);
  }
  /* two escapes at pairs of positions (pair_tried) in strings up to 73 bytes, and of 74-79 and 120-137
     bytes, the string last in the payload (every distance from its end) or followed by more */
  for (i = 0; i < 2 * 4 * 96 && s; i++) {
    static const char *const e2[] = {"\\\"", "\\/", "\\\\", "\\n"};
    static const char d2[] = {'"', '/', '\\', '\n'};
    int last = (int)(i & 1), e = (int)((i >> 1) & 3), len = (int)(i >> 3) + 2, k, k0;
    if (len > 79) len += 40; /* 80.. -> 120..137 */
    for (k = 0; k + 2 <= len; k++)
      for (k0 = -1; k0 + 2 <= k; k0++) { /* k0 = -1: no first escape */
        char raw[160], want[160], json[400];
        if (!pair_tried(len, k0, k)) continue;
        int w = len - 1 - (k0 >= 0);
        memset(raw, 'a', (size_t)len);
        memcpy(raw + k, e2[e], 2);
        memset(want, 'a', (size_t)len);
        if (k0 >= 0) {
          memcpy(raw + k0, "\\\"", 2);
          want[k0] = '"';
          want[k - 1] = d2[e];
        } else {
          want[k] = d2[e];
        }
        if (last) snprintf(json, sizeof json, "{\"mid\":7, \"msg\":\"%.*s\"}", len, raw);
        else snprintf(json, sizeof json, "{\"mid\":7, \"msg\":\"%.*s\", \"attrs\":\"\", \"mtime\":1}", len, raw);
        m.n = 0;
        CHECK(feed_jpush(s, 0, 1, "pushmsg", json) == RTM_PUSH_OK);
        CHECKM(m.n == 1 && m.len == (size_t)w && memcmp(m.msg, want, (size_t)w) == 0, "%s", json);
      }
  }
  CHECK(m.errors == 0);
  rtm_push_free(s);
}
static void test_simd_numbers(void) {
  last_msg m;
  rtm_push *s;
  int digits, where, lead;
  memset(&m, 0, sizeof m);
  s = mk_last(&m);
  for (digits = 1; digits <= 24 && s; digits++) {
    for (where = 0; where < 3; where++) {
      for (lead = 0; lead < 20; lead++) {
        char num[40], json[200];
        int j;
        uint64_t u = 0;
        int ovf = 0;
        num[0] = (char)('1' + (unsigned)(rnd32() % 9));
        for (j = 1; j < digits; j++) num[j] = (char)('0' + (unsigned)(rnd32() % 10));
        num[digits] = 0;
        if (digits == 19 && lead < 3) memcpy(num, lead == 0 ? "9223372036854775807" : lead == 1 ? "9223372036854775808" : "9999999999999999999", 20);
        for (j = 0; j < digits; j++) { /* reference: checked multiply */
          unsigned d = (unsigned)(num[j] - '0');
          if (u > (UINT64_MAX - d) / 10) ovf = 1; else u = u * 10 + d;
        }
        ovf |= u > (uint64_t)INT64_MAX;
        /* the number first, in the middle (a key of `lead` bytes before it), or last */
        if (where == 0) snprintf(json, sizeof json, "{\"from\":%s, \"mid\":1, \"msg\":\"m\"}", num);
        else if (where == 1) snprintf(json, sizeof json, "{\"%.*s\":1, \"from\":%s,\"msg\":\"m\", \"mid\":2}", lead, "aaaaaaaaaaaaaaaaaaaa", num);
        else snprintf(json, sizeof json, "{\"mid\":3, \"msg\":\"m\", \"from\":%s}", num);
        m.n = m.errors = 0;
        CHECK(feed_jpush(s, 0, 1, "pushmsg", json) == RTM_PUSH_OK);
        if (ovf) {
          CHECKM(m.n == 0 && m.errors == 1 && m.error == RTM_PUSH_E_FIELD_RANGE, "%s", json);
        } else {
          CHECKM(m.n == 1 && m.from == (int64_t)u, "%s: got %lld", json, (long long)m.from);
        }
      }
    }
  }
  rtm_push_free(s);
}
static void test_json_string_errors(void) {
  json_msg_err("\"a\x01" "b\"", RTM_PUSH_E_PAYLOAD_SYNTAX);  /* raw control char */
  json_msg_err("\"a\nb\"", RTM_PUSH_E_PAYLOAD_SYNTAX);
  json_msg_err("\"\\n\x1f\"", RTM_PUSH_E_PAYLOAD_SYNTAX);   /* after an escape */
  json_msg_err("\"\\x\"", RTM_PUSH_E_PAYLOAD_SYNTAX);
  json_msg_err("\"\\'\"", RTM_PUSH_E_PAYLOAD_SYNTAX);
  json_msg_err("\"\\u12\"", RTM_PUSH_E_PAYLOAD_SYNTAX);
  json_msg_err("\"\\u12G4\"", RTM_PUSH_E_PAYLOAD_SYNTAX);
  json_msg_err("\"\\U0041\"", RTM_PUSH_E_PAYLOAD_SYNTAX);
  json_msg_err("\"abc", RTM_PUSH_E_PAYLOAD_SYNTAX);          /* unterminated: the rest is eaten */
  json_msg_err("\"abc\\\"", RTM_PUSH_E_PAYLOAD_SYNTAX);
  json_msg_err("42", RTM_PUSH_E_FIELD_TYPE);                  /* msg must be a string */
  json_msg_err("[\"a\"]", RTM_PUSH_E_FIELD_TYPE);
  {
    rec r;
    rtm_push *s;
    memset(&r, 0, sizeof r);
    s = mk(&r, RTM_PUSH_START_FPNN);
    /* a string that runs to the end of the payload */
    CHECK(feed_jpush(s, 1, 1, "pushmsg", "{\"msg\":\"abc") == RTM_PUSH_OK);
    CHECK(feed_jpush(s, 1, 2, "pushmsg", "{\"msg\":\"abc\\") == RTM_PUSH_OK);
    CHECK(feed_jpush(s, 1, 3, "pushmsg", "{\"msg\":\"\\u00") == RTM_PUSH_OK);
    CHECK(feed_jpush(s, 1, 4, "pushmsg", "{\"x\":{\"y\":\"\\q\"}, \"msg\":\"a\"}") == RTM_PUSH_OK); /* skipped values are validated */
    CHECK(feed_jpush(s, 1, 5, "pushmsg", "{\"x\":\"\x02\"}") == RTM_PUSH_OK);
    CHECK(r.count[RTM_PUSH_EV_ERROR] == 5 && r.count[RTM_PUSH_EV_PUSHMSG] == 0);
    CHECK(rtm_push_get_state(s) == RTM_PUSH_STATE_READY);
    rtm_push_free(s);
    rec_free(&r);
  }
}
static void test_json_style(void) {
  rec r;
  rtm_push *s;
  const evrec *e;
  memset(&r, 0, sizeof r);
  s = mk(&r, RTM_PUSH_START_FPNN);
  /* FPNN's own style: ", " separators, escaped slashes */
  CHECK(feed_jpush(s, 1, 1, "pushmsg",
                   "{\"from\":4242, \"to\":9223372036854775806, \"mtype\":30, \"mid\":9007199254740993, "
                   "\"msg\":\"col1\\tcol2\\fpage2\", \"attrs\":\"\", \"mtime\":1712345678002}") == RTM_PUSH_OK);
  e = rec_nth(&r, RTM_PUSH_EV_PUSHCHAT, 0);
  CHECK(e && e->ev.from == 4242 && e->ev.to == 9223372036854775806LL && e->ev.mid == 9007199254740993LL &&
        e->ev.mtime == 1712345678002LL && e->ev.mtype == 30 && strcmp(e->msg, "col1\tcol2\fpage2") == 0);
  CHECK(e && e->ev.fields == (RTM_PUSH_F_FROM | RTM_PUSH_F_TO | RTM_PUSH_F_MTYPE | RTM_PUSH_F_MID | RTM_PUSH_F_MSG |
                              RTM_PUSH_F_ATTRS | RTM_PUSH_F_MTIME));
  /* whitespace of every kind, and an escaped key */
  CHECK(feed_jpush(s, 1, 2, "pushmsg", " \r\n{ \"m\\u0069d\" :\t5 ,\n\"msg\" : \"w\" } \n") == RTM_PUSH_OK);
  e = rec_nth(&r, RTM_PUSH_EV_PUSHMSG, 0);
  CHECK(e && e->ev.mid == 5 && strcmp(e->msg, "w") == 0);
  /* empty map, nulls (a null field is absent), unknown keys of every type */
  CHECK(feed_jpush(s, 1, 3, "pushmsg", "{}") == RTM_PUSH_OK);
  CHECK(feed_jpush(s, 1, 4, "pushmsg",
                   "{\"mid\":null, \"x\":[1, {\"a\":[]}, \"s\", true, false, null, -1.5e-3], \"msg\":\"n\"}") == RTM_PUSH_OK);
  e = rec_nth(&r, RTM_PUSH_EV_PUSHMSG, 2);
  CHECK(e && e->ev.fields == RTM_PUSH_F_MSG);
  CHECK(r.count[RTM_PUSH_EV_PUSHMSG] == 3 && r.count[RTM_PUSH_EV_ERROR] == 0);
  /* structural errors */
  CHECK(feed_jpush(s, 1, 5, "pushmsg", "{\"mid\":1 \"msg\":\"a\"}") == RTM_PUSH_OK);   /* no comma */
  CHECK(feed_jpush(s, 1, 6, "pushmsg", "{\"mid\":1,}") == RTM_PUSH_OK);
  CHECK(feed_jpush(s, 1, 7, "pushmsg", "{\"mid\":1} x") == RTM_PUSH_OK);              /* trailing bytes */
  CHECK(feed_jpush(s, 1, 8, "pushmsg", "[1]") == RTM_PUSH_OK);                        /* not an object */
  CHECK(feed_jpush(s, 1, 9, "pushmsg", "") == RTM_PUSH_OK);
  CHECK(feed_jpush(s, 1, 10, "pushmsg", "{mid:1}") == RTM_PUSH_OK);
  CHECK(feed_jpush(s, 1, 11, "pushmsg", "{\"mid\" 1}") == RTM_PUSH_OK);
  CHECK(feed_jpush(s, 1, 12, "pushmsg", "{\"x\":tru}") == RTM_PUSH_OK);
  CHECK(feed_jpush(s, 1, 13, "pushmsg", "{\"x\":[1 2]}") == RTM_PUSH_OK);
  CHECK(feed_jpush(s, 1, 14, "pushmsg", "{\"x\":[1,") == RTM_PUSH_OK);
  CHECK(r.count[RTM_PUSH_EV_ERROR] == 10 && r.count[RTM_PUSH_EV_PUSHMSG] == 3);
  CHECK(rtm_push_get_state(s) == RTM_PUSH_STATE_READY);
  rtm_push_free(s);
  rec_free(&r);
}

/* ================================================================================================ */
/* >>3 msgpack                                                                                      */
/* ================================================================================================ */
static void mp_str_form(bytes *b, const void *p, size_t n, int tag) { /* tag 0: smallest form */
  if (!tag) tag = n < 32 ? 0xa0 : n <= 0xff ? 0xd9 : n <= 0xffff ? 0xda : 0xdb;
  if (tag == 0xa0) b_byte(b, (uint8_t)(0xa0 | n));
  else {
    int w = (tag == 0xd9 || tag == 0xc4) ? 1 : (tag == 0xda || tag == 0xc5) ? 2 : 4;
    b_byte(b, (uint8_t)tag);
    b_be(b, n, w);
  }
  b_put(b, p, n);
}
static void mp_s(bytes *b, const char *z) { mp_str_form(b, z, strlen(z), 0); }
/* {"mid": <enc>, "msg": "x"} through a fresh START_FPNN session */
static void mp_mid_case(const char *enc, size_t encn, int want_err, int64_t want) {
  rec r;
  rtm_push *s;
  bytes m = {0, 0, 0};
  const evrec *e;
  memset(&r, 0, sizeof r);
  s = mk(&r, RTM_PUSH_START_FPNN);
  b_byte(&m, 0x82);
  mp_s(&m, "mid");
  b_put(&m, enc, encn);
  mp_s(&m, "msg");
  mp_s(&m, "x");
  CHECK(feed_mpush(s, 1, 1, "pushmsg", &m) == RTM_PUSH_OK);
  if (!want_err) {
    e = rec_nth(&r, RTM_PUSH_EV_PUSHMSG, 0);
    CHECKM(e && e->ev.mid == want && (e->ev.fields & RTM_PUSH_F_MID), "enc %02x: %s", (unsigned char)enc[0], rec_text(&r));
  } else {
    e = rec_nth(&r, RTM_PUSH_EV_ERROR, 0);
    CHECKM(r.count[RTM_PUSH_EV_PUSHMSG] == 0 && e && e->ev.error == want_err && !e->ev.fatal, "enc %02x: %s",
           (unsigned char)enc[0], rec_text(&r));
    if (want_err != RTM_PUSH_E_PAYLOAD_SYNTAX) CHECKM(e && strstr(e->message, "'mid'"), "%s", e ? e->message : "");
  }
  CHECK(rtm_push_get_state(s) == RTM_PUSH_STATE_READY);
  rtm_push_free(s);
  rec_free(&r);
  b_free(&m);
}
#define MPC(lit, err, want) mp_mid_case(lit, sizeof(lit) - 1, err, want)
static void test_msgpack_ints(void) {
  MPC("\x00", 0, 0);
  MPC("\x7f", 0, 127);
  MPC("\xff", 0, -1);
  MPC("\xe0", 0, -32);
  MPC("\xcc\x00", 0, 0); /* not minimal: accepted */
  MPC("\xcc\x80", 0, 128);
  MPC("\xcc\xff", 0, 255);
  MPC("\xcd\x01\x00", 0, 256);
  MPC("\xcd\xff\xff", 0, 65535);
  MPC("\xce\x00\x01\x00\x00", 0, 65536);
  MPC("\xce\xff\xff\xff\xff", 0, 4294967295LL);
  MPC("\xcf\x00\x00\x00\x01\x00\x00\x00\x00", 0, 4294967296LL);
  MPC("\xcf\x00\x20\x00\x00\x00\x00\x00\x01", 0, 9007199254740993LL);
  MPC("\xcf\x7f\xff\xff\xff\xff\xff\xff\xfe", 0, 9223372036854775806LL);
  MPC("\xcf\x7f\xff\xff\xff\xff\xff\xff\xff", 0, INT64_MAX);
  MPC("\xcf\x80\x00\x00\x00\x00\x00\x00\x00", RTM_PUSH_E_FIELD_RANGE, 0); /* 2^63 */
  MPC("\xcf\xff\xff\xff\xff\xff\xff\xff\xff", RTM_PUSH_E_FIELD_RANGE, 0);
  MPC("\xd0\x7f", 0, 127);
  MPC("\xd0\xdf", 0, -33);
  MPC("\xd0\x80", 0, -128);
  MPC("\xd1\x7f\xff", 0, 32767);
  MPC("\xd1\x80\x00", 0, -32768);
  MPC("\xd1\xff\x7f", 0, -129);
  MPC("\xd2\x7f\xff\xff\xff", 0, INT32_MAX);
  MPC("\xd2\x80\x00\x00\x00", 0, INT32_MIN);
  MPC("\xd2\xff\xff\x7f\xff", 0, -32769);
  MPC("\xd3\x7f\xff\xff\xff\xff\xff\xff\xff", 0, INT64_MAX);
  MPC("\xd3\x80\x00\x00\x00\x00\x00\x00\x00", 0, INT64_MIN);
  MPC("\xd3\xff\xff\xff\xff\x7f\xff\xff\xff", 0, -2147483649LL);
  MPC("\xd3\xff\xff\xff\xff\xff\xff\xff\xff", 0, -1);
  MPC("\xa3" "123", 0, 123);                      /* a decimal string */
  MPC("\xb4" "-9223372036854775808", 0, INT64_MIN);
  MPC("\xb3" "9223372036854775808", RTM_PUSH_E_FIELD_RANGE, 0);
  MPC("\xca\x3f\x80\x00\x00", RTM_PUSH_E_FIELD_TYPE, 0); /* float32 1.0 */
  MPC("\xcb\x3f\xf0\x00\x00\x00\x00\x00\x00", RTM_PUSH_E_FIELD_TYPE, 0);
  MPC("\xc3", RTM_PUSH_E_FIELD_TYPE, 0);
  MPC("\x90", RTM_PUSH_E_FIELD_TYPE, 0);
  MPC("\x80", RTM_PUSH_E_FIELD_TYPE, 0);
  MPC("\xc4\x01" "1", RTM_PUSH_E_FIELD_TYPE, 0);   /* bin is not a decimal string */
  MPC("\xd4\x01\x00", RTM_PUSH_E_FIELD_TYPE, 0);   /* fixext1 */
  MPC("\xcd\x01", RTM_PUSH_E_PAYLOAD_SYNTAX, 0);    /* truncated: "msg" eaten, then short */
  MPC("\xc1", RTM_PUSH_E_PAYLOAD_SYNTAX, 0);
  {
    rec r;
    rtm_push *s;
    bytes m = {0, 0, 0};
    memset(&r, 0, sizeof r);
    s = mk(&r, RTM_PUSH_START_FPNN);
    b_byte(&m, 0x82);
    mp_s(&m, "mid");
    b_byte(&m, 0xc0);
    mp_s(&m, "from");
    b_byte(&m, 0xc0);
    CHECK(feed_mpush(s, 1, 1, "pushmsg", &m) == RTM_PUSH_OK);
    CHECK(r.count[RTM_PUSH_EV_PUSHMSG] == 1 && r.evs[0].ev.fields == 0);
    rtm_push_free(s);
    rec_free(&r);
    b_free(&m);
  }
}
/* {"msg": <enc>} -> expected bytes and binary flag */
static void mp_msg_case(const bytes *enc, const void *want, size_t wn, int binary) {
  rec r;
  rtm_push *s;
  bytes m = {0, 0, 0};
  const evrec *e;
  memset(&r, 0, sizeof r);
  s = mk(&r, RTM_PUSH_START_FPNN);
  b_byte(&m, 0x81);
  mp_s(&m, "msg");
  b_put(&m, enc->p, enc->len);
  CHECK(feed_mpush(s, 1, 1, "pushmsg", &m) == RTM_PUSH_OK);
  e = rec_nth(&r, RTM_PUSH_EV_PUSHMSG, 0);
  CHECKM(e != NULL, "%s", rec_text(&r));
  if (e) {
    size_t k = wn < sizeof e->msg - 1 ? wn : sizeof e->msg - 1;
    CHECKM(e->msg_len == wn && memcmp(e->msg, want, k) == 0, "len %lu want %lu", (unsigned long)e->msg_len,
           (unsigned long)wn);
    CHECK(e->msg_binary == binary);
  }
  CHECK(rec_has(&r, binary ? "\"msg_base64\":" : "\"msg\":"));
  rtm_push_free(s);
  rec_free(&r);
  b_free(&m);
}
static void test_msgpack_strings(void) {
  static char big[70000];
  bytes e = {0, 0, 0};
  size_t i;
  for (i = 0; i < sizeof big; i++) big[i] = (char)('A' + i % 26);
  mp_str_form(&e, "", 0, 0xa0); mp_msg_case(&e, "", 0, 0); b_reset(&e);
  mp_str_form(&e, big, 31, 0xa0); mp_msg_case(&e, big, 31, 0); b_reset(&e);
  mp_str_form(&e, big, 32, 0xd9); mp_msg_case(&e, big, 32, 0); b_reset(&e);
  mp_str_form(&e, big, 5, 0xd9); mp_msg_case(&e, big, 5, 0); b_reset(&e); /* not minimal */
  mp_str_form(&e, big, 255, 0xd9); mp_msg_case(&e, big, 255, 0); b_reset(&e);
  mp_str_form(&e, big, 256, 0xda); mp_msg_case(&e, big, 256, 0); b_reset(&e);
  mp_str_form(&e, big, 65535, 0xda); mp_msg_case(&e, big, 65535, 0); b_reset(&e);
  mp_str_form(&e, big, 65536, 0xdb); mp_msg_case(&e, big, 65536, 0); b_reset(&e);
  mp_str_form(&e, big, 0, 0xdb); mp_msg_case(&e, big, 0, 0); b_reset(&e);
  mp_str_form(&e, "\xe4\xbd\xa0\0z", 5, 0); mp_msg_case(&e, "\xe4\xbd\xa0\0z", 5, 0); b_reset(&e); /* NUL kept */
  /* bin8/16/32 -> binary even when the bytes are UTF-8 */
  mp_str_form(&e, "abc", 3, 0xc4); mp_msg_case(&e, "abc", 3, 1); b_reset(&e);
  mp_str_form(&e, big, 300, 0xc5); mp_msg_case(&e, big, 300, 1); b_reset(&e);
  mp_str_form(&e, "\xff\x00", 2, 0xc6); mp_msg_case(&e, "\xff\x00", 2, 1); b_reset(&e);
  /* str that is not UTF-8 -> binary */
  mp_str_form(&e, "a\xff", 2, 0); mp_msg_case(&e, "a\xff", 2, 1); b_reset(&e);
  mp_str_form(&e, "\xed\xa0\x80", 3, 0xd9); mp_msg_case(&e, "\xed\xa0\x80", 3, 1); b_reset(&e);
  b_free(&e);
}
static void test_msgpack_translation(void) {
  rec r;
  rtm_push *s;
  bytes m = {0, 0, 0};
  const evrec *e;
  memset(&r, 0, sizeof r);
  s = mk(&r, RTM_PUSH_START_FPNN);
  b_byte(&m, 0x84);
  mp_s(&m, "mtype"); b_byte(&m, 30);
  mp_s(&m, "gid"); b_put(&m, "\xcf\x40\x00\x00\x00\x00\x00\x00\x00", 9);
  mp_s(&m, "mid"); b_byte(&m, 9);
  mp_s(&m, "msg");
  b_byte(&m, 0x84);
  mp_s(&m, "source"); mp_s(&m, "zh-CN");
  mp_s(&m, "target"); mp_s(&m, "en");
  mp_s(&m, "sourceText"); mp_s(&m, "\xe4\xbd\xa0\xe5\xa5\xbd\xe4\xb8\x96\xe7\x95\x8c");
  mp_s(&m, "targetText"); mp_s(&m, "Hello world");
  CHECK(feed_mpush(s, 1, 1, "pushgroupmsg", &m) == RTM_PUSH_OK);
  e = rec_nth(&r, RTM_PUSH_EV_PUSHGROUPCHAT, 0);
  CHECKM(e && e->ev.msg_is_translation && strcmp(e->msg, "Hello world") == 0 && e->ev.gid == 4611686018427387904LL,
         "%s", rec_text(&r));
  CHECKM(rec_has(&r, "\"msg\":{\"source\":\"zh-CN\",\"target\":\"en\",\"sourceText\":\"\xe4\xbd\xa0\xe5\xa5\xbd\xe4\xb8\x96\xe7\x95\x8c\",\"targetText\":\"Hello world\"}"),
         "%s", rec_text(&r));
  /* empty targetText: the display text is sourceText; unknown members and nil are ignored */
  b_reset(&m);
  b_byte(&m, 0x83);
  mp_s(&m, "mtype"); b_byte(&m, 30);
  mp_s(&m, "mid"); b_byte(&m, 10);
  mp_s(&m, "msg");
  b_byte(&m, 0x85); /* (every member present: see test_bug_translation_missing_members) */
  mp_s(&m, "sourceText"); mp_s(&m, "src");
  mp_s(&m, "targetText"); mp_s(&m, "");
  mp_s(&m, "target"); mp_s(&m, "t");
  mp_s(&m, "extra"); b_put(&m, "\x92\x01\x81\xa1x\x90", 6);
  mp_s(&m, "source"); mp_str_form(&m, "", 0, 0xd9);
  CHECK(feed_mpush(s, 1, 2, "pushmsg", &m) == RTM_PUSH_OK);
  e = rec_nth(&r, RTM_PUSH_EV_PUSHCHAT, 0);
  CHECKM(e && e->ev.msg_is_translation && strcmp(e->msg, "src") == 0, "%s", rec_text(&r));
  /* a non-string member is a field error naming msg */
  b_reset(&m);
  b_byte(&m, 0x82);
  mp_s(&m, "mtype"); b_byte(&m, 30);
  mp_s(&m, "msg");
  b_byte(&m, 0x81);
  mp_s(&m, "targetText"); b_byte(&m, 5);
  CHECK(feed_mpush(s, 1, 3, "pushmsg", &m) == RTM_PUSH_OK);
  CHECK(rec_last(&r)->ev.type == RTM_PUSH_EV_ERROR && rec_last(&r)->ev.error == RTM_PUSH_E_FIELD_TYPE &&
        strstr(rec_last(&r)->message, "'msg'"));
  rtm_push_free(s);
  rec_free(&r);
  b_free(&m);
}
static void test_msgpack_skip(void) {
  rec r;
  rtm_push *s;
  bytes m = {0, 0, 0};
  const evrec *e;
  memset(&r, 0, sizeof r);
  s = mk(&r, RTM_PUSH_START_FPNN);
  /* map16 top level, unknown keys with every kind of value, non-string keys */
  b_byte(&m, 0xde); b_be(&m, 12, 2);
  mp_s(&m, "a"); b_put(&m, "\x93\x01\x81\xa1k\x92\xc0\xc2\xdc\x00\x01\xdd\x00\x00\x00\x01\xc3", 17);
  mp_s(&m, "b"); b_put(&m, "\xdf\x00\x00\x00\x01\xa1k\xde\x00\x01\x01\x02", 12);
  mp_s(&m, "c"); b_put(&m, "\xcb\x40\x09\x21\xfb\x54\x44\x2d\x18", 9);
  mp_s(&m, "d"); b_put(&m, "\xd4\x01\x02\xd5\x01\x02\x03", 3); /* fixext1 (3 bytes) */
  mp_s(&m, "e"); b_put(&m, "\xd8\x01" "0123456789abcdef", 18);  /* fixext16 */
  mp_s(&m, "f"); b_put(&m, "\xc7\x02\x05zz", 5);                 /* ext8 */
  mp_s(&m, "g"); b_put(&m, "\xc8\x00\x01\x05z", 5);              /* ext16 */
  mp_s(&m, "h"); b_put(&m, "\xc9\x00\x00\x00\x00\x05", 6);       /* ext32, empty */
  b_byte(&m, 0x07); mp_s(&m, "int key");                          /* non-string keys */
  b_put(&m, "\xc4\x03mid", 5); b_byte(&m, 99);                    /* a bin key is not "mid" */
  mp_s(&m, "mid"); b_byte(&m, 0x2a);
  mp_s(&m, "msg"); mp_s(&m, "ok");
  CHECK(feed_mpush(s, 1, 1, "pushmsg", &m) == RTM_PUSH_OK);
  e = rec_nth(&r, RTM_PUSH_EV_PUSHMSG, 0);
  CHECKM(e && e->ev.mid == 42 && strcmp(e->msg, "ok") == 0 && e->ev.fields == (RTM_PUSH_F_MID | RTM_PUSH_F_MSG),
         "%s", rec_text(&r));
  rtm_push_free(s);
  rec_free(&r);
  b_free(&m);
}
/* payloads that must be refused without reading past their end (the feed buffer is exact) */
static void test_msgpack_malformed(void) {
  static const struct { const char *p; size_t n; } bad[] = {
#define B(lit) {lit, sizeof(lit) - 1}
    B(""),                                             /* empty */
    B("\xa3" "abc"),                                   /* not a map */
    B("\x81\xa3" "msg\xdb\x00\x00\x01\x00" "abc"),     /* str32 longer than the payload */
    B("\x81\xa3" "msg\xdb\xff\xff\xff\xff"),
    B("\x81\xa3" "msg\xda\x00\x10" "a"),
    B("\x81\xa3" "msg\xd9\x05" "ab"),
    B("\x81\xa3" "msg\xbf" "ab"),
    B("\x81\xa3" "msg\xc6\xff\xff\xff\xf0" "a"),       /* bin32 */
    B("\x81\xa1x\xdf\xff\xff\xff\xff"),                /* map32 longer than the payload */
    B("\x81\xa1x\xdf\x00\x00\x00\x02\x01\x01"),
    B("\x81\xa1x\xdd\x7f\xff\xff\xff\x01"),            /* array32 */
    B("\x81\xa1x\xdc\x00\x03\x01\x01"),
    B("\x81\xa1x\x9f"),
    B("\x81\xa1x\x8f\x01"),
    B("\x81\xa1x\xc9\xff\xff\xff\xff\x01"),            /* ext32 */
    B("\x81\xa1x\xc7\x05\x01" "ab"),
    B("\x81\xa1x\xd8\x01" "abc"),
    B("\x81\xa1x\xcb\x00\x00"),
    B("\x81\xa1x\xd3\x00"),
    B("\x81\xa1x\xcf"),
    B("\x81\xa1x\xc1"),                                /* never used */
    B("\x81\xc1\x01"),
    B("\xdf\xff\xff\xff\xff\xa1x\x01"),                /* top-level map32 count */
    B("\xde\x00\x05\xa1x\x01"),
    B("\x82\xa1x\x01"),                                /* fixmap count beyond the bytes */
    B("\x81\xa1x\x01\x01"),                            /* bytes after the map */
    B("\x81\xa1x"),                                    /* key without value */
    B("\xde\x00"),
    B("\xdf\x00\x00\x00"),
#undef B
  };
  rec r;
  rtm_push *s;
  size_t i;
  memset(&r, 0, sizeof r);
  s = mk(&r, RTM_PUSH_START_FPNN);
  for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    bytes m = {0, 0, 0};
    int before = r.count[RTM_PUSH_EV_ERROR];
    b_put(&m, bad[i].p, bad[i].n);
    CHECK(feed_mpush(s, 1, (uint32_t)i + 1, "pushmsg", &m) == RTM_PUSH_OK);
    CHECKM(r.count[RTM_PUSH_EV_ERROR] == before + 1 && rec_last(&r)->ev.error == RTM_PUSH_E_PAYLOAD_SYNTAX &&
           !rec_last(&r)->ev.fatal, "case %lu: %s", (unsigned long)i, rec_last(&r) ? rec_last(&r)->message : "");
    b_free(&m);
  }
  CHECK(r.count[RTM_PUSH_EV_PUSHMSG] == 0);
  CHECK(rtm_push_get_state(s) == RTM_PUSH_STATE_READY);
  rtm_push_free(s);
  rec_free(&r);
}
/* nesting: arrays inside an unknown member; the top-level map is level 1 */
static void depth_case(int msgpack, uint32_t max_depth, int arrays, int want_err) {
  rec r;
  rtm_push *s;
  rtm_push_config c;
  bytes m = {0, 0, 0};
  int i;
  memset(&r, 0, sizeof r);
  cfg_init(&c, &r, RTM_PUSH_START_FPNN);
  c.limits.max_depth = max_depth;
  s = mk_cfg(&r, &c);
  if (msgpack) {
    b_byte(&m, 0x82);
    mp_s(&m, "x");
    for (i = 0; i < arrays; i++) b_byte(&m, i + 1 < arrays ? 0x91 : 0x90);
    mp_s(&m, "msg");
    mp_s(&m, "m");
    CHECK(feed_mpush(s, 1, 1, "pushmsg", &m) == RTM_PUSH_OK);
  } else {
    b_str(&m, "{\"x\":");
    for (i = 0; i < arrays; i++) b_str(&m, i & 1 ? "{\"k\":" : "[");
    for (i = arrays - 1; i >= 0; i--) b_str(&m, i & 1 ? "}" : "]");
    b_str(&m, ", \"msg\":\"m\"}");
    CHECK(feed_jpush(s, 1, 1, "pushmsg", (const char *)m.p) == RTM_PUSH_OK);
  }
  if (want_err) {
    CHECKM(r.count[RTM_PUSH_EV_PUSHMSG] == 0 && rec_last(&r) && rec_last(&r)->ev.error == RTM_PUSH_E_PAYLOAD_DEPTH,
           "mp %d depth %u arrays %d: %s", msgpack, max_depth, arrays, rec_text(&r));
  } else {
    CHECKM(r.count[RTM_PUSH_EV_PUSHMSG] == 1, "mp %d depth %u arrays %d: %s", msgpack, max_depth, arrays, rec_text(&r));
  }
  rtm_push_free(s);
  rec_free(&r);
  b_free(&m);
}
static void test_payload_depth(void) {
  int mp;
  for (mp = 0; mp < 2; mp++) {
    depth_case(mp, 4, 3, 0);
    depth_case(mp, 4, 4, 1);
    depth_case(mp, 1, 1, 1);
    depth_case(mp, 0, 31, 0); /* default 32 */
    depth_case(mp, 0, 32, 1);
    depth_case(mp, 0, 5000, 1); /* no stack blow-up */
    depth_case(mp, 256, 255, 0);
    depth_case(mp, 256, 256, 1);
  }
  {
    rec r;
    rtm_push *s;
    rtm_push_config c;
    memset(&r, 0, sizeof r);
    cfg_init(&c, &r, RTM_PUSH_START_FPNN);
    c.limits.max_depth = 257;
    CHECK(rtm_push_new(&s, &c) == RTM_PUSH_E_CONFIG);
  }
}

/* ================================================================================================ */
/* >>4 routing                                                                                      */
/* ================================================================================================ */
static void test_routing_table(void) {
  static const char *const methods[4] = {"pushmsg", "pushgroupmsg", "pushroommsg", "pushbroadcastmsg"};
  static const rtm_push_category cats[4] = {RTM_PUSH_CAT_P2P, RTM_PUSH_CAT_GROUP, RTM_PUSH_CAT_ROOM,
                                            RTM_PUSH_CAT_BROADCAST};
  static const char *const stems[4] = {"push", "pushgroup", "pushroom", "pushbroadcast"};
  static const struct { int mtype; rtm_push_kind kind; const char *suffix; int off; } mt[] = {
    {30, RTM_PUSH_KIND_CHAT, "chat", 1}, {31, RTM_PUSH_KIND_AUDIO, "audio", 2}, {32, RTM_PUSH_KIND_CMD, "cmd", 3},
    {40, RTM_PUSH_KIND_FILE, "file", 4}, {45, RTM_PUSH_KIND_FILE, "file", 4}, {50, RTM_PUSH_KIND_FILE, "file", 4},
    {0, RTM_PUSH_KIND_MSG, "msg", 0}, {29, RTM_PUSH_KIND_MSG, "msg", 0}, {33, RTM_PUSH_KIND_MSG, "msg", 0},
    {39, RTM_PUSH_KIND_MSG, "msg", 0}, {51, RTM_PUSH_KIND_MSG, "msg", 0}, {-30, RTM_PUSH_KIND_MSG, "msg", 0},
    {1, RTM_PUSH_KIND_MSG, "msg", 0}, {2147483647, RTM_PUSH_KIND_MSG, "msg", 0},
  };
  static const rtm_push_event_type base[4] = {RTM_PUSH_EV_PUSHMSG, RTM_PUSH_EV_PUSHGROUPMSG, RTM_PUSH_EV_PUSHROOMMSG,
                                              RTM_PUSH_EV_PUSHBROADCASTMSG};
  rec r;
  rtm_push *s;
  int m, k, seen[RTM_PUSH_EV__COUNT];
  uint32_t seq = 1;
  memset(&r, 0, sizeof r);
  memset(seen, 0, sizeof seen);
  s = mk(&r, RTM_PUSH_START_FPNN);
  for (m = 0; m < 4; m++) {
    for (k = 0; k < (int)(sizeof mt / sizeof mt[0]); k++) {
      char json[200], name[40];
      const evrec *e;
      snprintf(json, sizeof json, "{\"from\":1, \"to\":2, \"gid\":3, \"rid\":4, \"mtype\":%d, \"mid\":%u, \"msg\":\"m\"}",
               mt[k].mtype, (unsigned)seq);
      CHECK(feed_jpush(s, 1, seq, methods[m], json) == RTM_PUSH_OK);
      seq++;
      e = rec_last(&r);
      snprintf(name, sizeof name, "%s%s", stems[m], mt[k].suffix);
      CHECKM(e && e->ev.type == (rtm_push_event_type)(base[m] + mt[k].off) && e->ev.category == cats[m] &&
             e->ev.kind == mt[k].kind && strcmp(e->method, methods[m]) == 0,
             "%s mtype %d: %s", methods[m], mt[k].mtype, rec_text(&r));
      if (e) seen[e->ev.type] = 1;
      {
        char want[128];
        snprintf(want, sizeof want, "{\"event\":\"%s\",\"method\":\"%s\"", name, methods[m]);
        CHECKM(strstr(rec_text(&r), want) != NULL, "%s", want);
      }
      /* only the fields of the variant are kept */
      if (e) {
        CHECK(!!(e->ev.fields & RTM_PUSH_F_TO) == (m == 0));
        CHECK(!!(e->ev.fields & RTM_PUSH_F_GID) == (m == 1));
        CHECK(!!(e->ev.fields & RTM_PUSH_F_RID) == (m == 2));
        CHECK(e->ev.to == (m == 0 ? 2 : 0) && e->ev.gid == (m == 1 ? 3 : 0) && e->ev.rid == (m == 2 ? 4 : 0));
      }
    }
  }
  for (k = RTM_PUSH_EV_PUSHMSG; k <= RTM_PUSH_EV_PUSHBROADCASTFILE; k++) CHECKM(seen[k], "event %d never routed", k);
  CHECK(r.count[RTM_PUSH_EV_ERROR] == 0);
  rtm_push_free(s);
  rec_free(&r);
}
static void test_routing_derived_wire(void) {
  static const char *const names[] = {"pushchat", "pushaudio", "pushcmd", "pushfile", "pushgroupchat",
                                      "pushgroupaudio", "pushgroupcmd", "pushgroupfile", "pushroomchat", "pushroomaudio",
                                      "pushroomcmd", "pushroomfile", "pushbroadcastchat", "pushbroadcastaudio",
                                      "pushbroadcastcmd", "pushbroadcastfile"};
  rec r;
  rtm_push *s;
  size_t i;
  memset(&r, 0, sizeof r);
  s = mk(&r, RTM_PUSH_START_FPNN);
  for (i = 0; i < sizeof names / sizeof names[0]; i++) {
    const evrec *e;
    /* mtype 77 does not re-route a derived name */
    CHECK(feed_jpush(s, 1, (uint32_t)i + 1, names[i], "{\"mtype\":77, \"msg\":\"x\"}") == RTM_PUSH_OK);
    e = rec_last(&r);
    CHECKM(e && e->ev.type != RTM_PUSH_EV_UNKNOWN && e->ev.type != RTM_PUSH_EV_ERROR && strcmp(e->method, names[i]) == 0,
           "%s", names[i]);
    if (e) {
      char want[128];
      snprintf(want, sizeof want, "{\"event\":\"%s\",\"method\":\"%s\"", names[i], names[i]);
      CHECKM(strstr(rec_text(&r), want) != NULL, "%s", rec_text(&r));
    }
  }
  CHECK(r.count[RTM_PUSH_EV_PUSHGROUPCHAT] == 1 && r.count[RTM_PUSH_EV_PUSHBROADCASTFILE] == 1);
  rtm_push_free(s);
  rec_free(&r);
}
static void test_routing_control(void) {
  rec r;
  rtm_push *s;
  const evrec *e;
  bytes out = {0, 0, 0};
  memset(&r, 0, sizeof r);
  s = mk(&r, RTM_PUSH_START_FPNN);
  CHECK(feed_jpush(s, 1, 7, "ping", "{}") == RTM_PUSH_OK);
  e = rec_last(&r);
  CHECK(e && e->ev.type == RTM_PUSH_EV_PING && e->ev.kind == RTM_PUSH_KIND_PING && e->ev.category == RTM_PUSH_CAT_NONE &&
        e->ev.twoway == 1 && e->ev.seq == 7 && e->ev.fields == 0);
  CHECK(rec_has(&r, "{\"event\":\"ping\",\"method\":\"ping\",\"seq\":7,\"twoway\":true}\n"));
  /* ping's fields are ignored */
  CHECK(feed_jpush(s, 1, 8, "ping", "{\"mid\":5, \"from\":1}") == RTM_PUSH_OK);
  CHECK(rec_last(&r)->ev.type == RTM_PUSH_EV_PING && rec_last(&r)->ev.fields == 0);
  CHECK(feed_jpush(s, 0, 0, "kickoutroom", "{\"rid\":42, \"from\":3}") == RTM_PUSH_OK);
  e = rec_last(&r);
  CHECK(e && e->ev.type == RTM_PUSH_EV_KICKOUTROOM && e->ev.rid == 42 && e->ev.fields == RTM_PUSH_F_RID &&
        e->ev.twoway == 0 && e->ev.kind == RTM_PUSH_KIND_KICKOUTROOM);
  CHECK(rec_has(&r, "{\"event\":\"kickoutroom\",\"method\":\"kickoutroom\",\"twoway\":false,\"rid\":\"42\"}\n"));
  CHECK(feed_jpush(s, 1, 9, "foo.bar", "{\"a\":[1,2]}") == RTM_PUSH_OK);
  e = rec_last(&r);
  CHECK(e && e->ev.type == RTM_PUSH_EV_UNKNOWN && strcmp(e->method, "foo.bar") == 0 && e->ev.seq == 9 &&
        e->payload_len == 11 && memcmp(e->payload, "{\"a\":[1,2]}", 11) == 0 && e->ev.encoding == RTM_PUSH_ENC_JSON);
  CHECK(rec_has(&r, "{\"event\":\"unknown\",\"method\":\"foo.bar\",\"seq\":9,\"twoway\":true}\n"));
  /* an unknown method's payload is not even parsed */
  CHECK(feed_jpush(s, 0, 0, "PUSHMSG", "not json") == RTM_PUSH_OK);
  CHECK(rec_last(&r)->ev.type == RTM_PUSH_EV_UNKNOWN && r.count[RTM_PUSH_EV_ERROR] == 0);
  CHECK(rtm_push_get_state(s) == RTM_PUSH_STATE_READY);
  drain(s, &out);
  CHECK(feed_jpush(s, 0, 0, "kickout", "{}") == RTM_PUSH_OK);
  e = rec_last(&r);
  CHECK(e && e->ev.type == RTM_PUSH_EV_KICKOUT && e->ev.kind == RTM_PUSH_KIND_KICKOUT);
  CHECK(rtm_push_get_state(s) == RTM_PUSH_STATE_CLOSING);
  CHECK(r.count[RTM_PUSH_EV_ERROR] == 0);
  rtm_push_free(s);
  rec_free(&r);
  b_free(&out);
}
static void test_routing_missing_fields(void) {
  rec r;
  rtm_push *s;
  const evrec *e;
  memset(&r, 0, sizeof r);
  s = mk(&r, RTM_PUSH_START_FPNN);
  CHECK(feed_jpush(s, 1, 1, "pushgroupmsg", "{}") == RTM_PUSH_OK);
  e = rec_last(&r);
  CHECK(e && e->ev.type == RTM_PUSH_EV_PUSHGROUPMSG && e->ev.fields == 0);
  CHECK(rec_has(&r, "{\"event\":\"pushgroupmsg\",\"method\":\"pushgroupmsg\",\"seq\":1,\"twoway\":true}\n"));
  CHECK(feed_jpush(s, 1, 2, "pushmsg", "{\"mtype\":31}") == RTM_PUSH_OK);
  e = rec_last(&r);
  CHECK(e && e->ev.type == RTM_PUSH_EV_PUSHAUDIO && e->ev.fields == RTM_PUSH_F_MTYPE && e->ev.mtype == 31);
  CHECK(feed_jpush(s, 1, 3, "pushroommsg", "{\"rid\":5, \"msg\":\"r\", \"unknown\":1}") == RTM_PUSH_OK);
  e = rec_last(&r);
  CHECK(e && e->ev.type == RTM_PUSH_EV_PUSHROOMMSG && e->ev.fields == (RTM_PUSH_F_RID | RTM_PUSH_F_MSG));
  CHECK(feed_jpush(s, 1, 4, "pushmsg", "{\"attrs\":\"a\\u0000b\"}") == RTM_PUSH_OK);
  e = rec_last(&r);
  CHECK(e && e->ev.fields == RTM_PUSH_F_ATTRS && memcmp(e->attrs, "a\0b", 3) == 0);
  CHECK(feed_jpush(s, 1, 5, "pushmsg", "{\"attrs\":5}") == RTM_PUSH_OK); /* attrs must be a string */
  CHECK(rec_last(&r)->ev.type == RTM_PUSH_EV_ERROR && strstr(rec_last(&r)->message, "'attrs'"));
  rtm_push_free(s);
  rec_free(&r);
}
static void test_routing_file(void) {
  rec r;
  rtm_push *s;
  const evrec *e;
  memset(&r, 0, sizeof r);
  s = mk(&r, RTM_PUSH_START_FPNN);
  CHECK(feed_jpush(s, 1, 1, "pushmsg",
                   "{\"mtype\":41, \"mid\":1, \"msg\":\"{\\\"url\\\":\\\"https:\\\\\\/\\\\\\/example.org\\\\\\/f\\\\\\/1.amr\\\", "
                   "\\\"size\\\":2048, \\\"surl\\\":\\\"https://e.org/s\\\"}\"}") == RTM_PUSH_OK);
  e = rec_nth(&r, RTM_PUSH_EV_PUSHFILE, 0);
  CHECKM(e && e->ev.has_file && strcmp(e->url, "https://example.org/f/1.amr") == 0 && e->ev.file.has_size &&
         e->ev.file.size == 2048 && strcmp(e->surl, "https://e.org/s") == 0, "%s | %s", rec_text(&r), e ? e->url : "");
  /* msg stays the raw JSON text */
  CHECK(e && strncmp(e->msg, "{\"url\":", 7) == 0);
  /* size as a decimal string, beyond 2^53 */
  CHECK(feed_jpush(s, 1, 2, "pushgroupmsg",
                   "{\"mtype\":40, \"mid\":2, \"msg\":\"{\\\"url\\\":\\\"u\\\",\\\"size\\\":\\\"9007199254740993\\\"}\"}") == RTM_PUSH_OK);
  e = rec_nth(&r, RTM_PUSH_EV_PUSHGROUPFILE, 0);
  CHECK(e && e->ev.has_file && strcmp(e->url, "u") == 0 && e->ev.file.has_size && e->ev.file.size == 9007199254740993LL &&
        e->surl[0] == 0);
  /* bare URL */
  CHECK(feed_jpush(s, 1, 3, "pushroommsg", "{\"mtype\":50, \"mid\":3, \"msg\":\"https:\\/\\/x.org\\/a.png\"}") == RTM_PUSH_OK);
  e = rec_nth(&r, RTM_PUSH_EV_PUSHROOMFILE, 0);
  CHECK(e && e->ev.has_file && strcmp(e->url, "https://x.org/a.png") == 0 && !e->ev.file.has_size);
  /* malformed JSON text in msg: the push is still delivered */
  CHECK(feed_jpush(s, 1, 4, "pushbroadcastmsg", "{\"mtype\":45, \"mid\":4, \"msg\":\"{\\\"url\\\":\"}") == RTM_PUSH_OK);
  e = rec_nth(&r, RTM_PUSH_EV_PUSHBROADCASTFILE, 0);
  CHECK(e && strcmp(e->msg, "{\"url\":") == 0);
  /* not a file: no file info */
  CHECK(feed_jpush(s, 1, 5, "pushmsg", "{\"mtype\":30, \"mid\":5, \"msg\":\"{\\\"url\\\":\\\"u\\\"}\"}") == RTM_PUSH_OK);
  e = rec_nth(&r, RTM_PUSH_EV_PUSHCHAT, 0);
  CHECK(e && !e->ev.has_file);
  CHECK(r.count[RTM_PUSH_EV_ERROR] == 0);
  rtm_push_free(s);
  rec_free(&r);
}
static void test_routing_translation_json(void) {
  rec r;
  rtm_push *s;
  const evrec *e;
  memset(&r, 0, sizeof r);
  s = mk(&r, RTM_PUSH_START_FPNN);
  CHECK(feed_jpush(s, 1, 2, "pushgroupmsg",
                   "{\"from\":9007199254740993, \"gid\":4611686018427387904, \"mtype\":30, \"mid\":9223372036854775806, "
                   "\"msg\":{\"source\":\"zh-CN\", \"target\":\"en\", \"sourceText\":\"\xe4\xbd\xa0\xe5\xa5\xbd\xe4\xb8\x96\xe7\x95\x8c\", "
                   "\"targetText\":\"Hello world\"}, \"attrs\":\"\", \"mtime\":1712345678001}") == RTM_PUSH_OK);
  e = rec_nth(&r, RTM_PUSH_EV_PUSHGROUPCHAT, 0);
  CHECK(e && e->ev.msg_is_translation && strcmp(e->msg, "Hello world") == 0);
  CHECKM(rec_has(&r, "{\"event\":\"pushgroupchat\",\"method\":\"pushgroupmsg\",\"seq\":2,\"twoway\":true,\"from\":\"9007199254740993\","
                     "\"gid\":\"4611686018427387904\",\"mtype\":30,\"mid\":\"9223372036854775806\",\"msg\":{\"source\":\"zh-CN\","
                     "\"target\":\"en\",\"sourceText\":\"\xe4\xbd\xa0\xe5\xa5\xbd\xe4\xb8\x96\xe7\x95\x8c\",\"targetText\":\"Hello world\"},"
                     "\"attrs\":\"\",\"mtime\":\"1712345678001\"}\n"), "%s", rec_text(&r));
  /* empty targetText -> sourceText; escapes inside the nested object are decoded */
  CHECK(feed_jpush(s, 1, 3, "pushmsg", "{\"mtype\":30, \"mid\":3, \"msg\":{\"sourceText\":\"s\\u00e9\\/\", \"targetText\":\"\", \"source\":\"\", \"target\":\"\"}}") == RTM_PUSH_OK);
  e = rec_nth(&r, RTM_PUSH_EV_PUSHCHAT, 0);
  CHECK(e && e->ev.msg_is_translation && strcmp(e->msg, "s\xc3\xa9/") == 0);
  /* no text at all: see test_bug_translation_missing_members */
  /* a non-string member -> error naming msg */
  CHECK(feed_jpush(s, 1, 5, "pushmsg", "{\"mtype\":30, \"mid\":5, \"msg\":{\"targetText\":[]}}") == RTM_PUSH_OK);
  CHECK(rec_last(&r)->ev.type == RTM_PUSH_EV_ERROR && rec_last(&r)->ev.error == RTM_PUSH_E_FIELD_TYPE &&
        strstr(rec_last(&r)->message, "'msg'"));
  rtm_push_free(s);
  rec_free(&r);
}

/* ================================================================================================ */
/* >>5 dedup and excludedUids                                                                       */
/* ================================================================================================ */
static int feed_jpush_at(rtm_push *s, uint64_t now, uint32_t seq, const char *method, const char *json) {
  bytes b = {0, 0, 0};
  int rc;
  pkg_jquest(&b, 1, seq, method, json);
  rc = feed_pkg(s, &b, now);
  b_free(&b);
  return rc;
}
/* number of FPNN packages in START_FPNN output (drained) */
static int count_answers(rtm_push *s) {
  const uint8_t *p;
  size_t n;
  int k = 0;
  while ((n = rtm_push_pending_output(s, &p)) > 0) {
    k++;
    rtm_push_consume_output(s, n);
  }
  return k;
}
static void test_dedup_basic(void) {
  rec r;
  rtm_push *s;
  uint32_t seq = 1;
  memset(&r, 0, sizeof r);
  s = mk(&r, RTM_PUSH_START_FPNN);
  CHECK(feed_jpush(s, 1, seq++, "pushmsg", "{\"from\":7, \"to\":1, \"mid\":100, \"msg\":\"a\"}") == RTM_PUSH_OK);
  CHECK(feed_jpush(s, 1, seq++, "pushmsg", "{\"from\":7, \"to\":1, \"mid\":100, \"msg\":\"a\"}") == RTM_PUSH_OK);
  CHECK(r.count[RTM_PUSH_EV_PUSHMSG] == 1);
  /* same category, other event (mtype): still the same key */
  CHECK(feed_jpush(s, 1, seq++, "pushmsg", "{\"from\":7, \"to\":1, \"mid\":100, \"mtype\":30, \"msg\":\"a\"}") == RTM_PUSH_OK);
  CHECK(r.count[RTM_PUSH_EV_PUSHCHAT] == 0);
  CHECK(count_answers(s) == 3); /* every duplicate is answered */
  /* other target, other from, other mid, other category: delivered */
  CHECK(feed_jpush(s, 1, seq++, "pushmsg", "{\"from\":7, \"to\":2, \"mid\":100}") == RTM_PUSH_OK);
  CHECK(feed_jpush(s, 1, seq++, "pushmsg", "{\"from\":8, \"to\":1, \"mid\":100}") == RTM_PUSH_OK);
  CHECK(feed_jpush(s, 1, seq++, "pushmsg", "{\"from\":7, \"to\":1, \"mid\":101}") == RTM_PUSH_OK);
  CHECK(r.count[RTM_PUSH_EV_PUSHMSG] == 4);
  CHECK(feed_jpush(s, 1, seq++, "pushgroupmsg", "{\"from\":7, \"gid\":1, \"mid\":100}") == RTM_PUSH_OK);
  CHECK(feed_jpush(s, 1, seq++, "pushroommsg", "{\"from\":7, \"rid\":1, \"mid\":100}") == RTM_PUSH_OK);
  CHECK(feed_jpush(s, 1, seq++, "pushbroadcastmsg", "{\"from\":7, \"mid\":100}") == RTM_PUSH_OK);
  CHECK(feed_jpush(s, 1, seq++, "pushgroupmsg", "{\"from\":7, \"gid\":2, \"mid\":100}") == RTM_PUSH_OK);
  CHECK(r.count[RTM_PUSH_EV_PUSHGROUPMSG] == 2 && r.count[RTM_PUSH_EV_PUSHROOMMSG] == 1 &&
        r.count[RTM_PUSH_EV_PUSHBROADCASTMSG] == 1);
  /* and each of those is now a duplicate */
  CHECK(feed_jpush(s, 1, seq++, "pushgroupmsg", "{\"from\":7, \"gid\":1, \"mid\":100, \"msg\":\"again\"}") == RTM_PUSH_OK);
  CHECK(feed_jpush(s, 1, seq++, "pushroommsg", "{\"from\":7, \"rid\":1, \"mid\":100}") == RTM_PUSH_OK);
  CHECK(feed_jpush(s, 1, seq++, "pushbroadcastmsg", "{\"from\":7, \"mid\":100}") == RTM_PUSH_OK);
  CHECK(r.count[RTM_PUSH_EV_PUSHGROUPMSG] == 2 && r.count[RTM_PUSH_EV_PUSHROOMMSG] == 1 &&
        r.count[RTM_PUSH_EV_PUSHBROADCASTMSG] == 1);
  /* Int64 extremes in the key */
  CHECK(feed_jpush(s, 1, seq++, "pushmsg", "{\"from\":-9223372036854775808, \"to\":9223372036854775807, \"mid\":-1}") == RTM_PUSH_OK);
  CHECK(feed_jpush(s, 1, seq++, "pushmsg", "{\"from\":-9223372036854775808, \"to\":9223372036854775807, \"mid\":-1}") == RTM_PUSH_OK);
  CHECK(feed_jpush(s, 1, seq++, "pushmsg", "{\"from\":-9223372036854775808, \"to\":9223372036854775807, \"mid\":1}") == RTM_PUSH_OK);
  CHECK(r.count[RTM_PUSH_EV_PUSHMSG] == 6);
  /* mid 0 or absent: never suppressed */
  CHECK(feed_jpush(s, 1, seq++, "pushmsg", "{\"from\":7, \"to\":1, \"mid\":0}") == RTM_PUSH_OK);
  CHECK(feed_jpush(s, 1, seq++, "pushmsg", "{\"from\":7, \"to\":1, \"mid\":0}") == RTM_PUSH_OK);
  CHECK(feed_jpush(s, 1, seq++, "pushmsg", "{\"from\":7, \"to\":1}") == RTM_PUSH_OK);
  CHECK(feed_jpush(s, 1, seq++, "pushmsg", "{\"from\":7, \"to\":1}") == RTM_PUSH_OK);
  CHECK(feed_jpush(s, 1, seq++, "pushmsg", "{\"from\":7, \"to\":1, \"mid\":null}") == RTM_PUSH_OK);
  CHECK(r.count[RTM_PUSH_EV_PUSHMSG] == 11);
  /* pings and kickoutroom are never deduplicated */
  CHECK(feed_jpush(s, 1, seq++, "ping", "{\"mid\":5}") == RTM_PUSH_OK);
  CHECK(feed_jpush(s, 1, seq++, "ping", "{\"mid\":5}") == RTM_PUSH_OK);
  CHECK(r.count[RTM_PUSH_EV_PING] == 2);
  CHECK(r.count[RTM_PUSH_EV_ERROR] == 0);
  rtm_push_free(s);
  rec_free(&r);
}
static void test_dedup_capacity(void) {
  rec r;
  rtm_push *s;
  rtm_push_config c;
  uint32_t seq = 1;
  int i;
  char json[80];
  memset(&r, 0, sizeof r);
  cfg_init(&c, &r, RTM_PUSH_START_FPNN);
  c.limits.dedup_capacity = 4;
  s = mk_cfg(&r, &c);
  CHECK(rtm_push_query_config(s)->limits.dedup_capacity == 4);
  for (i = 1; i <= 5; i++) {
    snprintf(json, sizeof json, "{\"from\":1, \"to\":2, \"mid\":%d}", i);
    CHECK(feed_jpush(s, 1, seq++, "pushmsg", json) == RTM_PUSH_OK);
  }
  CHECK(r.count[RTM_PUSH_EV_PUSHMSG] == 5);
  /* 2..5 are remembered */
  for (i = 2; i <= 5; i++) {
    snprintf(json, sizeof json, "{\"from\":1, \"to\":2, \"mid\":%d}", i);
    CHECK(feed_jpush(s, 1, seq++, "pushmsg", json) == RTM_PUSH_OK);
  }
  CHECK(r.count[RTM_PUSH_EV_PUSHMSG] == 5);
  /* 1 was evicted: delivered again (and now evicts 2) */
  CHECK(feed_jpush(s, 1, seq++, "pushmsg", "{\"from\":1, \"to\":2, \"mid\":1}") == RTM_PUSH_OK);
  CHECK(r.count[RTM_PUSH_EV_PUSHMSG] == 6);
  CHECK(feed_jpush(s, 1, seq++, "pushmsg", "{\"from\":1, \"to\":2, \"mid\":1}") == RTM_PUSH_OK);
  CHECK(feed_jpush(s, 1, seq++, "pushmsg", "{\"from\":1, \"to\":2, \"mid\":5}") == RTM_PUSH_OK);
  CHECK(r.count[RTM_PUSH_EV_PUSHMSG] == 6);
  CHECK(feed_jpush(s, 1, seq++, "pushmsg", "{\"from\":1, \"to\":2, \"mid\":2}") == RTM_PUSH_OK);
  CHECK(r.count[RTM_PUSH_EV_PUSHMSG] == 7);
  /* many keys through a small table: the probe table stays consistent */
  for (i = 100; i < 3000; i++) {
    snprintf(json, sizeof json, "{\"from\":%d, \"to\":2, \"mid\":%d}", i % 7, i);
    CHECK(feed_jpush(s, 1, seq++, "pushmsg", json) == RTM_PUSH_OK);
    if (i % 3 == 0) { /* the latest key is always a duplicate */
      CHECK(feed_jpush(s, 1, seq++, "pushmsg", json) == RTM_PUSH_OK);
    }
  }
  CHECK(r.count[RTM_PUSH_EV_PUSHMSG] == 7 + 2900);
  rtm_push_free(s);
  rec_free(&r);
}
static void test_dedup_capacity_one(void) {
  rec r;
  rtm_push *s;
  rtm_push_config c;
  memset(&r, 0, sizeof r);
  cfg_init(&c, &r, RTM_PUSH_START_FPNN);
  c.limits.dedup_capacity = 1;
  s = mk_cfg(&r, &c);
  CHECK(feed_jpush(s, 1, 1, "pushmsg", "{\"from\":1, \"mid\":1}") == RTM_PUSH_OK);
  CHECK(feed_jpush(s, 1, 2, "pushmsg", "{\"from\":1, \"mid\":1}") == RTM_PUSH_OK);
  CHECK(feed_jpush(s, 1, 3, "pushmsg", "{\"from\":1, \"mid\":2}") == RTM_PUSH_OK);
  CHECK(feed_jpush(s, 1, 4, "pushmsg", "{\"from\":1, \"mid\":1}") == RTM_PUSH_OK); /* evicted by 2 */
  CHECK(feed_jpush(s, 1, 5, "pushmsg", "{\"from\":1, \"mid\":1}") == RTM_PUSH_OK);
  CHECK(r.count[RTM_PUSH_EV_PUSHMSG] == 3);
  rtm_push_free(s);
  rec_free(&r);
}
/* The dedup index against the ring, checked whole: every live entry's slot holds its ring index and tag, no other
   slot is used, and each bucket's pass counter is the number of live entries placed beyond it (255: stuck). */
static int dedup_consistent(const rtm_push *s) {
  uint32_t nb = s->dd_bmask + 1, i, b, live = 0, *passed;
  int ok = 1;
  if (!s->dd_ring) return s->dd_count == 0;
  passed = (uint32_t *)calloc(nb, sizeof *passed);
  if (!passed) return 0;
  for (i = 0; i < s->dd_count; i++) {
    uint32_t ri = (s->dd_head + i) % s->cfg.limits.dedup_capacity, slot = s->dd_ring[ri].cs >> 4;
    const rtm_push__dent *e = &s->dd_ring[ri];
    if (slot >= 4 * nb || s->dd_idx[slot] != ((e->hash & ~s->dd_imask) | (ri + 1))) ok = 0;
    for (b = e->hash & s->dd_bmask; ok && b != slot >> 2; b = (b + 1) & s->dd_bmask) passed[b]++;
  }
  for (i = 0; i < 4 * nb; i++) live += s->dd_idx[i] != 0;
  for (b = 0; b < nb; b++) if (s->dd_ovf[b] != 255 && s->dd_ovf[b] != passed[b]) ok = 0;
  free(passed);
  return ok && live == s->dd_count;
}
/* The dedup table against a model (a key is remembered while its insertion is among the last `capacity`),
   evictions and duplicates all along: with the real hash, and with hashes that send every key to one of 5
   buckets (chains of full buckets, pass counters that stick at 255, tags that always match). */
static void test_dedup_model(void) {
  static const uint32_t caps[] = {1, 3, 64, 1024, 65534, 65535, 70000};
  size_t ci;
  int crafted;
  for (crafted = 0; crafted < 2; crafted++)
    for (ci = 0; ci < sizeof caps / sizeof caps[0] && (!crafted || caps[ci] <= 1024); ci++) {
      uint32_t cap = caps[ci], keys = 2 * cap + 7, i, ops = 4 * cap + 1000, stuck = 0;
      long *last = (long *)malloc(sizeof(long) * keys), ins = 0, dups = 0, bad = 0;
      rec r;
      rtm_push *s;
      rtm_push_config c;
      memset(&r, 0, sizeof r);
      cfg_init(&c, &r, RTM_PUSH_START_FPNN);
      c.limits.dedup_capacity = cap;
      s = mk_cfg(&r, &c);
      if (!last) { CHECK(0); rtm_push_free(s); return; }
      for (i = 0; i < keys; i++) last[i] = -1;
      for (i = 0; i < ops; i++) {
        uint32_t k = rnd32() % keys;
        rtm_push__dent e;
        int got, want = last[k] >= 0 && last[k] >= ins - (long)cap;
        memset(&e, 0, sizeof e);
        e.cs = 1 + k % 3;
        e.target = (int64_t)(k % 5);
        e.from = (int64_t)(k / 7) * 1000003;
        e.mid = INT64_MAX - (int64_t)k;
        e.t = s->now;
        e.hash = crafted ? k % 5 : rtm_push__dd_hash(&e);
        got = rtm_push__dd_check(s, &e);
        if (!want) last[k] = ins++;
        dups += want;
        if (got != want && bad++ < 3) CHECKM(0, "capacity %u, op %u, key %u: table %d, model %d", cap, i, k, got, want);
        if ((cap <= 64 || (cap <= 1024 && i % 64 == 0)) && !dedup_consistent(s) && bad++ < 3)
          CHECKM(0, "capacity %u, op %u: the index does not match the ring", cap, i);
      }
      CHECKM(dedup_consistent(s), "capacity %u: the index does not match the ring at the end", cap);
      for (i = 0; i <= s->dd_bmask; i++) stuck += s->dd_ovf[i] == 255;
      CHECKM(bad == 0 && dups > (long)ops / 20, "capacity %u: %ld wrong of %u (%ld duplicates)", cap, bad, ops, dups);
      if (crafted && cap == 1024) CHECKM(stuck > 0, "no pass counter reached 255");
      free(last);
      rtm_push_free(s);
      rec_free(&r);
    }
}
static void test_dedup_ttl(void) {
  rec r;
  rtm_push *s;
  rtm_push_config c;
  memset(&r, 0, sizeof r);
  cfg_init(&c, &r, RTM_PUSH_START_FPNN);
  c.limits.dedup_ttl_ms = 1000;
  s = mk_cfg(&r, &c);
  CHECK(feed_jpush_at(s, 10000, 1, "pushmsg", "{\"from\":1, \"mid\":9}") == RTM_PUSH_OK);
  CHECK(feed_jpush_at(s, 10500, 2, "pushmsg", "{\"from\":1, \"mid\":10}") == RTM_PUSH_OK);
  CHECK(feed_jpush_at(s, 10999, 3, "pushmsg", "{\"from\":1, \"mid\":9}") == RTM_PUSH_OK);
  CHECK(r.count[RTM_PUSH_EV_PUSHMSG] == 2);
  CHECK(feed_jpush_at(s, 11000, 4, "pushmsg", "{\"from\":1, \"mid\":9}") == RTM_PUSH_OK); /* expired */
  CHECK(r.count[RTM_PUSH_EV_PUSHMSG] == 3);
  CHECK(feed_jpush_at(s, 11499, 5, "pushmsg", "{\"from\":1, \"mid\":10}") == RTM_PUSH_OK); /* not yet */
  CHECK(feed_jpush_at(s, 11500, 6, "pushmsg", "{\"from\":1, \"mid\":9}") == RTM_PUSH_OK);  /* re-remembered at 11000 */
  CHECK(r.count[RTM_PUSH_EV_PUSHMSG] == 3);
  CHECK(feed_jpush_at(s, 11500, 7, "pushmsg", "{\"from\":1, \"mid\":10}") == RTM_PUSH_OK);
  CHECK(r.count[RTM_PUSH_EV_PUSHMSG] == 4);
  rtm_push_free(s);
  rec_free(&r);
}
static void test_dedup_off(void) {
  rec r;
  rtm_push *s;
  rtm_push_config c;
  memset(&r, 0, sizeof r);
  cfg_init(&c, &r, RTM_PUSH_START_FPNN);
  c.no_dedup = 1;
  s = mk_cfg(&r, &c);
  CHECK(feed_jpush(s, 1, 1, "pushmsg", "{\"from\":1, \"mid\":9}") == RTM_PUSH_OK);
  CHECK(feed_jpush(s, 1, 2, "pushmsg", "{\"from\":1, \"mid\":9}") == RTM_PUSH_OK);
  CHECK(feed_jpush(s, 1, 3, "pushmsg", "{\"from\":1, \"mid\":9}") == RTM_PUSH_OK);
  CHECK(r.count[RTM_PUSH_EV_PUSHMSG] == 3);
  rtm_push_free(s);
  rec_free(&r);
}
/* attrs (a JSON string, escaped into the push) -> delivered or not, for a given uid */
static int excluded_case(int64_t uid, const char *attrs_json_escaped, int msgpack) {
  rec r;
  rtm_push *s;
  rtm_push_config c;
  int delivered, answers;
  memset(&r, 0, sizeof r);
  cfg_init(&c, &r, RTM_PUSH_START_FPNN);
  c.uid = uid;
  s = mk_cfg(&r, &c);
  if (msgpack) {
    bytes m = {0, 0, 0}, raw = {0, 0, 0};
    const char *p;
    /* unescape the \" of the literal */
    for (p = attrs_json_escaped; *p; p++) {
      if (*p == '\\' && p[1]) p++;
      b_byte(&raw, (uint8_t)*p);
    }
    b_byte(&m, 0x83);
    mp_s(&m, "from"); b_byte(&m, 7);
    mp_s(&m, "mid"); b_byte(&m, 0x11);
    mp_s(&m, "attrs"); mp_str_form(&m, raw.p, raw.len, 0);
    CHECK(feed_mpush(s, 1, 1, "pushmsg", &m) == RTM_PUSH_OK);
    b_free(&m);
    b_free(&raw);
  } else {
    char json[400];
    snprintf(json, sizeof json, "{\"from\":7, \"mid\":17, \"attrs\":\"%s\"}", attrs_json_escaped);
    CHECK(feed_jpush(s, 1, 1, "pushmsg", json) == RTM_PUSH_OK);
  }
  delivered = r.count[RTM_PUSH_EV_PUSHMSG];
  answers = count_answers(s);
  CHECK(answers == 1); /* answered either way */
  CHECK(r.count[RTM_PUSH_EV_ERROR] == 0);
  rtm_push_free(s);
  rec_free(&r);
  return delivered;
}
static void test_excluded_uids(void) {
  int mp;
  for (mp = 0; mp < 2; mp++) {
    CHECK(excluded_case(4242, "{\\\"excludedUids\\\":[\\\"4242\\\",\\\"7\\\"]}", mp) == 0);
    CHECK(excluded_case(7, "{\\\"excludedUids\\\":[\\\"4242\\\",\\\"7\\\"]}", mp) == 0);
    CHECK(excluded_case(4242, "{\\\"excludedUids\\\":[4242]}", mp) == 0);
    CHECK(excluded_case(4242, "{\\\"rtm\\\":{}, \\\"excludedUids\\\" : [ 1 , 4242 ] , \\\"x\\\":1}", mp) == 0);
    CHECK(excluded_case(9007199254740993LL, "{\\\"excludedUids\\\":[9007199254740993]}", mp) == 0);
    CHECK(excluded_case(9007199254740993LL, "{\\\"excludedUids\\\":[\\\"9007199254740993\\\"]}", mp) == 0);
    CHECK(excluded_case(-5, "{\\\"excludedUids\\\":[-5]}", mp) == 0);
    CHECK(excluded_case(INT64_MAX, "{\\\"excludedUids\\\":[\\\"9223372036854775807\\\"]}", mp) == 0);
    /* not excluded */
    CHECK(excluded_case(9007199254740993LL, "{\\\"excludedUids\\\":[9007199254740992]}", mp) == 1); /* no double rounding */
    CHECK(excluded_case(9007199254740993LL, "{\\\"excludedUids\\\":[\\\"9007199254740992\\\"]}", mp) == 1);
    CHECK(excluded_case(4242, "{\\\"excludedUids\\\":[\\\"1\\\",2,\\\"42420\\\",424]}", mp) == 1);
    CHECK(excluded_case(4242, "{\\\"excludedUids\\\":[]}", mp) == 1);
    CHECK(excluded_case(4242, "{\\\"excludedUids\\\":\\\"4242\\\"}", mp) == 1);
    CHECK(excluded_case(4242, "{\\\"other\\\":[4242], \\\"excludedUids\\\":[1]}", mp) == 1);
    CHECK(excluded_case(4242, "{\\\"x\\\":{\\\"excludedUids\\\":[4242]}}", mp) == 1);
    CHECK(excluded_case(4242, "{\\\"excludedUids\\\":[4242.0]}", mp) == 1);
    CHECK(excluded_case(4242, "excludedUids 4242", mp) == 1);
    CHECK(excluded_case(4242, "", mp) == 1);
  }
}

/* ================================================================================================ */
/* >>6 answers to the gate's quests                                                                 */
/* ================================================================================================ */
static void expect_answer(const uint8_t *p, size_t n, int flag, uint32_t seq) {
  bytes want = {0, 0, 0};
  pkg_answer(&want, flag, seq, 0, flag == 0x80 ? "\x80" : "{}", flag == 0x80 ? 1 : 2);
  CHECKM(n == want.len && memcmp(p, want.p, n) == 0, "answer to seq %u: %lu bytes", (unsigned)seq, (unsigned long)n);
  b_free(&want);
}
static void test_answers_fpnn(void) {
  rec r;
  rtm_push *s;
  const uint8_t *p;
  size_t n;
  bytes in = {0, 0, 0}, mp = {0, 0, 0};
  memset(&r, 0, sizeof r);
  s = mk(&r, RTM_PUSH_START_FPNN);
  CHECK(rtm_push_pending_output(s, &p) == 0 && p == NULL && !rtm_push_want_write(s));
  /* JSON two-way, msgpack two-way, one-way, unknown two-way, malformed two-way: all in one feed */
  pkg_jquest(&in, 1, 0x01020304u, "pushmsg", "{\"mid\":1}");
  b_byte(&mp, 0x81); mp_s(&mp, "mid"); b_byte(&mp, 2);
  pkg_quest(&in, 1, 0x80, 77, "pushmsg", mp.p, mp.len);
  pkg_jquest(&in, 0, 0, "pushmsg", "{\"mid\":3}");
  pkg_jquest(&in, 0, 0, "kickoutroom", "{\"rid\":3}");
  pkg_jquest(&in, 1, 78, "whatever", "{}");
  pkg_jquest(&in, 1, 79, "pushmsg", "{{{ not json");
  pkg_quest(&in, 1, 0x80, 80, "pushmsg", "\xc1", 1);
  pkg_jquest(&in, 1, 0xffffffffu, "ping", "{}");
  CHECK(feed_exact(s, in.p, in.len, 5) == RTM_PUSH_OK);
  CHECK(r.count[RTM_PUSH_EV_ERROR] == 2 && r.count[RTM_PUSH_EV_PUSHMSG] == 3 && r.count[RTM_PUSH_EV_UNKNOWN] == 1);
  CHECK(rtm_push_want_write(s));
  /* one package at a time */
  n = rtm_push_pending_output(s, &p);
  expect_answer(p, n, 0x40, 0x01020304u);
  /* a partial write: the rest of the same package comes next */
  CHECK(rtm_push_consume_output(s, 5) == RTM_PUSH_OK);
  n = rtm_push_pending_output(s, &p);
  CHECK(n == 13);
  CHECK(rtm_push_consume_output(s, 14) == RTM_PUSH_E_INVALID_ARG); /* beyond the package */
  CHECK(rtm_push_consume_output(s, 13) == RTM_PUSH_OK);
  n = rtm_push_pending_output(s, &p);
  expect_answer(p, n, 0x80, 77);
  rtm_push_consume_output(s, n);
  n = rtm_push_pending_output(s, &p);
  expect_answer(p, n, 0x40, 78);
  rtm_push_consume_output(s, n);
  n = rtm_push_pending_output(s, &p);
  expect_answer(p, n, 0x40, 79);
  rtm_push_consume_output(s, n);
  n = rtm_push_pending_output(s, &p);
  expect_answer(p, n, 0x80, 80);
  rtm_push_consume_output(s, n);
  n = rtm_push_pending_output(s, &p);
  expect_answer(p, n, 0x40, 0xffffffffu);
  rtm_push_consume_output(s, n);
  CHECK(rtm_push_pending_output(s, &p) == 0 && !rtm_push_want_write(s));
  CHECK(rtm_push_consume_output(s, 1) == RTM_PUSH_E_INVALID_ARG);
  CHECK(rtm_push_consume_output(s, 0) == RTM_PUSH_OK);
  /* one-way only: nothing to write */
  b_reset(&in);
  pkg_jquest(&in, 0, 0, "pushmsg", "{\"mid\":4}");
  pkg_jquest(&in, 0, 0, "kickout", "{}");
  CHECK(feed_exact(s, in.p, in.len, 6) == RTM_PUSH_OK);
  CHECK(rtm_push_pending_output(s, &p) == 0);
  rtm_push_free(s);
  rec_free(&r);
  b_free(&in);
  b_free(&mp);
}
/* The quest's own encoding, whatever config.quest_encoding says */
static void test_answers_own_encoding(void) {
  rec r;
  rtm_push *s;
  rtm_push_config c;
  const uint8_t *p;
  size_t n;
  memset(&r, 0, sizeof r);
  cfg_init(&c, &r, RTM_PUSH_START_FPNN);
  c.quest_encoding = RTM_PUSH_ENC_MSGPACK;
  s = mk_cfg(&r, &c);
  CHECK(feed_jpush(s, 1, 5, "ping", "{}") == RTM_PUSH_OK);
  n = rtm_push_pending_output(s, &p);
  expect_answer(p, n, 0x40, 5);
  rtm_push_free(s);
  rec_free(&r);
}
static void test_answers_ws(void) {
  rec r;
  rtm_push *s;
  bytes in = {0, 0, 0}, out = {0, 0, 0}, pl = {0, 0, 0}, mp = {0, 0, 0};
  size_t off = 0, k;
  int b0 = 0, i;
  uint8_t masks[3][4];
  memset(&r, 0, sizeof r);
  s = mk(&r, RTM_PUSH_START_WS);
  CHECK(rtm_push_get_state(s) == RTM_PUSH_STATE_READY);
  CHECK(feed_jpush(s, 1, 11, "ping", "{}") == RTM_PUSH_OK);
  b_byte(&mp, 0x80);
  CHECK(feed_mpush(s, 1, 12, "ping", &mp) == RTM_PUSH_OK);
  CHECK(feed_jpush(s, 0, 0, "pushmsg", "{}") == RTM_PUSH_OK);
  CHECK(feed_jpush(s, 1, 13, "pushmsg", "{\"mid\":1}") == RTM_PUSH_OK);
  drain(s, &out);
  for (i = 0; i < 3; i++) {
    k = ws_client_frame(out.p + off, out.len - off, &b0, &pl);
    CHECKM(k > 0 && b0 == 0x82, "frame %d", i);
    if (!k) break;
    memcpy(masks[i], out.p + off + 2, 4);
    expect_answer(pl.p, pl.len, i == 1 ? 0x80 : 0x40, (uint32_t)(11 + i));
    off += k;
  }
  CHECK(off == out.len);
  /* a fresh mask per frame, not zero */
  CHECK(memcmp(masks[0], masks[1], 4) != 0 || memcmp(masks[1], masks[2], 4) != 0);
  CHECK(memcmp(masks[0], "\0\0\0\0", 4) != 0);
  rtm_push_free(s);
  rec_free(&r);
  b_free(&in);
  b_free(&out);
  b_free(&pl);
  b_free(&mp);
}

/* ================================================================================================ */
/* >>7 WebSocket                                                                                    */
/* ================================================================================================ */
/* A two-way JSON pushmsg package of exactly `total` bytes (>= 60), msg "AAA...", the given mid. */
static void pkg_sized(bytes *b, size_t total, int mid, uint32_t seq) {
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
static rtm_push *mk_ws(rec *r, int strict, size_t max_frame) {
  rtm_push_config c;
  memset(r, 0, sizeof *r);
  cfg_init(&c, r, RTM_PUSH_START_WS);
  c.strict_framing = strict;
  c.limits.max_frame = max_frame;
  return mk_cfg(r, &c);
}
static void test_ws_126_bug(void) {
  rec r;
  rtm_push *s;
  bytes pkg = {0, 0, 0}, in = {0, 0, 0}, pkg2 = {0, 0, 0};
  size_t i;
  pkg_sized(&pkg, 126, 1, 1);
  CHECK(pkg.len == 126);
  pkg_sized(&pkg2, 70, 2, 2);
  b_put(&in, "\x82\x7e", 2); /* the FPNN server's bug: no 16-bit length */
  b_put(&in, pkg.p, pkg.len);
  ws_frame(&in, pkg2.p, pkg2.len); /* a normal frame right after */
  /* whole */
  s = mk_ws(&r, 0, 0);
  CHECK(feed_exact(s, in.p, in.len, 1) == RTM_PUSH_OK);
  CHECKM(r.count[RTM_PUSH_EV_PUSHMSG] == 2 && r.count[RTM_PUSH_EV_ERROR] == 0, "%s", rec_text(&r));
  CHECK(r.n >= 1 && r.evs[0].msg_len == 126 - 23 - 17 - 2);
  rtm_push_free(s);
  rec_free(&r);
  /* 1 byte at a time: the look-ahead across feeds */
  s = mk_ws(&r, 0, 0);
  for (i = 0; i < in.len; i++) CHECK(feed_exact(s, in.p + i, 1, 1) == RTM_PUSH_OK);
  CHECKM(r.count[RTM_PUSH_EV_PUSHMSG] == 2 && r.count[RTM_PUSH_EV_ERROR] == 0, "%s", rec_text(&r));
  rtm_push_free(s);
  rec_free(&r);
  /* strict framing: "FP" is read as a 16-bit length (18000): the stream desynchronises ("NN.." is not a
     package header) and nothing is delivered */
  s = mk_ws(&r, 1, 0);
  (void)feed_exact(s, in.p, in.len, 1);
  CHECK(r.count[RTM_PUSH_EV_PUSHMSG] == 0);
  rtm_push_free(s);
  rec_free(&r);
  /* a genuine 16-bit frame of 126 bytes works in both modes, also byte by byte */
  b_reset(&in);
  ws_frame_form(&in, 0x82, pkg.p, pkg.len, 16);
  ws_frame(&in, pkg2.p, pkg2.len);
  for (i = 0; i < 2; i++) {
    size_t k;
    s = mk_ws(&r, (int)i, 0);
    CHECK(feed_exact(s, in.p, in.len, 1) == RTM_PUSH_OK);
    CHECKM(r.count[RTM_PUSH_EV_PUSHMSG] == 2 && r.count[RTM_PUSH_EV_ERROR] == 0, "strict %d: %s", (int)i, rec_text(&r));
    rtm_push_free(s);
    rec_free(&r);
    s = mk_ws(&r, (int)i, 0);
    for (k = 0; k < in.len; k++) CHECK(feed_exact(s, in.p + k, 1, 1) == RTM_PUSH_OK);
    CHECK(r.count[RTM_PUSH_EV_PUSHMSG] == 2);
    rtm_push_free(s);
    rec_free(&r);
  }
  /* a genuine 16-bit frame whose length bytes happen to be followed by "FPNN" (length 0x0100 = 256) */
  b_reset(&in);
  b_free(&pkg);
  pkg_sized(&pkg, 256, 3, 3);
  ws_frame_form(&in, 0x82, pkg.p, pkg.len, 16);
  s = mk_ws(&r, 0, 0);
  CHECK(feed_exact(s, in.p, in.len, 1) == RTM_PUSH_OK);
  CHECK(r.count[RTM_PUSH_EV_PUSHMSG] == 1);
  rtm_push_free(s);
  rec_free(&r);
  b_free(&pkg);
  b_free(&pkg2);
  b_free(&in);
}
static void test_ws_length_forms(void) {
  static const size_t sizes[] = {60, 125, 126, 127, 300, 65535, 65536, 70000};
  rec r;
  rtm_push *s;
  size_t i;
  for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    bytes pkg = {0, 0, 0}, in = {0, 0, 0};
    pkg_sized(&pkg, sizes[i], (int)i + 1, 1);
    ws_frame(&in, pkg.p, pkg.len);
    s = mk_ws(&r, 0, 0);
    CHECK(feed_exact(s, in.p, in.len, 1) == RTM_PUSH_OK);
    CHECKM(r.count[RTM_PUSH_EV_PUSHMSG] == 1 && r.n >= 1 && r.evs[0].ev.mid == (int64_t)i + 1, "size %lu: %s",
           (unsigned long)sizes[i], rec_text(&r));
    rtm_push_free(s);
    rec_free(&r);
    b_free(&pkg);
    b_free(&in);
  }
}
static void test_ws_fragments_and_streams(void) {
  rec r;
  rtm_push *s;
  bytes pkg = {0, 0, 0}, pkg2 = {0, 0, 0}, in = {0, 0, 0}, out = {0, 0, 0}, pl = {0, 0, 0};
  int b0 = 0;
  pkg_sized(&pkg, 200, 1, 1);
  pkg_sized(&pkg2, 100, 2, 2);
  /* fragmented message: binary (no FIN), ping in between, continuation, final continuation */
  ws_frame_form(&in, 0x02, pkg.p, 50, 0);
  ws_frame_form(&in, 0x89, "hey", 3, 0);
  ws_frame_form(&in, 0x00, pkg.p + 50, 100, 0);
  ws_frame_form(&in, 0x80, pkg.p + 150, 50, 0);
  s = mk_ws(&r, 0, 0);
  CHECK(feed_exact(s, in.p, in.len, 1) == RTM_PUSH_OK);
  CHECKM(r.count[RTM_PUSH_EV_PUSHMSG] == 1 && r.count[RTM_PUSH_EV_ERROR] == 0, "%s", rec_text(&r));
  drain(s, &out);
  { /* the answer and the pong, in either order */
    size_t k, off = 0;
    int got_pong = 0, got_answer = 0;
    while (off < out.len && (k = ws_client_frame(out.p + off, out.len - off, &b0, &pl)) > 0) {
      if (b0 == 0x8a) { got_pong++; CHECK(pl.len == 3 && memcmp(pl.p, "hey", 3) == 0); }
      if (b0 == 0x82) { got_answer++; expect_answer(pl.p, pl.len, 0x40, 1); }
      off += k;
    }
    CHECK(off == out.len && got_pong == 1 && got_answer == 1);
  }
  rtm_push_free(s);
  rec_free(&r);
  /* a package spanning two messages, then two packages in one message */
  b_reset(&in);
  ws_frame(&in, pkg.p, 120);
  ws_frame(&in, pkg.p + 120, pkg.len - 120);
  {
    bytes two = {0, 0, 0};
    bytes p3 = {0, 0, 0}, p4 = {0, 0, 0};
    pkg_sized(&p3, 80, 3, 3);
    pkg_sized(&p4, 90, 4, 4);
    b_put(&two, p3.p, p3.len);
    b_put(&two, p4.p, p4.len);
    b_put(&two, pkg2.p, 30); /* and the start of a third, finished by the next message */
    ws_frame(&in, two.p, two.len);
    ws_frame(&in, pkg2.p + 30, pkg2.len - 30);
    b_free(&two);
    b_free(&p3);
    b_free(&p4);
  }
  s = mk_ws(&r, 0, 0);
  CHECK(feed_exact(s, in.p, in.len, 1) == RTM_PUSH_OK);
  CHECKM(r.count[RTM_PUSH_EV_PUSHMSG] == 4 && r.count[RTM_PUSH_EV_ERROR] == 0, "%s", rec_text(&r));
  CHECK(r.n == 4 && r.evs[0].ev.mid == 1 && r.evs[1].ev.mid == 3 && r.evs[2].ev.mid == 4 && r.evs[3].ev.mid == 2);
  rtm_push_free(s);
  rec_free(&r);
  /* a text frame is data too; an empty binary frame is harmless */
  b_reset(&in);
  ws_frame_form(&in, 0x82, "", 0, 0);
  ws_frame_form(&in, 0x81, pkg2.p, pkg2.len, 0);
  s = mk_ws(&r, 0, 0);
  CHECK(feed_exact(s, in.p, in.len, 1) == RTM_PUSH_OK);
  CHECK(r.count[RTM_PUSH_EV_PUSHMSG] == 1 && r.count[RTM_PUSH_EV_ERROR] == 0);
  rtm_push_free(s);
  rec_free(&r);
  b_free(&pkg);
  b_free(&pkg2);
  b_free(&in);
  b_free(&out);
  b_free(&pl);
}
static void test_ws_ping_pong(void) {
  rec r;
  rtm_push *s;
  bytes in = {0, 0, 0}, out = {0, 0, 0}, pl = {0, 0, 0};
  int b0 = 0;
  size_t k;
  s = mk_ws(&r, 0, 0);
  ws_frame_form(&in, 0x89, "ping-payload", 12, 0);
  ws_frame_form(&in, 0x89, "", 0, 0);
  ws_frame_form(&in, 0x8a, "unsolicited pong", 16, 0); /* ignored */
  CHECK(feed_exact(s, in.p, in.len, 1) == RTM_PUSH_OK);
  drain(s, &out);
  k = ws_client_frame(out.p, out.len, &b0, &pl);
  CHECK(k && b0 == 0x8a && pl.len == 12 && memcmp(pl.p, "ping-payload", 12) == 0);
  CHECK(k && (out.p[1] & 0x80)); /* masked */
  k += ws_client_frame(out.p + k, out.len - k, &b0, &pl);
  CHECK(b0 == 0x8a && pl.len == 0 && k == out.len);
  CHECK(r.n == 0 && rtm_push_get_state(s) == RTM_PUSH_STATE_READY);
  rtm_push_free(s);
  rec_free(&r);
  b_free(&in);
  b_free(&out);
  b_free(&pl);
}
/* feed `in` to a fresh START_WS session; expect the fatal error `want` */
static void ws_fatal_case(const char *what, const bytes *in, int want, size_t max_frame, uint16_t want_close) {
  rec r;
  rtm_push *s = mk_ws(&r, 0, max_frame);
  bytes out = {0, 0, 0}, pl = {0, 0, 0};
  const evrec *e;
  int rc = feed_exact(s, in->p, in->len, 1), b0 = 0;
  CHECKM(rc == want, "%s: rc %d", what, rc);
  CHECKM(rtm_push_get_state(s) == RTM_PUSH_STATE_FAILED, "%s", what);
  e = rec_nth(&r, RTM_PUSH_EV_ERROR, 0);
  CHECKM(e && e->ev.error == want && e->ev.fatal == 1, "%s: %s", what, rec_text(&r));
  e = rec_last(&r);
  CHECKM(e && e->ev.type == RTM_PUSH_EV_CLOSED && e->ev.error == want, "%s: %s", what, rec_text(&r));
  CHECK(r.count[RTM_PUSH_EV_CLOSED] == 1);
  {
    const char *m = NULL;
    CHECK(rtm_push_last_error(s, &m) == want && m && *m);
  }
  /* afterwards: nothing more is accepted */
  CHECK(feed_exact(s, "\x82\x00", 2, 2) == RTM_PUSH_E_CLOSED);
  CHECK(rtm_push_tick(s, 1000000) == RTM_PUSH_OK && rtm_push_get_state(s) == RTM_PUSH_STATE_FAILED);
  CHECK(!rtm_push_want_read(s));
  CHECK(rtm_push_next_deadline(s) == UINT64_MAX);
  CHECK(r.count[RTM_PUSH_EV_CLOSED] == 1);
  drain(s, &out);
  if (want_close) { /* 1: any close frame; 1002: wslay's own protocol errors may send it without a code */
    size_t k, off = 0;
    int code;
    /* answers to packages that came before the error may precede the close frame, which is last */
    while ((k = ws_client_frame(out.p + off, out.len - off, &b0, &pl)) > 0 && b0 == 0x82) off += k;
    code = pl.len >= 2 ? (pl.p[0] << 8) | pl.p[1] : 0;
    CHECKM(off + k == out.len && b0 == 0x88 &&
           (want_close == 1 || code == want_close || (want_close == 1002 && pl.len == 0)),
           "%s: close frame (%lu bytes, code %d)", what, (unsigned long)out.len, code);
  } else {
    CHECKM(out.len == 0, "%s: %lu bytes of output", what, (unsigned long)out.len);
  }
  CHECK(rtm_push_feed_eof(s, 3) == RTM_PUSH_OK);
  rtm_push_free(s);
  rec_free(&r);
  b_free(&out);
  b_free(&pl);
}
static void test_ws_errors(void) {
  bytes in = {0, 0, 0}, pkg = {0, 0, 0};
  size_t i;
  pkg_sized(&pkg, 100, 1, 1);
  /* server close frame */
  ws_frame_form(&in, 0x88, "\x03\xe8" "bye", 5, 0);
  ws_fatal_case("close", &in, RTM_PUSH_E_WS_CLOSED, 0, 1); /* wslay answers the close */
  b_reset(&in);
  ws_frame_form(&in, 0x88, "", 0, 0);
  ws_fatal_case("empty close", &in, RTM_PUSH_E_WS_CLOSED, 0, 1);
  /* frame too large: refused from its header alone */
  b_reset(&in);
  b_put(&in, "\x82\x7e\x03\xe9" "FP", 6); /* 1001 > 1000 (the 16-bit form needs 2 look-ahead bytes) */
  ws_fatal_case("too large 16", &in, RTM_PUSH_E_WS_FRAME_TOO_LARGE, 1000, 1009);
  b_reset(&in);
  b_put(&in, "\x82\x7f\x00\x00\x00\x01\x00\x00\x00\x00", 10); /* 4 GiB, default limit */
  ws_fatal_case("too large 64", &in, RTM_PUSH_E_WS_FRAME_TOO_LARGE, 0, 1009);
  b_reset(&in);
  b_put(&in, "\x82\x7f\x40\x00\x00\x00\x00\x00\x00\x00", 10);
  ws_fatal_case("too large 2^62", &in, RTM_PUSH_E_WS_FRAME_TOO_LARGE, 0, 1009);
  b_reset(&in);
  b_put(&in, "\x82\x7f\x80\x00\x00\x00\x00\x00\x00\x00", 10); /* top bit set */
  ws_fatal_case("64-bit top bit", &in, RTM_PUSH_E_WS_PROTOCOL, 0, 1002);
  b_reset(&in);
  ws_frame(&in, pkg.p, pkg.len);
  ws_frame_form(&in, 0x82, pkg.p, 101, 0); /* after a good frame, with the limit exactly 100 */
  ws_fatal_case("too large after good", &in, RTM_PUSH_E_WS_FRAME_TOO_LARGE, 100, 1009);
  /* a masked server frame */
  b_reset(&in);
  b_put(&in, "\x82\x84\x01\x02\x03\x04" "abcd", 10);
  ws_fatal_case("masked", &in, RTM_PUSH_E_WS_PROTOCOL, 0, 1002);
  /* reserved bits */
  for (i = 0; i < 3; i++) {
    b_reset(&in);
    ws_frame_form(&in, (uint8_t)(0x82 | (0x40 >> i)), pkg.p, pkg.len, 0);
    ws_fatal_case("rsv", &in, RTM_PUSH_E_WS_PROTOCOL, 0, 1002);
  }
  /* non-minimal lengths */
  b_reset(&in);
  ws_frame_form(&in, 0x82, pkg.p, pkg.len, 16);
  ws_fatal_case("16-bit for 100", &in, RTM_PUSH_E_WS_PROTOCOL, 0, 1002);
  b_reset(&in);
  ws_frame_form(&in, 0x82, pkg.p, pkg.len, 64);
  ws_fatal_case("64-bit for 100", &in, RTM_PUSH_E_WS_PROTOCOL, 0, 1002);
  b_reset(&in);
  b_put(&in, "\x82\x7f\x00\x00\x00\x00\x00\x00\xff\xff", 10);
  ws_fatal_case("64-bit for 65535", &in, RTM_PUSH_E_WS_PROTOCOL, 0, 1002);
  /* unknown opcodes, a fragmented control frame, a continuation out of place */
  b_reset(&in);
  ws_frame_form(&in, 0x83, "x", 1, 0);
  ws_fatal_case("opcode 3", &in, RTM_PUSH_E_WS_PROTOCOL, 0, 1002);
  b_reset(&in);
  ws_frame_form(&in, 0x8b, "x", 1, 0);
  ws_fatal_case("opcode 0xb", &in, RTM_PUSH_E_WS_PROTOCOL, 0, 1002);
  b_reset(&in);
  ws_frame_form(&in, 0x09, "x", 1, 0);
  ws_fatal_case("fragmented ping", &in, RTM_PUSH_E_WS_PROTOCOL, 0, 1002);
  b_reset(&in);
  ws_frame_form(&in, 0x80, pkg.p, pkg.len, 0);
  ws_fatal_case("lone continuation", &in, RTM_PUSH_E_WS_PROTOCOL, 0, 1002);
  b_reset(&in);
  ws_frame_form(&in, 0x02, pkg.p, 10, 0);
  ws_frame_form(&in, 0x82, pkg.p, 10, 0);
  ws_fatal_case("new message inside a fragmented one", &in, RTM_PUSH_E_WS_PROTOCOL, 0, 1002);
  b_reset(&in);
  ws_frame_form(&in, 0x02, pkg.p, pkg.len, 0); /* whole packages: the whole-frame fast path must refuse too */
  ws_frame_form(&in, 0x82, pkg.p, pkg.len, 0);
  ws_fatal_case("new message (a whole package) inside a fragmented one", &in, RTM_PUSH_E_WS_PROTOCOL, 0, 1002);
  b_reset(&in);
  {
    char big[130];
    memset(big, 'x', sizeof big);
    ws_frame_form(&in, 0x89, big, 126, 0);
    ws_fatal_case("ping > 125", &in, RTM_PUSH_E_WS_PROTOCOL, 0, 1002);
  }
  b_free(&in);
  b_free(&pkg);
}

/* limits.max_frame from the frame header alone (no payload byte fed) */
static void test_ws_too_large_header_only(void) {
  rec r;
  rtm_push *s;
  /* 64-bit form: decided from the 10 header bytes */
  s = mk_ws(&r, 0, 1000);
  CHECK(feed_exact(s, "\x82\x7f\x00\x00\x00\x00\x00\x01\x00\x00", 10, 1) == RTM_PUSH_E_WS_FRAME_TOO_LARGE);
  rtm_push_free(s);
  rec_free(&r);
  /* 16-bit form with strict framing: decided from the 4 header bytes */
  s = mk_ws(&r, 1, 1000);
  CHECK(feed_exact(s, "\x82\x7e\x03\xe9", 4, 1) == RTM_PUSH_E_WS_FRAME_TOO_LARGE);
  rtm_push_free(s);
  rec_free(&r);
  /* tolerant mode too: a 16-bit header whose length bytes are not "FP" cannot be the 126-byte bug, so it
     is judged from its 4 bytes (this was once a bug: it waited for 2 more) */
  s = mk_ws(&r, 0, 1000);
  CHECK(feed_exact(s, "\x82\x7e\x03\xe9", 4, 1) == RTM_PUSH_E_WS_FRAME_TOO_LARGE);
  rtm_push_free(s);
  rec_free(&r);
}

/* A fatal frame header right after good frames, in the same feed: the good frames are delivered first. */
static void test_ws_error_after_good_frames(void) {
  rec r;
  rtm_push *s;
  bytes in = {0, 0, 0}, pkg = {0, 0, 0};
  pkg_sized(&pkg, 100, 1, 1);
  ws_frame(&in, pkg.p, pkg.len);
  b_reset(&pkg);
  pkg_sized(&pkg, 100, 2, 2);
  ws_frame(&in, pkg.p, pkg.len);
  b_put(&in, "\x82\x7f\x00\x00\x00\x01\x00\x00\x00\x00", 10);
  s = mk_ws(&r, 0, 1000);
  CHECK(feed_exact(s, in.p, in.len, 1) == RTM_PUSH_E_WS_FRAME_TOO_LARGE);
  CHECKM(r.count[RTM_PUSH_EV_PUSHMSG] == 2 && r.evs[0].ev.type == RTM_PUSH_EV_PUSHMSG && r.evs[1].ev.type == RTM_PUSH_EV_PUSHMSG,
         "%s", rec_text(&r));
  rtm_push_free(s);
  rec_free(&r);
  b_free(&in);
  b_free(&pkg);
}

/* Control frames split across feeds, the largest ping, and a ping between the halves of a package. */
static void test_ws_control_split(void) {
  rec r;
  rtm_push *s;
  bytes in = {0, 0, 0}, out = {0, 0, 0}, pl = {0, 0, 0}, pkg = {0, 0, 0};
  char big[125];
  size_t i, k, off = 0;
  int b0 = 0, pongs = 0, answers = 0;
  memset(big, 'p', sizeof big);
  pkg_sized(&pkg, 300, 1, 1);
  ws_frame_form(&in, 0x89, big, 125, 0);          /* the largest control frame */
  ws_frame_form(&in, 0x02, pkg.p, 150, 0);        /* first half of a package */
  ws_frame_form(&in, 0x89, "mid", 3, 0);          /* a ping inside the fragmented message */
  ws_frame_form(&in, 0x80, pkg.p + 150, 150, 0);  /* the rest */
  s = mk_ws(&r, 0, 0);
  for (i = 0; i < in.len; i++) CHECK(feed_exact(s, in.p + i, 1, 1) == RTM_PUSH_OK);
  CHECKM(r.count[RTM_PUSH_EV_PUSHMSG] == 1 && r.count[RTM_PUSH_EV_ERROR] == 0, "%s", rec_text(&r));
  drain(s, &out);
  while (off < out.len && (k = ws_client_frame(out.p + off, out.len - off, &b0, &pl)) > 0) {
    if (b0 == 0x8a) {
      pongs++;
      CHECK(pongs == 1 ? (pl.len == 125 && memcmp(pl.p, big, 125) == 0) : (pl.len == 3 && memcmp(pl.p, "mid", 3) == 0));
    }
    if (b0 == 0x82) { answers++; expect_answer(pl.p, pl.len, 0x40, 1); }
    off += k;
  }
  CHECK(off == out.len && pongs == 2 && answers == 1);
  /* a close frame split byte by byte */
  b_reset(&in);
  ws_frame_form(&in, 0x88, "\x03\xe9" "going", 7, 0);
  for (i = 0; i + 1 < in.len; i++) CHECK(feed_exact(s, in.p + i, 1, 2) == RTM_PUSH_OK);
  CHECK(rtm_push_get_state(s) == RTM_PUSH_STATE_READY);
  CHECK(feed_exact(s, in.p + i, 1, 2) == RTM_PUSH_E_WS_CLOSED);
  {
    const char *m = NULL;
    CHECK(rtm_push_last_error(s, &m) == RTM_PUSH_E_WS_CLOSED && m && strstr(m, "1001") && strstr(m, "going"));
  }
  rtm_push_free(s);
  rec_free(&r);
  b_free(&in);
  b_free(&out);
  b_free(&pl);
  b_free(&pkg);
}

/* ================================================================================================ */
/* >>8 FPNN package stream                                                                          */
/* ================================================================================================ */
static void fpnn_fatal_case(const char *what, const void *p, size_t n, int want, int start) {
  rec r;
  rtm_push *s;
  int rc;
  memset(&r, 0, sizeof r);
  s = mk(&r, (rtm_push_start)start);
  if (start == RTM_PUSH_START_FPNN) rc = feed_exact(s, p, n, 1);
  else {
    bytes f = {0, 0, 0};
    ws_frame(&f, p, n);
    rc = feed_exact(s, f.p, f.len, 1);
    b_free(&f);
  }
  CHECKM(rc == want, "%s: rc %d", what, rc);
  CHECKM(rtm_push_get_state(s) == RTM_PUSH_STATE_FAILED, "%s", what);
  CHECKM(r.count[RTM_PUSH_EV_ERROR] == 1 && r.count[RTM_PUSH_EV_CLOSED] == 1 && r.n >= 2, "%s: %s", what, rec_text(&r));
  CHECK(r.n >= 2 && r.evs[r.n - 2].ev.type == RTM_PUSH_EV_ERROR && r.evs[r.n - 2].ev.fatal &&
        r.evs[r.n - 2].ev.error == want && r.evs[r.n - 1].ev.type == RTM_PUSH_EV_CLOSED && r.evs[r.n - 1].ev.error == want);
  CHECK(feed_exact(s, "FPNN", 4, 2) == RTM_PUSH_E_CLOSED);
  rtm_push_free(s);
  rec_free(&r);
}
static void test_fpnn_header_errors(void) {
  bytes b = {0, 0, 0};
  int start;
  for (start = RTM_PUSH_START_WS; start <= RTM_PUSH_START_FPNN; start++) {
    b_reset(&b); pkg_jquest(&b, 1, 1, "ping", "{}"); b.p[3] = 'X';
    fpnn_fatal_case("bad magic", b.p, b.len, RTM_PUSH_E_FPNN_HEADER, start);
    b_reset(&b); pkg_jquest(&b, 1, 1, "ping", "{}"); b.p[4] = 2;
    fpnn_fatal_case("version 2", b.p, b.len, RTM_PUSH_E_FPNN_HEADER, start);
    b_reset(&b); pkg_jquest(&b, 1, 1, "ping", "{}"); b.p[5] = 0x41;
    fpnn_fatal_case("flag 0x41", b.p, b.len, RTM_PUSH_E_FPNN_HEADER, start);
    b_reset(&b); pkg_jquest(&b, 1, 1, "ping", "{}"); b.p[5] = 0xc0;
    fpnn_fatal_case("flag 0xc0", b.p, b.len, RTM_PUSH_E_FPNN_HEADER, start);
    b_reset(&b); pkg_jquest(&b, 1, 1, "ping", "{}"); b.p[5] = 0x00;
    fpnn_fatal_case("flag 0", b.p, b.len, RTM_PUSH_E_FPNN_HEADER, start);
    b_reset(&b); pkg_jquest(&b, 1, 1, "ping", "{}"); b.p[6] = 3;
    fpnn_fatal_case("mtype 3", b.p, b.len, RTM_PUSH_E_FPNN_HEADER, start);
    b_reset(&b); pkg_raw(&b, 1, 0x40, 1, 0, NULL, "{}", 2);
    fpnn_fatal_case("empty method (two-way)", b.p, b.len, RTM_PUSH_E_FPNN_HEADER, start);
    b_reset(&b); pkg_raw(&b, 0, 0x40, 0, 0, NULL, "{}", 2);
    fpnn_fatal_case("empty method (one-way)", b.p, b.len, RTM_PUSH_E_FPNN_HEADER, start);
    /* 4 GB announced: refused from the 12-byte header alone */
    fpnn_fatal_case("4 GB", "FPNN\x01\x40\x02\x00\xff\xff\xff\xff", 12, RTM_PUSH_E_FPNN_TOO_LARGE, start);
    fpnn_fatal_case("4 GB quest", "FPNN\x01\x80\x01\xff\xf0\xff\xff\xff", 12, RTM_PUSH_E_FPNN_TOO_LARGE, start);
    /* a bad header after a good package */
    b_reset(&b); pkg_jquest(&b, 1, 1, "ping", "{}"); pkg_jquest(&b, 1, 2, "ping", "{}"); b.p[b.len - 20] = 'f';
    fpnn_fatal_case("second package", b.p, b.len, RTM_PUSH_E_FPNN_HEADER, start);
  }
  b_free(&b);
}
static void test_fpnn_header_split(void) {
  /* the same refusals when the header arrives one byte at a time */
  static const char hdr[] = "FPNN\x01\x40\x02\x00\xff\xff\xff\x7f";
  rec r;
  rtm_push *s;
  size_t i;
  int rc = 0;
  memset(&r, 0, sizeof r);
  s = mk(&r, RTM_PUSH_START_FPNN);
  for (i = 0; i < 12; i++) {
    rc = feed_exact(s, hdr + i, 1, 1);
    if (i < 11) CHECK(rc == RTM_PUSH_OK && r.n == 0);
  }
  CHECK(rc == RTM_PUSH_E_FPNN_TOO_LARGE && rtm_push_get_state(s) == RTM_PUSH_STATE_FAILED);
  rtm_push_free(s);
  rec_free(&r);
}
static void test_fpnn_versions_and_limits(void) {
  rec r;
  rtm_push *s;
  rtm_push_config c;
  bytes b = {0, 0, 0};
  memset(&r, 0, sizeof r);
  s = mk(&r, RTM_PUSH_START_FPNN);
  pkg_jquest(&b, 1, 1, "ping", "{}");
  b.p[4] = 0; /* version 0 accepted */
  CHECK(feed_exact(s, b.p, b.len, 1) == RTM_PUSH_OK && r.count[RTM_PUSH_EV_PING] == 1);
  rtm_push_free(s);
  rec_free(&r);
  /* limits.max_package: exactly at the limit is accepted, one byte more is refused */
  cfg_init(&c, &r, RTM_PUSH_START_FPNN);
  c.limits.max_package = 200;
  s = mk_cfg(&r, &c);
  b_reset(&b);
  pkg_sized(&b, 200, 1, 1);
  CHECK(feed_exact(s, b.p, b.len, 1) == RTM_PUSH_OK && r.count[RTM_PUSH_EV_PUSHMSG] == 1);
  b_reset(&b);
  pkg_sized(&b, 201, 2, 2);
  CHECK(feed_exact(s, b.p, 12, 1) == RTM_PUSH_E_FPNN_TOO_LARGE);
  CHECK(rec_last(&r)->ev.type == RTM_PUSH_EV_CLOSED && rec_last(&r)->ev.error == RTM_PUSH_E_FPNN_TOO_LARGE);
  rtm_push_free(s);
  rec_free(&r);
  c.limits.max_package = 15;
  CHECK(rtm_push_new(&s, &c) == RTM_PUSH_E_CONFIG);
  b_free(&b);
}
static void test_fpnn_truncated(void) {
  rec r;
  rtm_push *s;
  bytes b = {0, 0, 0}, f = {0, 0, 0};
  size_t cut;
  pkg_jquest(&b, 1, 1, "pushmsg", "{\"mid\":1, \"msg\":\"hello\"}");
  /* START_FPNN: every cut inside the package */
  for (cut = 1; cut < b.len; cut += (cut < 20 ? 1 : 7)) {
    memset(&r, 0, sizeof r);
    s = mk(&r, RTM_PUSH_START_FPNN);
    CHECK(feed_exact(s, b.p, cut, 1) == RTM_PUSH_OK && r.n == 0);
    CHECKM(rtm_push_feed_eof(s, 2) == RTM_PUSH_E_TRUNCATED, "cut %lu", (unsigned long)cut);
    CHECK(rtm_push_get_state(s) == RTM_PUSH_STATE_FAILED && r.count[RTM_PUSH_EV_CLOSED] == 1 &&
          rec_last(&r)->ev.error == RTM_PUSH_E_TRUNCATED);
    CHECK(rtm_push_feed_eof(s, 3) == RTM_PUSH_OK && r.count[RTM_PUSH_EV_CLOSED] == 1); /* idempotent */
    CHECK(feed_exact(s, "x", 1, 4) == RTM_PUSH_E_CLOSED);
    rtm_push_free(s);
    rec_free(&r);
  }
  /* START_WS: inside a frame header, a frame payload, and a package spanning frames */
  ws_frame(&f, b.p, b.len);
  for (cut = 1; cut < f.len; cut += 5) {
    memset(&r, 0, sizeof r);
    s = mk(&r, RTM_PUSH_START_WS);
    CHECK(feed_exact(s, f.p, cut, 1) == RTM_PUSH_OK);
    CHECKM(rtm_push_feed_eof(s, 2) == RTM_PUSH_E_TRUNCATED, "ws cut %lu", (unsigned long)cut);
    rtm_push_free(s);
    rec_free(&r);
  }
  b_reset(&f);
  ws_frame(&f, b.p, 10);
  memset(&r, 0, sizeof r);
  s = mk(&r, RTM_PUSH_START_WS);
  CHECK(feed_exact(s, f.p, f.len, 1) == RTM_PUSH_OK);
  CHECK(rtm_push_feed_eof(s, 2) == RTM_PUSH_E_TRUNCATED);
  rtm_push_free(s);
  rec_free(&r);
  /* at a package boundary (no_login, READY): a clean end */
  for (cut = 0; cut < 2; cut++) {
    memset(&r, 0, sizeof r);
    s = mk(&r, cut ? RTM_PUSH_START_WS : RTM_PUSH_START_FPNN);
    CHECK(feed_pkg(s, &b, 1) == RTM_PUSH_OK);
    CHECK(rtm_push_feed_eof(s, 2) == RTM_PUSH_OK);
    CHECK(rtm_push_get_state(s) == RTM_PUSH_STATE_CLOSED && rec_last(&r)->ev.type == RTM_PUSH_EV_CLOSED &&
          rec_last(&r)->ev.error == RTM_PUSH_OK && !rec_last(&r)->ev.fatal);
    CHECK(rec_has(&r, "{\"event\":\"closed\",\"code\":0}\n"));
    CHECK(!rtm_push_want_read(s));
    rtm_push_free(s);
    rec_free(&r);
  }
  b_free(&b);
  b_free(&f);
}

/* ================================================================================================ */
/* >>9 HTTP upgrade                                                                                 */
/* ================================================================================================ */
/* The Sec-WebSocket-Key of the pending request (copied into key[32]); returns the request length. */
static size_t request_key(rtm_push *s, char key[32], bytes *req) {
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
static void accept_for(const char *key, char out[64]) {
  char buf[128];
  unsigned char sha[20];
  size_t n = 0;
  snprintf(buf, sizeof buf, "%s258EAFA5-E914-47DA-95CA-C5AB0DC85B11", key);
  RTM_PUSH__SHA1((const unsigned char *)buf, strlen(buf), sha);
  mbedtls_base64_encode((unsigned char *)out, 64, &n, sha, 20);
  out[n] = 0;
}
static rtm_push *mk_http(rec *r, rtm_push_config *c, char key[32]) {
  rtm_push *s;
  bytes req = {0, 0, 0};
  s = mk_cfg(r, c);
  request_key(s, key, &req);
  rtm_push_consume_output(s, req.len);
  b_free(&req);
  return s;
}
static void http_cfg(rtm_push_config *c, rec *r) {
  memset(r, 0, sizeof *r);
  cfg_init(c, r, RTM_PUSH_START_HTTP);
  c->no_login = 0;
}
static void switching(bytes *b, const char *accept) {
  b_str(b, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ");
  b_str(b, accept);
  b_str(b, "\r\n\r\n");
}
static void test_http_request(void) {
  rec r;
  rtm_push_config c;
  rtm_push *s;
  bytes req = {0, 0, 0};
  char key[32], want[400];
  unsigned char raw[32];
  size_t rawn = 0;
  http_cfg(&c, &r);
  s = mk_cfg(&r, &c);
  CHECK(rtm_push_get_state(s) == RTM_PUSH_STATE_CONNECTING && rtm_push_want_write(s) && rtm_push_want_read(s));
  request_key(s, key, &req);
  CHECK(strlen(key) == 24 && key[22] == '=' && key[23] == '=');
  CHECK(strcmp(key, "AAAAAAAAAAAAAAAAAAAAAA==") != 0); /* not zero bytes */
  CHECK(mbedtls_base64_decode(raw, sizeof raw, &rawn, (const unsigned char *)key, strlen(key)) == 0 && rawn == 16);
  snprintf(want, sizeof want,
           "GET /service/websocket HTTP/1.1\r\nHost: gate.example:13321\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n", key);
  CHECKM(req.len == strlen(want) && memcmp(req.p, want, req.len) == 0, "%s", (const char *)req.p);
  /* partial writes; UPGRADING once the request is out */
  CHECK(rtm_push_consume_output(s, 10) == RTM_PUSH_OK && rtm_push_get_state(s) == RTM_PUSH_STATE_CONNECTING);
  CHECK(rtm_push_consume_output(s, req.len) == RTM_PUSH_E_INVALID_ARG);
  CHECK(rtm_push_consume_output(s, req.len - 10) == RTM_PUSH_OK);
  CHECK(rtm_push_get_state(s) == RTM_PUSH_STATE_UPGRADING && !rtm_push_want_write(s));
  rtm_push_free(s);
  /* a fresh key per session; IPv6 literal, default port, own path */
  {
    char key2[32];
    c.host = "::1";
    c.port = 0;
    c.path = "/service/other";
    s = mk_cfg(&r, &c);
    request_key(s, key2, &req);
    CHECK(strcmp(key, key2) != 0);
    CHECK(strstr((const char *)req.p, "GET /service/other HTTP/1.1\r\nHost: [::1]:80\r\n") == (const char *)req.p);
    rtm_push_free(s);
  }
  /* the default entropy source (the OS): two sessions, two keys */
  {
    char k1[32], k2[32];
    c.entropy = NULL;
    c.host = "gate.example";
    c.path = NULL;
    s = mk_cfg(&r, &c);
    request_key(s, k1, &req);
    rtm_push_free(s);
    s = mk_cfg(&r, &c);
    request_key(s, k2, &req);
    rtm_push_free(s);
    CHECK(strlen(k1) == 24 && strcmp(k1, k2) != 0);
    c.entropy = test_entropy;
  }
  /* the same seed, the same key (the entropy callback is the only source) */
  {
    char k1[32], k2[32];
    uint32_t seed1 = 7, seed2 = 7;
    c.entropy_user_data = &seed1;
    s = mk_cfg(&r, &c);
    request_key(s, k1, &req);
    rtm_push_free(s);
    c.entropy_user_data = &seed2;
    s = mk_cfg(&r, &c);
    request_key(s, k2, &req);
    rtm_push_free(s);
    CHECK(strcmp(k1, k2) == 0);
    c.entropy_user_data = NULL;
  }
  /* configuration errors */
  c.host = NULL;
  CHECK(rtm_push_new(&s, &c) == RTM_PUSH_E_CONFIG);
  c.host = "";
  CHECK(rtm_push_new(&s, &c) == RTM_PUSH_E_CONFIG);
  c.host = "h";
  c.path = "service";
  CHECK(rtm_push_new(&s, &c) == RTM_PUSH_E_CONFIG);
  c.path = NULL;
  c.entropy = failing_entropy;
  CHECK(rtm_push_new(&s, &c) == RTM_PUSH_E_RANDOM);
  rec_free(&r);
  b_free(&req);
}
/* The auth quest in `out` (one masked frame): checks it and returns its seq. */
static uint32_t check_auth_frame(const bytes *out, const char *want_uid, int msgpack) {
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
static void test_http_upgrade_ok(void) {
  rec r;
  rtm_push_config c;
  rtm_push *s;
  bytes in = {0, 0, 0}, out = {0, 0, 0}, pkg = {0, 0, 0};
  char key[32], acc[64];
  uint32_t seq;
  size_t i;
  http_cfg(&c, &r);
  c.uid = 9007199254740993LL;
  s = mk_http(&r, &c, key);
  accept_for(key, acc);
  switching(&in, acc);
  CHECK(feed_exact(s, in.p, in.len, 100) == RTM_PUSH_OK);
  CHECK(rtm_push_get_state(s) == RTM_PUSH_STATE_AUTHENTICATING && r.n == 0);
  drain(s, &out);
  seq = check_auth_frame(&out, "9007199254740993", 0);
  CHECK(seq == 1);
  /* login answer + a push */
  b_reset(&in);
  pkg_answer(&pkg, 0x40, seq, 0, "{\"ok\":true}", 11);
  pkg_jquest(&pkg, 1, 1, "ping", "{}");
  ws_frame(&in, pkg.p, pkg.len);
  CHECK(feed_exact(s, in.p, in.len, 200) == RTM_PUSH_OK);
  CHECK(rtm_push_get_state(s) == RTM_PUSH_STATE_READY && r.count[RTM_PUSH_EV_LOGIN] == 1 && r.count[RTM_PUSH_EV_PING] == 1);
  rtm_push_free(s);
  rec_free(&r);
  /* the same, byte by byte, with case-insensitive names, a token list and the frames in the same feed */
  http_cfg(&c, &r);
  c.uid = -9223372036854775807LL - 1;
  c.lang = "en";
  {
    static const char *const attrs[] = {"k1", "v1", "k\"2", "v/2", NULL};
    c.attrs = attrs;
    s = mk_http(&r, &c, key);
  }
  accept_for(key, acc);
  b_reset(&in);
  b_str(&in, "HTTP/1.1 101 Switching Protocols\r\nsErVeR: x\r\nUPGRADE:  WebSocket \r\nconnection: keep-alive, upgrade\r\n"
             "SEC-WEBSOCKET-ACCEPT:\t");
  b_str(&in, acc);
  b_str(&in, "\r\n\r\n");
  b_reset(&pkg);
  pkg_answer(&pkg, 0x40, 1, 0, "{\"ok\":true}", 11);
  ws_frame(&in, pkg.p, pkg.len);
  b_reset(&pkg);
  pkg_jquest(&pkg, 1, 1, "ping", "{}");
  ws_frame(&in, pkg.p, pkg.len);
  for (i = 0; i < in.len; i++) CHECK(feed_exact(s, in.p + i, 1, 100) == RTM_PUSH_OK);
  CHECKM(rtm_push_get_state(s) == RTM_PUSH_STATE_READY && r.count[RTM_PUSH_EV_LOGIN] == 1 && r.count[RTM_PUSH_EV_PING] == 1,
         "%s", rec_text(&r));
  b_reset(&out);
  drain(s, &out);
  {
    bytes pl = {0, 0, 0};
    int b0;
    size_t k = ws_client_frame(out.p, out.len, &b0, &pl);
    CHECK(k > 0 && strstr((const char *)pl.p + 20, "\"uid\":-9223372036854775808") != NULL);
    CHECK(k > 0 && strstr((const char *)pl.p + 20, "\"lang\":\"en\"") != NULL);
    CHECKM(k > 0 && strstr((const char *)pl.p + 20, "\"attrs\":{\"k1\":\"v1\",\"k\\\"2\":\"v/2\"}") != NULL, "%s",
           (const char *)pl.p + 20);
    b_free(&pl);
  }
  rtm_push_free(s);
  rec_free(&r);
  b_free(&in);
  b_free(&out);
  b_free(&pkg);
}
static void test_http_auth_msgpack(void) {
  rec r;
  rtm_push_config c;
  rtm_push *s;
  bytes in = {0, 0, 0}, out = {0, 0, 0}, pl = {0, 0, 0};
  char key[32], acc[64];
  int b0 = 0;
  http_cfg(&c, &r);
  c.uid = 9007199254740993LL;
  c.quest_encoding = RTM_PUSH_ENC_MSGPACK;
  s = mk_http(&r, &c, key);
  accept_for(key, acc);
  switching(&in, acc);
  CHECK(feed_exact(s, in.p, in.len, 100) == RTM_PUSH_OK);
  drain(s, &out);
  check_auth_frame(&out, NULL, 1);
  ws_client_frame(out.p, out.len, &b0, &pl);
  {
    static const uint8_t want[] = "\x84\xa3pid\xce\x00\xa7\xd8\xc1\xa3uid\xcf\x00\x20\x00\x00\x00\x00\x00\x01"
                                  "\xa5token\xa5TOKEN\xa7version";
    CHECKM(pl.len > 20 + sizeof want - 1 && memcmp(pl.p + 20, want, sizeof want - 1) == 0, "msgpack auth");
  }
  rtm_push_free(s);
  rec_free(&r);
  b_free(&in);
  b_free(&out);
  b_free(&pl);
}
static void http_fail_case(const char *what, rtm_push_config *c, rec *r, const char *resp, int want, const char *in_msg,
                           int eof) {
  rtm_push *s;
  char key[32], acc[64], buf[2048];
  const char *m = NULL;
  bytes out = {0, 0, 0};
  int rc;
  s = mk_http(r, c, key);
  accept_for(key, acc);
  /* "ACCEPT" in the response is replaced by the right value */
  {
    const char *a = strstr(resp, "ACCEPT");
    if (a) snprintf(buf, sizeof buf, "%.*s%s%s", (int)(a - resp), resp, acc, a + 6);
    else snprintf(buf, sizeof buf, "%s", resp);
  }
  rc = feed_exact(s, buf, strlen(buf), 1);
  if (eof) rc = rtm_push_feed_eof(s, 2);
  CHECKM(rc == want, "%s: rc %d", what, rc);
  CHECKM(rtm_push_get_state(s) == RTM_PUSH_STATE_FAILED, "%s", what);
  CHECK(rtm_push_last_error(s, &m) == want);
  if (in_msg) CHECKM(m && strstr(m, in_msg), "%s: %s", what, m ? m : "");
  CHECK(rec_last(r) && rec_last(r)->ev.type == RTM_PUSH_EV_CLOSED && r->count[RTM_PUSH_EV_ERROR] == 1);
  drain(s, &out);
  CHECKM(out.len == 0, "%s: no output (no WebSocket yet)", what);
  rtm_push_free(s);
  rec_free(r);
  b_free(&out);
}
static void test_http_failures(void) {
  rec r;
  rtm_push_config c;
  http_cfg(&c, &r);
  http_fail_case("500 with body", &c, &r,
                 "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nContent-Length: 45\r\n\r\n"
                 "{\"code\":20004,\"ex\":\"Method 'x' not found\"}...",
                 RTM_PUSH_E_HTTP_STATUS, "HTTP/1.1 500 Internal Server Error: {\"code\":20004,\"ex\":\"Method 'x' not found\"}...", 0);
  http_cfg(&c, &r);
  http_fail_case("404 no body", &c, &r, "HTTP/1.1 404 Not Found\r\n\r\n", RTM_PUSH_E_HTTP_STATUS, "404 Not Found", 0);
  http_cfg(&c, &r);
  http_fail_case("500 body cut by EOF", &c, &r, "HTTP/1.1 500 Oops\r\nContent-Length: 100\r\n\r\n{\"code\":1", RTM_PUSH_E_HTTP_STATUS,
                 "500 Oops: {\"code\":1", 1);
  http_cfg(&c, &r);
  http_fail_case("200", &c, &r, "HTTP/1.0 200 OK\r\ncontent-length: 2\r\n\r\nhi", RTM_PUSH_E_HTTP_STATUS, "200 OK: hi", 0);
  http_cfg(&c, &r);
  http_fail_case("wrong accept", &c, &r,
                 "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 "Sec-WebSocket-Accept: 9dvWgZ9m4XhKJOQ05m4eOPJ105w=\r\n\r\n",
                 RTM_PUSH_E_HTTP_ACCEPT, NULL, 0);
  http_cfg(&c, &r);
  http_fail_case("accept with a suffix", &c, &r,
                 "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 "Sec-WebSocket-Accept: ACCEPTx\r\n\r\n",
                 RTM_PUSH_E_HTTP_ACCEPT, NULL, 0);
  http_cfg(&c, &r);
  http_fail_case("no accept", &c, &r, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
                 RTM_PUSH_E_HTTP_ACCEPT, NULL, 0);
  http_cfg(&c, &r);
  http_fail_case("no upgrade", &c, &r, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ACCEPT\r\n\r\n",
                 RTM_PUSH_E_HTTP_MALFORMED, NULL, 0);
  http_cfg(&c, &r);
  http_fail_case("upgrade: h2c", &c, &r,
                 "HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ACCEPT\r\n\r\n",
                 RTM_PUSH_E_HTTP_MALFORMED, NULL, 0);
  http_cfg(&c, &r);
  http_fail_case("no connection", &c, &r, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: ACCEPT\r\n\r\n",
                 RTM_PUSH_E_HTTP_MALFORMED, NULL, 0);
  http_cfg(&c, &r);
  http_fail_case("bad status line", &c, &r, "HTTP/1.1 abc Switching\r\n\r\n", RTM_PUSH_E_HTTP_MALFORMED, NULL, 0);
  http_cfg(&c, &r);
  http_fail_case("not http", &c, &r, "SSH-2.0-OpenSSH\r\n\r\n", RTM_PUSH_E_HTTP_MALFORMED, NULL, 0);
  http_cfg(&c, &r);
  http_fail_case("header without colon", &c, &r,
                 "HTTP/1.1 101 Switching Protocols\r\nUpgrade websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ACCEPT\r\n\r\n",
                 RTM_PUSH_E_HTTP_MALFORMED, NULL, 0);
  http_cfg(&c, &r);
  http_fail_case("EOF in the header", &c, &r, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n", RTM_PUSH_E_TRUNCATED,
                 NULL, 1);
  http_cfg(&c, &r);
  http_fail_case("EOF before anything", &c, &r, "", RTM_PUSH_E_EOF, NULL, 1);
  /* limits.max_http_header */
  http_cfg(&c, &r);
  c.limits.max_http_header = 256;
  {
    char big[600];
    memset(big, 'a', sizeof big);
    memcpy(big, "HTTP/1.1 101 Switching Protocols\r\nX: ", 37);
    big[sizeof big - 1] = 0;
    http_fail_case("header too large", &c, &r, big, RTM_PUSH_E_HTTP_HEADER_TOO_LARGE, NULL, 0);
  }
}
static void test_http_header_limit_exact(void) {
  /* a 101 of exactly limits.max_http_header bytes is accepted; one byte more is not */
  int extra;
  for (extra = 0; extra < 2; extra++) {
    rec r;
    rtm_push_config c;
    rtm_push *s;
    char key[32], acc[64];
    bytes in = {0, 0, 0};
    size_t target = 300, pad;
    http_cfg(&c, &r);
    c.limits.max_http_header = target;
    s = mk_http(&r, &c, key);
    accept_for(key, acc);
    b_str(&in, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ");
    b_str(&in, acc);
    b_str(&in, "\r\nX-Pad: ");
    pad = target - in.len - 4 + (size_t)extra;
    while (pad--) b_byte(&in, 'p');
    b_str(&in, "\r\n\r\n");
    CHECK(in.len == target + (size_t)extra);
    CHECK(feed_exact(s, in.p, in.len, 1) == (extra ? RTM_PUSH_E_HTTP_HEADER_TOO_LARGE : RTM_PUSH_OK));
    CHECK(rtm_push_get_state(s) == (extra ? RTM_PUSH_STATE_FAILED : RTM_PUSH_STATE_AUTHENTICATING));
    rtm_push_free(s);
    rec_free(&r);
    b_free(&in);
  }
}

/* ================================================================================================ */
/* >>10 session                                                                                     */
/* ================================================================================================ */
/* START_WS with login: the auth quest (seq 1) is pending at once */
static rtm_push *mk_login(rec *r, rtm_push_config *c) {
  rtm_push *s;
  bytes out = {0, 0, 0};
  memset(r, 0, sizeof *r);
  if (!c->on_event) cfg_init(c, r, RTM_PUSH_START_WS);
  c->no_login = 0;
  s = mk_cfg(r, c);
  CHECK(rtm_push_get_state(s) == RTM_PUSH_STATE_AUTHENTICATING);
  drain(s, &out);
  CHECK(check_auth_frame(&out, "4242", 0) == 1);
  b_free(&out);
  return s;
}
static int feed_answer(rtm_push *s, uint32_t seq, int status, const char *json, uint64_t now) {
  bytes b = {0, 0, 0};
  int rc;
  pkg_answer(&b, 0x40, seq, status, json, strlen(json));
  rc = feed_pkg(s, &b, now);
  b_free(&b);
  return rc;
}
static void test_session_login(void) {
  rec r;
  rtm_push_config c;
  rtm_push *s;
  const evrec *e;
  /* ok */
  memset(&c, 0, sizeof c);
  s = mk_login(&r, &c);
  CHECK(feed_answer(s, 1, 0, "{\"ok\":true}", 100) == RTM_PUSH_OK);
  e = rec_last(&r);
  CHECK(e && e->ev.type == RTM_PUSH_EV_LOGIN && e->ev.ok == 1 && e->ev.error == 0 && r.n == 1);
  CHECK(rec_has(&r, "{\"event\":\"login\",\"ok\":true}\n"));
  CHECK(rtm_push_get_state(s) == RTM_PUSH_STATE_READY);
  /* a second answer to seq 1 is no longer the login: a non-fatal unexpected answer */
  CHECK(feed_answer(s, 1, 0, "{\"ok\":true}", 100) == RTM_PUSH_OK);
  CHECK(rec_last(&r)->ev.type == RTM_PUSH_EV_ERROR && rec_last(&r)->ev.error == RTM_PUSH_E_FPNN_UNEXPECTED_ANSWER &&
        !rec_last(&r)->ev.fatal && rtm_push_get_state(s) == RTM_PUSH_STATE_READY);
  rtm_push_free(s);
  rec_free(&r);
  /* {"ok":false}: refused, code 200027, gate */
  memset(&c, 0, sizeof c);
  s = mk_login(&r, &c);
  CHECK(feed_answer(s, 1, 0, "{\"ok\":false, \"gate\":\"10.0.0.1:13321\"}", 100) == RTM_PUSH_E_LOGIN_REFUSED);
  e = rec_nth(&r, RTM_PUSH_EV_LOGIN, 0);
  CHECK(e && e->ev.ok == 0 && e->ev.error == RTM_PUSH_E_LOGIN_REFUSED && e->ev.code == 200027 && e->ev.fatal);
  CHECKM(rec_has(&r, "{\"event\":\"login\",\"ok\":false,\"code\":200027,\"gate\":\"10.0.0.1:13321\"}\n"), "%s", rec_text(&r));
  CHECK(r.count[RTM_PUSH_EV_ERROR] == 1 && r.count[RTM_PUSH_EV_CLOSED] == 1 &&
        rec_last(&r)->ev.error == RTM_PUSH_E_LOGIN_REFUSED);
  CHECK(rtm_push_get_state(s) == RTM_PUSH_STATE_FAILED);
  {
    const char *m = NULL;
    CHECK(rtm_push_last_error(s, &m) == RTM_PUSH_E_LOGIN_REFUSED && m && strstr(m, "10.0.0.1:13321"));
  }
  rtm_push_free(s);
  rec_free(&r);
  /* an error answer: code and ex */
  memset(&c, 0, sizeof c);
  s = mk_login(&r, &c);
  CHECK(feed_answer(s, 1, 1, "{\"code\":200027, \"ex\":\"invalid token\"}", 100) == RTM_PUSH_E_LOGIN_ERROR);
  e = rec_nth(&r, RTM_PUSH_EV_LOGIN, 0);
  CHECK(e && e->ev.ok == 0 && e->ev.error == RTM_PUSH_E_LOGIN_ERROR && e->ev.code == 200027 && e->ev.status == 1 &&
        strcmp(e->ex, "invalid token") == 0);
  CHECKM(rec_has(&r, "{\"event\":\"login\",\"ok\":false,\"code\":200027,\"ex\":\"invalid token\"}\n"), "%s", rec_text(&r));
  {
    const char *m = NULL;
    CHECK(rtm_push_last_error(s, &m) == RTM_PUSH_E_LOGIN_ERROR && m && strstr(m, "200027") && strstr(m, "invalid token"));
  }
  CHECK(rtm_push_get_state(s) == RTM_PUSH_STATE_FAILED);
  rtm_push_free(s);
  rec_free(&r);
  /* an answer that is neither: {"ok":"yes"} -> refused */
  memset(&c, 0, sizeof c);
  s = mk_login(&r, &c);
  CHECK(feed_answer(s, 1, 0, "{}", 100) == RTM_PUSH_E_LOGIN_REFUSED);
  rtm_push_free(s);
  rec_free(&r);
  /* msgpack answers work too */
  memset(&c, 0, sizeof c);
  s = mk_login(&r, &c);
  {
    bytes b = {0, 0, 0};
    pkg_answer(&b, 0x80, 1, 0, "\x81\xa2ok\xc3", 5);
    CHECK(feed_pkg(s, &b, 100) == RTM_PUSH_OK && rtm_push_get_state(s) == RTM_PUSH_STATE_READY);
    b_free(&b);
  }
  rtm_push_free(s);
  rec_free(&r);
}
static void test_session_login_timeout(void) {
  rec r;
  rtm_push_config c;
  rtm_push *s;
  memset(&c, 0, sizeof c);
  s = mk_login(&r, &c);
  /* no time seen yet: no deadline can be computed (UINT64_MAX, or 0: "tick now to start the timers") */
  CHECK(rtm_push_next_deadline(s) == UINT64_MAX || rtm_push_next_deadline(s) == 0);
  CHECK(rtm_push_tick(s, 1000) == RTM_PUSH_OK);
  CHECK(rtm_push_next_deadline(s) == 31000);
  CHECK(rtm_push_tick(s, 30999) == RTM_PUSH_OK && rtm_push_get_state(s) == RTM_PUSH_STATE_AUTHENTICATING);
  CHECK(rtm_push_tick(s, 31000) == RTM_PUSH_E_LOGIN_TIMEOUT);
  CHECK(rtm_push_get_state(s) == RTM_PUSH_STATE_FAILED && rec_last(&r)->ev.error == RTM_PUSH_E_LOGIN_TIMEOUT);
  rtm_push_free(s);
  rec_free(&r);
  /* a configured timeout; a login in time clears it */
  memset(&c, 0, sizeof c);
  cfg_init(&c, &r, RTM_PUSH_START_WS);
  c.login_timeout_ms = 500;
  c.ping_timeout_ms = UINT32_MAX;
  s = mk_login(&r, &c);
  CHECK(feed_answer(s, 1, 0, "{\"ok\":true}", 200) == RTM_PUSH_OK);
  CHECK(rtm_push_next_deadline(s) == UINT64_MAX);
  CHECK(rtm_push_tick(s, 100000) == RTM_PUSH_OK && rtm_push_get_state(s) == RTM_PUSH_STATE_READY);
  rtm_push_free(s);
  rec_free(&r);
}
static void test_session_ping_watchdog(void) {
  rec r;
  rtm_push_config c;
  rtm_push *s;
  /* no_login: counted from the first call with a time */
  memset(&r, 0, sizeof r);
  cfg_init(&c, &r, RTM_PUSH_START_FPNN);
  c.ping_timeout_ms = 5000;
  s = mk_cfg(&r, &c);
  CHECK(rtm_push_tick(s, 1000) == RTM_PUSH_OK);
  CHECK(rtm_push_next_deadline(s) == 6000);
  CHECK(feed_jpush_at(s, 3000, 1, "ping", "{}") == RTM_PUSH_OK);
  CHECK(rtm_push_next_deadline(s) == 8000);
  CHECK(feed_jpush_at(s, 4000, 2, "pushmsg", "{}") == RTM_PUSH_OK); /* other pushes do not count */
  CHECK(rtm_push_next_deadline(s) == 8000);
  CHECK(feed_jpush_at(s, 7000, 3, "ping", "{}") == RTM_PUSH_OK);
  CHECK(rtm_push_next_deadline(s) == 12000);
  CHECK(rtm_push_tick(s, 11999) == RTM_PUSH_OK && rtm_push_get_state(s) == RTM_PUSH_STATE_READY);
  CHECK(rtm_push_tick(s, 12000) == RTM_PUSH_E_PING_TIMEOUT);
  CHECK(rtm_push_get_state(s) == RTM_PUSH_STATE_FAILED && rec_last(&r)->ev.type == RTM_PUSH_EV_CLOSED &&
        rec_last(&r)->ev.error == RTM_PUSH_E_PING_TIMEOUT);
  rtm_push_free(s);
  rec_free(&r);
  /* with login: counted from the login (default 60 s) */
  memset(&c, 0, sizeof c);
  s = mk_login(&r, &c);
  CHECK(rtm_push_tick(s, 10) == RTM_PUSH_OK);
  CHECK(feed_answer(s, 1, 0, "{\"ok\":true}", 1000) == RTM_PUSH_OK);
  CHECK(rtm_push_next_deadline(s) == 61000);
  CHECK(rtm_push_tick(s, 60999) == RTM_PUSH_OK);
  CHECK(rtm_push_tick(s, 61000) == RTM_PUSH_E_PING_TIMEOUT);
  rtm_push_free(s);
  rec_free(&r);
  /* off */
  memset(&r, 0, sizeof r);
  cfg_init(&c, &r, RTM_PUSH_START_FPNN);
  c.ping_timeout_ms = UINT32_MAX;
  s = mk_cfg(&r, &c);
  CHECK(feed_jpush_at(s, 3000, 1, "ping", "{}") == RTM_PUSH_OK);
  CHECK(rtm_push_next_deadline(s) == UINT64_MAX);
  CHECK(rtm_push_tick(s, UINT64_MAX - 1) == RTM_PUSH_OK && rtm_push_get_state(s) == RTM_PUSH_STATE_READY);
  rtm_push_free(s);
  rec_free(&r);
}
/* Parses the client frames of `out`; returns the number found, the FPNN package of the first binary one in
   pkg and the close code (or -1: none; 0: a close without a code) */
static int client_frames(const bytes *out, bytes *pkg, int *close_code) {
  size_t off = 0, k;
  int n = 0, b0 = 0, got_pkg = 0;
  bytes pl = {0, 0, 0};
  *close_code = -1;
  while (off < out->len && (k = ws_client_frame(out->p + off, out->len - off, &b0, &pl)) > 0) {
    if (b0 == 0x82 && !got_pkg && pkg) { b_reset(pkg); b_put(pkg, pl.p, pl.len); got_pkg = 1; }
    if (b0 == 0x88) *close_code = pl.len >= 2 ? (pl.p[0] << 8) | pl.p[1] : 0;
    off += k;
    n++;
  }
  CHECK(off == out->len);
  b_free(&pl);
  return n;
}
static void test_session_close(void) {
  rec r;
  rtm_push_config c;
  rtm_push *s;
  bytes out = {0, 0, 0}, pkg = {0, 0, 0};
  int code;
  uint32_t bye_seq;
  memset(&c, 0, sizeof c);
  s = mk_login(&r, &c);
  CHECK(feed_answer(s, 1, 0, "{\"ok\":true}", 1000) == RTM_PUSH_OK);
  CHECK(rtm_push_close(s, 2000) == RTM_PUSH_OK);
  CHECK(rtm_push_get_state(s) == RTM_PUSH_STATE_CLOSING);
  CHECK(rtm_push_next_deadline(s) == 7000); /* quest_timeout_ms for the bye answer */
  drain(s, &out);
  CHECK(client_frames(&out, &pkg, &code) == 1 && code == -1);
  CHECK(pkg.len == 16 + 3 + 2 && memcmp(pkg.p, "FPNN\x01\x40\x01\x03\x02\x00\x00\x00", 12) == 0 &&
        memcmp(pkg.p + 16, "bye{}", 5) == 0);
  bye_seq = pkg.p[12] | (pkg.p[13] << 8);
  CHECK(bye_seq == 2);
  CHECK(rtm_push_close(s, 2001) == RTM_PUSH_OK); /* idempotent: nothing more */
  CHECK(rtm_push_pending_output(s, NULL) == 0);
  /* pushes still arrive while closing */
  CHECK(feed_jpush(s, 1, 9, "pushmsg", "{\"mid\":1}") == RTM_PUSH_OK && r.count[RTM_PUSH_EV_PUSHMSG] == 1);
  b_reset(&out);
  drain(s, &out);
  /* the bye answer -> ANSWER event, then our close frame */
  CHECK(feed_answer(s, bye_seq, 0, "{}", 3000) == RTM_PUSH_OK);
  CHECK(rec_last(&r)->ev.type == RTM_PUSH_EV_ANSWER && rec_last(&r)->ev.seq == bye_seq);
  b_reset(&out);
  drain(s, &out);
  CHECK(client_frames(&out, NULL, &code) == 1 && code == 1000);
  CHECK(rtm_push_next_deadline(s) == 5000); /* close_timeout_ms */
  CHECK(rtm_push_want_read(s));
  CHECK(rtm_push_feed_eof(s, 3500) == RTM_PUSH_OK);
  CHECK(rtm_push_get_state(s) == RTM_PUSH_STATE_CLOSED && rec_last(&r)->ev.type == RTM_PUSH_EV_CLOSED &&
        rec_last(&r)->ev.error == RTM_PUSH_OK);
  CHECK(!rtm_push_want_read(s) && !rtm_push_want_write(s));
  CHECK(r.count[RTM_PUSH_EV_ERROR] == 0 && r.count[RTM_PUSH_EV_CLOSED] == 1);
  rtm_push_free(s);
  rec_free(&r);
  /* the bye is never answered: the close frame goes anyway, then the close timeout ends the session */
  memset(&c, 0, sizeof c);
  s = mk_login(&r, &c);
  CHECK(feed_answer(s, 1, 0, "{\"ok\":true}", 1000) == RTM_PUSH_OK);
  CHECK(rtm_push_close(s, 2000) == RTM_PUSH_OK);
  b_reset(&out);
  drain(s, &out);
  CHECK(rtm_push_tick(s, 6999) == RTM_PUSH_OK && rtm_push_pending_output(s, NULL) == 0);
  CHECK(rtm_push_tick(s, 7000) == RTM_PUSH_OK);
  b_reset(&out);
  drain(s, &out);
  CHECK(client_frames(&out, NULL, &code) == 1 && code == 1000);
  CHECK(rtm_push_get_state(s) == RTM_PUSH_STATE_CLOSING && rtm_push_next_deadline(s) == 9000);
  CHECK(rtm_push_tick(s, 9000) == RTM_PUSH_OK);
  CHECK(rtm_push_get_state(s) == RTM_PUSH_STATE_CLOSED && rec_last(&r)->ev.error == RTM_PUSH_OK);
  rtm_push_free(s);
  rec_free(&r);
  /* the server's close frame after ours is a clean end too */
  memset(&c, 0, sizeof c);
  s = mk_login(&r, &c);
  CHECK(feed_answer(s, 1, 0, "{\"ok\":true}", 1000) == RTM_PUSH_OK);
  CHECK(rtm_push_close(s, 2000) == RTM_PUSH_OK);
  CHECK(feed_answer(s, 2, 0, "{}", 2100) == RTM_PUSH_OK);
  {
    bytes f = {0, 0, 0};
    ws_frame_form(&f, 0x88, "\x03\xe8", 2, 0);
    CHECK(feed_exact(s, f.p, f.len, 2200) == RTM_PUSH_OK);
    b_free(&f);
  }
  CHECK(rtm_push_get_state(s) == RTM_PUSH_STATE_CLOSED && rec_last(&r)->ev.error == RTM_PUSH_OK);
  rtm_push_free(s);
  rec_free(&r);
  /* START_FPNN: the bye answer ends the session (the host closes its WebSocket) */
  memset(&r, 0, sizeof r);
  cfg_init(&c, &r, RTM_PUSH_START_FPNN);
  s = mk_cfg(&r, &c);
  CHECK(rtm_push_close(s, 10) == RTM_PUSH_OK && rtm_push_get_state(s) == RTM_PUSH_STATE_CLOSING);
  b_reset(&out);
  drain(s, &out);
  CHECK(out.len == 21 && memcmp(out.p + 16, "bye{}", 5) == 0);
  CHECK(feed_answer(s, 1, 0, "{}", 20) == RTM_PUSH_OK);
  CHECK(rtm_push_get_state(s) == RTM_PUSH_STATE_CLOSED);
  rtm_push_free(s);
  rec_free(&r);
  /* before the WebSocket is open: ends at once */
  memset(&r, 0, sizeof r);
  cfg_init(&c, &r, RTM_PUSH_START_HTTP);
  s = mk_cfg(&r, &c);
  CHECK(rtm_push_close(s, 10) == RTM_PUSH_OK);
  CHECK(rtm_push_get_state(s) == RTM_PUSH_STATE_CLOSED && r.count[RTM_PUSH_EV_CLOSED] == 1);
  CHECK(rtm_push_close(s, 11) == RTM_PUSH_OK && r.count[RTM_PUSH_EV_CLOSED] == 1);
  rtm_push_free(s);
  rec_free(&r);
  /* msgpack quest encoding: the bye is msgpack */
  memset(&r, 0, sizeof r);
  cfg_init(&c, &r, RTM_PUSH_START_FPNN);
  c.quest_encoding = RTM_PUSH_ENC_MSGPACK;
  s = mk_cfg(&r, &c);
  CHECK(rtm_push_close(s, 10) == RTM_PUSH_OK);
  b_reset(&out);
  drain(s, &out);
  CHECK(out.len == 20 && out.p[5] == 0x80 && memcmp(out.p + 16, "bye\x80", 4) == 0);
  rtm_push_free(s);
  rec_free(&r);
  b_free(&out);
  b_free(&pkg);
}
/* rtm_push_close while the login is still pending: bye, then a clean end */
static void test_session_close_during_login(void) {
  rec r;
  rtm_push_config c;
  rtm_push *s;
  bytes out = {0, 0, 0}, pkg = {0, 0, 0};
  int code;
  memset(&c, 0, sizeof c);
  s = mk_login(&r, &c);
  CHECK(rtm_push_close(s, 100) == RTM_PUSH_OK && rtm_push_get_state(s) == RTM_PUSH_STATE_CLOSING);
  drain(s, &out);
  CHECK(client_frames(&out, &pkg, &code) == 1 && pkg.len == 21 && memcmp(pkg.p + 16, "bye{}", 5) == 0);
  CHECK(rtm_push_tick(s, 100000) == RTM_PUSH_OK); /* no login timeout any more: the bye timeout runs */
  CHECK(rtm_push_get_state(s) == RTM_PUSH_STATE_CLOSING);
  b_reset(&out);
  drain(s, &out);
  CHECK(client_frames(&out, NULL, &code) == 1 && code == 1000);
  CHECK(rtm_push_feed_eof(s, 100001) == RTM_PUSH_OK && rtm_push_get_state(s) == RTM_PUSH_STATE_CLOSED);
  CHECK(r.count[RTM_PUSH_EV_LOGIN] == 0 && rec_last(&r)->ev.error == RTM_PUSH_OK);
  rtm_push_free(s);
  rec_free(&r);
  b_free(&out);
  b_free(&pkg);
}
static void test_session_kickout(void) {
  rec r;
  rtm_push_config c;
  rtm_push *s;
  bytes out = {0, 0, 0};
  int code;
  memset(&c, 0, sizeof c);
  s = mk_login(&r, &c);
  CHECK(feed_answer(s, 1, 0, "{\"ok\":true}", 1000) == RTM_PUSH_OK);
  CHECK(feed_jpush(s, 0, 0, "kickout", "{}") == RTM_PUSH_OK);
  CHECK(rec_last(&r)->ev.type == RTM_PUSH_EV_KICKOUT);
  CHECK(rtm_push_get_state(s) == RTM_PUSH_STATE_CLOSING);
  drain(s, &out);
  CHECK(client_frames(&out, NULL, &code) == 1 && code == 1000);
  CHECK(rtm_push_feed_eof(s, 2000) == RTM_PUSH_OK);
  CHECK(rtm_push_get_state(s) == RTM_PUSH_STATE_CLOSED);
  CHECK(rec_last(&r)->ev.type == RTM_PUSH_EV_CLOSED && rec_last(&r)->ev.error == RTM_PUSH_E_KICKED_OUT &&
        !rec_last(&r)->ev.fatal);
  CHECK(rec_has(&r, "{\"event\":\"closed\",\"code\":-607}\n"));
  CHECK(r.count[RTM_PUSH_EV_ERROR] == 0);
  rtm_push_free(s);
  rec_free(&r);
  /* kicked out, the server never ends the connection: the close timeout does */
  memset(&c, 0, sizeof c);
  s = mk_login(&r, &c);
  CHECK(feed_answer(s, 1, 0, "{\"ok\":true}", 1000) == RTM_PUSH_OK);
  CHECK(feed_jpush(s, 0, 0, "kickout", "{}") == RTM_PUSH_OK); /* at t=1000 */
  CHECK(rtm_push_next_deadline(s) == 3000);
  CHECK(rtm_push_tick(s, 3000) == RTM_PUSH_OK);
  CHECK(rtm_push_get_state(s) == RTM_PUSH_STATE_CLOSED && rec_last(&r)->ev.error == RTM_PUSH_E_KICKED_OUT);
  rtm_push_free(s);
  rec_free(&r);
  b_free(&out);
}
static void test_session_eof(void) {
  rec r;
  rtm_push_config c;
  rtm_push *s;
  memset(&c, 0, sizeof c);
  s = mk_login(&r, &c);
  CHECK(feed_answer(s, 1, 0, "{\"ok\":true}", 1000) == RTM_PUSH_OK);
  CHECK(rtm_push_feed_eof(s, 2000) == RTM_PUSH_E_EOF);
  CHECK(rtm_push_get_state(s) == RTM_PUSH_STATE_FAILED && rec_last(&r)->ev.error == RTM_PUSH_E_EOF);
  CHECK(feed_exact(s, "x", 1, 2001) == RTM_PUSH_E_CLOSED);
  CHECK(rtm_push_feed_eof(s, 2002) == RTM_PUSH_OK);
  rtm_push_free(s);
  rec_free(&r);
  /* EOF while authenticating */
  memset(&c, 0, sizeof c);
  s = mk_login(&r, &c);
  CHECK(rtm_push_feed_eof(s, 2000) == RTM_PUSH_E_EOF);
  rtm_push_free(s);
  rec_free(&r);
}
/* Two sessions with the same entropy seed: draining the output whole or 1 byte at a time gives the same bytes. */
static void run_scripted(int byte_at_a_time, bytes *all, rtm_push_start start) {
  rec r;
  rtm_push_config c;
  rtm_push *s;
  uint32_t seed = 42;
  bytes in = {0, 0, 0};
  int i;
  memset(&r, 0, sizeof r);
  cfg_init(&c, &r, start);
  c.no_login = 0;
  c.entropy_user_data = &seed;
  s = mk_cfg(&r, &c);
  for (i = 0; i < 4; i++) {
    const uint8_t *p;
    size_t n;
    if (i == 1) CHECK(feed_answer(s, 1, 0, "{\"ok\":true}", 10) == RTM_PUSH_OK);
    if (i == 2) {
      b_reset(&in);
      pkg_jquest(&in, 1, 5, "ping", "{}");
      pkg_jquest(&in, 1, 6, "pushmsg", "{\"mid\":1}");
      CHECK(feed_pkg(s, &in, 20) == RTM_PUSH_OK);
    }
    if (i == 3) CHECK(rtm_push_close(s, 30) == RTM_PUSH_OK);
    while ((n = rtm_push_pending_output(s, &p)) > 0) {
      if (byte_at_a_time) {
        uint8_t first = p[0];
        b_byte(all, first);
        CHECK(rtm_push_consume_output(s, 1) == RTM_PUSH_OK);
        if (n > 1) {
          size_t n2 = rtm_push_pending_output(s, &p);
          CHECK(n2 == n - 1);
        }
      } else {
        b_put(all, p, n);
        CHECK(rtm_push_consume_output(s, n) == RTM_PUSH_OK);
      }
    }
  }
  rtm_push_free(s);
  rec_free(&r);
  b_free(&in);
}
static void test_session_consume_bytewise(void) {
  int st;
  for (st = RTM_PUSH_START_WS; st <= RTM_PUSH_START_FPNN; st++) {
    bytes a = {0, 0, 0}, b = {0, 0, 0};
    run_scripted(0, &a, (rtm_push_start)st);
    run_scripted(1, &b, (rtm_push_start)st);
    CHECKM(a.len > 50 && a.len == b.len && memcmp(a.p, b.p, a.len) == 0, "start %d: %lu vs %lu", st,
           (unsigned long)a.len, (unsigned long)b.len);
    b_free(&a);
    b_free(&b);
  }
}
/* hooks run inside the event callback */
static void hook_reenter(rec *r, const rtm_push_event *ev) {
  (void)ev;
  if (r->hook_rc) return;
  r->hook_rc = 1;
  CHECK(rtm_push_feed(r->s, "x", 1, 5) == RTM_PUSH_E_IN_CALLBACK);
  CHECK(rtm_push_feed_eof(r->s, 5) == RTM_PUSH_E_IN_CALLBACK);
  CHECK(rtm_push_tick(r->s, 5) == RTM_PUSH_E_IN_CALLBACK);
  /* queries are fine */
  CHECK(rtm_push_get_state(r->s) == RTM_PUSH_STATE_READY);
  CHECK(rtm_push_query_config(r->s) != NULL);
}
static void hook_free(rec *r, const rtm_push_event *ev) {
  (void)ev;
  if (r->hook_rc++ == 0) rtm_push_free(r->s);
}
static void hook_close(rec *r, const rtm_push_event *ev) {
  if (ev->type == RTM_PUSH_EV_PUSHMSG) CHECK(rtm_push_close(r->s, 7) == RTM_PUSH_OK);
}
static void test_session_callbacks(void) {
  rec r;
  rtm_push *s;
  bytes in = {0, 0, 0};
  memset(&r, 0, sizeof r);
  s = mk(&r, RTM_PUSH_START_FPNN);
  r.hook = hook_reenter;
  CHECK(feed_jpush(s, 1, 1, "pushmsg", "{\"mid\":1}") == RTM_PUSH_OK);
  CHECK(r.hook_rc == 1 && r.count[RTM_PUSH_EV_PUSHMSG] == 1 && rtm_push_get_state(s) == RTM_PUSH_STATE_READY);
  /* afterwards, feeding works again */
  r.hook = NULL;
  CHECK(feed_jpush(s, 1, 2, "pushmsg", "{\"mid\":2}") == RTM_PUSH_OK && r.count[RTM_PUSH_EV_PUSHMSG] == 2);
  rtm_push_free(s);
  rec_free(&r);
  /* free inside the callback: deferred, the call returns RTM_PUSH_E_CLOSED (ASan checks the rest) */
  memset(&r, 0, sizeof r);
  s = mk(&r, RTM_PUSH_START_WS);
  r.hook = hook_free;
  pkg_jquest(&in, 1, 1, "pushmsg", "{\"mid\":1}");
  pkg_jquest(&in, 1, 2, "pushmsg", "{\"mid\":2}");
  CHECK(feed_pkg(s, &in, 1) == RTM_PUSH_E_CLOSED);
  CHECK(r.hook_rc >= 1);
  rec_free(&r);
  /* free from inside the CLOSED event of a fatal error */
  memset(&r, 0, sizeof r);
  s = mk(&r, RTM_PUSH_START_FPNN);
  r.hook = hook_free;
  CHECK(feed_exact(s, "XXXXXXXXXXXX", 12, 1) == RTM_PUSH_E_CLOSED);
  rec_free(&r);
  /* close inside the callback */
  memset(&r, 0, sizeof r);
  s = mk(&r, RTM_PUSH_START_FPNN);
  r.hook = hook_close;
  CHECK(feed_jpush(s, 1, 1, "pushmsg", "{\"mid\":1}") == RTM_PUSH_OK);
  CHECK(rtm_push_get_state(s) == RTM_PUSH_STATE_CLOSING);
  CHECK(count_answers(s) == 2); /* the push's answer, then the bye */
  rtm_push_free(s);
  rec_free(&r);
  b_free(&in);
}
static void test_session_null_args(void) {
  rtm_push *s = (rtm_push *)(uintptr_t)1;
  rtm_push_config c;
  rec r;
  const uint8_t *p = (const uint8_t *)"x";
  const char *m = NULL;
  char buf[8] = "zzz";
  memset(&r, 0, sizeof r);
  cfg_init(&c, &r, RTM_PUSH_START_FPNN);
  CHECK(rtm_push_new(NULL, &c) == RTM_PUSH_E_INVALID_ARG);
  CHECK(rtm_push_new(&s, NULL) == RTM_PUSH_E_INVALID_ARG && s == (rtm_push *)(uintptr_t)1);
  CHECK(rtm_push_feed(NULL, "x", 1, 0) == RTM_PUSH_E_INVALID_ARG);
  CHECK(rtm_push_feed_eof(NULL, 0) == RTM_PUSH_E_INVALID_ARG);
  CHECK(rtm_push_tick(NULL, 0) == RTM_PUSH_E_INVALID_ARG);
  CHECK(rtm_push_close(NULL, 0) == RTM_PUSH_E_INVALID_ARG);
  CHECK(rtm_push_consume_output(NULL, 0) == RTM_PUSH_E_INVALID_ARG);
  CHECK(rtm_push_pending_output(NULL, &p) == 0 && p == NULL);
  CHECK(rtm_push_pending_output(NULL, NULL) == 0);
  CHECK(rtm_push_next_deadline(NULL) == UINT64_MAX);
  CHECK(rtm_push_get_state(NULL) == RTM_PUSH_STATE_INVALID);
  CHECK(rtm_push_want_read(NULL) == 0 && rtm_push_want_write(NULL) == 0);
  CHECK(rtm_push_last_error(NULL, &m) == RTM_PUSH_E_INVALID_ARG && m && *m);
  CHECK(rtm_push_last_error(NULL, NULL) == RTM_PUSH_E_INVALID_ARG);
  CHECK(rtm_push_query_config(NULL) == NULL);
  CHECK(rtm_push_tls_verified(NULL) == -1);
  CHECK(rtm_push_quest(NULL, "m", RTM_PUSH_ENC_JSON, NULL, 0, 0, NULL, NULL, NULL) == RTM_PUSH_E_INVALID_ARG);
  CHECK(rtm_push_sendmsg(NULL, 1, 1, 1, "x", 1, NULL, NULL, NULL) == RTM_PUSH_E_INVALID_ARG);
  CHECK(rtm_push_make_mid(NULL, 1) == 0);
  CHECK(rtm_push_event_to_json(NULL, buf, sizeof buf) == 0 && buf[0] == 0);
  rtm_push_free(NULL);
  s = mk(&r, RTM_PUSH_START_FPNN);
  CHECK(rtm_push_feed(s, NULL, 1, 0) == RTM_PUSH_E_INVALID_ARG);
  CHECK(rtm_push_feed(s, NULL, 0, 0) == RTM_PUSH_OK);
  CHECK(rtm_push_quest(s, NULL, RTM_PUSH_ENC_JSON, NULL, 0, 0, NULL, NULL, NULL) == RTM_PUSH_E_INVALID_ARG);
  CHECK(rtm_push_quest(s, "", RTM_PUSH_ENC_JSON, NULL, 0, 0, NULL, NULL, NULL) == RTM_PUSH_E_INVALID_ARG);
  CHECK(rtm_push_quest(s, "m", RTM_PUSH_ENC_JSON, NULL, 5, 0, NULL, NULL, NULL) == RTM_PUSH_E_INVALID_ARG);
  CHECK(rtm_push_quest(s, "m", (rtm_push_encoding)0x41, "{}", 2, 0, NULL, NULL, NULL) == RTM_PUSH_E_INVALID_ARG);
  CHECK(rtm_push_tls_verified(s) == -1);
  CHECK(rtm_push_last_error(s, &m) == RTM_PUSH_OK && m && strcmp(m, "no error") == 0);
  rtm_push_free(s);
  rec_free(&r);
}
static void test_session_config(void) {
  rec r;
  rtm_push_config c;
  rtm_push *s = NULL;
  const rtm_push_config *q;
  static const char *const odd_attrs[] = {"k", NULL};
  char host[300];
  memset(&r, 0, sizeof r);
  cfg_init(&c, &r, RTM_PUSH_START_FPNN);
  s = mk_cfg(&r, &c);
  q = rtm_push_query_config(s);
  CHECK(q->ping_timeout_ms == 60000 && q->login_timeout_ms == 30000 && q->quest_timeout_ms == 5000 &&
        q->close_timeout_ms == 2000);
  CHECK(q->limits.max_package == 8u << 20 && q->limits.max_frame == (8u << 20) + 14 && q->limits.max_http_header == 16384 &&
        q->limits.max_output == 4u << 20 && q->limits.max_depth == 32 && q->limits.dedup_capacity == 1024 &&
        q->limits.dedup_ttl_ms == 1200000 && q->limits.max_pending_quests == 1024);
  CHECK(strcmp(q->path, "/service/websocket") == 0 && strcmp(q->version, "C-rtm_push-" RTM_PUSH_VERSION_STRING) == 0);
  CHECK(q->quest_encoding == RTM_PUSH_ENC_JSON && q->port == 13321 && q->host != c.host && strcmp(q->host, c.host) == 0);
  rtm_push_free(s);
  cfg_init(&c, &r, RTM_PUSH_START_FPNN);
  c.attrs = odd_attrs;
  CHECK(rtm_push_new(&s, &c) == RTM_PUSH_E_CONFIG);
  cfg_init(&c, &r, RTM_PUSH_START_FPNN);
  c.allocator.free_fn = NULL;
  c.allocator.alloc_fn = NULL;
  c.limits.max_output = 511;
  CHECK(rtm_push_new(&s, &c) == RTM_PUSH_E_CONFIG);
  cfg_init(&c, &r, RTM_PUSH_START_WS);
  c.tls = 1;
  CHECK(rtm_push_new(&s, &c) == RTM_PUSH_E_CONFIG);
  cfg_init(&c, &r, RTM_PUSH_START_FPNN);
  c.start = (rtm_push_start)7;
  CHECK(rtm_push_new(&s, &c) == RTM_PUSH_E_CONFIG);
  cfg_init(&c, &r, RTM_PUSH_START_FPNN);
  c.quest_encoding = (rtm_push_encoding)0x41;
  CHECK(rtm_push_new(&s, &c) == RTM_PUSH_E_CONFIG);
  cfg_init(&c, &r, RTM_PUSH_START_FPNN);
  c.limits.dedup_capacity = (1u << 24) + 1;
  CHECK(rtm_push_new(&s, &c) == RTM_PUSH_E_CONFIG);
  cfg_init(&c, &r, RTM_PUSH_START_HTTP);
  memset(host, 'h', sizeof host);
  host[sizeof host - 1] = 0;
  c.host = host;
  CHECK(rtm_push_new(&s, &c) == RTM_PUSH_E_CONFIG);
  rec_free(&r);
}
/* the allocator hook: every allocation of the library goes through it and is given back */
typedef struct alloc_stats { long allocs, frees, live; } alloc_stats;
static void *count_alloc(size_t n, void *u) {
  alloc_stats *a = (alloc_stats *)u;
  a->allocs++;
  a->live++;
  return malloc(n);
}
static void count_free(void *p, void *u) {
  alloc_stats *a = (alloc_stats *)u;
  a->frees++;
  a->live--;
  free(p);
}
static void test_session_allocator(void) {
  rec r;
  rtm_push_config c;
  rtm_push *s;
  alloc_stats st = {0, 0, 0};
  bytes in = {0, 0, 0};
  int i;
  memset(&r, 0, sizeof r);
  cfg_init(&c, &r, RTM_PUSH_START_WS);
  c.allocator.alloc_fn = count_alloc;
  c.allocator.free_fn = count_free;
  c.allocator.user_data = &st;
  s = mk_cfg(&r, &c);
  for (i = 0; i < 50; i++) {
    char j[64];
    snprintf(j, sizeof j, "{\"mid\":%d, \"msg\":\"\\u00e9\"}", i + 1);
    b_reset(&in);
    pkg_jquest(&in, 1, (uint32_t)i, "pushmsg", j);
    CHECK(feed_pkg(s, &in, 1) == RTM_PUSH_OK);
    count_answers(s);
    if (i == 9) st.allocs = 0; /* steady state from here */
  }
  CHECKM(st.allocs == 0, "%ld allocations in steady state", st.allocs);
  CHECK(r.count[RTM_PUSH_EV_PUSHMSG] == 50);
  rtm_push_free(s);
  CHECK(st.live == 0 && st.frees > 0);
  /* one hook without the other */
  c.allocator.free_fn = NULL;
  CHECK(rtm_push_new(&s, &c) == RTM_PUSH_E_CONFIG);
  rec_free(&r);
  b_free(&in);
}
/* Out of memory for a string decoded inside msg or attrs (file info, excludedUids) fails the session like
   one in the payload itself: a push that names us must not be delivered for want of memory. */
static size_t g_fail_size;
static void *fail_size_alloc(size_t n, void *u) { (void)u; return n == g_fail_size ? NULL : malloc(n); }
static void fail_size_free(void *p, void *u) { (void)u; free(p); }
static void test_bug_nested_nomem(void) {
  static const char attrs[] = "{\"excludedUids\":[\"\\u0031\"]}"; /* an escape: decoded into scratch */
  int round;
  for (round = 0; round < 2; round++) {
    rec r;
    rtm_push_config c;
    rtm_push *s;
    bytes mp = {0, 0, 0}, in = {0, 0, 0};
    const char *m = NULL;
    memset(&r, 0, sizeof r);
    cfg_init(&c, &r, RTM_PUSH_START_FPNN);
    c.uid = 1;
    c.allocator.alloc_fn = fail_size_alloc;
    c.allocator.free_fn = fail_size_free;
    s = mk_cfg(&r, &c);
    b_byte(&mp, 0x84);
    b_byte(&mp, 0xa4); b_str(&mp, "from"); b_byte(&mp, 7);
    b_byte(&mp, 0xa2); b_str(&mp, "to"); b_byte(&mp, 1);
    b_byte(&mp, 0xa3); b_str(&mp, "mid"); b_byte(&mp, 5);
    b_byte(&mp, 0xa5); b_str(&mp, "attrs");
    b_byte(&mp, (uint8_t)(0xa0 | (sizeof attrs - 1))); b_str(&mp, attrs);
    g_fail_size = round ? 0 : mp.len * 4 + 64; /* round 0: the scratch reservation fails; round 1: it does not */
    pkg_quest(&in, 0, 0x80, 1, "pushmsg", mp.p, mp.len);
    if (round == 0) {
      CHECK(feed_pkg(s, &in, 1) == RTM_PUSH_E_NOMEM);
      CHECK(rtm_push_get_state(s) == RTM_PUSH_STATE_FAILED && rtm_push_last_error(s, &m) == RTM_PUSH_E_NOMEM);
    } else {
      CHECK(feed_pkg(s, &in, 1) == RTM_PUSH_OK && rtm_push_get_state(s) == RTM_PUSH_STATE_READY); /* excluded */
    }
    CHECKM(r.count[RTM_PUSH_EV_PUSHMSG] == 0, "round %d: %s", round, rec_text(&r));
    rtm_push_free(s);
    rec_free(&r);
    b_free(&mp);
    b_free(&in);
  }
  g_fail_size = 0;
}
/* limits.max_output: a host that never drains fails the session */
static void test_session_output_full(void) {
  rec r;
  rtm_push_config c;
  rtm_push *s;
  int i, rc = 0;
  memset(&r, 0, sizeof r);
  cfg_init(&c, &r, RTM_PUSH_START_FPNN);
  c.limits.max_output = 512;
  s = mk_cfg(&r, &c);
  for (i = 0; i < 100 && rc == 0; i++) rc = feed_jpush(s, 1, (uint32_t)i, "ping", "{}");
  CHECK(rc == RTM_PUSH_E_OUTPUT_FULL && i == 29); /* 28 answers of 18 bytes fit in 512 */
  CHECK(rtm_push_get_state(s) == RTM_PUSH_STATE_FAILED && rec_last(&r)->ev.error == RTM_PUSH_E_OUTPUT_FULL);
  CHECK(rtm_push_pending_output(s, NULL) == 18); /* what was queued stays drainable */
  rtm_push_free(s);
  rec_free(&r);
}
/* limits.max_output reached inside a frame wslay writes in pieces (the close frame's header fits, its status
   code does not): the frame's first piece is taken back and the output holds whole frames only (found by
   fuzz_session; the reproducer is in fuzz/regressions). */
static void test_ws_output_full_whole_frames(void) {
  static const uint8_t rsv[2] = {0xA2, 0x00}; /* an RSV bit: a protocol error, answered with a close frame */
  rec r;
  rtm_push_config c;
  rtm_push *s;
  const uint8_t *o;
  size_t n, off = 0, frames = 0;
  int i;
  memset(&r, 0, sizeof r);
  cfg_init(&c, &r, RTM_PUSH_START_WS);
  c.limits.max_output = 512;
  s = mk_cfg(&r, &c);
  for (i = 0; i < 22; i++) { /* 22 msgpack answers of 6 + 17 bytes: 506 pending, room for 6 more */
    bytes mp = {0, 0, 0};
    b_byte(&mp, 0x80);
    CHECK(feed_mpush(s, 1, (uint32_t)i + 1, "ping", &mp) == RTM_PUSH_OK);
    b_free(&mp);
  }
  CHECK(rtm_push_pending_output(s, NULL) == 506);
  CHECK(rtm_push_feed(s, rsv, sizeof rsv, 2000) == RTM_PUSH_E_WS_PROTOCOL);
  n = rtm_push_pending_output(s, &o);
  while (off < n) {
    size_t k = ws_client_frame(o + off, n - off, NULL, NULL);
    CHECKM(k != 0, "a partial frame at byte %lu of %lu", (unsigned long)off, (unsigned long)n);
    if (!k) break;
    off += k;
    frames++;
  }
  CHECKM(frames == 22 && n == 506, "%lu frames, %lu bytes", (unsigned long)frames, (unsigned long)n);
  rtm_push_free(s);
  rec_free(&r);
}
static void test_session_strerror(void) {
  static const struct { int code, fatal; } codes[] = {
#define X(name, value, fatal, msg) {value, fatal},
    RTM_PUSH_RESULTS(X)
#undef X
  };
  size_t i, j;
  for (i = 0; i < sizeof codes / sizeof codes[0]; i++) {
    const char *t = rtm_push_strerror(codes[i].code);
    CHECKM(t && *t && strcmp(t, "unknown rtm_push result code") != 0, "%d", codes[i].code);
    CHECK(rtm_push_is_fatal(codes[i].code) == codes[i].fatal);
    for (j = 0; j < i; j++) CHECK(codes[j].code != codes[i].code && strcmp(rtm_push_strerror(codes[j].code), t) != 0);
    /* bands: -5xx never fatal */
    if (codes[i].code <= -500 && codes[i].code > -600) CHECK(!codes[i].fatal);
  }
  CHECK(i >= 40);
  CHECK(strcmp(rtm_push_strerror(12345), "unknown rtm_push result code") == 0);
  CHECK(rtm_push_is_fatal(-999) == 1);
  CHECK(strcmp(rtm_push_strerror(RTM_PUSH_OK), "success") == 0);
  CHECK(strcmp(rtm_push_state_name(RTM_PUSH_STATE_READY), "ready") == 0);
  CHECK(strcmp(rtm_push_state_name(RTM_PUSH_STATE_FAILED), "failed") == 0);
  CHECK(strcmp(rtm_push_state_name((rtm_push_state)99), "invalid") == 0);
  CHECK(strcmp(rtm_push_version(), RTM_PUSH_VERSION_STRING) == 0);
  CHECK(RTM_PUSH_VERSION_NUMBER == RTM_PUSH_VERSION_MAJOR * 10000 + RTM_PUSH_VERSION_MINOR * 100 + RTM_PUSH_VERSION_PATCH);
}

/* Regression (found by this suite, fixed since): a translation object without some member leaves its
   rtm_push_str {NULL, 0}; printing it passed NULL to memcpy in rtm_push__wr -- undefined behaviour that
   -fsanitize=undefined reports ("null pointer passed as argument 2"). */
static void test_bug_translation_missing_members(void) {
  rec r;
  rtm_push *s;
  rtm_push_event ev;
  char buf[256];
  memset(&ev, 0, sizeof ev);
  ev.type = RTM_PUSH_EV_PUSHCHAT;
  ev.name = "pushchat";
  ev.method.ptr = "pushmsg";
  ev.method.len = 7;
  ev.fields = RTM_PUSH_F_MSG;
  ev.msg_is_translation = 1;
  CHECK(rtm_push_event_to_json(&ev, buf, sizeof buf) > 0);
  CHECK(strstr(buf, "\"msg\":{\"source\":\"\",\"target\":\"\",\"sourceText\":\"\",\"targetText\":\"\"}") != NULL);
  memset(&r, 0, sizeof r);
  s = mk(&r, RTM_PUSH_START_FPNN);
  CHECK(feed_jpush(s, 1, 4, "pushmsg", "{\"mtype\":30, \"mid\":4, \"msg\":{}}") == RTM_PUSH_OK);
  CHECK(feed_jpush(s, 1, 5, "pushmsg", "{\"mtype\":30, \"mid\":5, \"msg\":{\"targetText\":\"t\"}}") == RTM_PUSH_OK);
  CHECK(r.count[RTM_PUSH_EV_PUSHCHAT] == 2 && r.evs[0].ev.msg_is_translation && r.evs[0].msg_len == 0 &&
        strcmp(r.evs[1].msg, "t") == 0);
  rtm_push_free(s);
  rec_free(&r);
}

/* ================================================================================================ */
/* >>11 our own quests                                                                              */
/* ================================================================================================ */
typedef struct qrec {
  int calls;
  rtm_push_answer a; /* scalars */
  char payload[256];
  size_t payload_len;
  char ex[128];
  char method[64];
  uint32_t order[16]; /* seqs in callback order */
  rtm_push *requeue;  /* if set: issue one more quest from inside the callback */
  int requeue_rc;
} qrec;
static void q_cb(const rtm_push_answer *a) {
  qrec *q = (qrec *)a->user_data;
  if (q->calls < 16) q->order[q->calls] = a->seq;
  q->calls++;
  q->a = *a;
  copy_str(q->payload, sizeof q->payload, &a->payload);
  q->payload_len = a->payload.len;
  copy_str(q->ex, sizeof q->ex, &a->ex);
  snprintf(q->method, sizeof q->method, "%s", a->method ? a->method : "");
  memset(&q->a.payload, 0, sizeof q->a.payload);
  memset(&q->a.ex, 0, sizeof q->a.ex);
  q->a.method = NULL;
  if (q->requeue) {
    rtm_push *s = q->requeue;
    uint32_t seq = 0;
    q->requeue = NULL;
    q->requeue_rc = rtm_push_quest(s, "again", RTM_PUSH_ENC_JSON, NULL, 0, 0, q_cb, q, &seq);
    if (q->requeue_rc == RTM_PUSH_OK) CHECK(seq != 0);
  }
}
/* the next pending package (START_FPNN), consumed */
static void next_pkg(rtm_push *s, bytes *pkg) {
  const uint8_t *p;
  size_t n = rtm_push_pending_output(s, &p);
  b_reset(pkg);
  b_put(pkg, p, n);
  rtm_push_consume_output(s, n);
}
static rtm_push *mk_quest_session(rec *r, rtm_push_encoding enc, uint32_t max_pending) {
  rtm_push_config c;
  rtm_push *s;
  memset(r, 0, sizeof *r);
  cfg_init(&c, r, RTM_PUSH_START_FPNN);
  c.quest_encoding = enc;
  c.limits.max_pending_quests = max_pending;
  s = mk_cfg(r, &c);
  CHECK(rtm_push_get_state(s) == RTM_PUSH_STATE_READY);
  CHECK(rtm_push_tick(s, 1000) == RTM_PUSH_OK); /* the clock starts at 1000 */
  return s;
}
static int feed_answer_mp(rtm_push *s, uint32_t seq, int status, const bytes *mp, uint64_t now) {
  bytes b = {0, 0, 0};
  int rc;
  pkg_answer(&b, 0x80, seq, status, mp->p, mp->len);
  rc = feed_pkg(s, &b, now);
  b_free(&b);
  return rc;
}
static void test_quest_basic(void) {
  rec r;
  rtm_push *s = mk_quest_session(&r, RTM_PUSH_ENC_JSON, 0);
  qrec q;
  bytes pkg = {0, 0, 0}, want = {0, 0, 0};
  uint32_t seq = 0, seq2 = 0;
  memset(&q, 0, sizeof q);
  CHECK(rtm_push_quest(s, "getinfo", RTM_PUSH_ENC_JSON, "{\"a\":1}", 7, 0, q_cb, &q, &seq) == RTM_PUSH_OK);
  CHECK(seq == 1);
  next_pkg(s, &pkg);
  pkg_quest(&want, 1, 0x40, seq, "getinfo", "{\"a\":1}", 7);
  CHECK(pkg.len == want.len && memcmp(pkg.p, want.p, want.len) == 0);
  CHECK(q.calls == 0);
  CHECK(feed_answer(s, seq, 0, "{\"x\":2}", 1500) == RTM_PUSH_OK);
  CHECK(q.calls == 1 && q.a.result == RTM_PUSH_OK && q.a.status == 0 && q.a.seq == seq && q.a.session == s &&
        strcmp(q.method, "getinfo") == 0 && q.payload_len == 7 && memcmp(q.payload, "{\"x\":2}", 7) == 0 &&
        q.a.encoding == RTM_PUSH_ENC_JSON && q.a.user_data == &q && !q.a.has_mtime && q.a.mid == 0);
  CHECK(r.count[RTM_PUSH_EV_ANSWER] == 0); /* the callback, not an event */
  /* answered once only: a second answer with that seq is an ordinary answer event (no_login) */
  CHECK(feed_answer(s, seq, 0, "{}", 1600) == RTM_PUSH_OK);
  CHECK(q.calls == 1 && r.count[RTM_PUSH_EV_ANSWER] == 1);
  /* NULL payload: an empty map; one-way (no callback): mtype 0 and no seq */
  CHECK(rtm_push_quest(s, "m", RTM_PUSH_ENC_JSON, NULL, 0, 0, q_cb, &q, &seq2) == RTM_PUSH_OK && seq2 == 2);
  next_pkg(s, &pkg);
  b_reset(&want);
  pkg_quest(&want, 1, 0x40, 2, "m", "{}", 2);
  CHECK(pkg.len == want.len && memcmp(pkg.p, want.p, want.len) == 0);
  CHECK(rtm_push_quest(s, "m", RTM_PUSH_ENC_MSGPACK, NULL, 0, 0, NULL, NULL, &seq2) == RTM_PUSH_OK && seq2 == 0);
  next_pkg(s, &pkg);
  b_reset(&want);
  pkg_quest(&want, 0, 0x80, 0, "m", "\x80", 1);
  CHECK(pkg.len == want.len && memcmp(pkg.p, want.p, want.len) == 0);
  /* encoding 0 = JSON */
  CHECK(rtm_push_quest(s, "m", (rtm_push_encoding)0, NULL, 0, 0, NULL, NULL, NULL) == RTM_PUSH_OK);
  next_pkg(s, &pkg);
  CHECK(pkg.len > 6 && pkg.p[5] == 0x40);
  rtm_push_free(s);
  CHECK(q.calls == 2 && q.a.result == RTM_PUSH_E_QUEST_CLOSED); /* quest 2 ended with the session */
  rec_free(&r);
  b_free(&pkg);
  b_free(&want);
}
static void test_quest_errors_and_order(void) {
  rec r;
  rtm_push *s = mk_quest_session(&r, RTM_PUSH_ENC_JSON, 0);
  qrec q1, q2, q3;
  uint32_t s1 = 0, s2 = 0, s3 = 0;
  bytes mp = {0, 0, 0};
  memset(&q1, 0, sizeof q1);
  memset(&q2, 0, sizeof q2);
  memset(&q3, 0, sizeof q3);
  CHECK(rtm_push_quest(s, "a", RTM_PUSH_ENC_JSON, NULL, 0, 0, q_cb, &q1, &s1) == RTM_PUSH_OK);
  CHECK(rtm_push_quest(s, "b", RTM_PUSH_ENC_JSON, NULL, 0, 0, q_cb, &q2, &s2) == RTM_PUSH_OK);
  CHECK(rtm_push_quest(s, "c", RTM_PUSH_ENC_MSGPACK, NULL, 0, 0, q_cb, &q3, &s3) == RTM_PUSH_OK);
  CHECK(s1 != s2 && s2 != s3 && s1 != s3);
  count_answers(s);
  /* reverse order, one error */
  b_byte(&mp, 0x82); mp_s(&mp, "code"); b_put(&mp, "\xcd\x4e\x24", 3); mp_s(&mp, "ex"); mp_s(&mp, "bad");
  CHECK(feed_answer_mp(s, s3, 1, &mp, 1100) == RTM_PUSH_OK);
  CHECK(feed_answer(s, s2, 1, "{\"code\":20004, \"ex\":\"unknown method 'b'\", \"raiser\":\"x\"}", 1100) == RTM_PUSH_OK);
  CHECK(feed_answer(s, s1, 0, "{}", 1100) == RTM_PUSH_OK);
  CHECK(q1.calls == 1 && q1.a.result == RTM_PUSH_OK && strcmp(q1.method, "a") == 0 && q1.a.seq == s1);
  CHECK(q2.calls == 1 && q2.a.result == RTM_PUSH_E_QUEST_ERROR && q2.a.status == 1 && q2.a.code == 20004 &&
        strcmp(q2.ex, "unknown method 'b'") == 0 && strcmp(q2.method, "b") == 0);
  CHECK(q3.calls == 1 && q3.a.result == RTM_PUSH_E_QUEST_ERROR && q3.a.code == 20004 && strcmp(q3.ex, "bad") == 0 &&
        q3.a.encoding == RTM_PUSH_ENC_MSGPACK);
  CHECK(r.count[RTM_PUSH_EV_ANSWER] == 0 && r.count[RTM_PUSH_EV_ERROR] == 0);
  CHECK(rtm_push_get_state(s) == RTM_PUSH_STATE_READY);
  /* a quest from inside an answer callback */
  memset(&q1, 0, sizeof q1);
  q1.requeue = s;
  CHECK(rtm_push_quest(s, "first", RTM_PUSH_ENC_JSON, NULL, 0, 0, q_cb, &q1, &s1) == RTM_PUSH_OK);
  count_answers(s);
  CHECK(feed_answer(s, s1, 0, "{}", 1200) == RTM_PUSH_OK);
  CHECK(q1.calls == 1 && q1.requeue_rc == RTM_PUSH_OK && count_answers(s) == 1);
  CHECK(feed_answer(s, s1 + 1, 0, "{}", 1200) == RTM_PUSH_OK);
  CHECK(q1.calls == 2 && strcmp(q1.method, "again") == 0);
  rtm_push_free(s);
  rec_free(&r);
  b_free(&mp);
}
static void test_quest_timeout(void) {
  rec r;
  rtm_push *s = mk_quest_session(&r, RTM_PUSH_ENC_JSON, 0);
  qrec q1, q2;
  uint32_t s1 = 0, s2 = 0;
  memset(&q1, 0, sizeof q1);
  memset(&q2, 0, sizeof q2);
  CHECK(rtm_push_query_config(s)->ping_timeout_ms == 60000); /* the ping watchdog at 61000 */
  CHECK(rtm_push_quest(s, "slow", RTM_PUSH_ENC_JSON, NULL, 0, 3000, q_cb, &q1, &s1) == RTM_PUSH_OK);
  CHECK(rtm_push_quest(s, "default", RTM_PUSH_ENC_JSON, NULL, 0, 0, q_cb, &q2, &s2) == RTM_PUSH_OK);
  CHECK(rtm_push_next_deadline(s) == 4000);
  CHECK(rtm_push_tick(s, 3999) == RTM_PUSH_OK && q1.calls == 0);
  CHECK(rtm_push_tick(s, 4000) == RTM_PUSH_OK);
  CHECK(q1.calls == 1 && q1.a.result == RTM_PUSH_E_QUEST_TIMEOUT && q1.a.code == 20003 && q1.a.seq == s1 &&
        q2.calls == 0);
  CHECK(rtm_push_next_deadline(s) == 6000); /* quest_timeout_ms 5000 from 1000 */
  CHECK(rtm_push_tick(s, 4001) == RTM_PUSH_OK && q1.calls == 1);
  /* a late answer: no second callback */
  CHECK(feed_answer(s, s1, 0, "{}", 4500) == RTM_PUSH_OK);
  CHECK(q1.calls == 1);
  CHECK(rtm_push_tick(s, 10000) == RTM_PUSH_OK && q2.calls == 1 && q2.a.result == RTM_PUSH_E_QUEST_TIMEOUT);
  CHECK(rtm_push_next_deadline(s) == 61000);
  CHECK(rtm_push_get_state(s) == RTM_PUSH_STATE_READY);
  rtm_push_free(s);
  CHECK(q1.calls == 1 && q2.calls == 1);
  rec_free(&r);
}
static void test_quest_closed(void) {
  rec r;
  rtm_push *s;
  qrec q[3];
  int i;
  /* free with quests pending */
  s = mk_quest_session(&r, RTM_PUSH_ENC_JSON, 0);
  memset(q, 0, sizeof q);
  for (i = 0; i < 3; i++) CHECK(rtm_push_quest(s, "x", RTM_PUSH_ENC_JSON, NULL, 0, 0, q_cb, &q[i], NULL) == RTM_PUSH_OK);
  rtm_push_free(s);
  for (i = 0; i < 3; i++) CHECK(q[i].calls == 1 && q[i].a.result == RTM_PUSH_E_QUEST_CLOSED && q[i].a.code == 20002);
  rec_free(&r);
  /* free with a quest whose callback sends another quest: each callback once, nothing leaks */
  s = mk_quest_session(&r, RTM_PUSH_ENC_JSON, 0);
  memset(q, 0, sizeof q);
  q[0].requeue = s;
  CHECK(rtm_push_quest(s, "x", RTM_PUSH_ENC_JSON, NULL, 0, 0, q_cb, &q[0], NULL) == RTM_PUSH_OK);
  rtm_push_free(s);
  /* the new quest is refused (the session is ending), or accepted and ended at once */
  CHECK(q[0].a.result == RTM_PUSH_E_QUEST_CLOSED);
  CHECKM((q[0].requeue_rc == RTM_PUSH_E_CLOSED && q[0].calls == 1) ||
         (q[0].requeue_rc == RTM_PUSH_OK && q[0].calls == 2 && strcmp(q[0].method, "again") == 0),
         "rc %d, %d calls", q[0].requeue_rc, q[0].calls);
  rec_free(&r);
  /* close: the bye's answer ends the session (START_FPNN), the pending quests end with it */
  s = mk_quest_session(&r, RTM_PUSH_ENC_JSON, 0);
  memset(q, 0, sizeof q);
  for (i = 0; i < 2; i++) CHECK(rtm_push_quest(s, "x", RTM_PUSH_ENC_JSON, NULL, 0, 0, q_cb, &q[i], NULL) == RTM_PUSH_OK);
  CHECK(rtm_push_close(s, 1100) == RTM_PUSH_OK);
  CHECK(rtm_push_quest(s, "x", RTM_PUSH_ENC_JSON, NULL, 0, 0, q_cb, &q[2], NULL) == RTM_PUSH_E_STATE); /* closing */
  CHECK(feed_answer(s, 3, 0, "{}", 1200) == RTM_PUSH_OK); /* the bye (seq 3) */
  CHECK(rtm_push_get_state(s) == RTM_PUSH_STATE_CLOSED);
  for (i = 0; i < 2; i++) CHECK(q[i].calls == 1 && q[i].a.result == RTM_PUSH_E_QUEST_CLOSED && q[i].a.code == 20002);
  CHECK(q[2].calls == 0);
  CHECK(rtm_push_quest(s, "x", RTM_PUSH_ENC_JSON, NULL, 0, 0, q_cb, &q[2], NULL) == RTM_PUSH_E_CLOSED);
  rtm_push_free(s);
  for (i = 0; i < 2; i++) CHECK(q[i].calls == 1);
  rec_free(&r);
  /* a fatal error */
  s = mk_quest_session(&r, RTM_PUSH_ENC_JSON, 0);
  memset(q, 0, sizeof q);
  CHECK(rtm_push_quest(s, "x", RTM_PUSH_ENC_JSON, NULL, 0, 0, q_cb, &q[0], NULL) == RTM_PUSH_OK);
  CHECK(feed_exact(s, "GET / HTTP/1.1\r\n", 16, 1100) == RTM_PUSH_E_FPNN_HEADER);
  CHECK(q[0].calls == 1 && q[0].a.result == RTM_PUSH_E_QUEST_CLOSED);
  rtm_push_free(s);
  CHECK(q[0].calls == 1);
  rec_free(&r);
  /* not READY yet: RTM_PUSH_E_STATE */
  {
    rtm_push_config c;
    memset(&c, 0, sizeof c);
    s = mk_login(&r, &c);
    CHECK(rtm_push_quest(s, "x", RTM_PUSH_ENC_JSON, NULL, 0, 0, q_cb, &q[0], NULL) == RTM_PUSH_E_STATE);
    rtm_push_free(s);
    rec_free(&r);
  }
}
static void test_quest_limit(void) {
  rec r;
  rtm_push *s = mk_quest_session(&r, RTM_PUSH_ENC_JSON, 2);
  qrec q[3];
  uint32_t seq = 0;
  memset(q, 0, sizeof q);
  CHECK(rtm_push_quest(s, "x", RTM_PUSH_ENC_JSON, NULL, 0, 0, q_cb, &q[0], &seq) == RTM_PUSH_OK);
  CHECK(rtm_push_quest(s, "x", RTM_PUSH_ENC_JSON, NULL, 0, 0, q_cb, &q[1], NULL) == RTM_PUSH_OK);
  CHECK(rtm_push_quest(s, "x", RTM_PUSH_ENC_JSON, NULL, 0, 0, q_cb, &q[2], NULL) == RTM_PUSH_E_TOO_MANY_QUESTS);
  CHECK(rtm_push_sendmsg(s, 1, 2, 3, "m", 1, NULL, q_cb, &q[2]) == RTM_PUSH_E_TOO_MANY_QUESTS);
  CHECK(rtm_push_quest(s, "oneway", RTM_PUSH_ENC_JSON, NULL, 0, 0, NULL, NULL, NULL) == RTM_PUSH_OK);
  CHECK(count_answers(s) == 3);
  CHECK(feed_answer(s, seq, 0, "{}", 1100) == RTM_PUSH_OK && q[0].calls == 1);
  CHECK(rtm_push_quest(s, "x", RTM_PUSH_ENC_JSON, NULL, 0, 0, q_cb, &q[2], NULL) == RTM_PUSH_OK);
  CHECK(rtm_push_get_state(s) == RTM_PUSH_STATE_READY);
  rtm_push_free(s);
  CHECK(q[1].calls == 1 && q[2].calls == 1);
  rec_free(&r);
  /* many pending quests (the table grows), answered in a scrambled order */
  {
    enum { N = 200 };
    static qrec qs[N];
    uint32_t seqs[N];
    int i;
    s = mk_quest_session(&r, RTM_PUSH_ENC_JSON, 0);
    memset(qs, 0, sizeof qs);
    for (i = 0; i < N; i++) CHECK(rtm_push_quest(s, "x", RTM_PUSH_ENC_JSON, NULL, 0, 0, q_cb, &qs[i], &seqs[i]) == RTM_PUSH_OK);
    count_answers(s);
    for (i = 0; i < N; i++) {
      int k = (i * 73) % N; /* 73 is prime to 200 */
      CHECK(feed_answer(s, seqs[k], 0, "{}", 1100) == RTM_PUSH_OK);
    }
    for (i = 0; i < N; i++) CHECK(qs[i].calls == 1 && qs[i].a.seq == seqs[i] && qs[i].a.result == RTM_PUSH_OK);
    rtm_push_free(s);
    rec_free(&r);
  }
}
static void test_quest_sendmsg(void) {
  rec r;
  rtm_push *s;
  qrec q;
  bytes pkg = {0, 0, 0}, want = {0, 0, 0}, mp = {0, 0, 0};
  static const char jwant[] =
      "{\"to\":9223372036854775807,\"mid\":-9223372036854775808,\"mtype\":30,\"msg\":\"hi \\\"x\\\"\\u0000\\n\","
      "\"attrs\":\"{\\\"k\\\":1}\"}";
  /* JSON */
  s = mk_quest_session(&r, RTM_PUSH_ENC_JSON, 0);
  memset(&q, 0, sizeof q);
  CHECK(rtm_push_sendmsg(s, INT64_MAX, INT64_MIN, 30, "hi \"x\"\0\n", 8, "{\"k\":1}", q_cb, &q) == RTM_PUSH_OK);
  next_pkg(s, &pkg);
  pkg_quest(&want, 1, 0x40, 1, "sendmsg", jwant, sizeof jwant - 1);
  CHECKM(pkg.len == want.len && memcmp(pkg.p, want.p, want.len) == 0, "%.*s", (int)pkg.len, (const char *)pkg.p);
  CHECK(feed_answer(s, 1, 0, "{\"mtime\":9223372036854775807}", 1100) == RTM_PUSH_OK);
  CHECK(q.calls == 1 && q.a.result == RTM_PUSH_OK && q.a.has_mtime && q.a.mtime == INT64_MAX && q.a.mid == INT64_MIN);
  /* group and room variants; enterroom */
  CHECK(rtm_push_sendgroupmsg(s, 9007199254740993LL, 5, 1, "g", 1, NULL, q_cb, &q) == RTM_PUSH_OK);
  next_pkg(s, &pkg);
  b_reset(&want);
  {
    static const char gj[] = "{\"gid\":9007199254740993,\"mid\":5,\"mtype\":1,\"msg\":\"g\",\"attrs\":\"\"}";
    pkg_quest(&want, 1, 0x40, 2, "sendgroupmsg", gj, sizeof gj - 1);
  }
  CHECKM(pkg.len == want.len && memcmp(pkg.p, want.p, want.len) == 0, "%.*s", (int)pkg.len, (const char *)pkg.p);
  CHECK(feed_answer(s, 2, 0, "{\"mtime\":\"1712345678001\"}", 1100) == RTM_PUSH_OK);
  CHECK(q.calls == 2 && q.a.has_mtime && q.a.mtime == 1712345678001LL && q.a.mid == 5);
  CHECK(rtm_push_sendroommsg(s, -2, 6, 2, NULL, 0, NULL, NULL, NULL) == RTM_PUSH_OK); /* one-way */
  next_pkg(s, &pkg);
  b_reset(&want);
  {
    static const char rj[] = "{\"rid\":-2,\"mid\":6,\"mtype\":2,\"msg\":\"\",\"attrs\":\"\"}";
    pkg_quest(&want, 0, 0x40, 0, "sendroommsg", rj, sizeof rj - 1);
  }
  CHECKM(pkg.len == want.len && memcmp(pkg.p, want.p, want.len) == 0, "%.*s", (int)pkg.len, (const char *)pkg.p);
  CHECK(rtm_push_enterroom(s, 4611686018427387904LL, q_cb, &q) == RTM_PUSH_OK);
  next_pkg(s, &pkg);
  b_reset(&want);
  pkg_quest(&want, 1, 0x40, 3, "enterroom", "{\"rid\":4611686018427387904}", 27);
  CHECKM(pkg.len == want.len && memcmp(pkg.p, want.p, want.len) == 0, "%.*s", (int)pkg.len, (const char *)pkg.p);
  /* an mtime that is not an Int64: no mtime */
  CHECK(feed_answer(s, 3, 0, "{\"mtime\":1.5}", 1100) == RTM_PUSH_OK);
  CHECK(q.calls == 3 && q.a.result == RTM_PUSH_OK && !q.a.has_mtime);
  CHECK(rtm_push_sendmsg(s, 1, 0, 1, "x", 1, NULL, NULL, NULL) == RTM_PUSH_E_INVALID_ARG); /* mid 0 */
  CHECK(rtm_push_sendmsg(s, 1, 1, 1, NULL, 3, NULL, NULL, NULL) == RTM_PUSH_E_INVALID_ARG);
  rtm_push_free(s);
  rec_free(&r);
  /* msgpack */
  s = mk_quest_session(&r, RTM_PUSH_ENC_MSGPACK, 0);
  memset(&q, 0, sizeof q);
  CHECK(rtm_push_sendmsg(s, INT64_MAX, INT64_MIN, 300, "hi\0", 3, "a", q_cb, &q) == RTM_PUSH_OK);
  next_pkg(s, &pkg);
  b_reset(&want);
  b_reset(&mp);
  b_byte(&mp, 0x85);
  mp_s(&mp, "to"); b_put(&mp, "\xcf\x7f\xff\xff\xff\xff\xff\xff\xff", 9);
  mp_s(&mp, "mid"); b_put(&mp, "\xd3\x80\x00\x00\x00\x00\x00\x00\x00", 9);
  mp_s(&mp, "mtype"); b_put(&mp, "\xcd\x01\x2c", 3); /* (fixint values: test_bug_msgpack_fixint) */
  mp_s(&mp, "msg"); mp_str_form(&mp, "hi\0", 3, 0);
  mp_s(&mp, "attrs"); mp_s(&mp, "a");
  pkg_quest(&want, 1, 0x80, 1, "sendmsg", mp.p, mp.len);
  CHECK(pkg.len == want.len && memcmp(pkg.p, want.p, want.len) == 0);
  b_reset(&mp);
  b_byte(&mp, 0x81); mp_s(&mp, "mtime"); b_put(&mp, "\xcf\x7f\xff\xff\xff\xff\xff\xff\xff", 9);
  CHECK(feed_answer_mp(s, 1, 0, &mp, 1100) == RTM_PUSH_OK);
  CHECK(q.calls == 1 && q.a.has_mtime && q.a.mtime == INT64_MAX && q.a.encoding == RTM_PUSH_ENC_MSGPACK);
  /* every integer width through the msgpack writer */
  {
    static const int64_t vals[] = {128, 255, 256, 65535, 65536, 4294967295LL, 4294967296LL, INT64_MAX, -33, -128,
                                   -129, -32768, -32769, -2147483648LL, -2147483649LL, INT64_MIN};
    static const char *const encs[] = {"\xcc\x80", "\xcc\xff", "\xcd\x01\x00", "\xcd\xff\xff",
                                       "\xce\x00\x01\x00\x00", "\xce\xff\xff\xff\xff",
                                       "\xcf\x00\x00\x00\x01\x00\x00\x00\x00", "\xcf\x7f\xff\xff\xff\xff\xff\xff\xff",
                                       "\xd0\xdf", "\xd0\x80", "\xd1\xff\x7f", "\xd1\x80\x00", "\xd2\xff\xff\x7f\xff",
                                       "\xd2\x80\x00\x00\x00", "\xd3\xff\xff\xff\xff\x7f\xff\xff\xff",
                                       "\xd3\x80\x00\x00\x00\x00\x00\x00\x00"};
    static const size_t lens[] = {2, 2, 3, 3, 5, 5, 9, 9, 2, 2, 3, 3, 5, 5, 9, 9};
    size_t i;
    for (i = 0; i < sizeof vals / sizeof vals[0]; i++) {
      CHECK(rtm_push_sendroommsg(s, vals[i], 1000, 1000, NULL, 0, NULL, NULL, NULL) == RTM_PUSH_OK);
      next_pkg(s, &pkg);
      b_reset(&mp);
      b_byte(&mp, 0x85);
      mp_s(&mp, "rid");
      b_put(&mp, encs[i], lens[i]);
      mp_s(&mp, "mid"); b_put(&mp, "\xcd\x03\xe8", 3);
      mp_s(&mp, "mtype"); b_put(&mp, "\xcd\x03\xe8", 3);
      mp_s(&mp, "msg"); mp_s(&mp, "");
      mp_s(&mp, "attrs"); mp_s(&mp, "");
      b_reset(&want);
      pkg_quest(&want, 0, 0x80, 0, "sendroommsg", mp.p, mp.len);
      CHECKM(pkg.len == want.len && memcmp(pkg.p, want.p, want.len) == 0, "rid %lld", (long long)vals[i]);
    }
  }
  rtm_push_free(s);
  rec_free(&r);
  b_free(&pkg);
  b_free(&want);
  b_free(&mp);
}
static void test_quest_cjson_and_mid(void) {
  rec r;
  rtm_push *s = mk_quest_session(&r, RTM_PUSH_ENC_JSON, 0);
  cJSON *o = cJSON_CreateObject();
  bytes pkg = {0, 0, 0};
  qrec q;
  uint32_t seq = 0;
  int i;
  memset(&q, 0, sizeof q);
  cJSON_AddItemToObject(o, "uid", rtm_push_cjson_int64(INT64_MIN));
  cJSON_AddStringToObject(o, "s", "v");
  CHECK(rtm_push_quest_cjson(s, "q", o, 0, q_cb, &q, &seq) == RTM_PUSH_OK && seq == 1);
  next_pkg(s, &pkg);
  CHECK(pkg.len > 17 && strcmp((const char *)pkg.p + 17, "{\"uid\":-9223372036854775808,\"s\":\"v\"}") == 0);
  CHECK(rtm_push_quest_cjson(s, "q", NULL, 0, NULL, NULL, NULL) == RTM_PUSH_E_INVALID_ARG);
  {
    cJSON *arr = cJSON_CreateArray();
    CHECK(rtm_push_quest_cjson(s, "q", arr, 0, NULL, NULL, NULL) == RTM_PUSH_E_INVALID_ARG);
    cJSON_Delete(arr);
  }
  cJSON_Delete(o);
  /* make_mid: ms * 1000 + a counter 0..999 */
  CHECK(rtm_push_make_mid(s, 1712345678000ULL) == 1712345678000000LL);
  CHECK(rtm_push_make_mid(s, 1712345678000ULL) == 1712345678000001LL);
  for (i = 2; i < 1000; i++) rtm_push_make_mid(s, 5);
  CHECK(rtm_push_make_mid(s, 5) == 5000); /* wrapped */
  CHECK(rtm_push_make_mid(s, (uint64_t)(INT64_MAX / 1000 - 1)) == (INT64_MAX / 1000 - 1) * 1000 + 1);
  CHECK(rtm_push_make_mid(s, (uint64_t)(INT64_MAX / 1000)) == 0); /* would overflow */
  CHECK(rtm_push_make_mid(s, UINT64_MAX) == 0);
  rtm_push_free(s);
  rec_free(&r);
  b_free(&pkg);
}

/* Regression (found by this suite, fixed since): the msgpack writer (our own quests in quest_encoding
   MSGPACK, and the msgpack auth) wrote every integer of -32..127 as 0x00 -- rtm_push__mp_put with tag 0
   (fixint) appended t[0], the zero tag, instead of the value byte t[1]. sendmsg's mtype 30 went out as 0,
   an auth with uid 5 logged in as uid 0. */
static void test_bug_msgpack_fixint(void) {
  static const int64_t vals[] = {0, 1, 30, 127, -1, -32};
  static const uint8_t encs[] = {0x00, 0x01, 0x1e, 0x7f, 0xff, 0xe0};
  rec r;
  rtm_push *s = mk_quest_session(&r, RTM_PUSH_ENC_MSGPACK, 0);
  bytes pkg = {0, 0, 0}, want = {0, 0, 0}, mp = {0, 0, 0};
  size_t i;
  for (i = 0; i < sizeof vals / sizeof vals[0]; i++) {
    CHECK(rtm_push_sendroommsg(s, vals[i], 1000, 30, NULL, 0, NULL, NULL, NULL) == RTM_PUSH_OK);
    next_pkg(s, &pkg);
    b_reset(&mp);
    b_byte(&mp, 0x85);
    mp_s(&mp, "rid"); b_byte(&mp, encs[i]);
    mp_s(&mp, "mid"); b_put(&mp, "\xcd\x03\xe8", 3);
    mp_s(&mp, "mtype"); b_byte(&mp, 30);
    mp_s(&mp, "msg"); mp_s(&mp, "");
    mp_s(&mp, "attrs"); mp_s(&mp, "");
    b_reset(&want);
    pkg_quest(&want, 0, 0x80, 0, "sendroommsg", mp.p, mp.len);
    CHECKM(pkg.len == want.len && memcmp(pkg.p, want.p, want.len) == 0, "rid %lld", (long long)vals[i]);
  }
  rtm_push_free(s);
  rec_free(&r);
  /* the msgpack auth of uid 5 */
  {
    rtm_push_config c;
    memset(&r, 0, sizeof r);
    cfg_init(&c, &r, RTM_PUSH_START_FPNN);
    c.no_login = 0;
    c.uid = 5;
    c.pid = 7;
    c.quest_encoding = RTM_PUSH_ENC_MSGPACK;
    s = mk_cfg(&r, &c);
    next_pkg(s, &pkg);
    CHECK(pkg.len > 30 && memcmp(pkg.p + 20, "\x84\xa3pid\x07\xa3uid\x05", 11) == 0);
    rtm_push_free(s);
    rec_free(&r);
  }
  b_free(&pkg);
  b_free(&want);
  b_free(&mp);
}

/* ================================================================================================ */
/* >>12 golden vectors                                                                              */
/* ================================================================================================ */
static int load_file(const char *name, bytes *out) {
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
/* frame offsets of a server stream (unmasked frames) */
static size_t frame_offsets(const bytes *bin, size_t *offs, size_t max) {
  size_t i = 0, n = 0;
  while (i + 2 <= bin->len && n < max) {
    uint64_t l = bin->p[i + 1] & 0x7f;
    size_t h = 2;
    if (l == 126) { l = ((uint64_t)bin->p[i + 2] << 8) | bin->p[i + 3]; h = 4; }
    else if (l == 127) {
      int k;
      l = 0;
      for (k = 0; k < 8; k++) l = (l << 8) | bin->p[i + 2 + k];
      h = 10;
    }
    offs[n++] = i;
    i += h + (size_t)l;
  }
  return n;
}
/* Runs a stream through a fresh START_WS no_login session, fed in chunks ending at cuts[] (then the rest);
   bytewise: 1 byte per feed. Appends the event lines (before EOF) to lines; returns the number of two-way
   answers written (each checked), or -1 on a feed error. The CLOSED line after EOF goes to closed_line. */
static int run_stream(const bytes *bin, int64_t uid, const size_t *cuts, size_t ncuts, int bytewise, bytes *lines,
                      int *closed_code) {
  rec r;
  rtm_push_config c;
  rtm_push *s;
  size_t pos = 0, k;
  int answers = 0, rc = RTM_PUSH_OK;
  bytes out = {0, 0, 0}, pl = {0, 0, 0};
  memset(&r, 0, sizeof r);
  cfg_init(&c, &r, RTM_PUSH_START_WS);
  c.uid = uid;
  s = mk_cfg(&r, &c);
  if (bytewise) {
    for (pos = 0; pos < bin->len && rc == RTM_PUSH_OK; pos++) rc = rtm_push_feed(s, bin->p + pos, 1, 1000 + pos);
  } else {
    for (k = 0; k <= ncuts && rc == RTM_PUSH_OK; k++) {
      size_t end = k < ncuts ? cuts[k] : bin->len;
      if (end < pos) end = pos;
      /* the last chunk straight from the caller's exact-size buffer (its end is the allocation's end) */
      rc = end == bin->len ? rtm_push_feed(s, bin->p + pos, end - pos, 1000 + k) : feed_exact(s, bin->p + pos, end - pos, 1000 + k);
      pos = end;
    }
  }
  b_put(lines, r.lines.p ? r.lines.p : (const uint8_t *)"", r.lines.len);
  drain(s, &out);
  for (pos = 0; pos < out.len; pos += k) {
    int b0 = 0;
    k = ws_client_frame(out.p + pos, out.len - pos, &b0, &pl);
    if (!k) { answers = -1000; break; }
    if (b0 == 0x88) continue; /* the close frame after a kickout */
    if (b0 == 0x82 && pl.len >= 17 && pl.p[6] == 2 && pl.p[7] == 0 &&
        ((pl.p[5] == 0x40 && pl.len == 18 && memcmp(pl.p + 16, "{}", 2) == 0) ||
         (pl.p[5] == 0x80 && pl.len == 17 && pl.p[16] == 0x80)))
      answers++;
    else
      answers = -1000;
  }
  CHECK(rtm_push_feed_eof(s, 999999) == RTM_PUSH_OK);
  *closed_code = rec_last(&r) && rec_last(&r)->ev.type == RTM_PUSH_EV_CLOSED ? rec_last(&r)->ev.error : 1;
  rtm_push_free(s);
  rec_free(&r);
  b_free(&out);
  b_free(&pl);
  return rc == RTM_PUSH_OK ? answers : -1;
}
static void vector_case(const char *name, const char *expected_file, int64_t uid, int want_answers, int want_closed,
                        int every_offset) {
  bytes bin = {0, 0, 0}, want = {0, 0, 0}, got = {0, 0, 0};
  char fn[128];
  size_t offs[64], nf, cut, b;
  int closed = 0, bad = 0, quick = getenv("UNIT_QUICK") != NULL;
  snprintf(fn, sizeof fn, "%s.bin", name);
  if (!load_file(fn, &bin) || !load_file(expected_file, &want)) {
    CHECK(!"vector files missing");
    return;
  }
  { /* an exact-size copy, so that reading past the stream's end is caught by ASan/valgrind */
    uint8_t *exact = (uint8_t *)malloc(bin.len);
    memcpy(exact, bin.p, bin.len);
    free(bin.p);
    bin.p = exact;
    bin.cap = bin.len;
  }
  /* whole */
  CHECKM(run_stream(&bin, uid, NULL, 0, 0, &got, &closed) == want_answers, "%s", name);
  CHECKM(got.len == want.len && memcmp(got.p, want.p, want.len) == 0, "%s whole:\n%s", name, (const char *)got.p);
  CHECKM(closed == want_closed, "%s: closed %d", name, closed);
  /* one byte at a time */
  b_reset(&got);
  CHECKM(run_stream(&bin, uid, NULL, 0, 1, &got, &closed) == want_answers, "%s bytewise", name);
  CHECKM(got.len == want.len && memcmp(got.p, want.p, want.len) == 0, "%s bytewise", name);
  CHECK(closed == want_closed);
  /* two feeds, split at every offset (or: the first 4 KiB and +-3 bytes around every frame boundary) */
  nf = frame_offsets(&bin, offs, 64);
  offs[nf] = bin.len;
  for (cut = 1; cut < bin.len; cut++) {
    int near = 0;
    if (quick && !every_offset && cut % 61 != 0) { /* UNIT_QUICK (for valgrind): fewer offsets */
      for (b = 0; b <= nf && !near; b++) near = cut + 3 >= offs[b] && cut <= offs[b] + 3;
      if (!near) continue;
    }
    if (!every_offset && cut > 4096) {
      for (b = 0; b <= nf && !near; b++) near = cut + 3 >= offs[b] && cut <= offs[b] + 3;
      if (!near) continue;
    }
    b_reset(&got);
    if (run_stream(&bin, uid, &cut, 1, 0, &got, &closed) != want_answers || got.len != want.len ||
        memcmp(got.p, want.p, want.len) != 0 || closed != want_closed) {
      if (bad++ < 3) CHECKM(0, "%s split at %lu", name, (unsigned long)cut);
    }
  }
  CHECKM(bad == 0, "%s: %d splits differ", name, bad);
  b_free(&bin);
  b_free(&want);
  b_free(&got);
}
static void test_vectors_public_json(void) {
  vector_case("public-json", "public-json.dump.jsonl", 0, 12, RTM_PUSH_E_KICKED_OUT, 0);
}
static void test_vectors_public_msgpack(void) {
  vector_case("public-msgpack", "public-msgpack.dump.jsonl", 0, 12, RTM_PUSH_E_KICKED_OUT, 0);
}
static void test_vectors_auth(void) {
  vector_case("authfail", "authfail.dump.jsonl", 0, 0, RTM_PUSH_OK, 1);
  vector_case("autherror", "autherror.dump.jsonl", 0, 0, RTM_PUSH_OK, 1);
}
static void test_vectors_uid_and_compare(void) {
  bytes bin = {0, 0, 0}, bin2 = {0, 0, 0}, want = {0, 0, 0}, a = {0, 0, 0}, b = {0, 0, 0};
  int closed = 0;
  rec r;
  rtm_push *s;
  const evrec *e;
  if (!load_file("public-json.bin", &bin) || !load_file("public-json.uid4242.dump.jsonl", &want) ||
      !load_file("public-msgpack.bin", &bin2)) {
    CHECK(!"vector files missing");
    return;
  }
  /* uid 4242 is in the excludedUids of quest 7: one push fewer */
  CHECK(run_stream(&bin, 4242, NULL, 0, 0, &a, &closed) == 12);
  CHECKM(a.len == want.len && memcmp(a.p, want.p, want.len) == 0, "%s", (const char *)a.p);
  /* JSON and msgpack sessions give the same lines, except the P300 and P65536 pushes (their padding
     differs in length between the two recordings) */
  b_reset(&a);
  CHECK(run_stream(&bin, 0, NULL, 0, 0, &a, &closed) == 12);
  CHECK(run_stream(&bin2, 0, NULL, 0, 0, &b, &closed) == 12);
  {
    const char *pa = (const char *)a.p, *pb = (const char *)b.p;
    int line = 0, diffs = 0;
    while (*pa && *pb) {
      const char *ea = strchr(pa, '\n'), *eb = strchr(pb, '\n');
      if (!ea || !eb) break;
      if (ea - pa != eb - pb || memcmp(pa, pb, (size_t)(ea - pa)) != 0) {
        diffs++;
        /* the padded pushes: "P300:" (195 vs 226 bytes) and "P65536:" (65431 vs 65461 bytes) */
        const char *ma = strstr(pa, "\"msg\":\"P"), *mb = strstr(pb, "\"msg\":\"P");
        CHECKM(ma && mb && ma < ea && mb < eb && (ma - pa) == (mb - pb) && memcmp(pa, pb, (size_t)(ma - pa)) == 0 &&
               (strncmp(ma, "\"msg\":\"P300:", 12) == 0 || strncmp(ma, "\"msg\":\"P65536:", 14) == 0),
               "line %d", line);
      }
      pa = ea + 1;
      pb = eb + 1;
      line++;
    }
    CHECK(line == 14 && diffs == 2 && !*pa && !*pb);
  }
  /* Int64 spot checks on the events themselves */
  memset(&r, 0, sizeof r);
  s = mk(&r, RTM_PUSH_START_WS);
  CHECK(feed_exact(s, bin2.p, bin2.len, 1) == RTM_PUSH_OK);
  e = rec_nth(&r, RTM_PUSH_EV_PUSHGROUPCHAT, 0);
  CHECK(e && e->ev.mid == 9223372036854775806LL && e->ev.from == 9007199254740993LL && e->ev.gid == 4611686018427387904LL &&
        e->ev.mtime == 1712345678001LL && e->ev.msg_is_translation && strcmp(e->msg, "Hello world") == 0);
  e = rec_nth(&r, RTM_PUSH_EV_PUSHCHAT, 0);
  CHECK(e && e->ev.to == 9223372036854775806LL && e->ev.mid == 9007199254740993LL && strcmp(e->msg, "col1\tcol2\fpage2") == 0);
  e = rec_nth(&r, RTM_PUSH_EV_PUSHROOMCMD, 0);
  CHECK(e && e->ev.from == -1 && e->ev.rid == 4611686018427387904LL);
  e = rec_nth(&r, RTM_PUSH_EV_PUSHFILE, 0);
  CHECK(e && e->ev.has_file && strcmp(e->url, "https://example.org/f/1.amr") == 0 && e->ev.file.size == 2048);
  e = rec_nth(&r, RTM_PUSH_EV_PUSHCHAT, 3); /* (uid 4242: quest 7 was excluded) */
  CHECK(e && e->ev.mid == 3011 && e->msg_len == 65536 && memcmp(e->msg, "M65536:ABC", 10) == 0);
  CHECK(r.count[RTM_PUSH_EV_PUSHCHAT] == 4);
  CHECK(r.count[RTM_PUSH_EV_PUSHGROUPCHAT] == 2); /* the duplicate of quest 6 was dropped */
  CHECK(r.count[RTM_PUSH_EV_ERROR] == 0);
  CHECK(rtm_push_get_state(s) == RTM_PUSH_STATE_CLOSING);
  rtm_push_free(s);
  rec_free(&r);
  b_free(&bin);
  b_free(&bin2);
  b_free(&want);
  b_free(&a);
  b_free(&b);
}

/* ================================================================================================ */
/* >>13 rtm_push_event_to_json                                                                      */
/* ================================================================================================ */
static rtm_push_str mkstr(const char *p, size_t n, int binary) {
  rtm_push_str s;
  s.ptr = p;
  s.len = n;
  s.binary = binary;
  return s;
}
static void json_of(const rtm_push_event *ev, char *buf, size_t cap) {
  size_t n = rtm_push_event_to_json(ev, buf, cap);
  CHECK(n < cap && strlen(buf) == n);
}
static void test_json_snprintf(void) {
  rtm_push_event ev;
  char full[512], buf[512];
  size_t n, cap;
  memset(&ev, 0, sizeof ev);
  ev.type = RTM_PUSH_EV_PUSHMSG;
  ev.name = "pushmsg";
  ev.method = mkstr("pushmsg", 7, 0);
  ev.twoway = 1;
  ev.seq = 4294967295u;
  ev.fields = RTM_PUSH_F_FROM | RTM_PUSH_F_TO | RTM_PUSH_F_GID | RTM_PUSH_F_RID | RTM_PUSH_F_MTYPE | RTM_PUSH_F_MID |
              RTM_PUSH_F_MSG | RTM_PUSH_F_ATTRS | RTM_PUSH_F_MTIME;
  ev.from = INT64_MIN;
  ev.to = INT64_MAX;
  ev.gid = 0;
  ev.rid = -1;
  ev.mtype = INT32_MIN;
  ev.mid = 9007199254740993LL;
  ev.msg = mkstr("a\0b", 3, 0);
  ev.attrs = mkstr("", 0, 0);
  ev.mtime = 1;
  n = rtm_push_event_to_json(&ev, full, sizeof full);
  CHECKM(strcmp(full, "{\"event\":\"pushmsg\",\"method\":\"pushmsg\",\"seq\":4294967295,\"twoway\":true,"
                      "\"from\":\"-9223372036854775808\",\"to\":\"9223372036854775807\",\"gid\":\"0\",\"rid\":\"-1\","
                      "\"mtype\":-2147483648,\"mid\":\"9007199254740993\",\"msg\":\"a\\u0000b\",\"attrs\":\"\",\"mtime\":\"1\"}") == 0,
         "%s", full);
  CHECK(n == strlen(full));
  CHECK(rtm_push_event_to_json(&ev, NULL, 0) == n);
  CHECK(rtm_push_event_to_json(&ev, NULL, 100) == n);
  /* every capacity: the full length, a NUL-terminated prefix, nothing written beyond cap */
  for (cap = 0; cap <= n + 2; cap++) {
    memset(buf, '#', sizeof buf);
    CHECK(rtm_push_event_to_json(&ev, buf, cap) == n);
    if (cap == 0) CHECK(buf[0] == '#');
    else {
      size_t k = cap - 1 < n ? cap - 1 : n;
      CHECKM(memcmp(buf, full, k) == 0 && buf[k] == 0, "cap %lu", (unsigned long)cap);
      CHECK(buf[cap] == '#');
    }
  }
}
static void test_json_escaping_and_base64(void) {
  static const struct { const char *in; size_t n; const char *out; } b64[] = {
    {"", 0, "\"\""}, {"f", 1, "\"Zg==\""}, {"fo", 2, "\"Zm8=\""}, {"foo", 3, "\"Zm9v\""}, {"foob", 4, "\"Zm9vYg==\""},
    {"\xff", 1, "\"/w==\""}, {"\xff\xfe", 2, "\"//4=\""}, {"\xfb\xff\xbf", 3, "\"+/+/\""}, {"\0\0\0", 3, "\"AAAA\""},
  };
  rtm_push_event ev;
  char buf[600], want[600];
  size_t i;
  memset(&ev, 0, sizeof ev);
  ev.type = RTM_PUSH_EV_PUSHMSG;
  ev.name = "pushmsg";
  ev.method = mkstr("pushmsg", 7, 0);
  ev.fields = RTM_PUSH_F_MSG;
  ev.msg = mkstr("\"\\/\b\f\n\r\t\x01\x1f\x7f\xc3\xa9\0", 14, 0);
  json_of(&ev, buf, sizeof buf);
  CHECKM(strcmp(buf, "{\"event\":\"pushmsg\",\"method\":\"pushmsg\",\"twoway\":false,"
                     "\"msg\":\"\\\"\\\\/\\b\\f\\n\\r\\t\\u0001\\u001f\x7f\xc3\xa9\\u0000\"}") == 0, "%s", buf);
  for (i = 0; i < sizeof b64 / sizeof b64[0]; i++) {
    ev.msg = mkstr(b64[i].in, b64[i].n, 1);
    json_of(&ev, buf, sizeof buf);
    snprintf(want, sizeof want, "{\"event\":\"pushmsg\",\"method\":\"pushmsg\",\"twoway\":false,\"msg_base64\":%s}", b64[i].out);
    CHECKM(strcmp(buf, want) == 0, "%s", buf);
  }
  /* binary attrs and method; a translation with a binary member */
  ev.fields = RTM_PUSH_F_ATTRS | RTM_PUSH_F_MSG;
  ev.attrs = mkstr("\xff", 1, 1);
  ev.method = mkstr("x\xff", 2, 1);
  ev.msg_is_translation = 1;
  ev.translation.source = mkstr("zh", 2, 0);
  ev.translation.target = mkstr("en", 2, 0);
  ev.translation.source_text = mkstr("\xff", 1, 1);
  ev.translation.target_text = mkstr("hi", 2, 0);
  json_of(&ev, buf, sizeof buf);
  CHECKM(strcmp(buf, "{\"event\":\"pushmsg\",\"method_base64\":\"eP8=\",\"twoway\":false,\"msg\":{\"source\":\"zh\","
                     "\"target\":\"en\",\"sourceText_base64\":\"/w==\",\"targetText\":\"hi\"},\"attrs_base64\":\"/w==\"}") == 0,
         "%s", buf);
}
static void test_json_other_events(void) {
  rtm_push_event ev;
  char buf[600];
  memset(&ev, 0, sizeof ev);
  ev.type = RTM_PUSH_EV_ERROR;
  ev.error = RTM_PUSH_E_FIELD_TYPE;
  ev.message = "field 'mid': \"x\"\n";
  json_of(&ev, buf, sizeof buf);
  CHECKM(strcmp(buf, "{\"error\":\"field 'mid': \\\"x\\\"\\n\",\"code\":-502}") == 0, "%s", buf);
  ev.message = NULL;
  json_of(&ev, buf, sizeof buf);
  CHECK(strcmp(buf, "{\"error\":\"\",\"code\":-502}") == 0);
  memset(&ev, 0, sizeof ev);
  ev.type = RTM_PUSH_EV_CLOSED;
  ev.error = RTM_PUSH_E_KICKED_OUT;
  json_of(&ev, buf, sizeof buf);
  CHECK(strcmp(buf, "{\"event\":\"closed\",\"code\":-607}") == 0);
  memset(&ev, 0, sizeof ev);
  ev.type = RTM_PUSH_EV_ANSWER;
  ev.seq = 7;
  ev.status = 1;
  ev.ok = -1;
  ev.code = 20004;
  ev.ex = mkstr("no \"such\" method", 16, 0);
  json_of(&ev, buf, sizeof buf);
  CHECKM(strcmp(buf, "{\"event\":\"answer\",\"seq\":7,\"status\":1,\"code\":20004,\"ex\":\"no \\\"such\\\" method\"}") == 0, "%s", buf);
  memset(&ev, 0, sizeof ev);
  ev.type = RTM_PUSH_EV_LOGIN;
  ev.ok = 0;
  ev.code = 200027;
  ev.gate = mkstr("h:1", 3, 0);
  json_of(&ev, buf, sizeof buf);
  CHECK(strcmp(buf, "{\"event\":\"login\",\"ok\":false,\"code\":200027,\"gate\":\"h:1\"}") == 0);
  memset(&ev, 0, sizeof ev);
  ev.type = RTM_PUSH_EV_UNKNOWN;
  ev.name = "unknown";
  ev.method = mkstr("a\"b", 3, 0);
  ev.fields = RTM_PUSH_F_MID; /* unknown events print what they are given */
  ev.mid = 5;
  json_of(&ev, buf, sizeof buf);
  CHECK(strcmp(buf, "{\"event\":\"unknown\",\"method\":\"a\\\"b\",\"twoway\":false,\"mid\":\"5\"}") == 0);
  /* a long message: measured exactly */
  {
    static char big[5000];
    char *out;
    size_t n;
    memset(&ev, 0, sizeof ev);
    memset(big, '\n', sizeof big);
    ev.type = RTM_PUSH_EV_PUSHCMD;
    ev.name = "pushcmd";
    ev.method = mkstr("pushmsg", 7, 0);
    ev.fields = RTM_PUSH_F_MSG;
    ev.msg = mkstr(big, sizeof big, 0);
    n = rtm_push_event_to_json(&ev, NULL, 0);
    CHECK(n == strlen("{\"event\":\"pushcmd\",\"method\":\"pushmsg\",\"twoway\":false,\"msg\":\"\"}") + 2 * sizeof big);
    out = (char *)malloc(n + 1);
    CHECK(rtm_push_event_to_json(&ev, out, n + 1) == n && strlen(out) == n);
    free(out);
  }
}

/* ================================================================================================ */
/* >>runner                                                                                         */
/* ================================================================================================ */
typedef struct test_def {
  const char *name;
  void (*fn)(void);
} test_def;
#define T(f) {#f, f}
static const test_def g_tests[] = {
  T(test_parse_int64),
  T(test_int64_json),
  T(test_int32_mtype),
  T(test_json_escapes),
  T(test_json_utf8),
  T(test_simd_utf8),
  T(test_simd_strings),
  T(test_aes_ctr),
#ifndef RTM_PUSH_NO_TLS
  T(test_ip_literal),
#endif
  T(test_simd_numbers),
  T(test_json_string_errors),
  T(test_json_style),
  T(test_msgpack_ints),
  T(test_msgpack_strings),
  T(test_msgpack_translation),
  T(test_msgpack_skip),
  T(test_msgpack_malformed),
  T(test_payload_depth),
  T(test_routing_table),
  T(test_routing_derived_wire),
  T(test_routing_control),
  T(test_routing_missing_fields),
  T(test_routing_file),
  T(test_routing_translation_json),
  T(test_dedup_basic),
  T(test_dedup_capacity),
  T(test_dedup_capacity_one),
  T(test_dedup_model),
  T(test_dedup_ttl),
  T(test_dedup_off),
  T(test_excluded_uids),
  T(test_answers_fpnn),
  T(test_answers_own_encoding),
  T(test_answers_ws),
  T(test_ws_126_bug),
  T(test_ws_length_forms),
  T(test_ws_fragments_and_streams),
  T(test_ws_ping_pong),
  T(test_ws_errors),
  T(test_ws_too_large_header_only),
  T(test_ws_error_after_good_frames),
  T(test_ws_control_split),
  T(test_fpnn_header_errors),
  T(test_fpnn_header_split),
  T(test_fpnn_versions_and_limits),
  T(test_fpnn_truncated),
  T(test_http_request),
  T(test_http_upgrade_ok),
  T(test_http_auth_msgpack),
  T(test_http_failures),
  T(test_http_header_limit_exact),
  T(test_session_login),
  T(test_session_login_timeout),
  T(test_session_ping_watchdog),
  T(test_session_close),
  T(test_session_close_during_login),
  T(test_session_kickout),
  T(test_session_eof),
  T(test_session_consume_bytewise),
  T(test_session_callbacks),
  T(test_session_null_args),
  T(test_session_config),
  T(test_session_allocator),
  T(test_bug_nested_nomem),
  T(test_session_output_full),
  T(test_ws_output_full_whole_frames),
  T(test_session_strerror),
  T(test_bug_translation_missing_members),
  T(test_quest_basic),
  T(test_quest_errors_and_order),
  T(test_quest_timeout),
  T(test_quest_closed),
  T(test_quest_limit),
  T(test_quest_sendmsg),
  T(test_quest_cjson_and_mid),
  T(test_bug_msgpack_fixint),
  T(test_vectors_public_json),
  T(test_vectors_public_msgpack),
  T(test_vectors_auth),
  T(test_vectors_uid_and_compare),
  T(test_json_snprintf),
  T(test_json_escaping_and_base64),
  T(test_json_other_events),
};

/* `unit --simd`: which vector code this CPU runs (tests/run.sh names it in the check's line: the AVX-512 code
   is tested only where the CPU has it, never under valgrind, which has none). */
static void print_simd(void) {
  const rtm_push__kernels *k = kernels_of_session();
  int t;
  printf("kernels %s; compiled in:", k ? k->name : "?");
  for (t = 0; rtm_push__k_tiers[t]; t++) printf(" %s", rtm_push__k_tiers[t]->name);
  printf("\n");
}
int main(int argc, char **argv) {
  size_t i;
  int passed = 0, failed = 0;
  clock_t t0 = clock();
  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc > 1 && strcmp(argv[1], "--simd") == 0) {
    print_simd();
    return 0;
  }
  for (i = 0; i < sizeof g_tests / sizeof g_tests[0]; i++) {
    clock_t t1;
    if (argc > 1 && !strstr(g_tests[i].name, argv[1])) continue;
    g_test_failed = 0;
    t1 = clock();
    g_tests[i].fn();
    if (g_test_failed) {
      failed++;
      printf("FAIL %s\n", g_tests[i].name);
    } else {
      passed++;
      if (getenv("UNIT_VERBOSE"))
        printf("ok   %s (%.0f ms)\n", g_tests[i].name, (double)(clock() - t1) * 1000.0 / CLOCKS_PER_SEC);
    }
  }
  if (getenv("UNIT_VERBOSE"))
    printf("%ld checks, %ld failed, %.2f s\n", g_checks, g_check_failures, (double)(clock() - t0) / CLOCKS_PER_SEC);
  printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
