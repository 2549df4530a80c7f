/* Generic quests and the typed helpers against the gate simulator over a real loopback socket (the in-memory
   tests of quests are tests/test_quests.c).
   usage: live_quests PORT [READ_SIZE [json|msgpack]]   (the simulator runs with --script quests)
   On tests/harness.h: a line per test case, "N passed, M failed" last; exits 1 on any failure. */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include "harness.h"

enum { Q_ENTER, Q_LEAVE, Q_SEND, Q_SENDGROUP, Q_SENDROOM, Q_UNKNOWN, Q_SLOW, Q_FAST, Q_NEVER, Q_CJSON, Q_PENDING, Q_N };
static const char *const qname[Q_N] = {"enterroom", "leaveroom", "sendmsg", "sendgroupmsg", "sendroommsg",
                                       "unknown method", "test.slow 300", "test.slow 0", "test.never (timeout)",
                                       "sendmsg via cJSON", "test.never (pending at close)"};
static int calls[Q_N], order[Q_N], norder, all_sent;
static rtm_push_answer got[Q_N];
static int64_t mids[Q_N];

static int g_port, g_msgpack;
static size_t g_read_size;
static uint64_t now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}
static void on_answer(rtm_push *cb_s, const rtm_push_answer *a, void *cb_user) {
  (void)cb_s;
  int i = (int)(intptr_t)cb_user;
  calls[i]++;
  order[norder++] = i;
  got[i] = *a;
  got[i].ex.ptr = NULL; /* borrowed: not kept */
  got[i].payload.ptr = NULL;
}
static void send_all(rtm_push *s) {
  static const char slow[] = "{\"ms\":300}", fast[] = "{\"ms\":0}";
  cJSON *o = cJSON_CreateObject();
  int rc = 0;
  mids[Q_SEND] = rtm_push_make_mid(s, 1712345678000ull);
  mids[Q_SENDGROUP] = rtm_push_make_mid(s, 1712345678000ull);
  mids[Q_SENDROOM] = INT64_MAX;
  mids[Q_CJSON] = INT64_MIN;
  rc |= rtm_push_enterroom(s, 42, on_answer, (void *)(intptr_t)Q_ENTER);
  rc |= rtm_push_leaveroom(s, 42, on_answer, (void *)(intptr_t)Q_LEAVE);
  rc |= h_send(s, RTM_PUSH_TO_USER, INT64_MAX, mids[Q_SEND], 30, "hi \"there\" \xe4\xbd\xa0", 14, "", on_answer, (void *)(intptr_t)Q_SEND);
  rc |= h_send(s, RTM_PUSH_TO_GROUP, INT64_MIN, mids[Q_SENDGROUP], 31, "a\0b", 3, "{\"k\":1}", on_answer, (void *)(intptr_t)Q_SENDGROUP);
  rc |= h_send(s, RTM_PUSH_TO_ROOM, 9007199254740993LL, mids[Q_SENDROOM], 77, "room", 4, NULL, on_answer, (void *)(intptr_t)Q_SENDROOM);
  rc |= h_quest(s, "nosuchmethod", RTM_PUSH_ENC_JSON, NULL, 0, 0, on_answer, (void *)(intptr_t)Q_UNKNOWN, NULL);
  rc |= h_quest(s, "test.slow", RTM_PUSH_ENC_JSON, slow, sizeof slow - 1, 0, on_answer, (void *)(intptr_t)Q_SLOW, NULL);
  rc |= h_quest(s, "test.slow", RTM_PUSH_ENC_MSGPACK, "\x81\xa2ms\x00", 5, 0, on_answer, (void *)(intptr_t)Q_FAST, NULL);
  (void)fast;
  rc |= h_quest(s, "test.never", RTM_PUSH_ENC_JSON, NULL, 0, 200, on_answer, (void *)(intptr_t)Q_NEVER, NULL);
  cJSON_AddItemToObject(o, "to", rtm_push_cjson_int64(-9223372036854775807LL - 1));
  cJSON_AddItemToObject(o, "mid", rtm_push_cjson_int64(mids[Q_CJSON]));
  cJSON_AddItemToObject(o, "mtype", cJSON_CreateNumber(30));
  cJSON_AddStringToObject(o, "msg", "via cJSON");
  cJSON_AddStringToObject(o, "attrs", "");
  {
    rtm_push_quest_desc d = {0};
    d.method = "sendmsg", d.json = o, d.on_answer = on_answer, d.user_data = (void *)(intptr_t)Q_CJSON;
    rc |= rtm_push_quest(s, &d, NULL);
  }
  cJSON_Delete(o);
  rc |= h_quest(s, "test.never", RTM_PUSH_ENC_JSON, NULL, 0, 0, NULL, NULL, NULL); /* one-way: no answer */
  CHECKM(rc == 0, "every quest accepted");
  all_sent = 1;
}
static void on_event(rtm_push *cb_s, const rtm_push_event *ev, void *user) {
  (void)cb_s;
  rtm_push *s = *(rtm_push **)user;
  if (ev->type == RTM_PUSH_EV_LOGIN && ev->ok) {
    CHECKM(h_quest(s, "x", RTM_PUSH_ENC_JSON, NULL, 0, 0, NULL, NULL, NULL) == RTM_PUSH_OK, "a quest from inside the login callback");
    send_all(s);
  }
  if (ev->type == RTM_PUSH_EV_ERROR) printf("     event: error %s\n", ev->message);
}

