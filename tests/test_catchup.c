/* Catch-up after a reconnect (issue #22) on a simulated clock: getunread, paging across lastid with full, short
   and empty pages, deleted entries, P2P direction 1 and 2, our own messages, a 200041 error, a timeout, the 200010
   backoff, pacing, de-duplication against pushes both ways, msgpack pages, the watermark, the catch-up after a
   relogin, a session closed mid-catch-up (every pending callback exactly once), and catch_up = 0. */
#include "harness.h"

/* The next pending quest package (START_FPNN), consumed: its method, seq and payload (NUL-terminated copies). */
typedef struct quest {
  char method[32];
  uint32_t seq;
  char payload[512];
  size_t len;
  int flag;
} quest;
static int take_quest(rtm_push *s, quest *q) {
  const uint8_t *p;
  size_t n = rtm_push_pending_output(s, &p), ss, plen;
  memset(q, 0, sizeof *q);
  if (n < 16 || memcmp(p, "FPNN", 4) != 0 || p[6] != 1) return 0;
  q->flag = p[5];
  ss = p[7];
  plen = rtm_push__le32(p + 8);
  q->seq = rtm_push__le32(p + 12);
  if (16 + ss + plen != n || ss >= sizeof q->method || plen >= sizeof q->payload) return 0;
  memcpy(q->method, p + 16, ss);
  memcpy(q->payload, p + 16 + ss, plen);
  q->len = plen;
  rtm_push_consume_output(s, n);
  return 1;
}
static int has(const quest *q, const char *sub) { return h_find(q->payload, q->len, sub, strlen(sub)) != NULL; }

/* A JSON history page: n elements from id `first` on, the element text made by elem(). */
typedef void (*elem_fn)(bytes *b, int id);
static void page_json(bytes *b, int n, int first, int64_t lastid, int64_t begin, elem_fn elem) {
  int i;
  char head[160];
  b_reset(b);
  snprintf(head, sizeof head, "{\"num\":%d, \"lastid\":%lld, \"begin\":%lld, \"end\":0, \"msgs\":[", n, (long long)lastid, (long long)begin);
  b_str(b, head);
  for (i = 0; i < n; i++) {
    if (i) b_str(b, ", ");
    elem(b, first + i);
  }
  b_str(b, "]}");
  b_byte(b, 0);
  b->len--;
}
/* P2P peer 21: id 3 deleted, id 4 sent by us (direction 1), id 6 a file; mtime 1000 + id, mid 500 + id */
static void p2p_elem(bytes *b, int id) {
  char e[256];
  int mtype = id == 6 ? 40 : id == 7 ? 77 : 30;
  snprintf(e, sizeof e, "[%d, %d, %d, %d, %s, \"%s%d\", \"\", %d]", id, id == 4 ? 1 : 2, mtype, 500 + id,
           id == 3 ? "true" : "false", mtype == 40 ? "https://f.example/" : "p2p ", id, 1000 + id);
  b_str(b, e);
}
/* room 41: senders 7000 + id, except id 2: ourselves (4242) */
static void room_elem(bytes *b, int id) {
  char e[200];
  snprintf(e, sizeof e, "[%d, %d, 32, %d, false, \"room %d\", \"\", %d]", id, id == 2 ? 4242 : 7000 + id, 900 + id, id, 2000 + id);
  b_str(b, e);
}
static rtm_push *mk_cu(rec *r, rtm_push_encoding enc) {
  rtm_push_config c;
  rtm_push *s;
  memset(r, 0, sizeof *r);
  cfg_init(&c, r, RTM_PUSH_START_FPNN);
  c.quest_encoding = enc;
  c.catch_up = 1;
  s = mk_cfg(r, &c);
  CHECK(rtm_push_tick(s, 1000) == RTM_PUSH_OK);
  return s;
}
/* tick to `now` and take the quest that goes out then (0: none) */
static int step(rtm_push *s, uint64_t now, quest *q) {
  CHECK(rtm_push_tick(s, now) == RTM_PUSH_OK);
  return take_quest(s, q);
}

