/* Duplicate pushes and excludedUids: the dedup table (capacity, TTL, against a model, off) and the pushes
   that name our uid. */
#include "harness.h"

/* ================================================================================================ */
/* >>dedup and excludedUids                                                                         */
/* ================================================================================================ */
static void test_dedup_basic(void) {
  rec r;
  rtm_push *s;
  uint32_t seq = 1;
  memset(&r, 0, sizeof r);
  s = mk(&r, RTM_PUSH_START_FPNN);
  CHECK(feed_jpush(s, 1, seq++, "pushmsg", "{\"from\":7, \"to\":1, \"mid\":100, \"msg\":\"a\"}") == RTM_PUSH_OK);
  CHECK(feed_jpush(s, 1, seq++, "pushmsg", "{\"from\":7, \"to\":1, \"mid\":100, \"msg\":\"a\"}") == RTM_PUSH_OK);
  CHECK(r.count[RTM_PUSH_EV_PUSHMSG] == 1);
  /* same category, other event (mtype): still the same key */
  CHECK(feed_jpush(s, 1, seq++, "pushmsg", "{\"from\":7, \"to\":1, \"mid\":100, \"mtype\":30, \"msg\":\"a\"}") == RTM_PUSH_OK);
  CHECK(r.count[RTM_PUSH_EV_PUSHCHAT] == 0);
  CHECK(count_answers(s) == 3); /* every duplicate is answered */
  /* other target, other from, other mid, other category: delivered */
  CHECK(feed_jpush(s, 1, seq++, "pushmsg", "{\"from\":7, \"to\":2, \"mid\":100}") == RTM_PUSH_OK);
  CHECK(feed_jpush(s, 1, seq++, "pushmsg", "{\"from\":8, \"to\":1, \"mid\":100}") == RTM_PUSH_OK);
  CHECK(feed_jpush(s, 1, seq++, "pushmsg", "{\"from\":7, \"to\":1, \"mid\":101}") == RTM_PUSH_OK);
  CHECK(r.count[RTM_PUSH_EV_PUSHMSG] == 4);
  CHECK(feed_jpush(s, 1, seq++, "pushgroupmsg", "{\"from\":7, \"gid\":1, \"mid\":100}") == RTM_PUSH_OK);
  CHECK(feed_jpush(s, 1, seq++, "pushroommsg", "{\"from\":7, \"rid\":1, \"mid\":100}") == RTM_PUSH_OK);
  CHECK(feed_jpush(s, 1, seq++, "pushbroadcastmsg", "{\"from\":7, \"mid\":100}") == RTM_PUSH_OK);
  CHECK(feed_jpush(s, 1, seq++, "pushgroupmsg", "{\"from\":7, \"gid\":2, \"mid\":100}") == RTM_PUSH_OK);
  CHECK(r.count[RTM_PUSH_EV_PUSHGROUPMSG] == 2 && r.count[RTM_PUSH_EV_PUSHROOMMSG] == 1 &&
        r.count[RTM_PUSH_EV_PUSHBROADCASTMSG] == 1);
  /* and each of those is now a duplicate */
  CHECK(feed_jpush(s, 1, seq++, "pushgroupmsg", "{\"from\":7, \"gid\":1, \"mid\":100, \"msg\":\"again\"}") == RTM_PUSH_OK);
  CHECK(feed_jpush(s, 1, seq++, "pushroommsg", "{\"from\":7, \"rid\":1, \"mid\":100}") == RTM_PUSH_OK);
  CHECK(feed_jpush(s, 1, seq++, "pushbroadcastmsg", "{\"from\":7, \"mid\":100}") == RTM_PUSH_OK);
  CHECK(r.count[RTM_PUSH_EV_PUSHGROUPMSG] == 2 && r.count[RTM_PUSH_EV_PUSHROOMMSG] == 1 &&
        r.count[RTM_PUSH_EV_PUSHBROADCASTMSG] == 1);
  /* Int64 extremes in the key */
  CHECK(feed_jpush(s, 1, seq++, "pushmsg", "{\"from\":-9223372036854775808, \"to\":9223372036854775807, \"mid\":-1}") == RTM_PUSH_OK);
  CHECK(feed_jpush(s, 1, seq++, "pushmsg", "{\"from\":-9223372036854775808, \"to\":9223372036854775807, \"mid\":-1}") == RTM_PUSH_OK);
  CHECK(feed_jpush(s, 1, seq++, "pushmsg", "{\"from\":-9223372036854775808, \"to\":9223372036854775807, \"mid\":1}") == RTM_PUSH_OK);
  CHECK(r.count[RTM_PUSH_EV_PUSHMSG] == 6);
  /* mid 0 or absent: never suppressed */
  CHECK(feed_jpush(s, 1, seq++, "pushmsg", "{\"from\":7, \"to\":1, \"mid\":0}") == RTM_PUSH_OK);
  CHECK(feed_jpush(s, 1, seq++, "pushmsg", "{\"from\":7, \"to\":1, \"mid\":0}") == RTM_PUSH_OK);
  CHECK(feed_jpush(s, 1, seq++, "pushmsg", "{\"from\":7, \"to\":1}") == RTM_PUSH_OK);
  CHECK(feed_jpush(s, 1, seq++, "pushmsg", "{\"from\":7, \"to\":1}") == RTM_PUSH_OK);
  CHECK(feed_jpush(s, 1, seq++, "pushmsg", "{\"from\":7, \"to\":1, \"mid\":null}") == RTM_PUSH_OK);
  CHECK(r.count[RTM_PUSH_EV_PUSHMSG] == 11);
  /* pings and kickoutroom are never deduplicated */
  CHECK(feed_jpush(s, 1, seq++, "ping", "{\"mid\":5}") == RTM_PUSH_OK);
  CHECK(feed_jpush(s, 1, seq++, "ping", "{\"mid\":5}") == RTM_PUSH_OK);
  CHECK(r.count[RTM_PUSH_EV_PING] == 2);
  CHECK(r.count[RTM_PUSH_EV_ERROR] == 0);
  rtm_push_free(s);
  rec_free(&r);
}
static void test_dedup_capacity(void) {
  rec r;
  rtm_push *s;
  rtm_push_config c;
  uint32_t seq = 1;
  int i;
  char json[80];
  memset(&r, 0, sizeof r);
  cfg_init(&c, &r, RTM_PUSH_START_FPNN);
  c.limits.dedup_capacity = 4;
  s = mk_cfg(&r, &c);
  CHECK(rtm_push_current_config(s)->limits.dedup_capacity == 4);
  for (i = 1; i <= 5; i++) {
    snprintf(json, sizeof json, "{\"from\":1, \"to\":2, \"mid\":%d}", i);
    CHECK(feed_jpush(s, 1, seq++, "pushmsg", json) == RTM_PUSH_OK);
  }
  CHECK(r.count[RTM_PUSH_EV_PUSHMSG] == 5);
  /* 2..5 are remembered */
  for (i = 2; i <= 5; i++) {
    snprintf(json, sizeof json, "{\"from\":1, \"to\":2, \"mid\":%d}", i);
    CHECK(feed_jpush(s, 1, seq++, "pushmsg", json) == RTM_PUSH_OK);
  }
  CHECK(r.count[RTM_PUSH_EV_PUSHMSG] == 5);
  /* 1 was evicted: delivered again (and now evicts 2) */
  CHECK(feed_jpush(s, 1, seq++, "pushmsg", "{\"from\":1, \"to\":2, \"mid\":1}") == RTM_PUSH_OK);
  CHECK(r.count[RTM_PUSH_EV_PUSHMSG] == 6);
  CHECK(feed_jpush(s, 1, seq++, "pushmsg", "{\"from\":1, \"to\":2, \"mid\":1}") == RTM_PUSH_OK);
  CHECK(feed_jpush(s, 1, seq++, "pushmsg", "{\"from\":1, \"to\":2, \"mid\":5}") == RTM_PUSH_OK);
  CHECK(r.count[RTM_PUSH_EV_PUSHMSG] == 6);
  CHECK(feed_jpush(s, 1, seq++, "pushmsg", "{\"from\":1, \"to\":2, \"mid\":2}") == RTM_PUSH_OK);
  CHECK(r.count[RTM_PUSH_EV_PUSHMSG] == 7);
  /* many keys through a small table: the probe table stays consistent */
  for (i = 100; i < 3000; i++) {
    snprintf(json, sizeof json, "{\"from\":%d, \"to\":2, \"mid\":%d}", i % 7, i);
    CHECK(feed_jpush(s, 1, seq++, "pushmsg", json) == RTM_PUSH_OK);
    if (i % 3 == 0) { /* the latest key is always a duplicate */
      CHECK(feed_jpush(s, 1, seq++, "pushmsg", json) == RTM_PUSH_OK);
    }
  }
  CHECK(r.count[RTM_PUSH_EV_PUSHMSG] == 7 + 2900);
  rtm_push_free(s);
  rec_free(&r);
}
static void test_dedup_capacity_one(void) {
  rec r;
  rtm_push *s;
  rtm_push_config c;
  memset(&r, 0, sizeof r);
  cfg_init(&c, &r, RTM_PUSH_START_FPNN);
  c.limits.dedup_capacity = 1;
  s = mk_cfg(&r, &c);
  CHECK(feed_jpush(s, 1, 1, "pushmsg", "{\"from\":1, \"mid\":1}") == RTM_PUSH_OK);
  CHECK(feed_jpush(s, 1, 2, "pushmsg", "{\"from\":1, \"mid\":1}") == RTM_PUSH_OK);
  CHECK(feed_jpush(s, 1, 3, "pushmsg", "{\"from\":1, \"mid\":2}") == RTM_PUSH_OK);
  CHECK(feed_jpush(s, 1, 4, "pushmsg", "{\"from\":1, \"mid\":1}") == RTM_PUSH_OK); /* evicted by 2 */
  CHECK(feed_jpush(s, 1, 5, "pushmsg", "{\"from\":1, \"mid\":1}") == RTM_PUSH_OK);
  CHECK(r.count[RTM_PUSH_EV_PUSHMSG] == 3);
  rtm_push_free(s);
  rec_free(&r);
}
/* The dedup index against the ring, checked whole: every live entry's slot holds its ring index and tag, no other
   slot is used, and each bucket's pass counter is the number of live entries placed beyond it (255: stuck). */
