/* The kernels (the vector code and the other fast paths) against their scalar references: the UTF-8
   validators, the string scans and unescaping, the digit runs of integers, and the masks'
   AES-CTR pool. The scalar code is always compiled and always compared: built again with
   -DRTM_PUSH_NO_SIMD, these tests run the portable code alone. */
#include "harness.h"

/* >>vector paths: the SSE2 scans and copies, the SSSE3 UTF-8 validator and the 8-digit number parser
   against plain references, on generated inputs that put every boundary at every offset of a 16-byte
   block. (Built with -DRTM_PUSH_NO_SIMD too: make test runs both.) */
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
static void last_msg_cb(rtm_push *cb_s, const rtm_push_event *ev, void *u) {
  (void)cb_s;
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
/* Every tier's scan_str against the scalar one: the same stop (a quote, a backslash, a control character or
   the end) and the same answer to "a byte before it is not ASCII" (a non-ASCII byte after it must not count),
   for every stop at every offset of strings
   up to 200 bytes (blocks of 16, 32 and 64 and the tails after them), read from the start of a buffer or
   from an offset in it, with the buffer's bytes after the end left as they are. */
static void test_simd_scan(void) {
  static const uint8_t stops[] = {'"', '\\', 0x00, 0x01, 0x1F};
  static const uint8_t fills[] = {'a', 0x20, 0x7F, 0x80, 0xE4, 0xFF};
  uint8_t buf[260];
  long cases = 0;
  size_t len, at, si, fi, t, off;
  for (len = 0; len <= 200; len++)
    for (at = 0; at <= len; at++) /* at == len: no stop before the end */
      for (si = 0; si < sizeof stops; si++)
        for (fi = 0; fi < sizeof fills; fi++) {
          const uint8_t *want;
          unsigned want_hi = 0;
          if (at < len && si && fi > 1 && (at % 7) != 0) continue; /* fewer non-ASCII fills on control stops */
          off = (len + at + si) % 5;
          memset(buf, 'x', sizeof buf);
          memset(buf + off, 'a', len);
          if (at) buf[off + (at - 1) / 2] = fills[fi]; /* a fill byte before the stop */
          if (at < len) buf[off + at] = stops[si];
          if (at + 1 < len) buf[off + at + 1 + (len - at - 1) / 2] = 0xC3; /* not ASCII, after the stop: not counted */
          buf[off + len] = '"'; /* past the end: never seen */
          want = rtm_push__scan_str_scalar(buf + off, buf + off + len, &want_hi);
          for (t = 0; rtm_push__k_tiers[t]; t++)
            if (rtm_push__kernels_usable(rtm_push__k_tiers[t])) {
              unsigned hi = 0;
              const uint8_t *got = rtm_push__k_tiers[t]->scan_str(buf + off, buf + off + len, &hi);
              CHECKM(got == want && !hi == !want_hi, "%s: %lu bytes, stop 0x%02x at %lu, fill 0x%02x: %ld vs %ld, high %u vs %u",
                     rtm_push__k_tiers[t]->name, (unsigned long)len, stops[si], (unsigned long)at, fills[fi],
                     (long)(got - buf - off), (long)(want - buf - off), hi, want_hi);
            }
          cases++;
        }
  if (getenv("UNIT_VERBOSE")) printf("     scan_str: %ld cases\n", cases);
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

/* ================================================================================================ */
/* >>runner                                                                                         */
/* ================================================================================================ */
static const test_def g_tests[] = {
  T(test_simd_utf8),
  T(test_simd_scan),
  T(test_simd_strings),
  T(test_aes_ctr),
  T(test_simd_numbers),
};
TEST_MAIN(g_tests)
