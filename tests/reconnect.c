#define _GNU_SOURCE /* memmem */
/* Reconnect advice on a simulated clock, in memory (START_FPNN: we play the gate's FPNN side).
   Prints one line per check and "N passed, M failed". */
#define RTM_PUSH_IMPLEMENTATION
#include "../rtm_push.h"
#include <stdio.h>
#include <string.h>

static int npass, nfail;
static int closed_events;
static uint64_t closed_at_advice;
static void check(int ok, const char *what) {
  printf("%s %s\n", ok ? "ok  " : "FAIL", what);
  if (ok) npass++; else nfail++;
}
static void on_event(const rtm_push_event *ev, void *u) {
  (void)u;
  if (ev->type == RTM_PUSH_EV_CLOSED) { closed_events++; closed_at_advice = ev->reconnect_at; }
}
static int entropy(void *u, unsigned char *b, size_t n) { (void)u; memset(b, 7, n); return 0; }
/* the gate's answer to our pending quest with this seq */
static void answer(rtm_push *s, uint32_t seq, int status, const char *json, uint64_t now) {
  uint8_t p[256];
  size_t n = strlen(json);
  memcpy(p, "FPNN\x01\x40\x02", 7);
  p[7] = (uint8_t)status;
  p[8] = (uint8_t)n, p[9] = p[10] = p[11] = 0;
  p[12] = (uint8_t)seq, p[13] = (uint8_t)(seq >> 8), p[14] = p[15] = 0;
  memcpy(p + 16, json, n);
  rtm_push_feed(s, p, 16 + n, now);
}
static uint32_t pending_seq(rtm_push *s) { /* the seq of the quest at the head of the output */
  const uint8_t *o;
  size_t n = rtm_push_pending_output(s, &o);
  uint32_t seq = n >= 16 ? (uint32_t)o[12] | (uint32_t)o[13] << 8 : 0;
  rtm_push_consume_output(s, n);
  return seq;
}
static void drain(rtm_push *s) { while (rtm_push_pending_output(s, NULL)) rtm_push_consume_output(s, rtm_push_pending_output(s, NULL)); }