static void test_catchup_paging_errors_timeout(void) {
  rec r;
  rtm_push *s = mk_cu(&r, RTM_PUSH_ENC_JSON);
  quest q, none;
  bytes pg = {0, 0, 0};
  const evrec *e, *cu;
  int i, n, got_p2p = 0, got_room = 0, got_group = 0, got_bc = 0, p2p_pages = 0, room_pages = 0;
  uint64_t t, last_sent = 0;
  uint32_t bc_seq = 0;
  rtm_push__room_track(s, 41, 1); /* as if entered */
  CHECK(rtm_push_catch_up(s, 0) == RTM_PUSH_E_INVALID_ARG); /* no watermark yet */
  CHECK(rtm_push_catch_up(s, 1001) == RTM_PUSH_OK);
  CHECK(rtm_push_catch_up(s, 1001) == RTM_PUSH_E_STATE); /* one at a time */
  CHECKM(take_quest(s, &q) && strcmp(q.method, "getunread") == 0 && strcmp(q.payload, "{\"clear\":false}") == 0 && q.seq, "seq %u", q.seq);
  CHECK(!take_quest(s, &none));                  /* pacing: the next one 500 ms later */
  CHECK(rtm_push_next_deadline(s) == 1500);
  CHECK(feed_answer(s, q.seq, 0, "{\"p2p\":[21], \"group\":[\"31\"]}", 1100) == RTM_PUSH_OK);
  CHECK(!take_quest(s, &none));
  /* every quest from now on, one per 500 ms, answered at once, until none is left */
  for (t = 1500, n = 0; n < 20; t += 500, n++) {
    if (!step(s, t, &q)) {
      if (rtm_push_next_deadline(s) == UINT64_MAX || r.count[RTM_PUSH_EV_CATCH_UP]) break;
      continue;
    }
    CHECKM(last_sent == 0 || t - last_sent >= 500, "quests %llu ms apart", (unsigned long long)(t - last_sent));
    last_sent = t;
    CHECKM(has(&q, "\"desc\":false") && has(&q, "\"num\":20") && has(&q, "\"end\":0"), "%s", q.payload);
    if (strcmp(q.method, "getp2pmsg") == 0) {
      CHECK(has(&q, "{\"ouid\":21,"));
      if (p2p_pages++ == 0) {
        CHECKM(has(&q, "\"begin\":1001") && has(&q, "\"lastid\":0"), "%s", q.payload);
        page_json(&pg, 20, 1, 20, 1020, p2p_elem); /* full: more */
      } else {
        CHECKM(has(&q, "\"begin\":1020") && has(&q, "\"lastid\":20"), "%s", q.payload); /* the answer's cursor */
        page_json(&pg, 2, 21, 22, 1022, p2p_elem); /* short: done */
      }
      CHECK(feed_answer(s, q.seq, 0, (const char *)pg.p, t + 10) == RTM_PUSH_OK);
      got_p2p++;
    } else if (strcmp(q.method, "getroommsg") == 0) {
      CHECK(has(&q, "{\"rid\":41,"));
      if (room_pages++ == 0) page_json(&pg, 20, 1, 20, 2020, room_elem); /* exactly full ... */
      else page_json(&pg, 0, 0, 20, 2020, room_elem);                    /* ... then empty */
      CHECK(feed_answer(s, q.seq, 0, (const char *)pg.p, t + 10) == RTM_PUSH_OK);
      got_room++;
    } else if (strcmp(q.method, "getgroupmsg") == 0) {
      CHECK(has(&q, "{\"gid\":31,"));
      CHECK(feed_answer(s, q.seq, 1, "{\"code\":200041, \"ex\":\"not a group member\"}", t + 10) == RTM_PUSH_OK);
      got_group++;
    } else if (strcmp(q.method, "getbroadcastmsg") == 0) {
      CHECK(!has(&q, "ouid") && !has(&q, "\"gid\"") && !has(&q, "\"rid\"")); /* no target id */
      bc_seq = q.seq;             /* never answered: times out */
      got_bc++;
    } else {
      CHECKM(0, "unexpected quest %s", q.method);
    }
  }
  CHECK(got_p2p == 2 && got_room == 2 && got_group == 1 && got_bc == 1 && bc_seq != 0);
  /* the broadcast quest times out (quest_timeout_ms 5000) */
  for (i = 0; i < 3 && !r.count[RTM_PUSH_EV_CATCH_UP]; i++) CHECK(rtm_push_tick(s, rtm_push_next_deadline(s)) == RTM_PUSH_OK);
  CHECK(r.count[RTM_PUSH_EV_CATCH_UP] == 1);
  cu = rec_nth(&r, RTM_PUSH_EV_CATCH_UP, 0);
  CHECKM(cu && cu->ev.counts.since == 1001 && cu->ev.counts.conversations == 4 && cu->ev.counts.pages == 4 &&
         cu->ev.counts.messages == 20 + 19 && cu->ev.counts.duplicates == 0 && cu->ev.counts.errors == 2,
         "%s", rec_text(&r));
  CHECK(rec_has(&r, "catch-up of group 31 failed: not a member of the group (code 200041: not a group member)"));
  CHECK(rec_has(&r, "catch-up of broadcast 0 failed: no answer in time (code 20003)"));
  CHECK(r.count[RTM_PUSH_EV_ERROR] == 2);
  /* P2P: ids 1..22 but 3 (deleted) and 4 (ours), in order, from the peer to us, caught up, routed by mtype */
  {
    int want = 1, k, bad = 0;
    for (k = 0; (e = rec_nth(&r, RTM_PUSH_EV_PUSHCHAT, k)) != NULL || want <= 22; k++) {
      while (want == 3 || want == 4 || want == 6 || want == 7) want++;
      if (!e || want > 22) break;
      if (e->ev.mid != 500 + want || e->ev.from != 21 || e->ev.to != 4242 || !e->ev.caught_up || e->ev.mtime != 1000 + want ||
          !(e->ev.fields & RTM_PUSH_F_TO) || strcmp(e->method, "getp2pmsg") != 0) bad++;
      want++;
    }
    CHECKM(!bad && want == 23, "want %d bad %d", want, bad);
  }
  e = rec_nth(&r, RTM_PUSH_EV_PUSHFILE, 0);
  CHECK(e && e->ev.mid == 506 && e->ev.has_file && strcmp(e->url, "https://f.example/6") == 0 && e->ev.caught_up);
  e = rec_nth(&r, RTM_PUSH_EV_PUSHMSG, 0);
  CHECK(e && e->ev.mtype == 77 && e->ev.mid == 507);
  /* room: 20 cmds but ours (id 2) */
  CHECK(r.count[RTM_PUSH_EV_PUSHROOMCMD] == 19);
  e = rec_nth(&r, RTM_PUSH_EV_PUSHROOMCMD, 1);
  CHECK(e && e->ev.rid == 41 && e->ev.from == 7003 && (e->ev.fields & RTM_PUSH_F_RID) && e->ev.caught_up);
  CHECK(rec_has(&r, "{\"event\":\"pushroomcmd\",\"method\":\"getroommsg\",\"twoway\":false,\"from\":\"7003\",\"rid\":\"41\",\"mtype\":32,"
                    "\"mid\":\"903\",\"msg\":\"room 3\",\"attrs\":\"\",\"mtime\":\"2003\",\"caught_up\":true}"));
  CHECK(rec_has(&r, "{\"event\":\"catchup\",\"since\":\"1001\",\"conversations\":4,\"pages\":4,\"messages\":39,\"duplicates\":0,\"errors\":2}"));
  CHECK(rtm_push_watermark(s) == 2020); /* the highest mtime delivered */
  CHECK(s->nquests == 0 && s->cu->in_flight == 0);
  rtm_push_free(s);
  rec_free(&r);
  b_free(&pg);
}

