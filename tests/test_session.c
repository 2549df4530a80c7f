/* The session on a simulated clock: answers to the gate's quests, login (and its timeout), the ping
   watchdog, close, kickout, EOF, output drained a byte at a time, callbacks and what they may call, NULL
   arguments, config, the allocator hook, the output limit, result codes, reconnect advice, and the recorded
   server sessions end to end in every chunking. */
#include "harness.h"

/* ================================================================================================ */
/* >>answers to the gate's quests                                                                   */
/* ================================================================================================ */
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
  CHECK(rtm_push_current_state(s) == RTM_PUSH_STATE_READY);
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
/* >>session                                                                                        */
/* ================================================================================================ */
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
  CHECK(rtm_push_current_state(s) == RTM_PUSH_STATE_READY);
  /* a second answer to seq 1 is no longer the login: a non-fatal unexpected answer */
  CHECK(feed_answer(s, 1, 0, "{\"ok\":true}", 100) == RTM_PUSH_OK);
  CHECK(rec_last(&r)->ev.type == RTM_PUSH_EV_ERROR && rec_last(&r)->ev.error == RTM_PUSH_E_FPNN_UNEXPECTED_ANSWER &&
        !rec_last(&r)->ev.fatal && rtm_push_current_state(s) == RTM_PUSH_STATE_READY);
  rtm_push_free(s);
  rec_free(&r);
  /* {"ok":false}: refused, code 200027, gate */
  memset(&c, 0, sizeof c);
  s = mk_login(&r, &c);
  CHECK(feed_answer(s, 1, 0, "{\"ok\":false, \"gate\":\"10.0.0.1:13321\"}", 100) == RTM_PUSH_E_LOGIN_REFUSED);
  e = rec_nth(&r, RTM_PUSH_EV_LOGIN, 0);
  CHECK(e && e->ev.ok == 0 && e->ev.error == RTM_PUSH_E_LOGIN_REFUSED && e->ev.code == 200027 && e->ev.fatal);
  CHECKM(rec_has(&r, "{\"event\":\"login\",\"ok\":false,\"code\":200027,\"gate\":\"10.0.0.1:13321\"}\n"), "%s", rec_text(&r));
  CHECKM(r.n == 2 && r.evs[0].ev.type == RTM_PUSH_EV_LOGIN && r.evs[1].ev.type == RTM_PUSH_EV_CLOSED &&
             rec_last(&r)->ev.error == RTM_PUSH_E_LOGIN_REFUSED && rec_last(&r)->ev.fatal,
         "a refused login is LOGIN(ok 0) then CLOSED, nothing between: %s", rec_text(&r));
  CHECK(strstr(r.evs[0].message, "10.0.0.1:13321") != NULL); /* the LOGIN event carries the whole reason */
  CHECK(rtm_push_current_state(s) == RTM_PUSH_STATE_FAILED);
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
  CHECKM(r.n == 2 && r.evs[0].ev.type == RTM_PUSH_EV_LOGIN && r.evs[1].ev.type == RTM_PUSH_EV_CLOSED &&
             rec_last(&r)->ev.error == RTM_PUSH_E_LOGIN_ERROR && r.evs[0].ev.fatal,
         "an error answer to the login is LOGIN(ok 0) then CLOSED, nothing between: %s", rec_text(&r));
  CHECK(rtm_push_current_state(s) == RTM_PUSH_STATE_FAILED);
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
    CHECK(feed_pkg(s, &b, 100) == RTM_PUSH_OK && rtm_push_current_state(s) == RTM_PUSH_STATE_READY);
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
  CHECK(rtm_push_tick(s, 30999) == RTM_PUSH_OK && rtm_push_current_state(s) == RTM_PUSH_STATE_AUTHENTICATING);
  CHECK(rtm_push_tick(s, 31000) == RTM_PUSH_E_LOGIN_TIMEOUT);
  CHECK(rtm_push_current_state(s) == RTM_PUSH_STATE_FAILED && rec_last(&r)->ev.error == RTM_PUSH_E_LOGIN_TIMEOUT);
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
  CHECK(rtm_push_tick(s, 100000) == RTM_PUSH_OK && rtm_push_current_state(s) == RTM_PUSH_STATE_READY);
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
  CHECK(rtm_push_tick(s, 11999) == RTM_PUSH_OK && rtm_push_current_state(s) == RTM_PUSH_STATE_READY);
  CHECK(rtm_push_tick(s, 12000) == RTM_PUSH_E_PING_TIMEOUT);
  CHECK(rtm_push_current_state(s) == RTM_PUSH_STATE_FAILED && rec_last(&r)->ev.type == RTM_PUSH_EV_CLOSED &&
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
  CHECK(rtm_push_tick(s, UINT64_MAX - 1) == RTM_PUSH_OK && rtm_push_current_state(s) == RTM_PUSH_STATE_READY);
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
  CHECK(rtm_push_current_state(s) == RTM_PUSH_STATE_CLOSING);
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
  CHECK(rtm_push_current_state(s) == RTM_PUSH_STATE_CLOSED && rec_last(&r)->ev.type == RTM_PUSH_EV_CLOSED &&
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
  CHECK(rtm_push_current_state(s) == RTM_PUSH_STATE_CLOSING && rtm_push_next_deadline(s) == 9000);
  CHECK(rtm_push_tick(s, 9000) == RTM_PUSH_OK);
  CHECK(rtm_push_current_state(s) == RTM_PUSH_STATE_CLOSED && rec_last(&r)->ev.error == RTM_PUSH_OK);
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
  CHECK(rtm_push_current_state(s) == RTM_PUSH_STATE_CLOSED && rec_last(&r)->ev.error == RTM_PUSH_OK);
  rtm_push_free(s);
  rec_free(&r);
  /* START_FPNN: the bye answer ends the session (the host closes its WebSocket) */
  memset(&r, 0, sizeof r);
  cfg_init(&c, &r, RTM_PUSH_START_FPNN);
  s = mk_cfg(&r, &c);
  CHECK(rtm_push_close(s, 10) == RTM_PUSH_OK && rtm_push_current_state(s) == RTM_PUSH_STATE_CLOSING);
  b_reset(&out);
  drain(s, &out);
  CHECK(out.len == 21 && memcmp(out.p + 16, "bye{}", 5) == 0);
  CHECK(feed_answer(s, 1, 0, "{}", 20) == RTM_PUSH_OK);
  CHECK(rtm_push_current_state(s) == RTM_PUSH_STATE_CLOSED);
  rtm_push_free(s);
  rec_free(&r);
  /* before the WebSocket is open: ends at once */
  memset(&r, 0, sizeof r);
  cfg_init(&c, &r, RTM_PUSH_START_HTTP);
  s = mk_cfg(&r, &c);
  CHECK(rtm_push_close(s, 10) == RTM_PUSH_OK);
  CHECK(rtm_push_current_state(s) == RTM_PUSH_STATE_CLOSED && r.count[RTM_PUSH_EV_CLOSED] == 1);
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
  CHECK(rtm_push_close(s, 100) == RTM_PUSH_OK && rtm_push_current_state(s) == RTM_PUSH_STATE_CLOSING);
  drain(s, &out);
  CHECK(client_frames(&out, &pkg, &code) == 1 && pkg.len == 21 && memcmp(pkg.p + 16, "bye{}", 5) == 0);
  CHECK(rtm_push_tick(s, 100000) == RTM_PUSH_OK); /* no login timeout any more: the bye timeout runs */
  CHECK(rtm_push_current_state(s) == RTM_PUSH_STATE_CLOSING);
  b_reset(&out);
  drain(s, &out);
  CHECK(client_frames(&out, NULL, &code) == 1 && code == 1000);
  CHECK(rtm_push_feed_eof(s, 100001) == RTM_PUSH_OK && rtm_push_current_state(s) == RTM_PUSH_STATE_CLOSED);
  CHECK(r.count[RTM_PUSH_EV_LOGIN] == 0 && rec_last(&r)->ev.error == RTM_PUSH_OK);
  rtm_push_free(s);
  rec_free(&r);
  b_free(&out);
  b_free(&pkg);
}
/* A kickout ends delivery: KICKOUT, then CLOSED at once; nothing decoded after it is delivered (#18). The gate's
   own sequence (vectors: a two-way kickout, then a one-way kickout) plus a push, in one read and byte by byte. */
static void test_session_kickout(void) {
  static const size_t chunks[] = {0, 1, 7};
  size_t ci;
  for (ci = 0; ci < sizeof chunks / sizeof chunks[0]; ci++) {
    rec r;
    rtm_push *s = mk_ready(&r, 1000);
    bytes in = {0, 0, 0}, pkg = {0, 0, 0}, out = {0, 0, 0};
    size_t off;
    int code, rc = RTM_PUSH_OK;
    pkg_jquest(&pkg, 1, 7, "kickout", "{}");
    ws_frame(&in, pkg.p, pkg.len);
    b_reset(&pkg);
    pkg_jquest(&pkg, 0, 0, "kickout", "{}");
    ws_frame(&in, pkg.p, pkg.len);
    b_reset(&pkg);
    pkg_jquest(&pkg, 0, 0, "pushmsg", "{\"from\":1,\"to\":2,\"mid\":3,\"mtype\":1,\"msg\":\"late\",\"attrs\":\"\",\"mtime\":4}");
    ws_frame(&in, pkg.p, pkg.len);
    if (!chunks[ci]) rc = feed_exact(s, in.p, in.len, 2000);
    else
      for (off = 0; off < in.len; off += chunks[ci]) {
        int reading = rtm_push_want_read(s);
        int k = feed_exact(s, in.p + off, off + chunks[ci] <= in.len ? chunks[ci] : in.len - off, 2000);
        if (reading) rc = k;
        else CHECKM(k == RTM_PUSH_E_CLOSED, "after the kickout a feed returns RTM_PUSH_E_CLOSED, got %d", k);
      }
    CHECKM(rc == RTM_PUSH_OK, "chunk %u: %d", (unsigned)chunks[ci], rc);
    CHECKM(r.n == 3 && r.count[RTM_PUSH_EV_KICKOUT] == 1 && r.count[RTM_PUSH_EV_PUSHMSG] == 0 &&
               rec_nth(&r, RTM_PUSH_EV_KICKOUT, 0)->ev.twoway == 1,
           "chunk %u: LOGIN, KICKOUT, CLOSED; got %s", (unsigned)chunks[ci], rec_text(&r));
    CHECK(rec_last(&r)->ev.type == RTM_PUSH_EV_CLOSED && rec_last(&r)->ev.error == RTM_PUSH_E_KICKED_OUT &&
          !rec_last(&r)->ev.fatal && rec_last(&r)->ev.reconnect_at == UINT64_MAX);
    CHECK(rec_has(&r, "{\"event\":\"closed\",\"code\":-607}\n"));
    CHECK(rtm_push_current_state(s) == RTM_PUSH_STATE_CLOSED && !rtm_push_want_read(s));
    CHECK(rtm_push_is_fatal(RTM_PUSH_E_KICKED_OUT) == 1); /* it ends the session */
    /* the two-way kickout was answered (before it was decoded), then our close frame: nothing more */
    drain(s, &out);
    CHECK(client_frames(&out, &pkg, &code) == 2 && code == 1000);
    expect_answer(pkg.p, pkg.len, 0x40, 7);
    CHECK(rtm_push_feed(s, "x", 1, 3000) == RTM_PUSH_E_CLOSED && rtm_push_feed_eof(s, 3000) == RTM_PUSH_OK);
    CHECK(r.n == 3 && rtm_push_next_deadline(s) == UINT64_MAX);
    rtm_push_free(s);
    rec_free(&r);
    b_free(&in);
    b_free(&pkg);
    b_free(&out);
  }
}
static void test_session_eof(void) {
  rec r;
  rtm_push_config c;
  rtm_push *s;
  memset(&c, 0, sizeof c);
  s = mk_login(&r, &c);
  CHECK(feed_answer(s, 1, 0, "{\"ok\":true}", 1000) == RTM_PUSH_OK);
  CHECK(rtm_push_feed_eof(s, 2000) == RTM_PUSH_E_EOF);
  CHECK(rtm_push_current_state(s) == RTM_PUSH_STATE_FAILED && rec_last(&r)->ev.error == RTM_PUSH_E_EOF);
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
  CHECK(rtm_push_current_state(r->s) == RTM_PUSH_STATE_READY);
  CHECK(rtm_push_current_config(r->s) != NULL);
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
  CHECK(r.hook_rc == 1 && r.count[RTM_PUSH_EV_PUSHMSG] == 1 && rtm_push_current_state(s) == RTM_PUSH_STATE_READY);
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
  CHECK(rtm_push_current_state(s) == RTM_PUSH_STATE_CLOSING);
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
  CHECK(rtm_push_current_state(NULL) == RTM_PUSH_STATE_INVALID);
  CHECK(rtm_push_want_read(NULL) == 0 && rtm_push_want_write(NULL) == 0);
  CHECK(rtm_push_last_error(NULL, &m) == RTM_PUSH_E_INVALID_ARG && m && *m);
  CHECK(rtm_push_last_error(NULL, NULL) == RTM_PUSH_E_INVALID_ARG);
  CHECK(rtm_push_current_config(NULL) == NULL);
  CHECK(rtm_push_tls_verified(NULL) == -1);
  CHECK(h_quest(NULL, "m", RTM_PUSH_ENC_JSON, NULL, 0, 0, NULL, NULL, NULL) == RTM_PUSH_E_INVALID_ARG);
  CHECK(h_send(NULL, RTM_PUSH_TO_USER, 1, 1, 1, "x", 1, NULL, NULL, NULL) == RTM_PUSH_E_INVALID_ARG);
  CHECK(rtm_push_make_mid(NULL, 1) == 0);
  CHECK(rtm_push_event_to_json(NULL, buf, sizeof buf) == 0 && buf[0] == 0);
  rtm_push_free(NULL);
  s = mk(&r, RTM_PUSH_START_FPNN);
  CHECK(rtm_push_feed(s, NULL, 1, 0) == RTM_PUSH_E_INVALID_ARG);
  CHECK(rtm_push_feed(s, NULL, 0, 0) == RTM_PUSH_OK);
  CHECK(h_quest(s, NULL, RTM_PUSH_ENC_JSON, NULL, 0, 0, NULL, NULL, NULL) == RTM_PUSH_E_INVALID_ARG);
  CHECK(h_quest(s, "", RTM_PUSH_ENC_JSON, NULL, 0, 0, NULL, NULL, NULL) == RTM_PUSH_E_INVALID_ARG);
  CHECK(h_quest(s, "m", RTM_PUSH_ENC_JSON, NULL, 5, 0, NULL, NULL, NULL) == RTM_PUSH_E_INVALID_ARG);
  CHECK(h_quest(s, "m", (rtm_push_encoding)0x41, "{}", 2, 0, NULL, NULL, NULL) == RTM_PUSH_E_INVALID_ARG);
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
  q = rtm_push_current_config(s);
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
    g_fail_size = round ? 0 : mp.len + 64 < 256 ? 256 : mp.len + 64; /* round 0: the scratch reservation (at least 256) fails */
    pkg_quest(&in, 0, 0x80, 1, "pushmsg", mp.p, mp.len);
    if (round == 0) {
      CHECK(feed_pkg(s, &in, 1) == RTM_PUSH_E_NOMEM);
      CHECK(rtm_push_current_state(s) == RTM_PUSH_STATE_FAILED && rtm_push_last_error(s, &m) == RTM_PUSH_E_NOMEM);
    } else {
      CHECK(feed_pkg(s, &in, 1) == RTM_PUSH_OK && rtm_push_current_state(s) == RTM_PUSH_STATE_READY); /* excluded */
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
  CHECK(rtm_push_current_state(s) == RTM_PUSH_STATE_FAILED && rec_last(&r)->ev.error == RTM_PUSH_E_OUTPUT_FULL);
  CHECK(rtm_push_pending_output(s, NULL) == 18); /* what was queued stays drainable */
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

/* ================================================================================================ */
/* >>golden vectors                                                                                 */
/* ================================================================================================ */
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
  vector_case("public-json", "public-json.dump.jsonl", 0, 12, RTM_PUSH_OK, 0); /* no_login: a kickout is a push */
}
static void test_vectors_public_msgpack(void) {
  vector_case("public-msgpack", "public-msgpack.dump.jsonl", 0, 12, RTM_PUSH_OK, 0);
}
static void test_vectors_auth(void) {
  vector_case("authfail", "authfail.dump.jsonl", 0, 0, RTM_PUSH_OK, 1);
  vector_case("autherror", "autherror.dump.jsonl", 0, 0, RTM_PUSH_OK, 1);
}
/* The recorded sessions with the login on (their first frame answers our auth, seq 1), whole and byte by byte: the
   event types in order. A refused login (ok:false, and an error answer 200027) is exactly LOGIN(ok 0) -> CLOSED; a
   kickout ends delivery, also with a second kickout and a push behind it in the same read (#18). */
static void vector_logged_in(const char *name, const char *extra, int want_last_error, const char *want_types) {
  static const char *const tn[] = {"login", "ping", "push", "kickoutroom", "kickout", "closed", "error", "other"};
  enum { PUSH = 2 };
  bytes bin = {0, 0, 0}, pkg = {0, 0, 0};
  int bytewise;
  if (!load_file(name, &bin)) { CHECK(!"vector files missing"); return; }
  if (extra) { /* a two-way kickout and a push after the recorded one-way kickout */
    pkg_jquest(&pkg, 1, 99, "kickout", "{}");
    ws_frame(&bin, pkg.p, pkg.len);
    b_reset(&pkg);
    pkg_jquest(&pkg, 0, 0, "pushmsg", extra);
    ws_frame(&bin, pkg.p, pkg.len);
  }
  for (bytewise = 0; bytewise < 2; bytewise++) {
    rec r;
    rtm_push_config c;
    rtm_push *s;
    char types[256] = "";
    size_t pos;
    int i, last;
    memset(&r, 0, sizeof r);
    cfg_init(&c, &r, RTM_PUSH_START_WS);
    c.no_login = 0;
    s = mk_cfg(&r, &c);
    discard_output(s);
    if (!bytewise) feed_exact(s, bin.p, bin.len, 1000);
    else
      for (pos = 0; pos < bin.len && rtm_push_want_read(s); pos++) rtm_push_feed(s, bin.p + pos, 1, 1000);
    rtm_push_feed_eof(s, 2000);
    for (i = 0, last = -1; i < r.n && i < MAXREC; i++) { /* a run of pushes is written once */
      rtm_push_event_type ty = r.evs[i].ev.type;
      int k = ty == RTM_PUSH_EV_LOGIN ? 0 : ty == RTM_PUSH_EV_PING ? 1 : r.evs[i].ev.category ? 2 : ty == RTM_PUSH_EV_KICKOUTROOM ? 3
            : ty == RTM_PUSH_EV_KICKOUT ? 4 : ty == RTM_PUSH_EV_CLOSED ? 5 : ty == RTM_PUSH_EV_ERROR ? 6 : 7;
      if (k == PUSH && last == PUSH) continue;
      last = k;
      snprintf(types + strlen(types), sizeof types - strlen(types), "%s ", tn[k]);
    }
    CHECKM(strcmp(types, want_types) == 0, "%s%s%s: %s", name, extra ? " + kickout + push" : "", bytewise ? " bytewise" : "",
           types);
    CHECK(rec_last(&r) && rec_last(&r)->ev.error == want_last_error);
    CHECK(rtm_push_current_state(s) == (rtm_push_is_fatal(want_last_error) && want_last_error != RTM_PUSH_E_KICKED_OUT
                                            ? RTM_PUSH_STATE_FAILED : RTM_PUSH_STATE_CLOSED));
    rtm_push_free(s);
    rec_free(&r);
  }
  b_free(&bin);
  b_free(&pkg);
}
static void test_vectors_logged_in(void) {
  static const char push[] = "{\"from\":1,\"to\":2,\"mid\":77,\"mtype\":1,\"msg\":\"late\",\"attrs\":\"\",\"mtime\":4}";
  vector_logged_in("authfail.bin", NULL, RTM_PUSH_E_LOGIN_REFUSED, "login closed ");
  vector_logged_in("autherror.bin", NULL, RTM_PUSH_E_LOGIN_ERROR, "login closed ");
  vector_logged_in("public-json.bin", NULL, RTM_PUSH_E_KICKED_OUT, "login ping push kickoutroom kickout closed ");
  vector_logged_in("public-json.bin", push, RTM_PUSH_E_KICKED_OUT, "login ping push kickoutroom kickout closed ");
  vector_logged_in("public-msgpack.bin", push, RTM_PUSH_E_KICKED_OUT, "login ping push kickoutroom kickout closed ");
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
  CHECK(rtm_push_current_state(s) == RTM_PUSH_STATE_READY); /* no_login (decode only): the kickout is delivered, the session reads on */
  rtm_push_free(s);
  rec_free(&r);
  b_free(&bin);
  b_free(&bin2);
  b_free(&want);
  b_free(&a);
  b_free(&b);
}


/* ================================================================================================ */
/* >>reconnect advice                                                                               */
/* ================================================================================================ */
/* Reconnect advice on a simulated clock (START_FPNN: we play the gate's FPNN side): the back-off schedule,
   the CLOSED event's advice, rooms re-entered after the new login, and every condition that stops it. */
static uint64_t g_closed_at_advice;
static void advice_cb(rtm_push *cb_s, const rtm_push_event *ev, void *u) {
  (void)cb_s;
  (void)u;
  if (ev->type == RTM_PUSH_EV_CLOSED) g_closed_at_advice = ev->reconnect_at;
}
static uint32_t pending_seq(rtm_push *s) { /* the seq of the quest at the head of the output, consumed */
  const uint8_t *o;
  size_t n = rtm_push_pending_output(s, &o);
  uint32_t seq = n >= 16 ? (uint32_t)o[12] | (uint32_t)o[13] << 8 : 0;
  rtm_push_consume_output(s, n);
  return seq;
}
/* Issue 20: a gate that accepts every login and drops the connection at once was reconnected after 0 ms forever
   (any successful login reset the back-off). Only a connection that stayed logged in reconnect.stable_ms
   (RTM_PUSH_RECONNECT_STABLE_MS, 10 s) starts the schedule over. */
static void test_session_reconnect_backoff_needs_a_stable_connection(void) {
  static const uint64_t want[] = {0, 0, 1000, 2000, 4000, 8000};
  rtm_push_config c;
  rtm_push *g = NULL;
  uint64_t t = 1000, got[6];
  unsigned j, same = 1;
  memset(&c, 0, sizeof c);
  c.start = RTM_PUSH_START_FPNN, c.pid = 1, c.uid = 2, c.token = "t";
  c.on_event = advice_cb, c.entropy = test_entropy;
  c.reconnect.max_ms = 8000;
  CHECK(rtm_push_new(&g, &c) == RTM_PUSH_OK);
  if (!g) return;
  rtm_push_tick(g, t);
  for (j = 0; j < 6; j++) {
    feed_answer(g, pending_seq(g), 0, "{\"ok\":true}", t); /* logged in ... */
    t += 50;
    rtm_push_feed_eof(g, t); /* ... and dropped 50 ms later */
    got[j] = rtm_push_reconnect_at(g) - t;
    same &= got[j] == want[j];
    t = rtm_push_reconnect_at(g);
    rtm_push_reconnect(g, t);
  }
  CHECKM(same, "logins dropped after 50 ms: advice %llu, %llu, %llu, %llu, %llu, %llu ms, not 0, 0, 1000, 2000, 4000, 8000",
         (unsigned long long)got[0], (unsigned long long)got[1], (unsigned long long)got[2], (unsigned long long)got[3],
         (unsigned long long)got[4], (unsigned long long)got[5]);
  feed_answer(g, pending_seq(g), 0, "{\"ok\":true}", t); /* this one lasts just under stable_ms: no reset */
  t += RTM_PUSH_RECONNECT_STABLE_MS - 1;
  rtm_push_feed_eof(g, t);
  CHECKM(rtm_push_reconnect_at(g) == t + 8000, "a connection logged in for 9.999 s does not reset the schedule");
  t = rtm_push_reconnect_at(g);
  rtm_push_free(g);
  g = NULL;
  c.reconnect.stable_ms = 500; /* configurable */
  CHECK(rtm_push_new(&g, &c) == RTM_PUSH_OK);
  if (!g) return;
  rtm_push_tick(g, t);
  rtm_push_feed_eof(g, ++t);
  rtm_push_reconnect(g, t);
  rtm_push_feed_eof(g, ++t);
  rtm_push_reconnect(g, t);
  rtm_push_feed_eof(g, ++t); /* the third attempt: 1000 ms */
  rtm_push_reconnect(g, t);
  feed_answer(g, pending_seq(g), 0, "{\"ok\":true}", t);
  t += 500;
  rtm_push_feed_eof(g, t);
  CHECKM(rtm_push_current_config(g)->reconnect.stable_ms == 500 && rtm_push_reconnect_at(g) == t,
         "reconnect.stable_ms = 500: a connection logged in 500 ms starts the schedule over");
  rtm_push_free(g);
}
static void test_session_reconnect_advice(void) {
  static const uint64_t want[] = {0, 0, 1000, 2000, 4000, 8000, 8000, 8000};
  rtm_push_config c;
  rtm_push *s = NULL;
  uint64_t now = 1000;
  unsigned i;
  uint32_t seq;
  memset(&c, 0, sizeof c);
  c.start = RTM_PUSH_START_FPNN, c.pid = 1, c.uid = 2, c.token = "t";
  c.on_event = advice_cb, c.entropy = test_entropy;
  c.reconnect.max_ms = 8000; /* immediate 2, base 1000 by default */
  CHECK(rtm_push_new(&s, &c) == RTM_PUSH_OK);
  if (!s) return;
  rtm_push_tick(s, now);
  seq = pending_seq(s); /* auth */
  feed_answer(s, seq, 0, "{\"ok\":true}", now);
  CHECKM(rtm_push_current_state(s) == RTM_PUSH_STATE_READY, "logged in");
  CHECKM(rtm_push_reconnect_at(s) == UINT64_MAX, "no advice while connected");
  for (i = 0; i < sizeof want / sizeof want[0]; i++) { /* connections that end before login */
    now += 5;
    rtm_push_feed_eof(s, now);
    CHECKM(rtm_push_reconnect_at(s) == now + want[i] && rtm_push_next_deadline(s) == UINT64_MAX &&
           g_closed_at_advice == now + want[i],
           "attempt %u: reconnect advised at +%llu ms (the CLOSED event agrees; no timer runs)", i + 1,
           (unsigned long long)want[i]);
    now += want[i];
    CHECKM(rtm_push_reconnect(s, now) == RTM_PUSH_OK && rtm_push_current_state(s) != RTM_PUSH_STATE_FAILED,
           "attempt %u: reconnect starts a new connection", i + 1);
    seq = pending_seq(s); /* the new auth quest */
  }
  CHECKM(rtm_push_enterroom(s, 5, NULL, NULL) == RTM_PUSH_E_STATE, "enterroom before the login: refused");
  feed_answer(s, seq, 0, "{\"ok\":true}", now); /* this login works and lasts: the schedule starts over */
  CHECKM(rtm_push_enterroom(s, 9223372036854775807LL, NULL, NULL) == RTM_PUSH_OK, "enterroom once logged in");
  feed_answer(s, pending_seq(s), 0, "{}", now);
  now += RTM_PUSH_RECONNECT_STABLE_MS; /* answered pings are not needed: the ping watchdog is 60 s */
  rtm_push_feed_eof(s, now);
  CHECKM(rtm_push_reconnect_at(s) == now, "after a connection that stayed logged in 10 s the next advice is immediate again");
  rtm_push_reconnect(s, now);
  seq = pending_seq(s);
  feed_answer(s, seq, 0, "{\"ok\":true}", now);
  {
    const uint8_t *o;
    size_t n = rtm_push_pending_output(s, &o);
    CHECKM(n > 16 && memcmp(o + 16, "enterroom", 9) == 0 && h_find(o, n, "9223372036854775807", 19) != NULL,
           "the room entered is re-entered after the new login, its rid exact");
    if (n > 16) feed_answer(s, (uint32_t)o[12] | (uint32_t)o[13] << 8, 0, "{}", now);
    discard_output(s);
  }
  /* a quest pending when the connection drops gets its callback once; then the session can reconnect */
  rtm_push_close(s, now);
  discard_output(s);
  now += 6000; /* bye unanswered: quest_timeout_ms */
  rtm_push_tick(s, now);
  now += 3000;
  rtm_push_tick(s, now);
  CHECKM(rtm_push_current_state(s) == RTM_PUSH_STATE_CLOSED && rtm_push_reconnect_at(s) == UINT64_MAX,
         "after rtm_push_close: closed, no advice");
  /* kickout: no advice */
  rtm_push_reconnect(s, now);
  feed_answer(s, pending_seq(s), 0, "{\"ok\":true}", now);
  discard_output(s);
  {
    bytes kick = {0, 0, 0};
    pkg_jquest(&kick, 0, 0, "kickout", "{}");
    feed_exact(s, kick.p, kick.len, now);
    rtm_push_feed_eof(s, now);
    b_free(&kick);
  }
  CHECKM(rtm_push_current_state(s) == RTM_PUSH_STATE_CLOSED && rtm_push_last_error(s, NULL) == RTM_PUSH_E_KICKED_OUT &&
         rtm_push_reconnect_at(s) == UINT64_MAX, "after a kickout: no advice");
  { /* refused logins */
    static const struct { const char *json; int status; int advise; const char *what; } cases[] = {
      {"{\"ok\":false}", 0, 0, "token rejected (ok:false): no advice"},
      {"{\"code\":200027,\"ex\":\"invalid token\"}", 1, 0, "error 200027: no advice"},
      {"{\"code\":200024,\"ex\":\"auth denied\"}", 1, 0, "error 200024: no advice"},
      {"{\"code\":200023,\"ex\":\"duplicated auth\"}", 1, 0, "error 200023: no advice"},
      {"{\"code\":200022,\"ex\":\"unauthorized\"}", 1, 0, "error 200022: no advice"},
      {"{\"code\":20003,\"ex\":\"timeout\"}", 1, 1, "error 20003 (a server timeout): reconnect advised"},
    };
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
      rtm_push_reconnect(s, now);
      feed_answer(s, pending_seq(s), cases[i].status, cases[i].json, now);
      CHECKM(rtm_push_current_state(s) == RTM_PUSH_STATE_FAILED && (rtm_push_reconnect_at(s) != UINT64_MAX) == cases[i].advise,
             "%s", cases[i].what);
    }
  }
  CHECKM(rtm_push_reconnect(s, now) == RTM_PUSH_OK && rtm_push_reconnect(s, now) == RTM_PUSH_E_STATE,
         "rtm_push_reconnect is refused while a connection is live");
  rtm_push_free(s);
  c.reconnect.disabled = 1;
  s = NULL;
  CHECK(rtm_push_new(&s, &c) == RTM_PUSH_OK);
  rtm_push_feed_eof(s, now);
  CHECKM(rtm_push_reconnect_at(s) == UINT64_MAX, "reconnect.disabled: no advice");
  rtm_push_free(s);
}

/* ================================================================================================ */
/* >>regressions: defects a code review found, each pinned down (the finding's number in brackets)  */
/* ================================================================================================ */
static int g_after_free;
static void free_cb(rtm_push *cb_s, const rtm_push_event *ev, void *u) {
  (void)cb_s;
  rtm_push **sp = (rtm_push **)u;
  if (*sp == NULL) { g_after_free++; return; }
  if (ev->type == RTM_PUSH_EV_PUSHMSG) { rtm_push_free(*sp); *sp = NULL; }
}
/* Guards [2]: rtm_push_free inside a callback went on delivering the rest of the same read to a freed session. */
static void test_fix_free_in_callback_ends_the_read(void) {
  rtm_push *s;
  bytes b = {0, 0, 0};
  g_after_free = 0;
  s = mk_bare(free_cb, &s, 0);
  pkg_jquest(&b, 1, 1, "pushmsg", "{\"mid\":1}");
  pkg_jquest(&b, 1, 2, "pushmsg", "{\"mid\":2}");
  pkg_jquest(&b, 0, 0, "kickout", "{}");
  CHECKM(feed_exact(s, b.p, b.len, 0) == RTM_PUSH_E_CLOSED && g_after_free == 0,
         "rtm_push_free inside a callback: no event after it, even from the same read");
  b_free(&b);
}
/* Guards [3]: a free requested in a callback while the rooms were being re-entered after a reconnect was a use
   after free (ASan sees it). */
static void test_fix_free_before_rooms_reentered(void) {
  rtm_push *g;
  bytes b = {0, 0, 0};
  g_after_free = 0;
  g = mk_bare(free_cb, &g, 1);
  rtm_push_tick(g, 1);
  discard_output(g);
  pkg_answer(&b, 0x40, 1, 0, "{\"ok\":true}", 11);
  feed_exact(g, b.p, b.len, 1);
  rtm_push_enterroom(g, 77, NULL, NULL);
  b_reset(&b);
  pkg_answer(&b, 0x40, 2, 0, "{}", 2);
  feed_exact(g, b.p, b.len, 1);
  rtm_push_feed_eof(g, 2);
  rtm_push_reconnect(g, 3);
  discard_output(g);
  b_reset(&b);
  pkg_jquest(&b, 1, 1, "pushmsg", "{\"mid\":5}");      /* its callback frees */
  pkg_answer(&b, 0x40, 4, 0, "{\"ok\":true}", 11); /* then the login answer: rooms re-entered */
  CHECKM(feed_exact(g, b.p, b.len, 4) == RTM_PUSH_E_CLOSED && g == NULL,
         "free requested before the rooms are re-entered: no use after free");
  b_free(&b);
}
/* Guards [4]: the msgpack auth quest wrote small integers (pid 5, uid 42) in a wrong form; and that the auth quest
   carries lang and attrs (a map of strings) in both encodings. */
static void test_fix_auth_fixints_lang_attrs(void) {
  static const char *const attrs[] = {"k1", "v1", "k2", "v\"2", NULL};
  rtm_push_config c;
  rtm_push *s = NULL;
  const uint8_t *o;
  size_t n;
  memset(&c, 0, sizeof c);
  c.start = RTM_PUSH_START_FPNN, c.pid = 5, c.uid = 42, c.token = "t", c.entropy = test_entropy;
  c.quest_encoding = RTM_PUSH_ENC_MSGPACK;
  CHECK(rtm_push_new(&s, &c) == RTM_PUSH_OK);
  n = rtm_push_pending_output(s, &o);
  CHECKM(n > 20 && o && h_find(o, n, "\xa3pid\x05", 5) && h_find(o, n, "\xa3uid\x2a", 5),
         "msgpack auth carries pid 5 and uid 42 as fixints");
  rtm_push_consume_output(s, n);
  rtm_push_free(s);
  memset(&c, 0, sizeof c);
  c.start = RTM_PUSH_START_FPNN, c.pid = 1017, c.uid = 9223372036854775807LL, c.token = "t", c.entropy = test_entropy;
  c.lang = "en", c.attrs = attrs;
  CHECK(rtm_push_new(&s, &c) == RTM_PUSH_OK);
  n = rtm_push_pending_output(s, &o);
  CHECKM(n > 16 && o && h_find(o, n, "{\"pid\":1017,\"uid\":9223372036854775807,\"token\":\"t\",\"version\":\"C-rtm_push-", 62) &&
         h_find(o, n, "\"lang\":\"en\",\"attrs\":{\"k1\":\"v1\",\"k2\":\"v\\\"2\"}}", 38),
         "auth in JSON: pid, exact uid, token, version, lang, attrs");
  rtm_push_free(s);
  c.quest_encoding = RTM_PUSH_ENC_MSGPACK;
  CHECK(rtm_push_new(&s, &c) == RTM_PUSH_OK);
  n = rtm_push_pending_output(s, &o);
  CHECKM(n > 16 && o && o[20] == 0x86 && h_find(o, n, "\xa3" "uid" "\xcf\x7f\xff\xff\xff\xff\xff\xff\xff", 13) &&
         h_find(o, n, "\xa5" "attrs" "\x82\xa2" "k1" "\xa2" "v1" "\xa2" "k2" "\xa3" "v\"2", 20),
         "auth in msgpack: a 6-member map, uid as uint64, attrs a map");
  rtm_push_free(s);
}
/* Guards [5]: the login timer ran from time 0 when the first call of the host was not a tick. */
static void test_fix_deadline_before_any_time(void) {
  rtm_push_config c;
  rtm_push *s = NULL;
  memset(&c, 0, sizeof c);
  c.host = "h", c.token = "t", c.entropy = test_entropy;
  CHECK(rtm_push_new(&s, &c) == RTM_PUSH_OK);
  CHECKM(rtm_push_next_deadline(s) == 0, "before any time is given the next deadline is 0 (tick now: the login timer starts)");
  rtm_push_tick(s, 1000);
  CHECKM(rtm_push_next_deadline(s) == 1000 + 30000, "the login timeout then runs from that tick");
  rtm_push_free(s);
}
/* Guards [6]: EOF inside a frame after our own close frame was reported as an error, not a clean end. */
static void test_fix_eof_mid_frame_after_our_close(void) {
  rtm_push_config c;
  rtm_push *s = NULL;
  bytes pkg = {0, 0, 0}, in = {0, 0, 0};
  memset(&c, 0, sizeof c);
  c.start = RTM_PUSH_START_WS, c.no_login = 1, c.entropy = test_entropy;
  CHECK(rtm_push_new(&s, &c) == RTM_PUSH_OK);
  rtm_push_close(s, 0);
  discard_output(s);
  pkg_answer(&pkg, 0x40, 1, 0, "{}", 2); /* the bye answer */
  ws_frame(&in, pkg.p, pkg.len);
  b_put(&in, "\x82\x64" "F", 3); /* then half a frame (100 bytes announced), and the gate drops TCP */
  feed_exact(s, in.p, in.len, 1);
  rtm_push_feed_eof(s, 2);
  CHECKM(rtm_push_current_state(s) == RTM_PUSH_STATE_CLOSED && rtm_push_last_error(s, NULL) == RTM_PUSH_OK,
         "the connection ending mid-frame after our close is a clean close");
  rtm_push_free(s);
  b_free(&pkg);
  b_free(&in);
}
/* Guards [8]: a kickout before the login answer, then a late auth answer, revived the session. */
static void test_fix_kickout_before_login_answer(void) {
  rtm_push *s = mk_bare(NULL, NULL, 1);
  bytes b = {0, 0, 0};
  rtm_push_tick(s, 1);
  discard_output(s);
  pkg_jquest(&b, 0, 0, "kickout", "{}");
  pkg_answer(&b, 0x40, 1, 0, "{\"ok\":true}", 11);
  feed_exact(s, b.p, b.len, 2);
  CHECKM(rtm_push_current_state(s) == RTM_PUSH_STATE_CLOSED && rtm_push_next_deadline(s) == UINT64_MAX &&
             rtm_push_last_error(s, NULL) == RTM_PUSH_E_KICKED_OUT,
         "kicked out before the login answer: closed at once, the late answer not read, no timer left");
  rtm_push_free(s);
  b_free(&b);
}
/* Guards [9]: a ping whose payload did not decode did not re-arm the watchdog, so the session timed out. */
static void test_fix_bad_ping_rearms_watchdog(void) {
  rtm_push *s = mk_bare(NULL, NULL, 0);
  bytes b = {0, 0, 0};
  rtm_push_tick(s, 0);
  pkg_jquest(&b, 1, 1, "ping", "not json");
  feed_exact(s, b.p, b.len, 50000);
  rtm_push_tick(s, 100000);
  CHECKM(rtm_push_current_state(s) == RTM_PUSH_STATE_READY, "a ping with an undecodable payload re-arms the watchdog");
  rtm_push_free(s);
  b_free(&b);
}
static int g_new_events;
static void count_cb(rtm_push *cb_s, const rtm_push_event *ev, void *u) { (void)cb_s; (void)ev; (void)u; g_new_events++; }
/* Guards [10]: a failure inside rtm_push_new called the event callback on a session the host never got. */
static void test_fix_no_callback_inside_new(void) {
  rtm_push_config c;
  rtm_push *s = NULL;
  static char token[700];
  memset(token, 'x', sizeof token - 1);
  memset(&c, 0, sizeof c);
  c.start = RTM_PUSH_START_FPNN, c.token = token, c.entropy = test_entropy, c.on_event = count_cb;
  c.limits.max_output = 512;
  g_new_events = 0;
  CHECKM(rtm_push_new(&s, &c) == RTM_PUSH_E_OUTPUT_FULL && g_new_events == 0 && s == NULL,
         "a failure inside rtm_push_new is its return code, with no callback");
}
/* Guards [12]: a kickout was reported as a failure (it is the gate's orderly end). Since 0.2 rtm_push_is_fatal says
   whether a result ends the session, which a kickout does; the session still ends CLOSED, not FAILED. */
static void test_fix_kickout_not_fatal(void) {
  rec r;
  rtm_push *s = mk_ready(&r, 1000);
  CHECK(feed_jpush(s, 0, 0, "kickout", "{}") == RTM_PUSH_OK);
  CHECKM(rtm_push_is_fatal(RTM_PUSH_E_KICKED_OUT) && rtm_push_current_state(s) == RTM_PUSH_STATE_CLOSED &&
             rec_last(&r)->ev.type == RTM_PUSH_EV_CLOSED && !rec_last(&r)->ev.fatal && r.count[RTM_PUSH_EV_ERROR] == 0,
         "a kickout ends the session (is_fatal) cleanly: CLOSED, fatal 0, no ERROR");
  rtm_push_free(s);
  rec_free(&r);
}
/* Guards [13]: our close frame for a local condition (here the login timeout) carried 1002 instead of 1000. */
static void test_fix_login_timeout_close_code(void) {
  rtm_push_config c;
  rtm_push *s = NULL;
  const uint8_t *o;
  size_t m;
  memset(&c, 0, sizeof c);
  c.start = RTM_PUSH_START_WS, c.token = "t", c.entropy = test_entropy;
  CHECK(rtm_push_new(&s, &c) == RTM_PUSH_OK);
  rtm_push_tick(s, 0);
  discard_output(s);
  rtm_push_tick(s, 40000);
  m = rtm_push_pending_output(s, &o);
  CHECKM(m >= 8 && o[0] == 0x88 && ((o[6] ^ o[2]) << 8 | (o[7] ^ o[3])) == 1000, "a login timeout closes with 1000, not 1002");
  rtm_push_free(s);
}
/* Guards [15]: limits whose sums overflow size_t were accepted. */
static void test_fix_overflowing_limits_refused(void) {
  rtm_push_config c;
  rtm_push *s = NULL;
  memset(&c, 0, sizeof c);
  c.host = "h", c.entropy = test_entropy, c.limits.max_http_header = SIZE_MAX / 2;
  CHECKM(rtm_push_new(&s, &c) == RTM_PUSH_E_CONFIG, "limits that would overflow are refused");
}

/* ================================================================================================ */
/* >>runner                                                                                         */
/* ================================================================================================ */
static const test_def g_tests[] = {
  T(test_answers_fpnn),
  T(test_answers_own_encoding),
  T(test_answers_ws),
  T(test_session_login),
  T(test_fix_auth_fixints_lang_attrs),
  T(test_session_login_timeout),
  T(test_fix_deadline_before_any_time),
  T(test_fix_login_timeout_close_code),
  T(test_session_ping_watchdog),
  T(test_fix_bad_ping_rearms_watchdog),
  T(test_session_close),
  T(test_session_close_during_login),
  T(test_session_kickout),
  T(test_fix_kickout_before_login_answer),
  T(test_session_eof),
  T(test_fix_eof_mid_frame_after_our_close),
  T(test_session_consume_bytewise),
  T(test_session_callbacks),
  T(test_fix_free_in_callback_ends_the_read),
  T(test_fix_free_before_rooms_reentered),
  T(test_session_null_args),
  T(test_session_config),
  T(test_fix_no_callback_inside_new),
  T(test_fix_overflowing_limits_refused),
  T(test_session_allocator),
  T(test_bug_nested_nomem),
  T(test_session_output_full),
  T(test_session_strerror),
  T(test_fix_kickout_not_fatal),
  T(test_session_reconnect_advice),
  T(test_session_reconnect_backoff_needs_a_stable_connection),
  T(test_vectors_public_json),
  T(test_vectors_public_msgpack),
  T(test_vectors_auth),
  T(test_vectors_logged_in),
  T(test_vectors_uid_and_compare),
};
TEST_MAIN(g_tests)