static int dedup_consistent(const rtm_push *s) {
  uint32_t nb = s->dd_bmask + 1, i, b, live = 0, *passed;
  int ok = 1;
  if (!s->dd_ring) return s->dd_count == 0;
  passed = (uint32_t *)calloc(nb, sizeof *passed);
  if (!passed) return 0;
  for (i = 0; i < s->dd_count; i++) {
    uint32_t ri = (s->dd_head + i) % s->cfg.limits.dedup_capacity, slot = s->dd_ring[ri].cs >> 4;
    const rtm_push__dent *e = &s->dd_ring[ri];
    if (slot >= 4 * nb || s->dd_idx[slot] != ((e->hash & ~s->dd_imask) | (ri + 1))) ok = 0;
    for (b = e->hash & s->dd_bmask; ok && b != slot >> 2; b = (b + 1) & s->dd_bmask) passed[b]++;
  }
  for (i = 0; i < 4 * nb; i++) live += s->dd_idx[i] != 0;
  for (b = 0; b < nb; b++) if (s->dd_ovf[b] != passed[b]) ok = 0; /* exact: they never saturate */
  free(passed);
  return ok && live == s->dd_count;
}
/* The dedup table against a model (a key is remembered while its insertion is among the last `capacity`),
   evictions and duplicates all along: with the real hash, and with hashes that send every key to one of 5
   buckets (chains of full buckets, pass counters past 255, tags that always match). */