/* A push and the same message from the history are delivered once, whichever comes first. */
static void test_catchup_dedup_both_ways(void) {
  rec r;
  rtm_push *s = mk_cu(&r, RTM_PUSH_ENC_JSON);
  quest q;
  const evrec *cu;
  CHECK(feed_jpush(s, 1, 1, "pushmsg", "{\"from\":21, \"to\":4242, \"mtype\":30, \"mid\":501, \"msg\":\"p2p 1\", \"attrs\":\"\", \"mtime\":1001}") == RTM_PUSH_OK);
  discard_output(s);
  CHECK(rtm_push_watermark(s) == 1001);
  CHECK(rtm_push_catch_up(s, 0) == RTM_PUSH_OK); /* from the watermark */
  CHECK(take_quest(s, &q) && strcmp(q.method, "getunread") == 0);
  CHECK(feed_answer(s, q.seq, 0, "{\"p2p\":[21], \"group\":[]}", 1100) == RTM_PUSH_OK);
  CHECK(step(s, 1500, &q) && strcmp(q.method, "getbroadcastmsg") == 0);
  CHECK(feed_answer(s, q.seq, 0, "{\"num\":0, \"lastid\":0, \"begin\":1001, \"end\":0, \"msgs\":[]}", 1510) == RTM_PUSH_OK);
  CHECK(step(s, 2000, &q) && strcmp(q.method, "getp2pmsg") == 0 && has(&q, "\"begin\":1001"));
  /* id 1 came as a push before; id 2 is pushed now, before its page arrives */
  CHECK(feed_jpush(s, 1, 2, "pushmsg", "{\"from\":21, \"to\":4242, \"mtype\":30, \"mid\":502, \"msg\":\"p2p 2\", \"attrs\":\"\", \"mtime\":1002}") == RTM_PUSH_OK);
  discard_output(s);
  CHECK(feed_answer(s, q.seq, 0, "{\"num\":3, \"lastid\":3, \"begin\":1003, \"end\":0, \"msgs\":[[1, 2, 30, 501, false, \"p2p 1\", \"\", 1001], "
                                 "[2, 2, 30, 502, false, \"p2p 2\", \"\", 1002], [3, 2, 30, 503, false, \"p2p 3\", \"\", 1003]]}", 2010) == RTM_PUSH_OK);
  /* id 3 came from the history first: its push is the duplicate now */
  CHECK(feed_jpush(s, 1, 3, "pushmsg", "{\"from\":21, \"to\":4242, \"mtype\":30, \"mid\":503, \"msg\":\"p2p 3\", \"attrs\":\"\", \"mtime\":1003}") == RTM_PUSH_OK);
  CHECK(r.count[RTM_PUSH_EV_PUSHCHAT] == 3);
  CHECK(rec_nth(&r, RTM_PUSH_EV_PUSHCHAT, 0)->ev.caught_up == 0 && rec_nth(&r, RTM_PUSH_EV_PUSHCHAT, 1)->ev.caught_up == 0 &&
        rec_nth(&r, RTM_PUSH_EV_PUSHCHAT, 2)->ev.caught_up == 1 && rec_nth(&r, RTM_PUSH_EV_PUSHCHAT, 2)->ev.mid == 503);
  cu = rec_nth(&r, RTM_PUSH_EV_CATCH_UP, 0);
  CHECK(cu && cu->ev.counts.messages == 1 && cu->ev.counts.duplicates == 2 && cu->ev.counts.pages == 2 && cu->ev.counts.errors == 0);
  rtm_push_free(s);
  rec_free(&r);
}