int main(void) {
  rtm_push_config c;
  rtm_push *s;
  uint64_t now = 1000, want[] = {0, 0, 1000, 2000, 4000, 8000, 8000, 8000};
  char line[200];
  unsigned i;
  uint32_t seq;
  setvbuf(stdout, NULL, _IONBF, 0);
  memset(&c, 0, sizeof c);
  c.start = RTM_PUSH_START_FPNN, c.pid = 1, c.uid = 2, c.token = "t";
  c.on_event = on_event, c.entropy = entropy;
  c.reconnect.max_ms = 8000; /* immediate 2, base 1000 by default */
  if (rtm_push_new(&s, &c) != RTM_PUSH_OK) return 2;
  rtm_push_tick(s, now);
  seq = pending_seq(s); /* auth */
  answer(s, seq, 0, "{\"ok\":true}", now);
  check(rtm_push_get_state(s) == RTM_PUSH_STATE_READY, "logged in");
  check(rtm_push_reconnect_at(s) == UINT64_MAX, "no advice while connected");
  for (i = 0; i < sizeof want / sizeof want[0]; i++) { /* connections that end before login */
    now += 5;
    rtm_push_feed_eof(s, now);
    snprintf(line, sizeof line, "attempt %u: reconnect advised at +%llu ms (the CLOSED event agrees; no timer runs)", i + 1,
             (unsigned long long)want[i]);
    check(rtm_push_reconnect_at(s) == now + want[i] && rtm_push_next_deadline(s) == UINT64_MAX &&
          closed_at_advice == now + want[i], line);
    now += want[i];
    check(rtm_push_reconnect(s, now) == RTM_PUSH_OK && rtm_push_get_state(s) != RTM_PUSH_STATE_FAILED, "reconnect starts a new connection");
    seq = pending_seq(s); /* the new auth quest */
  }
  { /* issue 20: a gate that accepts every login and drops the connection at once. A login alone no longer
       starts the schedule over: the advice keeps growing (it was 0 ms forever). */
    rtm_push *g;
    uint64_t t = 1000, got[6], want2[] = {0, 0, 1000, 2000, 4000, 8000};
    unsigned j, same = 1;
    if (rtm_push_new(&g, &c) != RTM_PUSH_OK) return 2;
    rtm_push_tick(g, t);
    for (j = 0; j < 6; j++) {
      answer(g, pending_seq(g), 0, "{\"ok\":true}", t); /* logged in ... */
      t += 50;
      rtm_push_feed_eof(g, t); /* ... and dropped 50 ms later */
      got[j] = rtm_push_reconnect_at(g) - t;
      same &= got[j] == want2[j];
      t = rtm_push_reconnect_at(g);
      rtm_push_reconnect(g, t);
    }
    snprintf(line, sizeof line, "logins dropped after 50 ms: advice %llu, %llu, %llu, %llu, %llu, %llu ms (0, 0, 1000, 2000, 4000, 8000)",
             (unsigned long long)got[0], (unsigned long long)got[1], (unsigned long long)got[2], (unsigned long long)got[3],
             (unsigned long long)got[4], (unsigned long long)got[5]);
    check(same, line);
    answer(g, pending_seq(g), 0, "{\"ok\":true}", t); /* this one lasts just under stable_ms: no reset */
    t += RTM_PUSH_RECONNECT_STABLE_MS - 1;
    rtm_push_feed_eof(g, t);
    check(rtm_push_reconnect_at(g) == t + 8000, "a connection logged in for 9.999 s does not reset the schedule");
    rtm_push_reconnect(g, rtm_push_reconnect_at(g));
    t = rtm_push_reconnect_at(g);
    rtm_push_free(g);
    c.reconnect.stable_ms = 500; /* configurable */
    if (rtm_push_new(&g, &c) != RTM_PUSH_OK) return 2;
    rtm_push_tick(g, t);
    rtm_push_feed_eof(g, ++t);
    rtm_push_reconnect(g, t);
    rtm_push_feed_eof(g, ++t);
    rtm_push_reconnect(g, t);
    rtm_push_feed_eof(g, ++t); /* the third attempt: 1000 ms */
    rtm_push_reconnect(g, t);
    answer(g, pending_seq(g), 0, "{\"ok\":true}", t);
    t += 500;
    rtm_push_feed_eof(g, t);
    check(rtm_push_query_config(g)->reconnect.stable_ms == 500 && rtm_push_reconnect_at(g) == t,
          "reconnect.stable_ms = 500: a connection logged in 500 ms starts the schedule over");
    rtm_push_free(g);
    c.reconnect.stable_ms = 0;
  }
  check(rtm_push_enterroom(s, 5, NULL, NULL) == RTM_PUSH_E_STATE, "enterroom before the login: refused");
  answer(s, seq, 0, "{\"ok\":true}", now); /* this login works and lasts: the schedule starts over */
  check(rtm_push_enterroom(s, 9223372036854775807LL, NULL, NULL) == RTM_PUSH_OK, "enterroom once logged in");
  answer(s, pending_seq(s), 0, "{}", now);
  now += RTM_PUSH_RECONNECT_STABLE_MS; /* answered pings are not needed: the ping watchdog is 60 s */
  rtm_push_feed_eof(s, now);
  check(rtm_push_reconnect_at(s) == now, "after a connection that stayed logged in 10 s the next advice is immediate again");
  rtm_push_reconnect(s, now);
  seq = pending_seq(s);
  answer(s, seq, 0, "{\"ok\":true}", now);
  {
    const uint8_t *o;
    size_t n = rtm_push_pending_output(s, &o);
    check(n > 16 && memcmp(o + 16, "enterroom", 9) == 0 && memmem(o, n, "9223372036854775807", 19) != NULL,
          "the room entered is re-entered after the new login, its rid exact");
    if (n > 16) answer(s, (uint32_t)o[12] | (uint32_t)o[13] << 8, 0, "{}", now);
    drain(s);
  }
  /* a quest pending when the connection drops gets its callback once; then the session can reconnect */
  rtm_push_close(s, now);
  drain(s);
  now += 6000; /* bye unanswered: quest_timeout_ms */
  rtm_push_tick(s, now);
  now += 3000;
  rtm_push_tick(s, now);
  check(rtm_push_get_state(s) == RTM_PUSH_STATE_CLOSED && rtm_push_reconnect_at(s) == UINT64_MAX,
        "after rtm_push_close: closed, no advice");
  /* kickout: no advice */
  rtm_push_reconnect(s, now);
  answer(s, pending_seq(s), 0, "{\"ok\":true}", now);
  drain(s);
  {
    static const uint8_t kick[] = "FPNN\x01\x40\x00\x07\x02\x00\x00\x00kickout{}";
    rtm_push_feed(s, kick, sizeof kick - 1, now);
    rtm_push_feed_eof(s, now);
  }
  check(rtm_push_get_state(s) == RTM_PUSH_STATE_CLOSED && rtm_push_last_error(s, NULL) == RTM_PUSH_E_KICKED_OUT &&
        rtm_push_reconnect_at(s) == UINT64_MAX, "after a kickout: no advice");
  /* refused logins */
  {
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
      answer(s, pending_seq(s), cases[i].status, cases[i].json, now);
      check(rtm_push_get_state(s) == RTM_PUSH_STATE_FAILED &&
            (rtm_push_reconnect_at(s) != UINT64_MAX) == cases[i].advise, cases[i].what);
    }
  }
  check(rtm_push_reconnect(s, now) == RTM_PUSH_OK && rtm_push_reconnect(s, now) == RTM_PUSH_E_STATE,
        "rtm_push_reconnect is refused while a connection is live");
  rtm_push_free(s);
  c.reconnect.disabled = 1;
  rtm_push_new(&s, &c);
  rtm_push_feed_eof(s, now);
  check(rtm_push_reconnect_at(s) == UINT64_MAX, "reconnect.disabled: no advice");
  rtm_push_free(s);
  printf("%d passed, %d failed\n", npass, nfail);
  return nfail ? 1 : 0;
}