static void test_dedup_model(void) {
  static const uint32_t caps[] = {1, 3, 64, 1024, 65534, 65535, 70000};
  size_t ci;
  int crafted;
  for (crafted = 0; crafted < 2; crafted++)
    for (ci = 0; ci < sizeof caps / sizeof caps[0] && (!crafted || caps[ci] <= 1024); ci++) {
      uint32_t cap = caps[ci], keys = 2 * cap + 7, i, ops = 4 * cap + 1000, stuck = 0;
      long *last = (long *)malloc(sizeof(long) * keys), ins = 0, dups = 0, bad = 0;
      rec r;
      rtm_push *s;
      rtm_push_config c;
      memset(&r, 0, sizeof r);
      cfg_init(&c, &r, RTM_PUSH_START_FPNN);
      c.limits.dedup_capacity = cap;
      s = mk_cfg(&r, &c);
      if (!last) { CHECK(0); rtm_push_free(s); return; }
      for (i = 0; i < keys; i++) last[i] = -1;
      for (i = 0; i < ops; i++) {
        uint32_t k = rnd32() % keys;
        rtm_push__dent e;
        int got, want = last[k] >= 0 && last[k] >= ins - (long)cap;
        memset(&e, 0, sizeof e);
        e.cs = 1 + k % 3;
        e.target = (int64_t)(k % 5);
        e.from = (int64_t)(k / 7) * 1000003;
        e.mid = INT64_MAX - (int64_t)k;
        e.t = s->now;
        e.hash = crafted ? k % 5 : rtm_push__dd_hash(s, &e);
        got = rtm_push__dd_check(s, &e);
        if (!want) last[k] = ins++;
        dups += want;
        if (got != want && bad++ < 3) CHECKM(0, "capacity %u, op %u, key %u: table %d, model %d", cap, i, k, got, want);
        if ((cap <= 64 || (cap <= 1024 && i % 64 == 0)) && !dedup_consistent(s) && bad++ < 3)
          CHECKM(0, "capacity %u, op %u: the index does not match the ring", cap, i);
      }
      CHECKM(dedup_consistent(s), "capacity %u: the index does not match the ring at the end", cap);
      for (i = 0; i <= s->dd_bmask; i++) stuck += s->dd_ovf[i] > 255; /* counted exactly (they once stuck at 255) */
      CHECKM(bad == 0 && dups > (long)ops / 20, "capacity %u: %ld wrong of %u (%ld duplicates)", cap, bad, ops, dups);
      if (crafted && cap == 1024) CHECKM(stuck > 0, "no pass counter went past 255");
      free(last);
      rtm_push_free(s);
      rec_free(&r);
    }
}
static void test_dedup_ttl(void) {
  rec r;
  rtm_push *s;
  rtm_push_config c;
  memset(&r, 0, sizeof r);
  cfg_init(&c, &r, RTM_PUSH_START_FPNN);
  c.limits.dedup_ttl_ms = 1000;
  s = mk_cfg(&r, &c);
  CHECK(feed_jpush_at(s, 10000, 1, "pushmsg", "{\"from\":1, \"mid\":9}") == RTM_PUSH_OK);
  CHECK(feed_jpush_at(s, 10500, 2, "pushmsg", "{\"from\":1, \"mid\":10}") == RTM_PUSH_OK);
  CHECK(feed_jpush_at(s, 10999, 3, "pushmsg", "{\"from\":1, \"mid\":9}") == RTM_PUSH_OK);
  CHECK(r.count[RTM_PUSH_EV_PUSHMSG] == 2);
  CHECK(feed_jpush_at(s, 11000, 4, "pushmsg", "{\"from\":1, \"mid\":9}") == RTM_PUSH_OK); /* expired */
  CHECK(r.count[RTM_PUSH_EV_PUSHMSG] == 3);
  CHECK(feed_jpush_at(s, 11499, 5, "pushmsg", "{\"from\":1, \"mid\":10}") == RTM_PUSH_OK); /* not yet */
  CHECK(feed_jpush_at(s, 11500, 6, "pushmsg", "{\"from\":1, \"mid\":9}") == RTM_PUSH_OK);  /* re-remembered at 11000 */
  CHECK(r.count[RTM_PUSH_EV_PUSHMSG] == 3);
  CHECK(feed_jpush_at(s, 11500, 7, "pushmsg", "{\"from\":1, \"mid\":10}") == RTM_PUSH_OK);
  CHECK(r.count[RTM_PUSH_EV_PUSHMSG] == 4);
  rtm_push_free(s);
  rec_free(&r);
}
static void test_dedup_off(void) {
  rec r;
  rtm_push *s;
  rtm_push_config c;
  memset(&r, 0, sizeof r);
  cfg_init(&c, &r, RTM_PUSH_START_FPNN);
  c.no_dedup = 1;
  s = mk_cfg(&r, &c);
  CHECK(feed_jpush(s, 1, 1, "pushmsg", "{\"from\":1, \"mid\":9}") == RTM_PUSH_OK);
  CHECK(feed_jpush(s, 1, 2, "pushmsg", "{\"from\":1, \"mid\":9}") == RTM_PUSH_OK);
  CHECK(feed_jpush(s, 1, 3, "pushmsg", "{\"from\":1, \"mid\":9}") == RTM_PUSH_OK);
  CHECK(r.count[RTM_PUSH_EV_PUSHMSG] == 3);
  rtm_push_free(s);
  rec_free(&r);
}
/* attrs (a JSON string, escaped into the push) -> delivered or not, for a given uid */
static int excluded_case(int64_t uid, const char *attrs_json_escaped, int msgpack) {
  rec r;
  rtm_push *s;
  rtm_push_config c;
  int delivered, answers;
  memset(&r, 0, sizeof r);
  cfg_init(&c, &r, RTM_PUSH_START_FPNN);
  c.uid = uid;
  s = mk_cfg(&r, &c);
  if (msgpack) {
    bytes m = {0, 0, 0}, raw = {0, 0, 0};
    const char *p;
    /* unescape the \" of the literal */
    for (p = attrs_json_escaped; *p; p++) {
      if (*p == '\\' && p[1]) p++;
      b_byte(&raw, (uint8_t)*p);
    }
    b_byte(&m, 0x83);
    mp_s(&m, "from"); b_byte(&m, 7);
    mp_s(&m, "mid"); b_byte(&m, 0x11);
    mp_s(&m, "attrs"); mp_str_form(&m, raw.p, raw.len, 0);
    CHECK(feed_mpush(s, 1, 1, "pushmsg", &m) == RTM_PUSH_OK);
    b_free(&m);
    b_free(&raw);
  } else {
    char json[400];
    snprintf(json, sizeof json, "{\"from\":7, \"mid\":17, \"attrs\":\"%s\"}", attrs_json_escaped);
    CHECK(feed_jpush(s, 1, 1, "pushmsg", json) == RTM_PUSH_OK);
  }
  delivered = r.count[RTM_PUSH_EV_PUSHMSG];
  answers = count_answers(s);
  CHECK(answers == 1); /* answered either way */
  CHECK(r.count[RTM_PUSH_EV_ERROR] == 0);
  rtm_push_free(s);
  rec_free(&r);
  return delivered;
}
static void test_excluded_uids(void) {
  int mp;
  for (mp = 0; mp < 2; mp++) {
    CHECK(excluded_case(4242, "{\\\"excludedUids\\\":[\\\"4242\\\",\\\"7\\\"]}", mp) == 0);
    CHECK(excluded_case(7, "{\\\"excludedUids\\\":[\\\"4242\\\",\\\"7\\\"]}", mp) == 0);
    CHECK(excluded_case(4242, "{\\\"excludedUids\\\":[4242]}", mp) == 0);
    CHECK(excluded_case(4242, "{\\\"rtm\\\":{}, \\\"excludedUids\\\" : [ 1 , 4242 ] , \\\"x\\\":1}", mp) == 0);
    CHECK(excluded_case(9007199254740993LL, "{\\\"excludedUids\\\":[9007199254740993]}", mp) == 0);
    CHECK(excluded_case(9007199254740993LL, "{\\\"excludedUids\\\":[\\\"9007199254740993\\\"]}", mp) == 0);
    CHECK(excluded_case(-5, "{\\\"excludedUids\\\":[-5]}", mp) == 0);
    CHECK(excluded_case(INT64_MAX, "{\\\"excludedUids\\\":[\\\"9223372036854775807\\\"]}", mp) == 0);
    /* not excluded */
    CHECK(excluded_case(9007199254740993LL, "{\\\"excludedUids\\\":[9007199254740992]}", mp) == 1); /* no double rounding */
    CHECK(excluded_case(9007199254740993LL, "{\\\"excludedUids\\\":[\\\"9007199254740992\\\"]}", mp) == 1);
    CHECK(excluded_case(4242, "{\\\"excludedUids\\\":[\\\"1\\\",2,\\\"42420\\\",424]}", mp) == 1);
    CHECK(excluded_case(4242, "{\\\"excludedUids\\\":[]}", mp) == 1);
    CHECK(excluded_case(4242, "{\\\"excludedUids\\\":\\\"4242\\\"}", mp) == 1);
    CHECK(excluded_case(4242, "{\\\"other\\\":[4242], \\\"excludedUids\\\":[1]}", mp) == 1);
    CHECK(excluded_case(4242, "{\\\"x\\\":{\\\"excludedUids\\\":[4242]}}", mp) == 1);
    CHECK(excluded_case(4242, "{\\\"excludedUids\\\":[4242.0]}", mp) == 1);
    CHECK(excluded_case(4242, "excludedUids 4242", mp) == 1);
    CHECK(excluded_case(4242, "", mp) == 1);
  }
}