/* msgpack quests and a msgpack page (every integer width, bin msg, str map keys). */
static void mp_i64(bytes *b, int64_t v) { b_byte(b, 0xd3); b_be(b, (uint64_t)v, 8); }
static void test_catchup_msgpack(void) {
  rec r;
  rtm_push *s = mk_cu(&r, RTM_PUSH_ENC_MSGPACK);
  quest q;
  bytes mp = {0, 0, 0}, pk = {0, 0, 0};
  const evrec *e;
  static const uint8_t unread_want[] = {0x81, 0xa5, 'c', 'l', 'e', 'a', 'r', 0xc2};
  CHECK(rtm_push_catch_up(s, 9007199254740993LL) == RTM_PUSH_OK);
  CHECK(take_quest(s, &q) && q.flag == 0x80 && q.len == sizeof unread_want && memcmp(q.payload, unread_want, q.len) == 0);
  /* {"p2p": [], "group": [INT64_MAX]} */
  b_byte(&mp, 0x82); mp_s(&mp, "p2p"); b_byte(&mp, 0x90); mp_s(&mp, "group"); b_byte(&mp, 0x91); b_byte(&mp, 0xcf); b_be(&mp, (uint64_t)INT64_MAX, 8);
  pkg_answer(&pk, 0x80, q.seq, 0, mp.p, mp.len);
  CHECK(feed_pkg(s, &pk, 1100) == RTM_PUSH_OK);
  CHECK(step(s, 1500, &q) && strcmp(q.method, "getbroadcastmsg") == 0 && q.flag == 0x80);
  CHECK(h_find(q.payload, q.len, "\xa4" "desc" "\xc2", 6) && h_find(q.payload, q.len, "\xa3num\x14", 5) &&
        h_find(q.payload, q.len, "\xa5" "begin" "\xcf\x00\x20\x00\x00\x00\x00\x00\x01", 15));
  /* broadcast page: [1, 900, 31, 2^53+1, false, bin 00 ff, "", INT64_MAX] and a deleted one */
  b_reset(&mp);
  b_byte(&mp, 0x85);
  mp_s(&mp, "num"); b_byte(&mp, 2);
  mp_s(&mp, "lastid"); b_byte(&mp, 2);
  mp_s(&mp, "begin"); mp_i64(&mp, 9007199254740993LL);
  mp_s(&mp, "end"); b_byte(&mp, 0);
  mp_s(&mp, "msgs"); b_byte(&mp, 0xdc); b_be(&mp, 2, 2);
  b_byte(&mp, 0x98); b_byte(&mp, 1); b_byte(&mp, 0xcd); b_be(&mp, 900, 2); b_byte(&mp, 31); b_byte(&mp, 0xcf); b_be(&mp, 9007199254740993ull, 8);
  b_byte(&mp, 0xc2); b_byte(&mp, 0xc4); b_byte(&mp, 2); b_byte(&mp, 0); b_byte(&mp, 0xff); mp_s(&mp, ""); mp_i64(&mp, INT64_MAX);
  b_byte(&mp, 0x98); b_byte(&mp, 2); b_byte(&mp, 1); b_byte(&mp, 30); b_byte(&mp, 9); b_byte(&mp, 0xc3); mp_s(&mp, "gone"); mp_s(&mp, ""); b_byte(&mp, 5);
  b_reset(&pk);
  pkg_answer(&pk, 0x80, q.seq, 0, mp.p, mp.len);
  CHECK(feed_pkg(s, &pk, 1510) == RTM_PUSH_OK);
  e = rec_nth(&r, RTM_PUSH_EV_PUSHBROADCASTAUDIO, 0);
  CHECKM(e && e->ev.from == 900 && e->ev.mid == 9007199254740993LL && e->ev.mtime == INT64_MAX && e->msg_binary &&
        e->msg_len == 2 && e->ev.caught_up && e->ev.encoding == RTM_PUSH_ENC_MSGPACK && e->payload_len == 30, "%s", rec_text(&r));
  CHECK(r.count[RTM_PUSH_EV_PUSHBROADCASTCHAT] == 0); /* deleted */
  CHECK(step(s, 2000, &q) && strcmp(q.method, "getgroupmsg") == 0 && h_find(q.payload, q.len, "\xa3gid\xcf\x7f\xff", 7));
  CHECK(feed_answer(s, q.seq, 0, "{\"num\":0, \"lastid\":0, \"begin\":0, \"end\":0, \"msgs\":[]}", 2010) == RTM_PUSH_OK);
  CHECK(r.count[RTM_PUSH_EV_CATCH_UP] == 1 && rtm_push_watermark(s) == INT64_MAX);
  rtm_push_free(s);
  rec_free(&r);
  b_free(&mp);
  b_free(&pk);
}

