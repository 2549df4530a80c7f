/* fuzz_common.h -- shared code of the rtm_push.h libFuzzer targets.

   Include it AFTER `#define RTM_PUSH_IMPLEMENTATION` + `#include "../rtm_push.h"`: it uses the private
   struct rtm_push and rtm_push__* functions of the implementation.

   What is here:
   - FZ_CHECK: an invariant; on failure prints what and where, then abort() (libFuzzer reports a crash).
   - fz_check_event(): every event the library delivers is checked (types, names, tables, string pointers and
     lengths, UTF-8 vs the binary flag, field bits vs the schema, routing by mtype, translation / file
     consistency) and printed with rtm_push_event_to_json() into a NULL/0 buffer, a 1-byte buffer (cap 0 must
     not write), a small 16-byte buffer and an exact-size heap buffer; the lengths must agree, the text must be
     one JSON object (cJSON), one line, and the strings must round-trip (text or base64).
   - fz_outchk: parses everything the library asks to write (HTTP request, masked client WebSocket frames, or
     bare FPNN packages) and checks that it is well formed: every binary frame one FPNN package, answers are
     status 0 with an empty map, nothing after our close frame.
   - fz_session(): the driver of fuzz_session / fuzz_fpnn (input layout below).
   - fz_payload(): the driver of fuzz_json / fuzz_msgpack.
*/
#ifndef FZ_COMMON_H
#define FZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include <mbedtls/base64.h>
#include <mbedtls/sha1.h>

/* -DFZ_STRICT_ERRORS=1 (or the older name -DFZ_STRICT_ERROR_UTF8=1) adds checks on error events for issues
   that are open but not memory-safety bugs (README.md, "reproducers"): the JSON line of an error event must be
   valid UTF-8 (messages quote raw network bytes), and no push may be dropped with the internal "decode buffer
   exhausted" (the scratch buffer is sized so that it cannot run out: the message hides the real error). Off by
   default so that make test, which replays fuzz/regressions, stays green while they are open. */
#ifndef FZ_STRICT_ERRORS
#if defined(FZ_STRICT_ERROR_UTF8)
#define FZ_STRICT_ERRORS FZ_STRICT_ERROR_UTF8
#else
#define FZ_STRICT_ERRORS 1
#endif
#endif