/* ================================================================================================ */
/* >>runner                                                                                         */
/* ================================================================================================ */
static void i20_check(int ok, const char *what) { CHECKM(ok, "%s", what); }
/* >>issue 20: an unkeyed, invertible hash and overflow counters that stuck at 255 ---------------------- */
/* 20a: the duplicate table's hash before it had a key (7ff04e2): a sender who knows it picks mids that share
   one bucket. Copied here to compute such mids. */
static uint32_t unkeyed_dd_hash(uint32_t cs, int64_t target, int64_t from, int64_t mid) {
  uint64_t h = (uint64_t)mid * 0x9E3779B97F4A7C15ull;
  h ^= (uint64_t)from * 0xC2B2AE3D27D4EB4Full + (h >> 31);
  h ^= (uint64_t)target * 0x165667B19E3779F9ull + (cs & 15u);
  h ^= h >> 29;
  h *= 0xBF58476D1CE4E5B9ull;
  h ^= h >> 32;
  return (uint32_t)h;
}
static void test_dedup_issue20_keyed_hash_and_recovery(void) {
  rtm_push *s;
  bytes pk = {0, 0, 0};
  char json[200];
  int64_t mid = 1;
  uint32_t i, found = 0;
  uint64_t probes = 0;
  { /* 20a: 1,100 room messages whose mids all land in bucket 0 of the default table (1,024 buckets) under the
       unkeyed hash; the last 100 lookups must not walk the table */
    s = mk_bare(NULL, NULL, 0);
    rtm_push_tick(s, 1);
    while (found < 1100) {
      if ((unkeyed_dd_hash(RTM_PUSH_CAT_ROOM, 7, 99, mid) & 1023) == 0) {
        snprintf(json, sizeof json, "{\"from\":99,\"rid\":7,\"mid\":%lld,\"mtype\":30,\"msg\":\"m\",\"attrs\":\"\",\"mtime\":1}", (long long)mid);
        b_reset(&pk);
        pkg_jquest(&pk, 1, found + 1, "pushroommsg", json);
        if (found == 1000) probes = s->dd_probes;
        rtm_push_feed(s, pk.p, pk.len, 2);
        discard_output(s);
        found++;
      }
      mid++;
    }
    b_free(&pk);
    probes = s->dd_probes - probes;
    h_note("20a: %llu index buckets read by the last 100 lookups (%u crafted mids)", (unsigned long long)probes, found);
    i20_check(s->dd_count == 1024 && probes <= 300, "20a: mids crafted against the unkeyed hash: the last 100 lookups read <= 3 buckets each on average");
    rtm_push_free(s);
  }
  { /* 20b: a flood into one bucket (hashes forced), then it expires: lookups are short again */
    rtm_push_config c;
    rtm_push__dent e;
    uint64_t before, worst = 0;
    memset(&c, 0, sizeof c);
    c.start = RTM_PUSH_START_FPNN, c.no_login = 1, c.token = "t", c.entropy = test_entropy;
    c.limits.dedup_ttl_ms = 1000;
    s = NULL;
    rtm_push_new(&s, &c);
    rtm_push_tick(s, 1000);
    for (i = 0; i < 1000; i++) { /* 1,000 keys, one hash: they fill the buckets after bucket 0x345 */
      memset(&e, 0, sizeof e);
      e.cs = RTM_PUSH_CAT_P2P, e.target = 1, e.from = 2, e.mid = (int64_t)i, e.t = s->now, e.hash = 0x12345u;
      rtm_push__dd_check(s, &e);
    }
    rtm_push_tick(s, 3000); /* all expired */
    for (i = 0; i < 2000; i++) { /* new keys, spread over every bucket (the first 4 at the flood's home) */
      memset(&e, 0, sizeof e);
      e.cs = RTM_PUSH_CAT_P2P, e.target = 1, e.from = 3, e.mid = (int64_t)i, e.t = s->now;
      e.hash = i < 4 ? 0x12345u + (i << 20) : (uint32_t)(i * 2654435761u);
      before = s->dd_probes;
      rtm_push__dd_check(s, &e);
      if (s->dd_probes - before > worst) worst = s->dd_probes - before;
    }
    h_note("20b: after the flood expired, the longest of 2000 lookups read %llu buckets", (unsigned long long)worst);
    i20_check(s->dd_count == 1024 && worst <= 8, "20b: once a flood has aged out, no lookup walks its buckets (<= 8 read)");
    rtm_push_free(s);
  }
}

static const test_def g_tests[] = {
  T(test_dedup_issue20_keyed_hash_and_recovery),
  T(test_dedup_basic),
  T(test_dedup_capacity),
  T(test_dedup_capacity_one),
  T(test_dedup_model),
  T(test_dedup_ttl),
  T(test_dedup_off),
  T(test_excluded_uids),
};
TEST_MAIN(g_tests)