/* 200010: the conversation waits 1 s, 2 s, ... and tries again; after RTM_PUSH__CU_RETRIES it fails. */
static void test_catchup_rate_limited(void) {
  rec r;
  rtm_push *s = mk_cu(&r, RTM_PUSH_ENC_JSON);
  quest q;
  uint64_t t = 1500;
  int tries = 0;
  CHECK(rtm_push_catch_up(s, 5) == RTM_PUSH_OK);
  CHECK(take_quest(s, &q));
  CHECK(feed_answer(s, q.seq, 0, "{\"p2p\":[], \"group\":[]}", 1100) == RTM_PUSH_OK);
  while (tries <= RTM_PUSH__CU_RETRIES && step(s, t, &q)) {
    uint64_t d;
    CHECK(strcmp(q.method, "getbroadcastmsg") == 0);
    tries++;
    CHECK(feed_answer(s, q.seq, 1, "{\"code\":200010, \"ex\":\"API frequency limited\"}", t + 5) == RTM_PUSH_OK);
    d = rtm_push_next_deadline(s);
    if (tries <= RTM_PUSH__CU_RETRIES) {
      CHECKM(d == t + 5 + (1000u << (tries - 1)), "try %d: deadline %llu", tries, (unsigned long long)d);
      quest none;
      CHECK(!step(s, d - 1, &none)); /* not before the backoff */
    }
    t = d;
  }
  CHECK(tries == RTM_PUSH__CU_RETRIES + 1);
  CHECK(rec_has(&r, "catch-up of broadcast 0 failed: rate limit (200010) every time (code 200010: API frequency limited)"));
  CHECK(r.count[RTM_PUSH_EV_CATCH_UP] == 1 && rec_nth(&r, RTM_PUSH_EV_CATCH_UP, 0)->ev.counts.errors == 1);
  rtm_push_free(s);
  rec_free(&r);
}