/* One session over loopback: login, every quest, their answers, close; then what each quest's callback got. */
static void test_quests_over_loopback(void) {
  rtm_push_config cfg;
  rtm_push *s = NULL;
  struct sockaddr_in a;
  int fd = socket(AF_INET, SOCK_STREAM, 0), closing = 0, i;
  size_t rs = g_read_size;
  static uint8_t buf[65536];
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((uint16_t)g_port);
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  CHECKM(fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0, "connect to 127.0.0.1:%d", g_port);
  if (g_test_failed) { if (fd >= 0) close(fd); return; }
  memset(&cfg, 0, sizeof cfg);
  cfg.host = "127.0.0.1", cfg.port = (uint16_t)g_port;
  cfg.pid = 1017, cfg.uid = 4242, cfg.token = "demo-token";
  cfg.quest_encoding = g_msgpack ? RTM_PUSH_ENC_MSGPACK : RTM_PUSH_ENC_JSON;
  cfg.on_event = on_event;
  cfg.user_data = &s;
  CHECK(rtm_push_new(&s, &cfg) == RTM_PUSH_OK);
  if (!s) { close(fd); return; }
  CHECKM(rtm_push_enterroom(s, 1, on_answer, NULL) == RTM_PUSH_E_STATE, "a quest before login is refused (RTM_PUSH_E_STATE)");
  while (rtm_push_want_read(s) || rtm_push_want_write(s)) {
    const uint8_t *out;
    size_t n = rtm_push_pending_output(s, &out);
    uint64_t now = now_ms(), dl = rtm_push_next_deadline(s);
    struct pollfd p;
    if (n) { ssize_t w = send(fd, out, n, 0); if (w > 0) rtm_push_consume_output(s, (size_t)w); }
    p.fd = fd, p.events = POLLIN, p.revents = 0;
    poll(&p, 1, dl == UINT64_MAX ? 100 : dl <= now ? 0 : (int)(dl - now > 100 ? 100 : dl - now));
    if (p.revents) {
      ssize_t r = recv(fd, buf, rs, 0);
      if (r > 0) rtm_push_feed(s, buf, (size_t)r, now_ms()); else rtm_push_feed_eof(s, now_ms());
    }
    rtm_push_tick(s, now_ms());
    if (!closing && all_sent && norder == Q_PENDING) { /* every answer in: one more quest, then leave */
      h_quest(s, "test.never", RTM_PUSH_ENC_JSON, NULL, 0, 60000, on_answer, (void *)(intptr_t)Q_PENDING, NULL);
      rtm_push_close(s, now_ms());
      closing = 1;
    }
  }
  CHECKM(rtm_push_current_state(s) == RTM_PUSH_STATE_CLOSED, "the session ended cleanly (bye, close)");
  rtm_push_free(s);
  close(fd);
  for (i = 0; i < Q_N; i++) {
    CHECKM(calls[i] == 1, "%s: exactly one callback (got %d)", qname[i], calls[i]);
  }
  for (i = Q_ENTER; i <= Q_SENDROOM; i++) {
    CHECKM(got[i].result == RTM_PUSH_OK && got[i].status == 0, "%s: answered ok", qname[i]);
  }
  CHECKM(got[Q_SEND].has_mtime && got[Q_SEND].mtime == 9007199254740994LL, "sendmsg: answer mtime exact beyond 2^53 (9007199254740994)");
  CHECKM(got[Q_SENDGROUP].mtime == 9007199254740995LL && got[Q_SENDROOM].mtime == 9007199254740996LL, "group and room mtimes exact");
  CHECKM(got[Q_SEND].mid == mids[Q_SEND] && mids[Q_SEND] == 1712345678000000LL && mids[Q_SENDGROUP] == 1712345678000001LL,
         "client mids the SDK way (ms * 1000 + counter), returned with the answer");
  CHECKM(got[Q_UNKNOWN].result == RTM_PUSH_E_QUEST_ERROR && got[Q_UNKNOWN].code == 20004 && got[Q_UNKNOWN].status == 1,
         "unknown method: error answer, code 20004");
  for (i = 0; i < norder && order[i] != Q_FAST; i++) {}
  {
    int j;
    for (j = 0; j < norder && order[j] != Q_SLOW; j++) {}
    CHECKM(i < j && got[Q_SLOW].result == RTM_PUSH_OK && got[Q_FAST].result == RTM_PUSH_OK,
           "answers out of order are matched by seq (the later quest answered first)");
  }
  CHECKM(got[Q_NEVER].result == RTM_PUSH_E_QUEST_TIMEOUT && got[Q_NEVER].code == 20003, "timeout from tick: 20003");
  CHECKM(got[Q_CJSON].result == RTM_PUSH_OK && got[Q_CJSON].has_mtime, "a cJSON payload with raw Int64 nodes");
  CHECKM(got[Q_PENDING].result == RTM_PUSH_E_QUEST_CLOSED && got[Q_PENDING].code == 20002,
         "a quest pending at close gets 20002");
}

static const test_def g_tests[] = {
  T(test_quests_over_loopback),
};
int main(int argc, char **argv) {
  static const size_t max_read = 65536;
  if (argc < 2) return 2;
  g_port = atoi(argv[1]);
  g_read_size = argc > 2 ? (size_t)atoi(argv[2]) : max_read;
  g_msgpack = argc > 3 && !strcmp(argv[3], "msgpack");
  if (g_port <= 0 || g_read_size == 0 || g_read_size > max_read) return 2;
  return run_tests(NULL, g_tests, sizeof g_tests / sizeof g_tests[0]);
}
