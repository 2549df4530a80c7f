/* Our own quests on a simulated clock: the generic quest and the typed helpers, error answers and
   out-of-order answers, timeouts, quests pending at close, the pending limit, the sendmsg family's payloads
   in JSON and msgpack, cJSON payloads and client mids. */
#include "harness.h"

/* ================================================================================================ */
/* >>our own quests                                                                                 */
/* ================================================================================================ */
typedef struct qrec {
  int calls;
  rtm_push_answer a; /* scalars */
  char payload[256];
  size_t payload_len;
  char ex[128];
  char method[64];
  uint32_t order[16]; /* seqs in callback order */
  rtm_push *session;  /* the callback's session and user_data arguments */
  void *user_data;
  rtm_push *requeue;  /* if set: issue one more quest from inside the callback */
  int requeue_rc;
} qrec;
static void q_cb(rtm_push *cb_s, const rtm_push_answer *a, void *cb_user) {
  qrec *q = (qrec *)cb_user;
  q->session = cb_s;
  q->user_data = cb_user;
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
    q->requeue_rc = h_quest(s, "again", RTM_PUSH_ENC_JSON, NULL, 0, 0, q_cb, q, &seq);
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
  CHECK(rtm_push_current_state(s) == RTM_PUSH_STATE_READY);
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
  CHECK(h_quest(s, "getinfo", RTM_PUSH_ENC_JSON, "{\"a\":1}", 7, 0, q_cb, &q, &seq) == RTM_PUSH_OK);
  CHECK(seq == 1);
  next_pkg(s, &pkg);
  pkg_quest(&want, 1, 0x40, seq, "getinfo", "{\"a\":1}", 7);
  CHECK(pkg.len == want.len && memcmp(pkg.p, want.p, want.len) == 0);
  CHECK(q.calls == 0);
  CHECK(feed_answer(s, seq, 0, "{\"x\":2}", 1500) == RTM_PUSH_OK);
  CHECK(q.calls == 1 && q.a.result == RTM_PUSH_OK && q.a.status == 0 && q.a.seq == seq && q.session == s &&
        strcmp(q.method, "getinfo") == 0 && q.payload_len == 7 && memcmp(q.payload, "{\"x\":2}", 7) == 0 &&
        q.a.encoding == RTM_PUSH_ENC_JSON && q.user_data == &q && !q.a.has_mtime && q.a.mid == 0);
  CHECK(r.count[RTM_PUSH_EV_ANSWER] == 0); /* the callback, not an event */
  /* answered once only: a second answer with that seq is an ordinary answer event (no_login) */
  CHECK(feed_answer(s, seq, 0, "{}", 1600) == RTM_PUSH_OK);
  CHECK(q.calls == 1 && r.count[RTM_PUSH_EV_ANSWER] == 1);
  /* NULL payload: an empty map; one-way (no callback): mtype 0 and no seq */
  CHECK(h_quest(s, "m", RTM_PUSH_ENC_JSON, NULL, 0, 0, q_cb, &q, &seq2) == RTM_PUSH_OK && seq2 == 2);
  next_pkg(s, &pkg);
  b_reset(&want);
  pkg_quest(&want, 1, 0x40, 2, "m", "{}", 2);
  CHECK(pkg.len == want.len && memcmp(pkg.p, want.p, want.len) == 0);
  CHECK(h_quest(s, "m", RTM_PUSH_ENC_MSGPACK, NULL, 0, 0, NULL, NULL, &seq2) == RTM_PUSH_OK && seq2 == 0);
  next_pkg(s, &pkg);
  b_reset(&want);
  pkg_quest(&want, 0, 0x80, 0, "m", "\x80", 1);
  CHECK(pkg.len == want.len && memcmp(pkg.p, want.p, want.len) == 0);
  /* encoding 0 = JSON */
  CHECK(h_quest(s, "m", (rtm_push_encoding)0, NULL, 0, 0, NULL, NULL, NULL) == RTM_PUSH_OK);
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
  CHECK(h_quest(s, "a", RTM_PUSH_ENC_JSON, NULL, 0, 0, q_cb, &q1, &s1) == RTM_PUSH_OK);
  CHECK(h_quest(s, "b", RTM_PUSH_ENC_JSON, NULL, 0, 0, q_cb, &q2, &s2) == RTM_PUSH_OK);
  CHECK(h_quest(s, "c", RTM_PUSH_ENC_MSGPACK, NULL, 0, 0, q_cb, &q3, &s3) == RTM_PUSH_OK);
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
  CHECK(rtm_push_current_state(s) == RTM_PUSH_STATE_READY);
  /* a quest from inside an answer callback */
  memset(&q1, 0, sizeof q1);
  q1.requeue = s;
  CHECK(h_quest(s, "first", RTM_PUSH_ENC_JSON, NULL, 0, 0, q_cb, &q1, &s1) == RTM_PUSH_OK);
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
  CHECK(rtm_push_current_config(s)->ping_timeout_ms == 60000); /* the ping watchdog at 61000 */
  CHECK(h_quest(s, "slow", RTM_PUSH_ENC_JSON, NULL, 0, 3000, q_cb, &q1, &s1) == RTM_PUSH_OK);
  CHECK(h_quest(s, "default", RTM_PUSH_ENC_JSON, NULL, 0, 0, q_cb, &q2, &s2) == RTM_PUSH_OK);
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
  CHECK(rtm_push_current_state(s) == RTM_PUSH_STATE_READY);
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
  for (i = 0; i < 3; i++) CHECK(h_quest(s, "x", RTM_PUSH_ENC_JSON, NULL, 0, 0, q_cb, &q[i], NULL) == RTM_PUSH_OK);
  rtm_push_free(s);
  for (i = 0; i < 3; i++) CHECK(q[i].calls == 1 && q[i].a.result == RTM_PUSH_E_QUEST_CLOSED && q[i].a.code == 20002);
  rec_free(&r);
  /* free with a quest whose callback sends another quest: each callback once, nothing leaks */
  s = mk_quest_session(&r, RTM_PUSH_ENC_JSON, 0);
  memset(q, 0, sizeof q);
  q[0].requeue = s;
  CHECK(h_quest(s, "x", RTM_PUSH_ENC_JSON, NULL, 0, 0, q_cb, &q[0], NULL) == RTM_PUSH_OK);
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
  for (i = 0; i < 2; i++) CHECK(h_quest(s, "x", RTM_PUSH_ENC_JSON, NULL, 0, 0, q_cb, &q[i], NULL) == RTM_PUSH_OK);
  CHECK(rtm_push_close(s, 1100) == RTM_PUSH_OK);
  CHECK(h_quest(s, "x", RTM_PUSH_ENC_JSON, NULL, 0, 0, q_cb, &q[2], NULL) == RTM_PUSH_E_STATE); /* closing */
  CHECK(feed_answer(s, 3, 0, "{}", 1200) == RTM_PUSH_OK); /* the bye (seq 3) */
  CHECK(rtm_push_current_state(s) == RTM_PUSH_STATE_CLOSED);
  for (i = 0; i < 2; i++) CHECK(q[i].calls == 1 && q[i].a.result == RTM_PUSH_E_QUEST_CLOSED && q[i].a.code == 20002);
  CHECK(q[2].calls == 0);
  CHECK(h_quest(s, "x", RTM_PUSH_ENC_JSON, NULL, 0, 0, q_cb, &q[2], NULL) == RTM_PUSH_E_CLOSED);
  rtm_push_free(s);
  for (i = 0; i < 2; i++) CHECK(q[i].calls == 1);
  rec_free(&r);
  /* a fatal error */
  s = mk_quest_session(&r, RTM_PUSH_ENC_JSON, 0);
  memset(q, 0, sizeof q);
  CHECK(h_quest(s, "x", RTM_PUSH_ENC_JSON, NULL, 0, 0, q_cb, &q[0], NULL) == RTM_PUSH_OK);
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
    CHECK(h_quest(s, "x", RTM_PUSH_ENC_JSON, NULL, 0, 0, q_cb, &q[0], NULL) == RTM_PUSH_E_STATE);
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
  CHECK(h_quest(s, "x", RTM_PUSH_ENC_JSON, NULL, 0, 0, q_cb, &q[0], &seq) == RTM_PUSH_OK);
  CHECK(h_quest(s, "x", RTM_PUSH_ENC_JSON, NULL, 0, 0, q_cb, &q[1], NULL) == RTM_PUSH_OK);
  CHECK(h_quest(s, "x", RTM_PUSH_ENC_JSON, NULL, 0, 0, q_cb, &q[2], NULL) == RTM_PUSH_E_TOO_MANY_QUESTS);
  CHECK(h_send(s, RTM_PUSH_TO_USER, 1, 2, 3, "m", 1, NULL, q_cb, &q[2]) == RTM_PUSH_E_TOO_MANY_QUESTS);
  CHECK(h_quest(s, "oneway", RTM_PUSH_ENC_JSON, NULL, 0, 0, NULL, NULL, NULL) == RTM_PUSH_OK);
  CHECK(count_answers(s) == 3);
  CHECK(feed_answer(s, seq, 0, "{}", 1100) == RTM_PUSH_OK && q[0].calls == 1);
  CHECK(h_quest(s, "x", RTM_PUSH_ENC_JSON, NULL, 0, 0, q_cb, &q[2], NULL) == RTM_PUSH_OK);
  CHECK(rtm_push_current_state(s) == RTM_PUSH_STATE_READY);
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
    for (i = 0; i < N; i++) CHECK(h_quest(s, "x", RTM_PUSH_ENC_JSON, NULL, 0, 0, q_cb, &qs[i], &seqs[i]) == RTM_PUSH_OK);
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
  CHECK(h_send(s, RTM_PUSH_TO_USER, INT64_MAX, INT64_MIN, 30, "hi \"x\"\0\n", 8, "{\"k\":1}", q_cb, &q) == RTM_PUSH_OK);
  next_pkg(s, &pkg);
  pkg_quest(&want, 1, 0x40, 1, "sendmsg", jwant, sizeof jwant - 1);
  CHECKM(pkg.len == want.len && memcmp(pkg.p, want.p, want.len) == 0, "%.*s", (int)pkg.len, (const char *)pkg.p);
  CHECK(feed_answer(s, 1, 0, "{\"mtime\":9223372036854775807}", 1100) == RTM_PUSH_OK);
  CHECK(q.calls == 1 && q.a.result == RTM_PUSH_OK && q.a.has_mtime && q.a.mtime == INT64_MAX && q.a.mid == INT64_MIN);
  /* group and room variants; enterroom */
  CHECK(h_send(s, RTM_PUSH_TO_GROUP, 9007199254740993LL, 5, 1, "g", 1, NULL, q_cb, &q) == RTM_PUSH_OK);
  next_pkg(s, &pkg);
  b_reset(&want);
  {
    static const char gj[] = "{\"gid\":9007199254740993,\"mid\":5,\"mtype\":1,\"msg\":\"g\",\"attrs\":\"\"}";
    pkg_quest(&want, 1, 0x40, 2, "sendgroupmsg", gj, sizeof gj - 1);
  }
  CHECKM(pkg.len == want.len && memcmp(pkg.p, want.p, want.len) == 0, "%.*s", (int)pkg.len, (const char *)pkg.p);
  CHECK(feed_answer(s, 2, 0, "{\"mtime\":\"1712345678001\"}", 1100) == RTM_PUSH_OK);
  CHECK(q.calls == 2 && q.a.has_mtime && q.a.mtime == 1712345678001LL && q.a.mid == 5);
  CHECK(h_send(s, RTM_PUSH_TO_ROOM, -2, 6, 2, NULL, 0, NULL, NULL, NULL) == RTM_PUSH_OK); /* one-way */
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
  CHECK(h_send(s, RTM_PUSH_TO_USER, 1, 0, 1, "x", 1, NULL, NULL, NULL) == RTM_PUSH_E_INVALID_ARG); /* mid 0 */
  CHECK(h_send(s, RTM_PUSH_TO_USER, 1, 1, 1, NULL, 3, NULL, NULL, NULL) == RTM_PUSH_E_INVALID_ARG);
  rtm_push_free(s);
  rec_free(&r);
  /* msgpack */
  s = mk_quest_session(&r, RTM_PUSH_ENC_MSGPACK, 0);
  memset(&q, 0, sizeof q);
  CHECK(h_send(s, RTM_PUSH_TO_USER, INT64_MAX, INT64_MIN, 300, "hi\0", 3, "a", q_cb, &q) == RTM_PUSH_OK);
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
      CHECK(h_send(s, RTM_PUSH_TO_ROOM, vals[i], 1000, 1000, NULL, 0, NULL, NULL, NULL) == RTM_PUSH_OK);
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
  {
    rtm_push_quest_desc d = {0};
    d.method = "q", d.json = o, d.on_answer = q_cb, d.user_data = &q;
    CHECK(rtm_push_quest(s, &d, &seq) == RTM_PUSH_OK && seq == 1);
    d.payload = "{}", d.payload_len = 2; /* json and payload: which one? refused */
    CHECK(rtm_push_quest(s, &d, NULL) == RTM_PUSH_E_INVALID_ARG);
    d.payload = NULL, d.payload_len = 0, d.encoding = RTM_PUSH_ENC_MSGPACK; /* json is sent as JSON only */
    CHECK(rtm_push_quest(s, &d, NULL) == RTM_PUSH_E_INVALID_ARG);
    CHECK(rtm_push_quest(s, NULL, NULL) == RTM_PUSH_E_INVALID_ARG);
  }
  next_pkg(s, &pkg);
  CHECK(pkg.len > 17 && strcmp((const char *)pkg.p + 17, "{\"uid\":-9223372036854775808,\"s\":\"v\"}") == 0);
  {
    rtm_push_quest_desc d = {0};
    cJSON *arr = cJSON_CreateArray();
    d.method = "q", d.json = arr;
    CHECK(rtm_push_quest(s, &d, NULL) == RTM_PUSH_E_INVALID_ARG);
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
    CHECK(h_send(s, RTM_PUSH_TO_ROOM, vals[i], 1000, 30, NULL, 0, NULL, NULL, NULL) == RTM_PUSH_OK);
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
/* >>regressions: defects a code review found, each pinned down (the finding's number in brackets)  */
/* ================================================================================================ */
static uint8_t g_sent[4096];
static size_t g_sent_len;
static void echo_cb(rtm_push *cb_s, const rtm_push_event *ev, void *u) {
  (void)cb_s;
  rtm_push *s = *(rtm_push **)u;
  if (ev->type == RTM_PUSH_EV_PUSHMSG) {
    const uint8_t *o;
    h_send(s, RTM_PUSH_TO_USER, ev->from, 1234, 1, ev->msg.ptr, ev->msg.len, NULL, NULL, NULL);
    g_sent_len = 0;
    while (rtm_push_pending_output(s, &o)) { /* the answer to the push, then our quest */
      size_t n = rtm_push_pending_output(s, &o);
      memcpy(g_sent, o, n < sizeof g_sent ? n : sizeof g_sent);
      g_sent_len = n < sizeof g_sent ? n : sizeof g_sent;
      rtm_push_consume_output(s, n);
    }
  }
}
/* Guards [1]: a send helper called from a callback overwrote the event's decoded strings (they shared a buffer
   with the quest's payload). */
static void test_fix_sendmsg_in_callback_keeps_strings(void) {
  rtm_push *s;
  bytes b = {0, 0, 0};
  s = mk_bare(echo_cb, &s, 0);
  pkg_jquest(&b, 1, 1, "pushmsg", "{\"from\":9, \"mtype\":1, \"mid\":7, \"msg\":\"see http:\\/\\/example.com\\/a\"}");
  feed_exact(s, b.p, b.len, 0);
  CHECKM(g_sent_len > 16 && h_find(g_sent, g_sent_len, "\"msg\":\"see http://example.com/a\"", 32) != NULL,
         "sendmsg from a callback sends the event's escaped string intact (quest payloads have their own buffer)");
  rtm_push_free(s);
  b_free(&b);
}
static int g_retries;
static void retry_answer(rtm_push *cb_s, const rtm_push_answer *a, void *cb_user) { (void)a, (void)cb_user; /* retries on every failure */
  g_retries++;
  if (g_retries < 1000) h_quest(cb_s, "again", RTM_PUSH_ENC_JSON, NULL, 0, 0, retry_answer, NULL, NULL);
}
/* Guards [11]: answer callbacks run by rtm_push_free could start new quests: a retry-on-failure host looped. */
static void test_fix_free_answers_cannot_quest(void) {
  rtm_push *s = mk_bare(NULL, NULL, 0);
  g_retries = 0;
  rtm_push_tick(s, 0);
  h_quest(s, "m", RTM_PUSH_ENC_JSON, NULL, 0, 0, retry_answer, NULL, NULL);
  rtm_push_free(s);
  CHECKM(g_retries == 1, "rtm_push_free: each pending quest's callback once, no retry loop");
}

/* ================================================================================================ */
/* >>runner                                                                                         */
/* ================================================================================================ */
static const test_def g_tests[] = {
  T(test_quest_basic),
  T(test_quest_errors_and_order),
  T(test_quest_timeout),
  T(test_quest_closed),
  T(test_fix_free_answers_cannot_quest),
  T(test_quest_limit),
  T(test_quest_sendmsg),
  T(test_fix_sendmsg_in_callback_keeps_strings),
  T(test_quest_cjson_and_mid),
  T(test_bug_msgpack_fixint),
};
TEST_MAIN(g_tests)