/* The session ends with catch-up quests (and a host quest) waiting: each callback runs exactly once, no CATCH_UP. */
static int g_host_calls;
static void host_cb(rtm_push *cb_s, const rtm_push_answer *a, void *u) {
  (void)cb_s, (void)u;
  if (a->result == RTM_PUSH_E_QUEST_CLOSED) g_host_calls++;
  else g_host_calls += 100;
}
static void test_catchup_closed_midway(void) {
  int how;
  for (how = 0; how < 3; how++) { /* EOF, rtm_push_free, a page that makes the host close */
    rec r;
    rtm_push *s = mk_cu(&r, RTM_PUSH_ENC_JSON);
    quest q, u;
    g_host_calls = 0;
    CHECK(rtm_push_catch_up(s, 7) == RTM_PUSH_OK);
    CHECK(take_quest(s, &u) && strcmp(u.method, "getunread") == 0); /* left unanswered */
    CHECK(step(s, 1500, &q) && strcmp(q.method, "getbroadcastmsg") == 0);
    CHECK(s->cu->in_flight == 2 && s->nquests == 2);
    CHECK(!step(s, 2000, &u)); /* catch_up_in_flight: 2 at most */
    CHECK(h_quest(s, "host.quest", RTM_PUSH_ENC_JSON, NULL, 0, 0, host_cb, NULL, NULL) == RTM_PUSH_OK);
    discard_output(s);
    if (how == 0) {
      CHECK(rtm_push_feed_eof(s, 2100) != RTM_PUSH_OK || rtm_push_current_state(s) >= RTM_PUSH_STATE_CLOSED);
      CHECK(s->cu->in_flight == 0 && s->nquests == 0 && g_host_calls == 1 && !s->cu->active);
      CHECK(r.count[RTM_PUSH_EV_CATCH_UP] == 0 && r.count[RTM_PUSH_EV_CLOSED] == 1);
      rtm_push_free(s);
    } else if (how == 1) {
      rtm_push_free(s);
      CHECK(g_host_calls == 1 && r.count[RTM_PUSH_EV_CATCH_UP] == 0);
    } else {
      CHECK(rtm_push_close(s, 2100) == RTM_PUSH_OK); /* bye: quests still answerable until the end */
      CHECK(feed_answer(s, q.seq, 0, "{\"num\":1, \"lastid\":1, \"begin\":9, \"end\":0, \"msgs\":[[1, 900, 30, 1, false, \"late\", \"\", 9]]}", 2200) == RTM_PUSH_OK);
      CHECK(r.count[RTM_PUSH_EV_PUSHBROADCASTCHAT] == 1); /* delivered, but no new quest while closing */
      CHECK(!take_quest(s, &q) || strcmp(q.method, "bye") == 0);
      CHECK(rtm_push_feed_eof(s, 2300) == RTM_PUSH_OK || rtm_push_current_state(s) >= RTM_PUSH_STATE_CLOSED);
      CHECK(s->cu->in_flight == 0 && s->nquests == 0 && g_host_calls == 1 && r.count[RTM_PUSH_EV_CATCH_UP] == 0);
      rtm_push_free(s);
    }
    rec_free(&r);
  }
}

