/* The FPNN package stream, in memory: header errors, headers split across feeds, versions and size
   limits, truncated packages. */
#include "harness.h"

/* ================================================================================================ */
/* >>FPNN package stream                                                                            */
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
  CHECKM(rtm_push_current_state(s) == RTM_PUSH_STATE_FAILED, "%s", what);
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
  CHECK(rc == RTM_PUSH_E_FPNN_TOO_LARGE && rtm_push_current_state(s) == RTM_PUSH_STATE_FAILED);
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
    CHECK(rtm_push_current_state(s) == RTM_PUSH_STATE_FAILED && r.count[RTM_PUSH_EV_CLOSED] == 1 &&
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
    CHECK(rtm_push_current_state(s) == RTM_PUSH_STATE_CLOSED && rec_last(&r)->ev.type == RTM_PUSH_EV_CLOSED &&
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
/* >>runner                                                                                         */
/* ================================================================================================ */
static const test_def g_tests[] = {
  T(test_fpnn_header_errors),
  T(test_fpnn_header_split),
  T(test_fpnn_versions_and_limits),
  T(test_fpnn_truncated),
};
TEST_MAIN(g_tests)