#define FZ_CHECK(c, ...)                                                                 \
  do {                                                                                   \
    if (!(c)) {                                                                          \
      fprintf(stderr, "\n==FZ== INVARIANT FAILED at %s:%d: %s\n==FZ== ", __FILE__, __LINE__, #c); \
      fprintf(stderr, __VA_ARGS__);                                                      \
      fputc('\n', stderr);                                                               \
      abort();                                                                           \
    }                                                                                    \
  } while (0)

/* ---------------------------------------------------------------------------------------------- */
/* small helpers                                                                                   */

typedef struct fz_buf {
  uint8_t *p;
  size_t len, cap;
} fz_buf;
static void fz_buf_add(fz_buf *b, const void *p, size_t n) {
  if (b->len + n + 1 > b->cap) {
    size_t c = b->cap ? b->cap : 256;
    while (c < b->len + n + 1) c *= 2;
    b->p = (uint8_t *)realloc(b->p, c);
    FZ_CHECK(b->p != NULL, "out of memory");
    b->cap = c;
  }
  if (n) memcpy(b->p + b->len, p, n);
  b->len += n;
  b->p[b->len] = 0;
}
static void fz_buf_drop(fz_buf *b, size_t n) { /* drop n bytes from the front */
  memmove(b->p, b->p + n, b->len - n);
  b->len -= n;
}
static void fz_buf_free(fz_buf *b) {
  free(b->p);
  b->p = NULL;
  b->len = b->cap = 0;
}

/* An independent strict UTF-8 check (decode, then reject overlongs, surrogates, > U+10FFFF). */
static int fz_utf8_ok(const uint8_t *p, size_t n) {
  size_t i = 0;
  while (i < n) {
    uint32_t c = p[i], cp;
    size_t k, j;
    if (c < 0x80) { i++; continue; }
    if ((c & 0xE0) == 0xC0) { k = 1; cp = c & 0x1F; }
    else if ((c & 0xF0) == 0xE0) { k = 2; cp = c & 0x0F; }
    else if ((c & 0xF8) == 0xF0) { k = 3; cp = c & 0x07; }
    else return 0;
    if (n - i < k + 1) return 0;
    for (j = 1; j <= k; j++) {
      if ((p[i + j] & 0xC0) != 0x80) return 0;
      cp = (cp << 6) | (p[i + j] & 0x3F);
    }
    if ((k == 1 && cp < 0x80) || (k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000)) return 0;
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    i += k + 1;
  }
  return 1;
}

static const void *fz_memmem(const void *h, size_t hn, const void *n, size_t nn) {
  size_t i;
  for (i = 0; nn <= hn && i <= hn - nn; i++)
    if (memcmp((const char *)h + i, n, nn) == 0) return (const char *)h + i;
  return NULL;
}

static volatile unsigned fz_sink;
static void fz_touch(const void *p, size_t n) { /* read every byte: ASan sees any bad pointer */
  const volatile uint8_t *q = (const volatile uint8_t *)p;
  unsigned h = 0;
  size_t i;
  for (i = 0; i < n; i++) h = h * 31u + q[i];
  fz_sink += h;
}

/* Reference for rtm_push_parse_int64: optional '-', at least one digit, nothing else, inside int64. */
static int fz_ref_parse_int64(const char *t, size_t n, int64_t *out) {
  size_t i = 0;
  int neg = 0, big = 0;
  __int128 v = 0;
  if (i < n && t[i] == '-') { neg = 1; i++; }
  if (i == n) return RTM_PUSH_E_FIELD_TYPE;
  for (; i < n; i++) {
    if (t[i] < '0' || t[i] > '9') return RTM_PUSH_E_FIELD_TYPE;
    if (!big) {
      v = v * 10 + (t[i] - '0');
      if (v > (__int128)INT64_MAX + 1) big = 1;
    }
  }
  if (neg) v = -v;
  if (big || v > INT64_MAX || v < INT64_MIN) return RTM_PUSH_E_FIELD_RANGE;
  *out = (int64_t)v;
  return 0;
}
static int fz_all_digits(const char *t, size_t n) { /* "-?[0-9]+" */
  size_t i = 0;
  if (i < n && t[i] == '-') i++;
  if (i == n) return 0;
  for (; i < n; i++)
    if (t[i] < '0' || t[i] > '9') return 0;
  return 1;
}

/* Deterministic entropy: the WebSocket key and the masks are the same on every run. */
static int fz_entropy(unsigned char *buf, size_t len, void *u) {
  size_t i;
  (void)u;
  for (i = 0; i < len; i++) buf[i] = (unsigned char)(i * 29u + 11u);
  return 0;
}

/* base64(SHA-1(key + GUID)) */
static void fz_accept_for(const char *key, size_t keylen, char out[64]) {
  unsigned char sha[20];
  char tmp[128];
  size_t n = 0;
  FZ_CHECK(keylen < 64, "key too long");
  memcpy(tmp, key, keylen);
  memcpy(tmp + keylen, "258EAFA5-E914-47DA-95CA-C5AB0DC85B11", 36);
  RTM_PUSH__SHA1((const unsigned char *)tmp, keylen + 36, sha);
  FZ_CHECK(mbedtls_base64_encode((unsigned char *)out, 64, &n, sha, 20) == 0, "base64");
  out[n] = 0;
}

/* ---------------------------------------------------------------------------------------------- */
/* the event table, rebuilt from the public X-macros                                              */

typedef struct fz_evdef {
  const char *name;
  int cat, kind;
  uint32_t fields;
} fz_evdef;
static const fz_evdef fz_evtab[] = {
  {"invalid", 0, 0, 0},
#define FZ__X(N, name, cat, kind, f) {name, RTM_PUSH_CAT_##cat, RTM_PUSH_KIND_##kind, f},
  RTM_PUSH_EVENTS(FZ__X)
#undef FZ__X
  {"unknown", 0, 0, 0},
  {"login", 0, 0, 0},
  {"answer", 0, 0, 0},
  {"error", 0, 0, 0},
  {"closed", 0, 0, 0},
};
static const char *const fz_fieldnames[] = {
#define FZ__X(N, m, w, t) w,
  RTM_PUSH_FIELDS(FZ__X)
#undef FZ__X
};

/* ---------------------------------------------------------------------------------------------- */
/* per-session context                                                                             */

typedef struct fz_ctx {
  rtm_push *s;             /* NULL until created */
  int freed;               /* rtm_push_free() was called from a callback: s must not be touched */
  unsigned events;
  int closed_seen;
  int last_fatal;          /* code of the last fatal ERROR event (0 = none) */
  int cb_at, cb_action;    /* at event #cb_at: 1 close, 2 free, 3 close at every event */
  uint64_t now;
  size_t max_str;          /* bound for every string length */
  /* pointer ranges every event string must lie in (0 ranges = not checked); the session's pkg and scratch
     buffers are always added when checking */
  int check_ranges;
  const uint8_t *rng_lo[4], *rng_hi[4];
  int nrng;
  int record;              /* append every event's JSON line to log */
  fz_buf log;
  int in_payload_harness;  /* fuzz_json/msgpack: no session-state checks that assume a real stream */
  fz_buf expect;           /* (seq, flag) of every delivered two-way quest whose answer must be in the output */
  struct fz_ddkey { uint32_t cat; int64_t target, from, mid; uint64_t t; } dd[256];
  unsigned dd_n, dd_total; /* delivered keyed pushes: recorded / in all */
} fz_ctx;

static int fz_in_ranges(const fz_ctx *cx, const void *ptr, size_t len) {
  const uint8_t *p = (const uint8_t *)ptr;
  int i;
  if (cx->s && !cx->freed) {
    const rtm_push *s = cx->s;
    if (s->pkg.p && p >= s->pkg.p && p + len <= s->pkg.p + s->pkg.cap) return 1;
    if (s->scratch.p && p >= s->scratch.p && p + len <= s->scratch.p + s->scratch.cap) return 1;
    if (s->scratch2.p && p >= s->scratch2.p && p + len <= s->scratch2.p + s->scratch2.cap) return 1; /* file info */
  }
  for (i = 0; i < cx->nrng; i++)
    if (p >= cx->rng_lo[i] && p + len <= cx->rng_hi[i]) return 1;
  return 0;
}

static void fz_check_str(const fz_ctx *cx, const char *what, const rtm_push_str *st, int utf8) {
  FZ_CHECK(st->binary == 0 || st->binary == 1, "%s: binary flag %d", what, st->binary);
  if (!st->ptr) {
    FZ_CHECK(st->len == 0, "%s: NULL pointer with length %zu", what, st->len);
    return;
  }
  FZ_CHECK(st->len <= cx->max_str, "%s: length %zu exceeds the input bound %zu", what, st->len, cx->max_str);
  fz_touch(st->ptr, st->len);
  if (utf8 && !st->binary)
    FZ_CHECK(fz_utf8_ok((const uint8_t *)st->ptr, st->len), "%s: not flagged binary but not valid UTF-8", what);
  if (cx->check_ranges && st->len) /* (an empty string may point at a literal "") */
    FZ_CHECK(fz_in_ranges(cx, st->ptr, st->len), "%s: points outside the payload and the session's buffers", what);
}

/* ---------------------------------------------------------------------------------------------- */
/* rtm_push_event_to_json                                                                          */

static void fz_check_roundtrip(const cJSON *o, const char *key, const rtm_push_str *st) {
  char k[64];
  const cJSON *it;
  snprintf(k, sizeof k, "%s%s", key, st->binary ? "_base64" : "");
  it = cJSON_GetObjectItemCaseSensitive(o, k);
  FZ_CHECK(it && cJSON_IsString(it), "event JSON: no string member '%s'", k);
  if (st->binary) {
    size_t cap = st->len + 4, olen = 0;
    unsigned char *dec = (unsigned char *)malloc(cap);
    FZ_CHECK(dec, "oom");
    FZ_CHECK(mbedtls_base64_decode(dec, cap, &olen, (const unsigned char *)it->valuestring,
                                   strlen(it->valuestring)) == 0, "event JSON: '%s' is not base64", k);
    FZ_CHECK(olen == st->len && (st->len == 0 || memcmp(dec, st->ptr, st->len) == 0),
             "event JSON: '%s' does not decode to the field's bytes", k);
    free(dec);
  } else if (!st->ptr || !memchr(st->ptr, 0, st->len)) { /* cJSON strings stop at NUL */
    size_t n = strlen(it->valuestring);
    FZ_CHECK(n == st->len && (n == 0 || memcmp(it->valuestring, st->ptr, n) == 0),
             "event JSON: '%s' does not round-trip (%zu vs %zu bytes)", k, n, st->len);
  }
}

static void fz_check_json(fz_ctx *cx, const rtm_push_event *ev) {
  char small[16], one = 'Z', *big;
  size_t n0, n1, n2, n3, i;
  cJSON *o;
  n0 = rtm_push_event_to_json(ev, NULL, 0);
  FZ_CHECK(n0 > 0 && n0 < (size_t)1 << 30, "event_to_json length %zu", n0);
  n1 = rtm_push_event_to_json(ev, &one, 0);
  FZ_CHECK(n1 == n0 && one == 'Z', "event_to_json with cap 0: length %zu vs %zu, or wrote", n1, n0);
  memset(small, 'Q', sizeof small);
  n2 = rtm_push_event_to_json(ev, small, sizeof small);
  FZ_CHECK(n2 == n0, "event_to_json small buffer: %zu vs %zu", n2, n0);
  FZ_CHECK(strlen(small) == (n0 < sizeof small ? n0 : sizeof small - 1), "small buffer not NUL-terminated right");
  big = (char *)malloc(n0 + 1); /* exact: ASan catches one byte too many */
  FZ_CHECK(big, "oom");
  n3 = rtm_push_event_to_json(ev, big, n0 + 1);
  FZ_CHECK(n3 == n0, "event_to_json large buffer: %zu vs %zu", n3, n0);
  FZ_CHECK(strlen(big) == n0, "event line holds a NUL (%zu of %zu)", strlen(big), n0);
  FZ_CHECK(memcmp(small, big, strlen(small)) == 0, "small buffer is not a prefix of the full line");
  for (i = 0; i < n0; i++) FZ_CHECK((unsigned char)big[i] >= 0x20, "raw control byte 0x%02x in the line", big[i]);
  if (ev->type != RTM_PUSH_EV_ERROR || FZ_STRICT_ERRORS)
    FZ_CHECK(fz_utf8_ok((const uint8_t *)big, n0), "event line is not valid UTF-8: %s", big);
  o = cJSON_ParseWithLength(big, n0);
  FZ_CHECK(o && cJSON_IsObject(o), "event line is not a JSON object: %s", big);
  if (ev->type >= RTM_PUSH_EV_PING && ev->type <= RTM_PUSH_EV_UNKNOWN) {
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(o, "event");
    int bit;
    FZ_CHECK(e && cJSON_IsString(e) && strcmp(e->valuestring, ev->type == RTM_PUSH_EV_UNKNOWN ? "unknown" : ev->name) == 0,
             "event line: wrong \"event\"");
    fz_check_roundtrip(o, "method", &ev->method);
    for (bit = 0; bit < RTM_PUSH_FIELD_COUNT; bit++) {
      const cJSON *it;
      if (!(ev->fields & (1u << bit))) continue;
      if (bit == RTM_PUSH_FIELD_MSG) {
        if (ev->msg_is_translation) {
          it = cJSON_GetObjectItemCaseSensitive(o, "msg");
          FZ_CHECK(it && cJSON_IsObject(it), "translation msg is not an object");
          fz_check_roundtrip(it, "source", &ev->translation.source);
          fz_check_roundtrip(it, "target", &ev->translation.target);
          fz_check_roundtrip(it, "sourceText", &ev->translation.source_text);
          fz_check_roundtrip(it, "targetText", &ev->translation.target_text);
        } else {
          fz_check_roundtrip(o, "msg", &ev->msg);
        }
      } else if (bit == RTM_PUSH_FIELD_ATTRS) {
        fz_check_roundtrip(o, "attrs", &ev->attrs);
      } else if (bit == RTM_PUSH_FIELD_MTYPE) {
        it = cJSON_GetObjectItemCaseSensitive(o, "mtype");
        FZ_CHECK(it && cJSON_IsNumber(it) && it->valuedouble == (double)ev->mtype, "mtype printed wrong");
      } else {
        int64_t v = 0;
        it = cJSON_GetObjectItemCaseSensitive(o, fz_fieldnames[bit]);
        FZ_CHECK(it && cJSON_IsString(it), "Int64 field '%s' not printed as a string", fz_fieldnames[bit]);
        FZ_CHECK(fz_ref_parse_int64(it->valuestring, strlen(it->valuestring), &v) == 0 &&
                     v == *rtm_push__i64_slot((rtm_push_event *)(uintptr_t)ev, bit),
                 "Int64 field '%s' printed as %s", fz_fieldnames[bit], it->valuestring);
      }
    }
  }
  cJSON_Delete(o);
  {
    static int trace = -1; /* FZ_TRACE=1: print every event line to stderr */
    if (trace < 0) trace = getenv("FZ_TRACE") != NULL;
    if (trace) fprintf(stderr, "[event] %s\n", big);
  }
  if (cx->record) {
    fz_buf_add(&cx->log, big, n0);
    fz_buf_add(&cx->log, "\n", 1);
  }
  free(big);
}

/* ---------------------------------------------------------------------------------------------- */
/* event invariants                                                                                */

static int fz_route_kind(int32_t mtype) {
  return mtype == 30 ? RTM_PUSH_KIND_CHAT : mtype == 31 ? RTM_PUSH_KIND_AUDIO : mtype == 32 ? RTM_PUSH_KIND_CMD
       : (mtype >= 40 && mtype <= 50) ? RTM_PUSH_KIND_FILE : RTM_PUSH_KIND_MSG;
}

static void fz_check_event(fz_ctx *cx, const rtm_push_event *ev) {
  int t = (int)ev->type;
  FZ_CHECK(t > RTM_PUSH_EV_INVALID && t < RTM_PUSH_EV_COUNT, "event type %d", t);
  FZ_CHECK(ev->name && strcmp(ev->name, fz_evtab[t].name) == 0, "event %d named %s", t, ev->name ? ev->name : "(null)");
  FZ_CHECK((int)ev->category == fz_evtab[t].cat && (int)ev->kind == fz_evtab[t].kind, "event %s: category/kind", ev->name);
  if (t <= RTM_PUSH_EV_UNKNOWN) { /* quests */
    FZ_CHECK(ev->method.ptr && ev->method.len >= 1 && ev->method.len <= 255, "method length %zu", ev->method.len);
    fz_check_str(cx, "method", &ev->method, 1);
    FZ_CHECK(ev->method.binary == !fz_utf8_ok((const uint8_t *)ev->method.ptr, ev->method.len), "method binary flag");
    FZ_CHECK(ev->twoway == 0 || ev->twoway == 1, "twoway %d", ev->twoway);
    if (!ev->twoway) FZ_CHECK(ev->seq == 0, "one-way quest with seq %u", ev->seq);
    FZ_CHECK(ev->encoding == RTM_PUSH_ENC_JSON || ev->encoding == RTM_PUSH_ENC_MSGPACK, "encoding %d", ev->encoding);
    fz_check_str(cx, "payload", &ev->payload, 0);
    FZ_CHECK(ev->payload.binary == (ev->encoding == RTM_PUSH_ENC_MSGPACK), "payload binary flag");
    FZ_CHECK(!(ev->fields & ~fz_evtab[t].fields), "event %s has fields 0x%x outside 0x%x", ev->name, ev->fields,
             fz_evtab[t].fields);
    if (t == RTM_PUSH_EV_UNKNOWN) FZ_CHECK(ev->fields == 0, "unknown event with fields");
    /* routing: a wire method that is not the event's own name must be the category's *msg method, and the
       mtype must select this event */
    if (t != RTM_PUSH_EV_UNKNOWN) {
      const char *nm = fz_evtab[t].name;
      int same = ev->method.len == strlen(nm) && memcmp(ev->method.ptr, nm, ev->method.len) == 0;
      if (!same) {
        int b;
        const char *base = NULL;
        for (b = RTM_PUSH_EV_PING; b <= RTM_PUSH_EV_PUSHBROADCASTFILE; b++)
          if (fz_evtab[b].cat == fz_evtab[t].cat && fz_evtab[b].kind == RTM_PUSH_KIND_MSG) base = fz_evtab[b].name;
        FZ_CHECK(base && ev->method.len == strlen(base) && memcmp(ev->method.ptr, base, ev->method.len) == 0,
                 "event %s from method %.*s", nm, (int)ev->method.len, ev->method.ptr);
        FZ_CHECK(ev->kind != RTM_PUSH_KIND_MSG && (ev->fields & RTM_PUSH_F_MTYPE) &&
                     fz_route_kind(ev->mtype) == (int)ev->kind,
                 "event %s from method %.*s with mtype %d", nm, (int)ev->method.len, ev->method.ptr, ev->mtype);
      } else if (ev->kind == RTM_PUSH_KIND_MSG && (ev->fields & RTM_PUSH_F_MTYPE)) {
        FZ_CHECK(fz_route_kind(ev->mtype) == RTM_PUSH_KIND_MSG, "%s with mtype %d was not routed", nm, ev->mtype);
      }
    }
    if (ev->fields & RTM_PUSH_F_MSG) {
      if (ev->msg_is_translation) {
        const rtm_push_translation *tr = &ev->translation;
        fz_check_str(cx, "translation.source", &tr->source, 1);
        fz_check_str(cx, "translation.target", &tr->target, 1);
        fz_check_str(cx, "translation.sourceText", &tr->source_text, 1);
        fz_check_str(cx, "translation.targetText", &tr->target_text, 1);
        {
          const rtm_push_str *want = tr->target_text.len ? &tr->target_text : &tr->source_text;
          FZ_CHECK(ev->msg.ptr == want->ptr && ev->msg.len == want->len, "translation: msg is not the display text");
        }
      }
      fz_check_str(cx, "msg", &ev->msg, 1);
    } else {
      FZ_CHECK(!ev->msg_is_translation && !ev->has_file, "msg decoded without the msg field");
    }
    if (ev->fields & RTM_PUSH_F_ATTRS) fz_check_str(cx, "attrs", &ev->attrs, 1);
    FZ_CHECK(ev->msg_is_translation == 0 || ev->msg_is_translation == 1, "msg_is_translation");
    if (ev->has_file) {
      FZ_CHECK(ev->kind == RTM_PUSH_KIND_FILE, "file info on a %s event", ev->name);
      fz_check_str(cx, "file.url", &ev->file.url, 1);
      fz_check_str(cx, "file.surl", &ev->file.surl, 1);
    }
  } else if (t == RTM_PUSH_EV_LOGIN || t == RTM_PUSH_EV_ANSWER) {
    FZ_CHECK(ev->status >= 0 && ev->status <= 255, "status %d", ev->status);
    FZ_CHECK(ev->encoding == RTM_PUSH_ENC_JSON || ev->encoding == RTM_PUSH_ENC_MSGPACK, "encoding");
    fz_check_str(cx, "payload", &ev->payload, 0);
    fz_check_str(cx, "ex", &ev->ex, 1);
    fz_check_str(cx, "gate", &ev->gate, 1);
    if (t == RTM_PUSH_EV_LOGIN) {
      FZ_CHECK(ev->ok == 0 || ev->ok == 1, "login ok %d", ev->ok);
      if (ev->ok) FZ_CHECK(ev->status == 0 && ev->error == 0 && !ev->fatal, "login ok with an error");
      else FZ_CHECK((ev->error == RTM_PUSH_E_LOGIN_REFUSED || ev->error == RTM_PUSH_E_LOGIN_ERROR) && ev->fatal &&
                        ev->message, "login failure fields");
    } else {
      FZ_CHECK(ev->ok >= -1 && ev->ok <= 1, "answer ok %d", ev->ok);
    }
  } else if (t == RTM_PUSH_EV_ERROR) {
    FZ_CHECK(ev->message && strlen(ev->message) < 256, "error message");
    FZ_CHECK(ev->error < 0, "error event with code %d", ev->error);
    FZ_CHECK(ev->fatal == rtm_push_is_fatal(ev->error), "error %d (%s) delivered with fatal=%d", ev->error,
             rtm_push_strerror(ev->error), ev->fatal);
    if (!ev->fatal)
      FZ_CHECK((ev->error <= -500 && ev->error > -600) || ev->error == RTM_PUSH_E_FPNN_UNEXPECTED_ANSWER,
               "non-fatal error %d", ev->error);
    if (FZ_STRICT_ERRORS && !ev->fatal) { /* "<method> (seq N) dropped: <reader message>" (known methods only) */
      static const char tail[] = "dropped: decode buffer exhausted";
      size_t ml = strlen(ev->message);
      FZ_CHECK(ml < sizeof tail - 1 || strcmp(ev->message + ml - (sizeof tail - 1), tail) != 0,
               "a push dropped with an internal error: %s", ev->message);
    }
  } else { /* CLOSED */
    FZ_CHECK(ev->message, "closed without message");
    FZ_CHECK(ev->error == 0 || ev->error == RTM_PUSH_E_KICKED_OUT || rtm_push_is_fatal(ev->error),
             "closed with non-fatal code %d", ev->error);
    FZ_CHECK(ev->fatal == (ev->error != 0 && ev->error != RTM_PUSH_E_KICKED_OUT), "closed: fatal flag");
  }
  fz_check_json(cx, ev);
}

/* Would a correct excludedUids filter drop this push? Only decided when the library's own JSON reader accepts
   all of attrs (so that a syntax difference with cJSON cannot matter) and only for decimal-string elements
   (numbers: 7 and 7.0 cannot be told apart in cJSON). */
static int fz_attrs_excludes(const rtm_push_str *attrs, uint32_t fields, int64_t uid, uint32_t max_depth) {
  rtm_push *fake;
  rtm_push__rd r;
  rtm_push_str k;
  rtm_push__val v;
  int rc, hit = 0;
  cJSON *o, *it, *e;
  if (!(fields & RTM_PUSH_F_ATTRS) || attrs->binary || !attrs->ptr || attrs->len < 14) return 0;
  if (!fz_memmem(attrs->ptr, attrs->len, "excludedUids", 12)) return 0; /* (a key written with \u escapes: not decided) */
  fake = (rtm_push *)calloc(1, sizeof *fake);
  FZ_CHECK(fake, "oom");
  fake->cfg.limits.max_depth = max_depth;
  fake->k = rtm_push__kernels_pick();
  rc = rtm_push__reserve(fake, &fake->scratch, attrs->len * 2 + 64) ? -1
     : rtm_push__rd_open(&r, fake, (const uint8_t *)attrs->ptr, attrs->len, 0);
  while (rc == 0 && (rc = rtm_push__rd_next(&r, &k, &v)) == 1) rc = 0;
  rtm_push__buf_free(fake, &fake->scratch);
  free(fake);
  if (rc != 0) return 0; /* not a complete, valid JSON object for the library's reader */
  o = cJSON_ParseWithLength(attrs->ptr, attrs->len);
  if (!o) return 0;
  for (it = o->child; it && !hit; it = it->next) {
    if (!it->string || strcmp(it->string, "excludedUids") != 0 || !cJSON_IsArray(it)) continue;
    for (e = it->child; e && !hit; e = e->next) {
      int64_t x;
      if (cJSON_IsString(e) && fz_ref_parse_int64(e->valuestring, strlen(e->valuestring), &x) == 0 && x == uid)
        hit = 1;
    }
  }
  cJSON_Delete(o);
  return hit;
}
/* A push delivered twice within the dedup TTL, before the table could have evicted anything by capacity. */
static void fz_dedup_check(fz_ctx *cx, const rtm_push_event *ev) {
  const rtm_push_config *c = rtm_push_current_config(cx->s);
  struct fz_ddkey key;
  unsigned i;
  if (c->no_dedup || !(ev->fields & RTM_PUSH_F_MID) || ev->mid == 0) return;
  memset(&key, 0, sizeof key);
  key.cat = (uint32_t)ev->category;
  key.target = ev->category == RTM_PUSH_CAT_P2P ? ev->to : ev->category == RTM_PUSH_CAT_GROUP ? ev->gid
             : ev->category == RTM_PUSH_CAT_ROOM ? ev->rid : 0;
  key.from = ev->from;
  key.mid = ev->mid;
  key.t = cx->now;
  if (cx->dd_total <= c->limits.dedup_capacity)
    for (i = 0; i < cx->dd_n; i++)
      FZ_CHECK(!(cx->dd[i].cat == key.cat && cx->dd[i].target == key.target && cx->dd[i].from == key.from &&
                 cx->dd[i].mid == key.mid && cx->now - cx->dd[i].t < c->limits.dedup_ttl_ms),
               "duplicate %s (mid %lld) delivered again after %llu ms", ev->name, (long long)ev->mid,
               (unsigned long long)(cx->now - cx->dd[i].t));
  if (cx->dd_n < sizeof cx->dd / sizeof cx->dd[0]) cx->dd[cx->dd_n++] = key;
  cx->dd_total++;
}

static void fz_on_event(rtm_push *session, const rtm_push_event *ev, void *user) {
  fz_ctx *cx = (fz_ctx *)user;
  rtm_push *s = cx->s;
  FZ_CHECK(session == s || cx->freed || !s, "the callback's session is not the host's");
  FZ_CHECK(!cx->closed_seen, "event %s after the CLOSED event", ev->name ? ev->name : "?");
  FZ_CHECK(!cx->freed, "event %s delivered after the host called rtm_push_free() in a callback", ev->name ? ev->name : "?");
  cx->events++;
  fz_check_event(cx, ev);
  if (cx->freed || !s) return; /* after rtm_push_free() in a callback nothing may touch s */
  /* reentrancy: these must refuse without side effects */
  FZ_CHECK(rtm_push_feed(s, "x", 1, cx->now) == RTM_PUSH_E_IN_CALLBACK, "feed inside a callback");
  FZ_CHECK(rtm_push_tick(s, cx->now) == RTM_PUSH_E_IN_CALLBACK, "tick inside a callback");
  FZ_CHECK(rtm_push_feed_eof(s, cx->now) == RTM_PUSH_E_IN_CALLBACK, "feed_eof inside a callback");
  if (!cx->in_payload_harness) {
    rtm_push_state st = rtm_push_current_state(s);
    /* one failure, one report: a fatal ERROR, or a refused LOGIN (ok 0), then CLOSED */
    if ((ev->type == RTM_PUSH_EV_ERROR && ev->fatal) || (ev->type == RTM_PUSH_EV_LOGIN && ev->ok == 0)) {
      FZ_CHECK(ev->fatal && ev->error != 0, "%s event reporting a failure: fatal %d, error %d", ev->name, ev->fatal, ev->error);
      FZ_CHECK(st == RTM_PUSH_STATE_FAILED, "fatal error %d delivered in state %s", ev->error, rtm_push_state_name(st));
      FZ_CHECK(!cx->last_fatal, "a second failure report (%s %d) after %d", ev->name, ev->error, cx->last_fatal);
      FZ_CHECK(rtm_push_last_error(s, NULL) == ev->error, "last_error differs from the fatal error");
      cx->last_fatal = ev->error;
    }
    if (ev->type == RTM_PUSH_EV_CLOSED) {
      cx->closed_seen = 1;
      FZ_CHECK(st == RTM_PUSH_STATE_CLOSED || st == RTM_PUSH_STATE_FAILED, "CLOSED event in state %s",
               rtm_push_state_name(st));
      if (st == RTM_PUSH_STATE_FAILED)
        FZ_CHECK(ev->error == cx->last_fatal && ev->error != 0, "CLOSED(%d) does not follow the fatal error %d",
                 ev->error, cx->last_fatal);
      else
        FZ_CHECK(ev->error == 0 || ev->error == RTM_PUSH_E_KICKED_OUT, "clean CLOSED with code %d", ev->error);
      FZ_CHECK(!rtm_push_want_read(s), "ended session still reads");
      FZ_CHECK(ev->reconnect_at == rtm_push_reconnect_at(s) && rtm_push_next_deadline(s) == UINT64_MAX,
               "CLOSED: reconnect_at %llu, rtm_push_reconnect_at %llu, next_deadline %llu",
               (unsigned long long)ev->reconnect_at, (unsigned long long)rtm_push_reconnect_at(s),
               (unsigned long long)rtm_push_next_deadline(s));
      FZ_CHECK(ev->reconnect_at == UINT64_MAX || (ev->reconnect_at >= cx->now && ev->reconnect_at - cx->now <= 30000u),
               "reconnect advice %llu at now %llu", (unsigned long long)ev->reconnect_at, (unsigned long long)cx->now);
      if (rtm_push_current_config(s)->no_login || ev->error == RTM_PUSH_E_KICKED_OUT || ev->error == RTM_PUSH_E_LOGIN_REFUSED)
        FZ_CHECK(ev->reconnect_at == UINT64_MAX, "reconnect advised after %d (no_login %d)", ev->error,
                 rtm_push_current_config(s)->no_login);
    } else if ((ev->type != RTM_PUSH_EV_ERROR || !ev->fatal) && (ev->type != RTM_PUSH_EV_LOGIN || ev->ok != 0)) {
      FZ_CHECK(st != RTM_PUSH_STATE_FAILED && st != RTM_PUSH_STATE_CLOSED, "%s event in state %s", ev->name,
               rtm_push_state_name(st));
    }
  }
  if (ev->type >= RTM_PUSH_EV_PING && ev->type <= RTM_PUSH_EV_UNKNOWN) {
    if (ev->twoway && !s->ws_close_queued) { /* answered before decoding: the answer is already queued */
      uint8_t rec[5];
      memcpy(rec, &ev->seq, 4);
      rec[4] = (uint8_t)ev->encoding;
      fz_buf_add(&cx->expect, rec, 5);
    }
    if (ev->category != RTM_PUSH_CAT_NONE) {
      FZ_CHECK(!fz_attrs_excludes(&ev->attrs, ev->fields, s->cfg.uid, s->cfg.limits.max_depth),
               "%s delivered although its attrs exclude uid %lld", ev->name, (long long)s->cfg.uid);
      if (!cx->in_payload_harness) fz_dedup_check(cx, ev);
    }
  }
  if (cx->cb_action && (cx->cb_action == 3 || cx->events == (unsigned)cx->cb_at)) {
    if (cx->cb_action == 2) {
      rtm_push_free(s); /* deferred until the outermost call returns */
      cx->freed = 1;
    } else {
      int rc = rtm_push_close(s, cx->now);
      FZ_CHECK(rc == RTM_PUSH_OK || rtm_push_is_fatal(rc), "close in a callback returned %d", rc);
    }
  }
}

/* ---------------------------------------------------------------------------------------------- */
/* output checker                                                                                  */

enum { FZ_OUT_HTTP, FZ_OUT_WS, FZ_OUT_FPNN };
typedef struct fz_outchk {
  int mode;
  fz_buf b;          /* bytes of the unit being assembled */
  int close_sent;
  unsigned units;
  char key[64];      /* Sec-WebSocket-Key of the request */
  size_t pkg_total;  /* FPNN mode: size of the package being consumed */
  fz_buf answered;   /* (seq, flag) of every answer we sent */
} fz_outchk;

static size_t fz_pkg_size(const uint8_t *h) {
  return (size_t)(h[6] == 0 ? 12 : 16) + (h[6] == 2 ? 0 : h[7]) + rtm_push__le32(h + 8);
}
/* One whole outgoing FPNN package. */
static void fz_check_out_pkg(fz_outchk *oc, const uint8_t *p, size_t n) {
  size_t hl, ml;
  const uint8_t *pl;
  size_t plen;
  FZ_CHECK(n >= 12 && memcmp(p, "FPNN", 4) == 0, "outgoing package: bad magic or size %zu", n);
  FZ_CHECK(p[4] == 1, "outgoing package version %u", p[4]);
  FZ_CHECK(p[5] == 0x40 || p[5] == 0x80, "outgoing package flag 0x%02x", p[5]);
  FZ_CHECK(p[6] == 1 || p[6] == 2, "outgoing package mtype %u (one-way?)", p[6]);
  FZ_CHECK(n >= 16 && fz_pkg_size(p) == n, "outgoing message is not exactly one package (%zu vs %zu)", n,
           n >= 16 ? fz_pkg_size(p) : 0);
  hl = 16;
  ml = p[6] == 2 ? 0 : p[7];
  pl = p + hl + ml;
  plen = rtm_push__le32(p + 8);
  if (p[6] == 2) {
    uint8_t rec[5];
    FZ_CHECK(p[7] == 0, "our answer has status %u", p[7]);
    memcpy(rec, p + 12, 4);
    rec[4] = p[5];
    fz_buf_add(&oc->answered, rec, 5);
    FZ_CHECK(p[5] == 0x40 ? (plen == 2 && memcmp(pl, "{}", 2) == 0) : (plen == 1 && pl[0] == 0x80),
             "our answer is not an empty map in its own encoding");
  } else {
    int auth = ml == 4 && memcmp(p + hl, "auth", 4) == 0, bye = ml == 3 && memcmp(p + hl, "bye", 3) == 0;
    FZ_CHECK(auth || bye, "we sent a quest '%.*s'", (int)ml, (const char *)p + hl);
    if (bye)
      FZ_CHECK(p[5] == 0x40 ? (plen == 2 && memcmp(pl, "{}", 2) == 0) : (plen == 1 && pl[0] == 0x80), "bye payload");
    if (auth && p[5] == 0x40) {
      cJSON *o = cJSON_ParseWithLength((const char *)pl, plen);
      FZ_CHECK(o && cJSON_IsObject(o), "auth payload is not a JSON object");
      cJSON_Delete(o);
    }
    if (auth && p[5] == 0x80) FZ_CHECK(plen >= 1 && (pl[0] & 0xf0) == 0x80, "auth payload is not a msgpack map");
  }
}
/* Parse as many whole units as the buffer holds. */
static void fz_out_parse(fz_outchk *oc) {
  for (;;) {
    uint8_t *p = oc->b.p;
    size_t n = oc->b.len;
    if (n == 0) return;
    if (oc->mode == FZ_OUT_HTTP) {
      const char *end = strstr((const char *)p, "\r\n\r\n"), *k;
      size_t hl;
      if (!end) {
        FZ_CHECK(n < 2048 && !memchr(p, 0, n), "HTTP request too long or holds a NUL");
        return;
      }
      hl = (size_t)(end - (const char *)p) + 4;
      FZ_CHECK(memcmp(p, "GET /", 5) == 0 && strstr((const char *)p, " HTTP/1.1\r\n"), "request line");
      FZ_CHECK(strstr((const char *)p, "\r\nUpgrade: websocket\r\n") && strstr((const char *)p, "\r\nConnection: Upgrade\r\n") &&
                   strstr((const char *)p, "\r\nSec-WebSocket-Version: 13\r\n") && strstr((const char *)p, "\r\nHost: "),
               "upgrade request headers");
      k = strstr((const char *)p, "\r\nSec-WebSocket-Key: ");
      FZ_CHECK(k, "no Sec-WebSocket-Key");
      k += 21;
      FZ_CHECK(strlen(k) > 26 && k[22] == '=' && k[23] == '=' && k[24] == '\r', "Sec-WebSocket-Key is not 16 bytes of base64");
      memcpy(oc->key, k, 24);
      oc->key[24] = 0;
      fz_buf_drop(&oc->b, hl);
      oc->mode = FZ_OUT_WS;
      oc->units++;
      continue;
    }
    if (oc->mode == FZ_OUT_WS) {
      unsigned op, l7;
      size_t hl;
      uint64_t len;
      uint8_t *pl;
      size_t i;
      if (n < 2) return;
      FZ_CHECK(!oc->close_sent, "a frame after our close frame");
      op = p[0] & 0x0f;
      FZ_CHECK((p[0] & 0xf0) == 0x80, "client frame without FIN or with RSV bits: 0x%02x", p[0]);
      FZ_CHECK(op == 2 || op == 8 || op == 10, "client frame opcode %u", op);
      FZ_CHECK(p[1] & 0x80, "unmasked client frame");
      l7 = p[1] & 0x7f;
      hl = 2 + (l7 == 126 ? 2 : l7 == 127 ? 8 : 0) + 4;
      if (n < hl) return;
      len = l7 == 126 ? rtm_push__be(p + 2, 2) : l7 == 127 ? rtm_push__be(p + 2, 8) : l7;
      FZ_CHECK(l7 < 126 || (l7 == 126 && len >= 126) || (l7 == 127 && len > 0xffff && len < ((uint64_t)1 << 40)),
               "client frame length not minimal");
      FZ_CHECK(len < (1u << 26), "client frame of %llu bytes", (unsigned long long)len);
      if (n < hl + len) return;
      pl = p + hl;
      for (i = 0; i < len; i++) pl[i] ^= p[hl - 4 + (i & 3)];
      if (op == 2) fz_check_out_pkg(oc, pl, (size_t)len);
      if (op == 10) FZ_CHECK(len <= 125, "pong of %llu bytes", (unsigned long long)len);
      if (op == 8) {
        unsigned code = len >= 2 ? (unsigned)rtm_push__be(pl, 2) : 0;
        FZ_CHECK(len == 0 || (len >= 2 && len <= 125), "close frame of %llu bytes", (unsigned long long)len);
        FZ_CHECK(len == 0 || (code >= 1000 && code < 5000 && code != 1004 && code != 1005 && code != 1006 && code != 1015),
                 "close code %u", code);
        oc->close_sent = 1;
      }
      fz_buf_drop(&oc->b, hl + (size_t)len);
      oc->units++;
      continue;
    }
    /* FPNN */
    if (n < 12) return;
    {
      size_t total = fz_pkg_size(p);
      if (n < total) return;
      fz_check_out_pkg(oc, p, total);
      fz_buf_drop(&oc->b, total);
      oc->units++;
    }
  }
}

/* Drain the pending output (all of it, or about half once), checking the API contract on the way. */
static void fz_drain(fz_ctx *cx, fz_outchk *oc, int partial) {
  rtm_push *s = cx->s;
  int rounds = 0;
  if (!s || cx->freed) return;
  for (;;) {
    const uint8_t *p = (const uint8_t *)"junk";
    size_t n = rtm_push_pending_output(s, &p), k;
    FZ_CHECK((n == 0) == (p == NULL), "pending_output: %zu bytes at %p", n, (const void *)p);
    FZ_CHECK(rtm_push_want_write(s) == (n != 0), "want_write disagrees with pending_output");
    if (!n) break;
    FZ_CHECK(++rounds < 100000, "pending output never ends");
    if (oc->mode == FZ_OUT_FPNN) { /* one package at a time */
      if (oc->b.len == 0) {
        FZ_CHECK(n >= 12, "FPNN output shorter than a header");
        oc->pkg_total = fz_pkg_size(p);
        FZ_CHECK(n == oc->pkg_total, "pending_output gave %zu bytes, not the whole next package (%zu)", n, oc->pkg_total);
      } else {
        FZ_CHECK(n == oc->pkg_total - oc->b.len, "pending_output gave %zu bytes, not the rest of the package", n);
      }
    }
    FZ_CHECK(rtm_push_consume_output(s, n + 1) == RTM_PUSH_E_INVALID_ARG, "consumed more than pending");
    k = partial ? (n + 1) / 2 : n;
    fz_touch(p, n);
    fz_buf_add(&oc->b, p, k);
    FZ_CHECK(rtm_push_consume_output(s, k) == RTM_PUSH_OK, "consume_output(%zu of %zu)", k, n);
    fz_out_parse(oc);
    if (partial) break;
  }
}

/* After every entry point that may call back. rc: its result; was_ended: the session had ended before. */
static void fz_after(fz_ctx *cx, int rc, int was_ended, const char *what) {
  rtm_push *s = cx->s;
  rtm_push_state st;
  int err;
  if (cx->freed) {
    FZ_CHECK(rc == RTM_PUSH_E_CLOSED, "%s after a free in the callback returned %d", what, rc);
    cx->s = NULL;
    return;
  }
  st = rtm_push_current_state(s);
  err = rtm_push_last_error(s, NULL);
  FZ_CHECK(st >= RTM_PUSH_STATE_CONNECTING && st <= RTM_PUSH_STATE_FAILED, "state %d", st);
  if (rc != RTM_PUSH_OK && !(rc == RTM_PUSH_E_CLOSED && was_ended))
    FZ_CHECK(st == RTM_PUSH_STATE_FAILED && rc == err, "%s returned %d (%s) in state %s, last error %d", what, rc,
             rtm_push_strerror(rc), rtm_push_state_name(st), err);
  if (st == RTM_PUSH_STATE_FAILED) {
    FZ_CHECK(rtm_push_is_fatal(err) && cx->closed_seen && cx->last_fatal == err, "FAILED with error %d", err);
    if (!was_ended) FZ_CHECK(rc == err, "%s returned %d after the session failed with %d", what, rc, err);
  }
  if (st == RTM_PUSH_STATE_CLOSED) FZ_CHECK(cx->closed_seen, "CLOSED without the event");
  if (st == RTM_PUSH_STATE_CLOSED || st == RTM_PUSH_STATE_FAILED) {
    FZ_CHECK(!rtm_push_want_read(s), "ended session wants to read");
    FZ_CHECK(rtm_push_next_deadline(s) == UINT64_MAX, "ended session: a timer still runs");
  } else {
    FZ_CHECK(!cx->closed_seen, "CLOSED event but state %s", rtm_push_state_name(st));
  }
}
static int fz_ended(const fz_ctx *cx) {
  rtm_push_state st = rtm_push_current_state(cx->s);
  return st == RTM_PUSH_STATE_CLOSED || st == RTM_PUSH_STATE_FAILED;
}

/* ---------------------------------------------------------------------------------------------- */
/* session driver (fuzz_session, fuzz_fpnn)

   input: [flags] [cb] [K] data... [K control bytes]
   flags: bit0 START_HTTP + generated 101 (fuzz_session only; else START_WS / START_FPNN)
          bit1 login (with bit0; otherwise no_login), bit2 our quests in msgpack, bit3 strict_framing,
          bit4 no_dedup, bit5 small limits and timeouts, bit6 rtm_push_close + deadline ticks at the end,
          bit7 uid 7 (else 4242)
   cb:    bits0-3 N, bits4-5 action at the N-th event: 1 rtm_push_close, 2 rtm_push_free, 3 close at every
          event; bit6 lang + attrs in the config; bit7 no rtm_push_feed_eof at the end
   control byte c (one per step, in order; when they run out the rest is fed at once):
          c&63: 0-31 feed 1-32 bytes, 32-47 feed 64..1024, 48-60 feed 4096..53248, 61 feed 0 bytes,
                62 rtm_push_close (live session) or rtm_push_reconnect (ended session; START_HTTP: then a
                correct 101 again), 63 feed the rest
          c>>6: 0 drain all output, 1 drain about half, 2 drain + tick at now+1, 3 drain + tick at the next
                deadline
   Every chunk is copied into its own exact-size heap block and freed after the call (ASan sees any read past
   the chunk or any pointer kept into it). When the run had no timing- or close-dependent steps, the same data
   is replayed in one feed and the two event streams must be identical ("any split is fine").
*/
typedef struct fz_sess_opts {
  int start;     /* RTM_PUSH_START_WS or RTM_PUSH_START_FPNN */
} fz_sess_opts;

static const char *const fz_attrs[] = {"k", "v", "lang2", "\xe4\xb8\xad", NULL};

static void fz_config(rtm_push_config *cfg, fz_ctx *cx, int start, uint8_t f, uint8_t cbf) {
  memset(cfg, 0, sizeof *cfg);
  cfg->host = "gate.example";
  cfg->port = 13321;
  cfg->start = (rtm_push_start)start;
  cfg->pid = 1017;
  cfg->uid = (f & 0x80) ? 7 : 4242;
  cfg->token = "demo-token";
  cfg->no_login = !(start == RTM_PUSH_START_HTTP && (f & 2));
  cfg->quest_encoding = (f & 4) ? RTM_PUSH_ENC_MSGPACK : RTM_PUSH_ENC_JSON;
  cfg->strict_framing = (f & 8) != 0;
  cfg->no_dedup = (f & 16) != 0;
  if (cbf & 0x40) {
    cfg->lang = "en";
    cfg->attrs = fz_attrs;
  }
  if (f & 0x20) {
    cfg->limits.max_package = 1024;
    cfg->limits.max_http_header = 512;
    cfg->limits.max_output = 512;
    cfg->limits.max_depth = 3;
    cfg->limits.dedup_capacity = 3;
    cfg->limits.dedup_ttl_ms = 50;
    cfg->ping_timeout_ms = 100;
    cfg->login_timeout_ms = 100;
    cfg->quest_timeout_ms = 20;
    cfg->close_timeout_ms = 20;
  }
  cfg->on_event = fz_on_event;
  cfg->user_data = cx;
  cfg->entropy = fz_entropy;
}

/* Creates the session; for START_HTTP checks the request and feeds a correct 101. 0 = ok. */
static int fz_open(fz_ctx *cx, fz_outchk *oc, const rtm_push_config *cfg, size_t input_size, int auto101) {
  rtm_push *s = NULL;
  int rc = rtm_push_new(&s, cfg);
  FZ_CHECK(rc == RTM_PUSH_OK && s, "rtm_push_new: %d", rc);
  cx->s = s;
  cx->now = 1000;
  cx->max_str = input_size + 64;
  oc->mode = cfg->start == RTM_PUSH_START_HTTP ? FZ_OUT_HTTP : cfg->start == RTM_PUSH_START_WS ? FZ_OUT_WS : FZ_OUT_FPNN;
  if (cfg->start == RTM_PUSH_START_HTTP) {
    char acc[64], resp[256];
    int n;
    FZ_CHECK(rtm_push_current_state(s) == RTM_PUSH_STATE_CONNECTING, "state after new");
    fz_drain(cx, oc, 0);
    FZ_CHECK(oc->mode == FZ_OUT_WS && strcmp(oc->key, s->ws_key) == 0, "request key");
    FZ_CHECK(rtm_push_current_state(s) == RTM_PUSH_STATE_UPGRADING, "state after writing the request");
    if (!auto101) return 0;
    fz_accept_for(oc->key, strlen(oc->key), acc);
    n = snprintf(resp, sizeof resp,
                 "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 "Sec-WebSocket-Accept: %s\r\n\r\n", acc);
    rc = rtm_push_feed(s, resp, (size_t)n, cx->now);
    FZ_CHECK(rc == RTM_PUSH_OK, "the correct 101 was refused: %d", rc);
    FZ_CHECK(rtm_push_current_state(s) == (cfg->no_login ? RTM_PUSH_STATE_READY : RTM_PUSH_STATE_AUTHENTICATING),
             "state after the 101: %s", rtm_push_state_name(rtm_push_current_state(s)));
    fz_drain(cx, oc, 0);
  } else {
    FZ_CHECK(rtm_push_current_state(s) == RTM_PUSH_STATE_READY, "state after new (no_login)");
  }
  (void)input_size;
  return 0;
}

/* One feed of a chunk copied to its own heap block. */
static int fz_feed(fz_ctx *cx, const uint8_t *p, size_t n) {
  uint8_t *copy = n ? (uint8_t *)malloc(n) : NULL;
  int rc, was_ended = fz_ended(cx) || cx->s->eof;
  if (n) memcpy(copy, p, n);
  if (cx->check_ranges && n) {
    cx->rng_lo[0] = copy;
    cx->rng_hi[0] = copy + n;
    cx->nrng = 1;
  }
  rc = rtm_push_feed(cx->s, n ? copy : (const void *)"", n, cx->now);
  cx->nrng = 0;
  free(copy);
  if (was_ended) FZ_CHECK(rc == RTM_PUSH_E_CLOSED || cx->freed, "feed after the end returned %d", rc);
  fz_after(cx, rc, was_ended, "rtm_push_feed");
  return rc;
}
static void fz_tick(fz_ctx *cx) {
  int was_ended = fz_ended(cx), rc = rtm_push_tick(cx->s, cx->now);
  fz_after(cx, rc, was_ended, "rtm_push_tick");
}
static void fz_close(fz_ctx *cx) {
  int was_ended = fz_ended(cx), rc;
  if (!was_ended) FZ_CHECK(rtm_push_reconnect(cx->s, cx->now) == RTM_PUSH_E_STATE, "reconnect on a live session");
  rc = rtm_push_close(cx->s, cx->now);
  FZ_CHECK(rc == RTM_PUSH_OK || rtm_push_is_fatal(rc), "close returned %d", rc);
  fz_after(cx, rc, was_ended, "rtm_push_close");
  if (cx->s && !cx->freed) {
    rtm_push_state st = rtm_push_current_state(cx->s);
    FZ_CHECK(st == RTM_PUSH_STATE_CLOSING || st == RTM_PUSH_STATE_CLOSED || st == RTM_PUSH_STATE_FAILED,
             "state %s after rtm_push_close", rtm_push_state_name(st));
  }
}

/* rtm_push_reconnect on an ended session: a new connection (for START_HTTP: a new request and a correct 101). */
static void fz_reconnect(fz_ctx *cx, fz_outchk *oc, int start) {
  int rc;
  rtm_push *s = cx->s;
  fz_drain(cx, oc, 0);
  if (!fz_ended(cx)) {
    FZ_CHECK(rtm_push_reconnect(s, cx->now) == RTM_PUSH_E_STATE, "reconnect on a live session");
    return;
  }
  cx->closed_seen = 0;
  cx->last_fatal = 0;
  rc = rtm_push_reconnect(s, cx->now);
  FZ_CHECK(rc == RTM_PUSH_OK || rtm_push_is_fatal(rc), "reconnect returned %d", rc);
  fz_after(cx, rc, 0, "rtm_push_reconnect");
  if (!cx->s || cx->freed || rc) return;
  oc->b.len = 0;
  oc->close_sent = 0;
  oc->pkg_total = 0;
  oc->mode = start == RTM_PUSH_START_HTTP ? FZ_OUT_HTTP : start == RTM_PUSH_START_WS ? FZ_OUT_WS : FZ_OUT_FPNN;
  FZ_CHECK(rtm_push_want_read(s), "reconnected session does not read");
  if (start == RTM_PUSH_START_HTTP) {
    char acc[64], resp[256];
    int n;
    FZ_CHECK(rtm_push_current_state(s) == RTM_PUSH_STATE_CONNECTING, "state after reconnect: %s", rtm_push_state_name(rtm_push_current_state(s)));
    fz_drain(cx, oc, 0);
    FZ_CHECK(oc->mode == FZ_OUT_WS && strcmp(oc->key, s->ws_key) == 0, "request key after reconnect");
    fz_accept_for(oc->key, strlen(oc->key), acc);
    n = snprintf(resp, sizeof resp,
                 "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 "Sec-WebSocket-Accept: %s\r\n\r\n", acc);
    rc = rtm_push_feed(s, resp, (size_t)n, cx->now);
    fz_after(cx, rc, 0, "rtm_push_feed(101 after reconnect)");
    if (cx->s && !cx->freed) FZ_CHECK(rc == RTM_PUSH_OK, "the 101 after a reconnect was refused: %d", rc);
  }
  fz_drain(cx, oc, 0);
}

/* The end of every run: optional close + deadline ticks, EOF, final checks, free. */
static void fz_finish(fz_ctx *cx, fz_outchk *oc, uint8_t f, uint8_t cbf) {
  int i;
  if (cx->s && (f & 0x40)) {
    fz_close(cx);
    fz_drain(cx, oc, 0);
    for (i = 0; i < 4 && cx->s; i++) {
      uint64_t d = rtm_push_next_deadline(cx->s);
      if (d == UINT64_MAX) break;
      cx->now = d > cx->now ? d : cx->now + 1;
      fz_tick(cx);
      fz_drain(cx, oc, 0);
    }
  }
  if (cx->s && !(cbf & 0x80)) {
    int was_ended = fz_ended(cx), rc = rtm_push_feed_eof(cx->s, cx->now);
    fz_after(cx, rc, was_ended, "rtm_push_feed_eof");
    if (cx->s) {
      FZ_CHECK(fz_ended(cx), "not ended after feed_eof: %s", rtm_push_state_name(rtm_push_current_state(cx->s)));
      FZ_CHECK(cx->closed_seen, "no CLOSED event after feed_eof");
      FZ_CHECK(rtm_push_feed_eof(cx->s, cx->now) == RTM_PUSH_OK, "second feed_eof");
      FZ_CHECK(rtm_push_feed(cx->s, "x", 1, cx->now) == RTM_PUSH_E_CLOSED, "feed after eof");
      FZ_CHECK(rtm_push_tick(cx->s, cx->now + 1000000) == RTM_PUSH_OK, "tick after the end");
      FZ_CHECK(rtm_push_close(cx->s, cx->now) == RTM_PUSH_OK, "close after the end");
      fz_drain(cx, oc, 0);
    }
  }
  if (cx->s) {
    size_t i, j;
    fz_drain(cx, oc, 0);
    if (fz_ended(cx)) /* whatever ended the session, even a full output or no memory: whole frames and packages only */
      FZ_CHECK(oc->b.len == 0 || oc->mode == FZ_OUT_HTTP, "output ends inside a frame/package (%zu bytes left)", oc->b.len);
    /* every delivered two-way quest was answered, with its seq, in its own encoding */
    for (i = 0; i < cx->expect.len; i += 5) {
      for (j = 0; j < oc->answered.len; j += 5)
        if (memcmp(cx->expect.p + i, oc->answered.p + j, 5) == 0) break;
      FZ_CHECK(j < oc->answered.len, "two-way quest seq %u (flag 0x%02x) was delivered but never answered",
               (unsigned)rtm_push__le32(cx->expect.p + i), cx->expect.p[i + 4]);
    }
    rtm_push_free(cx->s);
    cx->s = NULL;
  }
  fz_buf_free(&cx->expect);
  fz_buf_free(&oc->answered);
}

static void fz_session(const uint8_t *data, size_t size, int start) {
  uint8_t f, cbf;
  size_t K, blen, pos = 0, ci = 0;
  const uint8_t *body, *ctrl;
  rtm_push_config cfg;
  fz_ctx cx;
  fz_outchk oc;
  int eligible = 1, small, http;
  if (size < 3) return;
  f = data[0];
  cbf = data[1];
  K = data[2];
  data += 3;
  size -= 3;
  if (K > size) K = size;
  body = data;
  blen = size - K;
  ctrl = data + blen;
  small = (f & 0x20) != 0;
  http = start == RTM_PUSH_START_WS && (f & 1);

  memset(&cx, 0, sizeof cx);
  memset(&oc, 0, sizeof oc);
  cx.cb_at = cbf & 15;
  cx.cb_action = (cbf >> 4) & 3;
  if (cx.cb_action == 0 || (cx.cb_action != 3 && cx.cb_at == 0)) cx.cb_action = 0;
  if (cx.cb_action) eligible = 0;
  cx.check_ranges = start == RTM_PUSH_START_FPNN;
  cx.record = 1;
  fz_config(&cfg, &cx, http ? RTM_PUSH_START_HTTP : start, f, cbf);
  fz_open(&cx, &oc, &cfg, size, 1);

  while (cx.s) {
    uint8_t c;
    unsigned v, act;
    if (ci < K) c = ctrl[ci++];
    else if (pos < blen) c = 63;
    else break;
    v = c & 63;
    act = c >> 6;
    if (v == 62) { /* close a live session, reconnect an ended one */
      eligible = 0;
      if (fz_ended(&cx)) fz_reconnect(&cx, &oc, http ? RTM_PUSH_START_HTTP : start);
      else fz_close(&cx);
    } else {
      size_t want = v < 32 ? v + 1 : v < 48 ? (size_t)(v - 31) * 64 : v < 61 ? (size_t)(v - 47) * 4096 : v == 61 ? 0 : blen - pos;
      if (want > blen - pos) want = blen - pos;
      fz_feed(&cx, body + pos, want);
      pos += want;
    }
    if (!cx.s) break;
    fz_drain(&cx, &oc, act == 1);
    if (act == 1 && small) eligible = 0;
    if (act == 2) {
      if (small) eligible = 0;
      cx.now += 1;
      fz_tick(&cx);
      fz_drain(&cx, &oc, 0);
    } else if (act == 3) {
      uint64_t d = rtm_push_next_deadline(cx.s);
      eligible = 0;
      cx.now = (d != UINT64_MAX && d > cx.now) ? d : cx.now + 1000;
      fz_tick(&cx);
      fz_drain(&cx, &oc, 0);
    }
  }
  fz_finish(&cx, &oc, f, cbf);
  FZ_CHECK(cx.freed || (cbf & 0x80) || cx.closed_seen, "run ended without a CLOSED event");

  /* split differential: the same bytes in one feed must give the same events */
  if (eligible && !cx.freed) {
    fz_ctx rx;
    fz_outchk ro;
    rtm_push_config rcfg;
    memset(&rx, 0, sizeof rx);
    memset(&ro, 0, sizeof ro);
    rx.check_ranges = cx.check_ranges;
    rx.record = 1;
    fz_config(&rcfg, &rx, http ? RTM_PUSH_START_HTTP : start, f, cbf);
    fz_open(&rx, &ro, &rcfg, size, 1);
    if (blen) fz_feed(&rx, body, blen);
    if (rx.s) fz_drain(&rx, &ro, 0);
    rx.now = cx.now;
    fz_finish(&rx, &ro, f, cbf);
    /* when output piles up past limits.max_output depends on when the host drains it, not on the input's
       splits: such runs are not compared */
    int output_full = (cx.log.p && strstr((const char *)cx.log.p, "\"code\":-105")) ||
                      (rx.log.p && strstr((const char *)rx.log.p, "\"code\":-105"));
    if (!output_full && (rx.log.len != cx.log.len || (rx.log.len && memcmp(rx.log.p, cx.log.p, rx.log.len) != 0))) {
      fprintf(stderr, "---- events with the fuzzed splits:\n%s---- events in one feed:\n%s",
              cx.log.p ? (char *)cx.log.p : "", rx.log.p ? (char *)rx.log.p : "");
      FZ_CHECK(0, "the events depend on how the input is split");
    }
    fz_buf_free(&rx.log);
    fz_buf_free(&ro.b);
  }
  fz_buf_free(&cx.log);
  fz_buf_free(&oc.b);
}

/* ---------------------------------------------------------------------------------------------- */
/* payload driver (fuzz_json, fuzz_msgpack): the input is one FPNN payload                         */

static void fz_payload_ctx(fz_ctx *cx, const uint8_t *data, size_t size) {
  cx->check_ranges = 1;
  cx->rng_lo[0] = data;
  cx->rng_hi[0] = data + size;
  cx->nrng = 1;
}

/* Strings of a decoded event must lie in the payload or the scratch buffer. */
static void fz_check_decoded(fz_ctx *cx, const rtm_push_event *ev) {
  if (ev->fields & RTM_PUSH_F_MSG) {
    fz_check_str(cx, "msg", &ev->msg, 1);
    if (ev->msg_is_translation) {
      fz_check_str(cx, "translation.source", &ev->translation.source, 1);
      fz_check_str(cx, "translation.target", &ev->translation.target, 1);
      fz_check_str(cx, "translation.sourceText", &ev->translation.source_text, 1);
      fz_check_str(cx, "translation.targetText", &ev->translation.target_text, 1);
    }
  }
  if (ev->fields & RTM_PUSH_F_ATTRS) fz_check_str(cx, "attrs", &ev->attrs, 1);
  if (ev->has_file) {
    fz_check_str(cx, "file.url", &ev->file.url, 1);
    fz_check_str(cx, "file.surl", &ev->file.surl, 1);
  }
}

static void fz_drain_payload(fz_ctx *cx, fz_outchk *oc) { fz_drain(cx, oc, 0); }

/* The fast field loop (rtm_push__decode_fields) against the general reader it stands in for
   (rtm_push__decode_fields_rd): the same result code, message and fields, byte for byte. */
static void fz_same_str(const char *what, const rtm_push_str *a, const rtm_push_str *b) {
  FZ_CHECK(a->len == b->len && (a->len == 0 || memcmp(a->ptr, b->ptr, a->len) == 0) && a->binary == b->binary,
           "%s: the fast loop and the general reader disagree (%lu vs %lu bytes, binary %d vs %d)", what,
           (unsigned long)a->len, (unsigned long)b->len, a->binary, b->binary);
}
static void fz_same_as_general(rtm_push *s, const uint8_t *data, size_t size, int msgpack, int rc,
                               const rtm_push__rd *r, const rtm_push_event *ev) {
  rtm_push__rd g;
  rtm_push_event e;
  int grc;
  size_t keep = s->scratch.len;
  rtm_push__ev_init(&e, RTM_PUSH_EV_PUSHMSG);
  grc = rtm_push__rd_open(&g, s, data, size, msgpack);
  if (!grc) grc = rtm_push__decode_fields_rd(&g, &e, (1u << RTM_PUSH_FIELD_COUNT) - 1);
  FZ_CHECK(rc == grc, "fast loop returned %d, the general reader %d (%s / %s)", rc, grc, r->what, g.what);
  if (rc) {
    FZ_CHECK(strcmp(r->what, g.what) == 0, "error messages differ: '%s' vs '%s'", r->what, g.what);
  } else {
    FZ_CHECK(ev->fields == e.fields, "fields 0x%x vs 0x%x", ev->fields, e.fields);
    FZ_CHECK(ev->from == e.from && ev->to == e.to && ev->gid == e.gid && ev->rid == e.rid && ev->mid == e.mid &&
                 ev->mtime == e.mtime && ev->mtype == e.mtype, "integer fields differ");
    FZ_CHECK(ev->msg_is_translation == e.msg_is_translation, "msg_is_translation differs");
    if (ev->fields & RTM_PUSH_F_MSG) fz_same_str("msg", &ev->msg, &e.msg);
    if (ev->fields & RTM_PUSH_F_ATTRS) fz_same_str("attrs", &ev->attrs, &e.attrs);
    if (ev->msg_is_translation) {
      fz_same_str("translation.source", &ev->translation.source, &e.translation.source);
      fz_same_str("translation.target", &ev->translation.target, &e.translation.target);
      fz_same_str("translation.sourceText", &ev->translation.source_text, &e.translation.source_text);
      fz_same_str("translation.targetText", &ev->translation.target_text, &e.translation.target_text);
    }
  }
  s->scratch.len = keep;
}
/* JSON differential against cJSON: when our reader accepts the whole payload, cJSON must parse it, and every
   field that appears once must agree (strings without NUL, integers below 2^53, decimal strings). */
static int fz_has_surrogate_escape(const uint8_t *p, size_t n) {
  size_t i;
  for (i = 0; i + 3 < n; i++)
    if (p[i] == '\\' && p[i + 1] == 'u' && (p[i + 2] == 'd' || p[i + 2] == 'D') &&
        ((p[i + 3] >= '8' && p[i + 3] <= '9') || (p[i + 3] >= 'a' && p[i + 3] <= 'f') || (p[i + 3] >= 'A' && p[i + 3] <= 'F')))
      return 1;
  return 0;
}
static void fz_json_differential(const uint8_t *data, size_t size, const rtm_push_event *ev) {
  cJSON *o, *it;
  int bit;
  if (fz_has_surrogate_escape(data, size)) return; /* cJSON refuses lone surrogates; we keep them as bytes */
  {
    size_t i; /* cJSON strings (keys too) stop at an escaped NUL */
    for (i = 0; i + 5 < size; i++)
      if (data[i] == '\\' && data[i + 1] == 'u' && data[i + 2] == '0' && data[i + 3] == '0' && data[i + 4] == '0' &&
          data[i + 5] == '0')
        return;
  }
  o = cJSON_ParseWithLength((const char *)data, size);
  FZ_CHECK(o && cJSON_IsObject(o), "our reader accepted a payload cJSON cannot parse");
  for (bit = 0; bit < RTM_PUSH_FIELD_COUNT; bit++) {
    const char *name = fz_fieldnames[bit];
    int count = 0;
    cJSON *one = NULL;
    for (it = o->child; it; it = it->next)
      if (it->string && strcmp(it->string, name) == 0) { count++; one = it; }
    if (count != 1 || cJSON_IsNull(one)) continue;
    FZ_CHECK(ev->fields & (1u << bit), "field '%s' present (once) but not decoded", name);
    if (bit == RTM_PUSH_FIELD_MSG && !ev->msg_is_translation && cJSON_IsString(one)) {
      if (!memchr(ev->msg.ptr, 0, ev->msg.len))
        FZ_CHECK(strlen(one->valuestring) == ev->msg.len && memcmp(one->valuestring, ev->msg.ptr, ev->msg.len) == 0,
                 "msg decoded differently from cJSON");
    } else if (bit == RTM_PUSH_FIELD_ATTRS && cJSON_IsString(one)) {
      if (!memchr(ev->attrs.ptr, 0, ev->attrs.len))
        FZ_CHECK(strlen(one->valuestring) == ev->attrs.len && memcmp(one->valuestring, ev->attrs.ptr, ev->attrs.len) == 0,
                 "attrs decoded differently from cJSON");
    } else if (bit != RTM_PUSH_FIELD_MSG && bit != RTM_PUSH_FIELD_ATTRS) {
      int64_t got = bit == RTM_PUSH_FIELD_MTYPE ? ev->mtype : *rtm_push__i64_slot((rtm_push_event *)(uintptr_t)ev, bit);
      if (cJSON_IsNumber(one) && one->valuedouble > -9007199254740992.0 && one->valuedouble < 9007199254740992.0)
        FZ_CHECK((double)got == one->valuedouble, "field '%s': %lld vs cJSON %.17g", name, (long long)got, one->valuedouble);
      if (cJSON_IsString(one)) {
        int64_t want = 0;
        FZ_CHECK(fz_ref_parse_int64(one->valuestring, strlen(one->valuestring), &want) == 0 && want == got,
                 "field '%s': decimal string %s decoded as %lld", name, one->valuestring, (long long)got);
      }
    }
  }
  cJSON_Delete(o);
}

/* Every integer field decoded from a bare JSON integer, a JSON decimal string or a msgpack integer must be
   exactly the value an independent decoder reads from the same bytes (the last non-null occurrence wins). */
static void fz_exact_ints(rtm_push *s, const uint8_t *data, size_t size, int msgpack, const rtm_push_event *ev) {
  rtm_push__rd r;
  rtm_push_str k;
  rtm_push__val v;
  const uint8_t *lo[RTM_PUSH_FIELD_COUNT], *hi[RTM_PUSH_FIELD_COUNT];
  int rc, bit;
  memset(lo, 0, sizeof lo);
  memset(hi, 0, sizeof hi);
  s->scratch.len = 0;
  rc = rtm_push__rd_open(&r, s, data, size, msgpack);
  FZ_CHECK(rc == 0, "second open failed");
  while ((rc = rtm_push__rd_next(&r, &k, &v)) == 1) {
    for (bit = 0; bit < RTM_PUSH_FIELD_COUNT; bit++)
      if (k.ptr && k.len == strlen(fz_fieldnames[bit]) && memcmp(k.ptr, fz_fieldnames[bit], k.len) == 0) break;
    if (bit == RTM_PUSH_FIELD_COUNT || v.t == RTM_PUSH__V_NULL) continue;
    lo[bit] = v.raw;
    hi[bit] = v.raw_end;
  }
  FZ_CHECK(rc == 0, "second pass over an accepted payload failed: %d", rc);
  for (bit = 0; bit < RTM_PUSH_FIELD_COUNT; bit++) {
    const uint8_t *p = lo[bit];
    size_t n = p ? (size_t)(hi[bit] - p) : 0;
    int64_t got, want = 0;
    int have = 0;
    if (!p || bit == RTM_PUSH_FIELD_MSG || bit == RTM_PUSH_FIELD_ATTRS) continue;
    FZ_CHECK(ev->fields & (1u << bit), "field '%s' present but not decoded", fz_fieldnames[bit]);
    got = bit == RTM_PUSH_FIELD_MTYPE ? ev->mtype : *rtm_push__i64_slot((rtm_push_event *)(uintptr_t)ev, bit);
    if (!msgpack) {
      if (fz_all_digits((const char *)p, n)) {
        FZ_CHECK(fz_ref_parse_int64((const char *)p, n, &want) == 0, "accepted out-of-range '%.*s'", (int)n, p);
        have = 1;
      } else if (n >= 2 && p[0] == '"' && !memchr(p, '\\', n) && fz_all_digits((const char *)p + 1, n - 2)) {
        FZ_CHECK(fz_ref_parse_int64((const char *)p + 1, n - 2, &want) == 0, "accepted out-of-range %.*s", (int)n, p);
        have = 1;
      }
    } else {
      uint8_t b = p[0];
      uint64_t u = 0;
      size_t i, w = 0;
      if (b <= 0x7f) { want = b; have = 1; }
      else if (b >= 0xe0) { want = (int8_t)b; have = 1; }
      else if (b >= 0xcc && b <= 0xd3) {
        w = (size_t)1 << ((b - 0xcc) & 3);
        FZ_CHECK(n == 1 + w, "msgpack int span");
        for (i = 0; i < w; i++) u = (u << 8) | p[1 + i];
        if (b <= 0xcf) {
          FZ_CHECK(u <= (uint64_t)INT64_MAX, "accepted uint64 %llu", (unsigned long long)u);
          want = (int64_t)u;
        } else {
          want = w == 1 ? (int8_t)u : w == 2 ? (int16_t)u : w == 4 ? (int32_t)u : (int64_t)u;
        }
        have = 1;
      } else if ((b >= 0xa0 && b <= 0xbf) && fz_all_digits((const char *)p + 1, n - 1)) {
        FZ_CHECK(fz_ref_parse_int64((const char *)p + 1, n - 1, &want) == 0, "accepted out-of-range string");
        have = 1;
      }
    }
    if (have) FZ_CHECK(got == want, "field '%s': decoded %lld, the bytes say %lld", fz_fieldnames[bit], (long long)got, (long long)want);
  }
}

static void fz_payload(const uint8_t *data, size_t size, int flag) {
  static const int order[] = {
    RTM_PUSH_EV_PING, RTM_PUSH_EV_KICKOUTROOM, RTM_PUSH_EV_PUSHMSG, RTM_PUSH_EV_PUSHCHAT, RTM_PUSH_EV_PUSHAUDIO,
    RTM_PUSH_EV_PUSHCMD, RTM_PUSH_EV_PUSHFILE, RTM_PUSH_EV_PUSHGROUPMSG, RTM_PUSH_EV_PUSHGROUPCHAT,
    RTM_PUSH_EV_PUSHGROUPAUDIO, RTM_PUSH_EV_PUSHGROUPCMD, RTM_PUSH_EV_PUSHGROUPFILE, RTM_PUSH_EV_PUSHROOMMSG,
    RTM_PUSH_EV_PUSHROOMCHAT, RTM_PUSH_EV_PUSHROOMAUDIO, RTM_PUSH_EV_PUSHROOMCMD, RTM_PUSH_EV_PUSHROOMFILE,
    RTM_PUSH_EV_PUSHBROADCASTMSG, RTM_PUSH_EV_PUSHBROADCASTCHAT, RTM_PUSH_EV_PUSHBROADCASTAUDIO,
    RTM_PUSH_EV_PUSHBROADCASTCMD, RTM_PUSH_EV_PUSHBROADCASTFILE, RTM_PUSH_EV_UNKNOWN, RTM_PUSH_EV_KICKOUT};
  rtm_push_config cfg;
  fz_ctx cx;
  fz_outchk oc;
  rtm_push *s = NULL;
  size_t i;
  int rc, msgpack = flag == 0x80;
  memset(&cx, 0, sizeof cx);
  memset(&oc, 0, sizeof oc);
  memset(&cfg, 0, sizeof cfg);
  cfg.start = RTM_PUSH_START_FPNN;
  cfg.no_login = 1;
  cfg.uid = 7;
  cfg.on_event = fz_on_event;
  cfg.user_data = &cx;
  cfg.entropy = fz_entropy;
  rc = rtm_push_new(&s, &cfg);
  FZ_CHECK(rc == RTM_PUSH_OK, "rtm_push_new %d", rc);
  cx.s = s;
  cx.now = 1000;
  cx.max_str = size + 64;
  cx.in_payload_harness = 1;
  oc.mode = FZ_OUT_FPNN;
  fz_payload_ctx(&cx, data, size);

  /* 1. the whole push path for every method: answer, decode, route, file, excludedUids, dedup, emit */
  for (i = 0; i < sizeof order / sizeof order[0]; i++) {
    int t = order[i];
    const char *m = t == RTM_PUSH_EV_UNKNOWN ? "pushsomethingnew" : fz_evtab[t].name;
    cx.rng_lo[1] = (const uint8_t *)m;
    cx.rng_hi[1] = (const uint8_t *)m + strlen(m);
    cx.nrng = 2;
    s->cfg.no_dedup = (i % 3) != 2;
    s->now = 1000 + i;
    rtm_push__handle_quest(s, (int)(i & 1), flag, (uint32_t)(i & 1 ? i + 1 : 0), m, strlen(m), data, size);
    FZ_CHECK(s->state == RTM_PUSH_STATE_READY || (s->state == RTM_PUSH_STATE_CLOSED && t == RTM_PUSH_EV_KICKOUT),
             "state %s after decoding a %s push", rtm_push_state_name(s->state), m);
    fz_drain_payload(&cx, &oc);
  }
  cx.nrng = 1;
  /* 2. the answer path (ok / code / ex / gate) */
  rtm_push__handle_answer(s, flag, 0, 77, data, size);
  rtm_push__handle_answer(s, flag, 1, 78, data, size);

  /* 3. the field decoder alone, every field allowed */
  {
    rtm_push__rd r;
    rtm_push_event ev;
    s->scratch.len = 0;
    FZ_CHECK(rtm_push__reserve(s, &s->scratch, size * 2 + 64) == 0, "oom");
    rtm_push__ev_init(&ev, RTM_PUSH_EV_PUSHMSG);
    rc = rtm_push__rd_open(&r, s, data, size, msgpack);
    if (!rc) rc = rtm_push__decode_fields(&r, &ev, (1u << RTM_PUSH_FIELD_COUNT) - 1);
    FZ_CHECK(memchr(r.what, 0, sizeof r.what), "reader message not terminated");
    FZ_CHECK(rc == 0 || rc == RTM_PUSH_E_PAYLOAD_SYNTAX || rc == RTM_PUSH_E_FIELD_TYPE || rc == RTM_PUSH_E_FIELD_RANGE ||
                 rc == RTM_PUSH_E_PAYLOAD_DEPTH, "decode_fields returned %d", rc);
    if (rc) FZ_CHECK(r.what[0], "error %d without a description", rc);
    FZ_CHECK(s->scratch.len <= s->scratch.cap, "scratch overrun");
    fz_same_as_general(s, data, size, msgpack, rc, &r, &ev);
    if (rc == 0) {
      FZ_CHECK(!(ev.fields & ~((1u << RTM_PUSH_FIELD_COUNT) - 1)), "unknown field bits");
      FZ_CHECK(r.p == r.end, "reader accepted without reaching the end of the payload");
      fz_check_decoded(&cx, &ev);
      if (!msgpack) fz_json_differential(data, size, &ev);
      fz_exact_ints(s, data, size, msgpack, &ev); /* (reuses the scratch: last) */
    }
  }
  /* 4. JSON text decoders on the input as a string: file msg and excludedUids attrs */
  if (!msgpack) {
    rtm_push_event ev;
    s->scratch.len = 0;
    FZ_CHECK(rtm_push__reserve(s, &s->scratch, size * 2 + 64) == 0, "oom");
    rtm_push__ev_init(&ev, RTM_PUSH_EV_PUSHFILE);
    ev.fields = RTM_PUSH_F_MSG | RTM_PUSH_F_ATTRS;
    ev.msg.ptr = (const char *)data;
    ev.msg.len = size;
    ev.msg.binary = !fz_utf8_ok(data, size);
    ev.attrs = ev.msg;
    rtm_push__decode_file(s, &ev);
    if (!ev.msg.binary) FZ_CHECK(ev.has_file, "file msg not decoded");
    fz_check_decoded(&cx, &ev);
    (void)rtm_push__excluded(s, &ev);
    FZ_CHECK(s->scratch.len <= s->scratch.cap, "scratch overrun");
  }
  cx.nrng = 0;
  {
    size_t a, b;
    for (a = 0; a < cx.expect.len; a += 5) {
      for (b = 0; b < oc.answered.len; b += 5)
        if (memcmp(cx.expect.p + a, oc.answered.p + b, 5) == 0) break;
      FZ_CHECK(b < oc.answered.len, "two-way quest seq %u delivered but not answered", (unsigned)rtm_push__le32(cx.expect.p + a));
    }
  }
  rtm_push_free(s);
  fz_buf_free(&oc.b);
  fz_buf_free(&oc.answered);
  fz_buf_free(&cx.expect);
  fz_buf_free(&cx.log);
}

#endif /* FZ_COMMON_H */