/* START_FPNN with login (and catch_up as given), logged in at 1000 */
static rtm_push *mk_logged_in(rec *r, int catch_up) {
  rtm_push_config c;
  rtm_push *s;
  quest q;
  memset(r, 0, sizeof *r);
  cfg_init(&c, r, RTM_PUSH_START_FPNN);
  c.no_login = 0;
  c.catch_up = catch_up;
  s = mk_cfg(r, &c);
  CHECK(rtm_push_tick(s, 1000) == RTM_PUSH_OK);
  CHECK(take_quest(s, &q) && strcmp(q.method, "auth") == 0);
  CHECK(feed_answer(s, q.seq, 0, "{\"ok\":true}", 1000) == RTM_PUSH_OK);
  return s;
}

/* A logged-in session: the catch-up starts at the login after a reconnect, from the watermark at the loss. With
   catch_up = 0 the same run sends no quest at all. */
static void test_catchup_after_relogin(void) {
  int on;
  for (on = 0; on < 2; on++) {
    rec r;
    rtm_push *s = mk_logged_in(&r, on);
    quest q;
    CHECK(!take_quest(s, &q)); /* the first login: nothing to catch up */
    CHECK(feed_jpush(s, 1, 1, "pushgroupmsg", "{\"from\":5, \"gid\":31, \"mtype\":30, \"mid\":1, \"msg\":\"a\", \"attrs\":\"\", \"mtime\":5000}") == RTM_PUSH_OK);
    discard_output(s);
    CHECK(rtm_push_feed_eof(s, 2000) == RTM_PUSH_E_EOF);
    CHECK(rtm_push_reconnect(s, rtm_push_reconnect_at(s)) == RTM_PUSH_OK);
    CHECK(take_quest(s, &q) && strcmp(q.method, "auth") == 0);
    CHECK(feed_answer(s, q.seq, 0, "{\"ok\":true}", 2100) == RTM_PUSH_OK);
    if (!on) {
      CHECK(!take_quest(s, &q) && rtm_push_next_deadline(s) == 2100 + 60000); /* only the ping watchdog */
      CHECK(rtm_push_watermark(s) == 5000);
    } else {
      CHECK(take_quest(s, &q) && strcmp(q.method, "getunread") == 0);
      /* a push after the relogin moves the watermark, not the catch-up's start */
      CHECK(feed_jpush(s, 1, 1, "pushgroupmsg", "{\"from\":5, \"gid\":31, \"mtype\":30, \"mid\":2, \"msg\":\"b\", \"attrs\":\"\", \"mtime\":9000}") == RTM_PUSH_OK);
      discard_output(s);
      CHECK(rtm_push_watermark(s) == 9000);
      CHECK(feed_answer(s, q.seq, 0, "{\"p2p\":[], \"group\":[31]}", 2200) == RTM_PUSH_OK);
      CHECK(step(s, 2600, &q) && strcmp(q.method, "getbroadcastmsg") == 0 && has(&q, "\"begin\":5000"));
      /* the connection drops mid-catch-up: the next login starts over from 5000, not 9000 */
      CHECK(rtm_push_feed_eof(s, 2700) == RTM_PUSH_E_EOF);
      CHECK(s->cu->in_flight == 0 && s->nquests == 0);
      CHECK(rtm_push_reconnect(s, rtm_push_reconnect_at(s)) == RTM_PUSH_OK);
      CHECK(take_quest(s, &q) && strcmp(q.method, "auth") == 0);
      CHECK(feed_answer(s, q.seq, 0, "{\"ok\":true}", 2800) == RTM_PUSH_OK);
      CHECK(!take_quest(s, &q) && rtm_push_next_deadline(s) == 3100); /* the pacing holds across catch-ups */
      CHECK(step(s, 3100, &q) && strcmp(q.method, "getunread") == 0);
      CHECK(feed_answer(s, q.seq, 0, "{\"p2p\":[], \"group\":[31]}", 3150) == RTM_PUSH_OK);
      CHECK(step(s, 3600, &q) && strcmp(q.method, "getbroadcastmsg") == 0 && has(&q, "\"begin\":5000"));
      CHECK(r.count[RTM_PUSH_EV_CATCH_UP] == 0);
    }
    CHECK(rtm_push_set_watermark(s, -1) == RTM_PUSH_E_INVALID_ARG && rtm_push_set_watermark(s, 77) == RTM_PUSH_OK &&
          rtm_push_watermark(s) == 77);
    rtm_push_free(s);
    rec_free(&r);
  }
}

