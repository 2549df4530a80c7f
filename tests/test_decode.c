/* Payload decoding, in memory: Int64 and int32 fields, JSON strings, escapes, UTF-8 and syntax, msgpack
   integers, strings, translation objects, skipping and malformed input, and the nesting limit of both. */
#include "harness.h"

/* ================================================================================================ */
/* >>Int64                                                                                          */
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
    CHECK(rtm_push_current_state(s) == RTM_PUSH_STATE_READY);
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
/* >>JSON strings                                                                                   */
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
  CHECK(rtm_push_current_state(s) == RTM_PUSH_STATE_READY);
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
  CHECK(rtm_push_current_state(s) == RTM_PUSH_STATE_READY);
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
    CHECK(rtm_push_current_state(s) == RTM_PUSH_STATE_READY);
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
  CHECK(rtm_push_current_state(s) == RTM_PUSH_STATE_READY);
  rtm_push_free(s);
  rec_free(&r);
}

/* ================================================================================================ */
/* >>msgpack                                                                                        */
/* ================================================================================================ */
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
  CHECK(rtm_push_current_state(s) == RTM_PUSH_STATE_READY);
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
  CHECK(rtm_push_current_state(s) == RTM_PUSH_STATE_READY);
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
/* >>runner                                                                                         */
/* ================================================================================================ */
static const test_def g_tests[] = {
  T(test_parse_int64),
  T(test_int64_json),
  T(test_int32_mtype),
  T(test_json_escapes),
  T(test_json_utf8),
  T(test_json_string_errors),
  T(test_json_style),
  T(test_msgpack_ints),
  T(test_msgpack_strings),
  T(test_msgpack_translation),
  T(test_msgpack_skip),
  T(test_msgpack_malformed),
  T(test_payload_depth),
};
TEST_MAIN(g_tests)
