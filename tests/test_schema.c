/* Schema and routing: which event each wire method and mtype becomes, control methods, missing fields,
   files and translations; then the event printer (rtm_push_event_to_json) that the schema's field table
   drives. */
#include "harness.h"

/* ================================================================================================ */
/* >>routing                                                                                        */
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
  int m, k, seen[RTM_PUSH_EV_COUNT];
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
  CHECK(rtm_push_current_state(s) == RTM_PUSH_STATE_READY);
  drain(s, &out);
  CHECK(feed_jpush(s, 0, 0, "kickout", "{}") == RTM_PUSH_OK);
  e = rec_last(&r);
  CHECK(e && e->ev.type == RTM_PUSH_EV_KICKOUT && e->ev.kind == RTM_PUSH_KIND_KICKOUT);
  CHECK(rtm_push_current_state(s) == RTM_PUSH_STATE_READY); /* no_login (decode only): delivered like a push */
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
/* >>rtm_push_event_to_json                                                                         */
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
  ev.msg = mkstr("\"\\/\b\f\n\r\t\x01\x1f\x7f\xc3\xa9\0\xc2\x9b\xc2\xa0", 18, 0);
  json_of(&ev, buf, sizeof buf);
  CHECKM(strcmp(buf, "{\"event\":\"pushmsg\",\"method\":\"pushmsg\",\"twoway\":false,"
                     "\"msg\":\"\\\"\\\\/\\b\\f\\n\\r\\t\\u0001\\u001f\\u007f\xc3\xa9\\u0000\\u009b\xc2\xa0\"}") == 0, "%s", buf);
  /* DEL and the C1 controls (here U+009B, CSI) escaped like C0: no line a terminal acts on (issue 20) */
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
/* >>regressions: defects a code review found, each pinned down (the finding's number in brackets)  */
/* ================================================================================================ */
/* Guards [7]: printing a translation object with its members absent did NULL + 0 arithmetic (UBSan). */
static void test_fix_print_translation_without_members(void) {
  char line[512];
  rtm_push_event ev;
  memset(&ev, 0, sizeof ev);
  ev.type = RTM_PUSH_EV_PUSHCHAT, ev.name = "pushchat", ev.fields = RTM_PUSH_F_MSG, ev.msg_is_translation = 1;
  CHECKM(rtm_push_event_to_json(&ev, line, sizeof line) > 0 && strstr(line, "\"msg\":{\"source\":\"\""),
         "printing a translation object with absent members");
}

/* ================================================================================================ */
/* >>runner                                                                                         */
/* ================================================================================================ */
static const test_def g_tests[] = {
  T(test_routing_table),
  T(test_routing_derived_wire),
  T(test_routing_control),
  T(test_routing_missing_fields),
  T(test_routing_file),
  T(test_routing_translation_json),
  T(test_bug_translation_missing_members),
  T(test_fix_print_translation_without_members),
  T(test_json_snprintf),
  T(test_json_escaping_and_base64),
  T(test_json_other_events),
};
TEST_MAIN(g_tests)