/* Without config.catch_up, a catch-up started by the host and cut by a lost connection goes on at the next login
   where it stopped (the quests that were waiting are sent again), and ends with its CATCH_UP. */
static void test_catchup_explicit_resumes(void) {
  rec r;
  rtm_push *s = mk_logged_in(&r, 0);
  quest q;
  CHECK(rtm_push_catch_up(s, 4000) == RTM_PUSH_OK);
  CHECK(take_quest(s, &q) && strcmp(q.method, "getunread") == 0);
  CHECK(feed_answer(s, q.seq, 0, "{\"p2p\":[], \"group\":[]}", 1100) == RTM_PUSH_OK);
  CHECK(step(s, 1500, &q) && strcmp(q.method, "getbroadcastmsg") == 0); /* waiting when the connection drops */
  CHECK(rtm_push_feed_eof(s, 1600) == RTM_PUSH_E_EOF);
  CHECK(s->cu->in_flight == 0 && s->nquests == 0 && r.count[RTM_PUSH_EV_CATCH_UP] == 0);
  CHECK(rtm_push_reconnect(s, rtm_push_reconnect_at(s)) == RTM_PUSH_OK);
  CHECK(take_quest(s, &q) && strcmp(q.method, "auth") == 0);
  CHECK(feed_answer(s, q.seq, 0, "{\"ok\":true}", 1700) == RTM_PUSH_OK);
  CHECK(rtm_push_next_deadline(s) == 2000);
  CHECK(step(s, 2000, &q) && strcmp(q.method, "getbroadcastmsg") == 0 && has(&q, "\"begin\":4000"));
  CHECK(feed_answer(s, q.seq, 0, "{\"num\":0, \"lastid\":0, \"begin\":4000, \"end\":0, \"msgs\":[]}", 2010) == RTM_PUSH_OK);
  CHECK(r.count[RTM_PUSH_EV_CATCH_UP] == 1 && rec_nth(&r, RTM_PUSH_EV_CATCH_UP, 0)->ev.counts.pages == 1);
  rtm_push_free(s);
  rec_free(&r);
}

static void test_catchup_api(void) {
  rec r;
  rtm_push_config c;
  rtm_push *s;
  memset(&r, 0, sizeof r);
  cfg_init(&c, &r, RTM_PUSH_START_FPNN);
  c.no_login = 0;
  s = mk_cfg(&r, &c);
  CHECK(rtm_push_catch_up(s, 5) == RTM_PUSH_E_STATE); /* not READY */
  CHECK(rtm_push_catch_up(NULL, 5) == RTM_PUSH_E_INVALID_ARG && rtm_push_watermark(NULL) == 0);
  CHECK(rtm_push_current_config(s)->catch_up_rate == 2 && rtm_push_current_config(s)->catch_up_in_flight == 2);
  rtm_push_free(s);
  c.catch_up_rate = 1001;
  CHECK(rtm_push_new(&s, &c) == RTM_PUSH_E_CONFIG);
  CHECK(strcmp(rtm_push_strerror(RTM_PUSH_E_CATCH_UP), "catch-up: a conversation could not be fetched (the message names it)") == 0 &&
        !rtm_push_is_fatal(RTM_PUSH_E_CATCH_UP));
  rec_free(&r);
}

static const test_def g_tests[] = {
  T(test_catchup_paging_errors_timeout),
  T(test_catchup_dedup_both_ways),
  T(test_catchup_msgpack),
  T(test_catchup_rate_limited),
  T(test_catchup_closed_midway),
  T(test_catchup_after_relogin),
  T(test_catchup_explicit_resumes),
  T(test_catchup_api),
};
TEST_MAIN(g_tests)
