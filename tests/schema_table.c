/* The schema's tables. Without arguments: prints the full events table from the schema tables of rtm_push.h.
   --overview: the category x kind overview that README.md carries; --markdown: the whole of docs/events.md
   (tests/run.sh checks that README carries exactly that overview and that docs/events.md is exactly that output,
   so the docs cannot drift from the code: after a schema change, build/schema_table --markdown >docs/events.md).
   --check: the header's constant lookup tables (rtm_push__evtab, __ftab, __fkeys, __jpat, __jlen, __mpat,
   __jkinds) equal what the builders below make from RTM_PUSH_EVENTS and RTM_PUSH_FIELDS (exit 1 if not);
   --tables: prints them as C, to paste into the header after a schema change. */
#define RTM_PUSH_IMPLEMENTATION
#include "../rtm_push.h"
#include <stdio.h>

typedef struct tables {
  uint8_t evtab[64], ftab[32], jlen[RTM_PUSH_FIELD_COUNT];
  uint64_t fkeys[RTM_PUSH_FIELD_COUNT], jpat[RTM_PUSH_FIELD_COUNT][6], mpat[RTM_PUSH_FIELD_COUNT][2];
  uint32_t jkinds[RTM_PUSH_EV_COUNT];
} tables;
static void evtab_build(uint8_t tab[64]) {
  int i;
  memset(tab, 0, 64);
  for (i = RTM_PUSH_EV_PING; i <= RTM_PUSH_EV_PUSHBROADCASTFILE; i++) {
    unsigned h = rtm_push__method_hash(rtm_push__evdefs[i].name, rtm_push__evdefs[i].len);
    while (tab[h]) h = (h + 1) & 63u; /* 23 names in 64 slots: short probes */
    tab[h] = (uint8_t)i;
  }
}
static void ftab_build(tables *s) {
  int i;
  for (i = 0; i < RTM_PUSH_FIELD_COUNT; i++) {
    uint64_t w = rtm_push__key_word(rtm_push__fielddefs[i].name, rtm_push__fielddefs[i].len);
    unsigned h = rtm_push__key_hash(w);
    while (s->ftab[h]) h = (h + 1) & 31u;
    s->ftab[h] = (uint8_t)(i + 1);
    s->fkeys[i] = w;
  }
}
/* The JSON and msgpack member patterns (rtm_push__json_fields and rtm_push__mp_fields predict the next member). */
static void jpat_build(tables *s) {
  int i;
  for (i = 0; i < RTM_PUSH_FIELD_COUNT; i++) {
    uint8_t b[16];
    size_t l = rtm_push__fielddefs[i].len, n = 5 + l;
    memset(b, 0, sizeof b);
    memcpy(b, ", \"", 3);
    memcpy(b + 3, rtm_push__fielddefs[i].name, l);
    memcpy(b + 3 + l, "\":", 2);
    s->jpat[i][0] = rtm_push__load64(b);
    s->jpat[i][1] = rtm_push__load64(b + 8);
    s->jpat[i][2] = n >= 8 ? ~(uint64_t)0 : ((uint64_t)1 << (8 * n)) - 1;
    s->jpat[i][3] = n > 8 ? (((uint64_t)1 << (8 * (n - 8))) - 1) : 0; /* names are <= 7 bytes: n <= 12 */
    s->jlen[i] = (uint8_t)n;
    s->jpat[i][4] = s->jpat[i][0] >> 16 | s->jpat[i][1] << 48; /* names are <= 7 bytes: `"name":` in one word */
    s->jpat[i][5] = s->jpat[i][2] >> 16 | s->jpat[i][3] << 48;
    memset(b, 0, sizeof b);
    b[0] = (uint8_t)(0xa0 | l);
    memcpy(b + 1, rtm_push__fielddefs[i].name, l);
    s->mpat[i][0] = rtm_push__load64(b);
    s->mpat[i][1] = l + 1 >= 8 ? ~(uint64_t)0 : ((uint64_t)1 << (8 * (l + 1))) - 1;
  }
}
static void build(tables *s) {
  int t;
  memset(s, 0, sizeof *s);
  evtab_build(s->evtab);
  ftab_build(s);
  jpat_build(s);
  for (t = 0; t < RTM_PUSH_EV_COUNT; t++) s->jkinds[t] = rtm_push__kinds(rtm_push__evdefs[t].fields);
}
static int check(void) {
  tables t;
  int bad = 0;
  build(&t);
#define CMP(name) \
  if (memcmp(t.name, rtm_push__##name, sizeof t.name) != 0) { printf("rtm_push__" #name " differs from its builder\n"); bad = 1; }
  CMP(evtab) CMP(ftab) CMP(fkeys) CMP(jpat) CMP(jlen) CMP(mpat) CMP(jkinds)
#undef CMP
  if (!bad) printf("the header's lookup tables equal their builders'\n");
  return bad;
}
static int print_tables(void) {
  tables t0, *s = &t0;
  int i, j, t;
  build(s);
  printf("static const uint8_t rtm_push__evtab[64] = {");
  for (i = 0; i < 64; i++) printf("%s%d", i ? (i % 16 ? ", " : ",\n  ") : "\n  ", s->evtab[i]);
  printf("};\n");
  printf("static const uint8_t rtm_push__ftab[32] = {");
  for (i = 0; i < 32; i++) printf("%s%d", i ? (i % 16 ? ", " : ",\n  ") : "\n  ", s->ftab[i]);
  printf("};\n");
  printf("static const uint64_t rtm_push__fkeys[RTM_PUSH_FIELD_COUNT] = {");
  for (i = 0; i < RTM_PUSH_FIELD_COUNT; i++) printf("%s0x%016llxull", i ? (i % 3 ? ", " : ",\n  ") : "\n  ", (unsigned long long)s->fkeys[i]);
  printf("};\n");
  printf("static const uint64_t rtm_push__jpat[RTM_PUSH_FIELD_COUNT][6] = {\n");
  for (i = 0; i < RTM_PUSH_FIELD_COUNT; i++) { printf("  {"); for (j = 0; j < 6; j++) printf("%s0x%016llxull", j ? ", " : "", (unsigned long long)s->jpat[i][j]); printf("}%s /* %s */\n", i + 1 < RTM_PUSH_FIELD_COUNT ? "," : "", rtm_push__fielddefs[i].name); }
  printf("};\n");
  printf("static const uint8_t rtm_push__jlen[RTM_PUSH_FIELD_COUNT] = {");
  for (i = 0; i < RTM_PUSH_FIELD_COUNT; i++) printf("%s%d", i ? ", " : "", s->jlen[i]);
  printf("};\n");
  printf("static const uint64_t rtm_push__mpat[RTM_PUSH_FIELD_COUNT][2] = {\n");
  for (i = 0; i < RTM_PUSH_FIELD_COUNT; i++) printf("  {0x%016llxull, 0x%016llxull}%s /* %s */\n", (unsigned long long)s->mpat[i][0], (unsigned long long)s->mpat[i][1], i + 1 < RTM_PUSH_FIELD_COUNT ? "," : "", rtm_push__fielddefs[i].name);
  printf("};\n");
  printf("static const uint32_t rtm_push__jkinds[RTM_PUSH_EV_COUNT] = {");
  for (t = 0; t < RTM_PUSH_EV_COUNT; t++) printf("%s0x%08x", t ? (t % 6 ? ", " : ",\n  ") : "\n  ", rtm_push__kinds(rtm_push__evdefs[t].fields));
  printf("};\n");
  return 0;
}
static const char *const wire[] = {"", "pushmsg", "pushgroupmsg", "pushroommsg", "pushbroadcastmsg"};
static const char *const catname[] = {"", "P2P", "GROUP", "ROOM", "BROADCAST"};
static const char *const rule[] = {"", "", "", "", "mtype not 30-32, 40-50", "mtype 30", "mtype 31",
                                   "mtype 32", "mtype 40-50"};
static const char *const types[] = {"Int64", "int32", "string", "string, bytes or translation object"};
static const char *const ctypes[] = {"int64_t", "int32_t", "rtm_push_str", "rtm_push_str"};

/* The event of category c and kind k, or 0. */
static int event_of(int c, int k) {
  int t;
  for (t = RTM_PUSH_EV_PING; t <= RTM_PUSH_EV_PUSHBROADCASTFILE; t++)
    if ((int)rtm_push__evdefs[t].cat == c && (int)rtm_push__evdefs[t].kind == k) return t;
  return 0;
}
/* The fields of a set of field bits: "`from`, `to`" (types 1: "`from` (Int64), ..."); "none" for none. */
static void print_fields(uint32_t fields, int with_types) {
  int b, first = 1;
  for (b = 0; b < RTM_PUSH_FIELD_COUNT; b++) {
    if (!(fields & (1u << b))) continue;
    printf("%s`%s`", first ? "" : ", ", rtm_push__fielddefs[b].name);
    if (with_types) printf(" (%s)", types[rtm_push__fielddefs[b].type]);
    first = 0;
  }
  if (first) printf("none");
}
/* Every push event, one row each. */
static void print_table(void) {
  int t;
  puts("| event | wire method | mtype rule | fields (type) | encodings | answered |");
  puts("|---|---|---|---|---|---|");
  for (t = RTM_PUSH_EV_PING; t <= RTM_PUSH_EV_PUSHBROADCASTFILE; t++) {
    const rtm_push__evdef *d = &rtm_push__evdefs[t];
    printf("| `%s` | ", d->name);
    if (d->cat == RTM_PUSH_CAT_NONE) printf("`%s` | - | ", d->name);
    else if (d->kind == RTM_PUSH_KIND_MSG) printf("`%s` | %s | ", wire[d->cat], rule[d->kind]);
    else printf("`%s` (or `%s` itself) | %s | ", wire[d->cat], d->name, rule[d->kind]);
    print_fields(d->fields, 1);
    printf(" | JSON, msgpack | %s |\n", d->kind == RTM_PUSH_KIND_KICKOUT || d->kind == RTM_PUSH_KIND_KICKOUTROOM ? "no (one-way)" : "yes, `{}` / `0x80` at once");
  }
}
/* The push events as categories (rows: ev->category, the wire method, the fields) x kinds (columns: ev->kind,
   chosen by mtype), then the three control events. */
static void print_overview(void) {
  int c, k;
  puts("| `RTM_PUSH_CAT_*` (wire method) | `RTM_PUSH_KIND_MSG` (other mtype) | `CHAT` (30) | `AUDIO` (31) | `CMD` (32) | `FILE` (40-50) | fields |");
  puts("|---|---|---|---|---|---|---|");
  for (c = RTM_PUSH_CAT_P2P; c <= RTM_PUSH_CAT_BROADCAST; c++) {
    printf("| `%s` (`%s`) |", catname[c], wire[c]);
    for (k = RTM_PUSH_KIND_MSG; k <= RTM_PUSH_KIND_FILE; k++) printf(" `%s` |", rtm_push__evdefs[event_of(c, k)].name);
    printf(" ");
    print_fields(rtm_push__evdefs[event_of(c, RTM_PUSH_KIND_MSG)].fields, 0);
    printf(" |\n");
  }
  printf("\nControl events (`RTM_PUSH_CAT_NONE`): ");
  for (k = RTM_PUSH_KIND_PING; k <= RTM_PUSH_KIND_KICKOUTROOM; k++) {
    int t = event_of(RTM_PUSH_CAT_NONE, k);
    printf("%s`%s`", k == RTM_PUSH_KIND_PING ? "" : ", ", rtm_push__evdefs[t].name);
    if (rtm_push__evdefs[t].fields) { printf(" ("); print_fields(rtm_push__evdefs[t].fields, 0); printf(")"); }
  }
  printf(".\n");
}
/* The fields: wire name, C member, presence bit, type. */
static void print_field_table(void) {
  int b;
  puts("| field | member of `rtm_push_event` | present when | wire type | C type |");
  puts("|---|---|---|---|---|");
  for (b = 0; b < RTM_PUSH_FIELD_COUNT; b++) {
    const char *n = rtm_push__fielddefs[b].name;
    char up[16];
    size_t i;
    for (i = 0; n[i] && i + 1 < sizeof up; i++) up[i] = (char)(n[i] >= 'a' && n[i] <= 'z' ? n[i] - 32 : n[i]);
    up[i] = 0;
    printf("| `%s` | `ev->%s` | `ev->fields & RTM_PUSH_F_%s` | %s | `%s` |\n", n, n, up, types[rtm_push__fielddefs[b].type],
           ctypes[rtm_push__fielddefs[b].type]);
  }
}
/* docs/events.md, whole: the prose around the generated tables. */
static const char *const doc_head =
    "# Events\n"
    "\n"
    "<!-- Generated by `build/schema_table --markdown` (tests/schema_table.c) from the schema tables of rtm_push.h\n"
    "     (RTM_PUSH_EVENTS, RTM_PUSH_FIELDS). `make test` checks that this file is exactly that output: do not edit it\n"
    "     by hand; change tests/schema_table.c, then `build/schema_table --markdown >docs/events.md`. -->\n"
    "\n"
    "Every push of the RTM WebSocket SDK (`EventProcess.md`), in either encoding (JSON or msgpack), is delivered as\n"
    "one `rtm_push_event` to `config.on_event`. `ev->type` says which event (`RTM_PUSH_EV_*`), `ev->name` its name,\n"
    "`ev->category` and `ev->kind` classify it, `ev->method` is the wire method, `ev->seq`, `ev->twoway` and\n"
    "`ev->encoding` describe the quest and `ev->payload` holds its raw bytes. Everything `ev` points to is borrowed\n"
    "for the callback: copy what you keep.\n"
    "\n"
    "## Overview\n"
    "\n"
    "The four message methods are routed by `mtype` into the derived events (columns); a derived name that arrives\n"
    "as a wire method is that event. Any other method is delivered as `RTM_PUSH_EV_UNKNOWN` with its raw payload.\n"
    "\n";
static const char *const doc_middle =
    "\n"
    "## Every push event\n"
    "\n"
    "Every two-way quest is answered at once, before decoding, filtering or de-duplication, with an empty map in\n"
    "the quest's own encoding (`{}` for JSON, `0x80` for msgpack); a one-way quest never is.\n"
    "\n";
static const char *const doc_fields =
    "\n"
    "## Fields\n"
    "\n"
    "Any field may be absent: `ev->fields` has an `RTM_PUSH_F_*` bit for each field present (a missing field never\n"
    "stops delivery). Fields are printed in this order.\n"
    "\n";
static const char *const doc_tail =
    "\n"
    "- **Int64** fields are `int64_t`, exact over the whole range: JSON integers of any length (parsed without a\n"
    "  double), decimal strings (`\"9223372036854775807\"`), and every msgpack integer width. A value outside int64\n"
    "  (msgpack uint64 above 2^63-1, a 20-digit JSON number), a fraction or an exponent drops that push with a\n"
    "  non-fatal `RTM_PUSH_EV_ERROR` whose message names the field.\n"
    "- **Strings** are pointer + length (`rtm_push_str`), not NUL-terminated, and may hold NUL. Every JSON escape is\n"
    "  decoded (`\\/`, `\\u0000`, surrogate pairs). A value that is not valid UTF-8, or a msgpack `bin` value, has\n"
    "  `binary = 1`: it is delivered as bytes (binary messages arrive this way).\n"
    "- **Chat translation objects** (`msg` as `{source, target, sourceText, targetText}`) set\n"
    "  `ev->msg_is_translation` and fill `ev->translation`; `ev->msg` is then the display text (targetText, or\n"
    "  sourceText when targetText is empty).\n"
    "- **File pushes** (mtype 40-50): `msg` is decoded into `ev->file` (`url`, `size`, `surl`; `ev->has_file`)\n"
    "  whether it is a bare URL or the JSON text `{\"url\":...,\"size\":...,\"surl\":...}`; `attrs` stays the raw string.\n"
    "- **Duplicates** -- the same (category, `to`/`gid`/`rid`/0, `from`, `mid`) -- are delivered once (pushes without a\n"
    "  `mid` or with `mid` 0 always are). The table is bounded: `limits.dedup_capacity` entries (default 1024, about\n"
    "  60 bytes each, oldest evicted) kept `limits.dedup_ttl_ms` (default 20 minutes). `no_dedup = 1` turns it off.\n"
    "- **excludedUids**: a push whose `attrs` is a JSON object with an `excludedUids` array naming this client's `uid`\n"
    "  (as a string or a number) is answered but not delivered.\n"
    "- The **watchdog**: no `ping` push for `ping_timeout_ms` (default 60 s) after login fails the session with\n"
    "  `RTM_PUSH_E_PING_TIMEOUT`, as every official SDK does.\n"
    "\n"
    "## Session events\n"
    "\n"
    "| event | when | members |\n"
    "|---|---|---|\n"
    "| `RTM_PUSH_EV_LOGIN` | the answer to our `auth` quest | `ok` (1: logged in; 0: refused), `status`, `code` and `ex` of an error answer, `gate` (`\"host:port\"`) when a refusal names another gate, `error` and `message` |\n"
    "| `RTM_PUSH_EV_ANSWER` | an answer that no answer callback takes: our `bye`; with `no_login`, any answer | `seq`, `status`, `code`, `ex`, `payload` |\n"
    "| `RTM_PUSH_EV_ERROR` | an error: `fatal` = 1 ends the session, 0 dropped one push | `error` (an `RTM_PUSH_E_*` code), `message`, `fatal`, `status` (the HTTP status with `RTM_PUSH_E_HTTP_STATUS`) |\n"
    "| `RTM_PUSH_EV_CLOSED` | the session ended: last event of a connection | `error` (`RTM_PUSH_OK` after a clean close, `RTM_PUSH_E_KICKED_OUT` after a kickout, else the fatal error), `message`, `reconnect_at` |\n"
    "| `RTM_PUSH_EV_UNKNOWN` | a quest whose method is in no table above (answered if two-way) | `method`, `seq`, `twoway`, `encoding`, `payload` |\n"
    "\n"
    "## As JSON lines\n"
    "\n"
    "`rtm_push_event_to_json()` prints an event as one JSON line, the format of `rtm-listen` and `rtm-dump`: keys\n"
    "in this order when present: `\"event\"` (e.g. `\"pushgroupchat\"`), `\"method\"` (the wire method), `\"seq\"`\n"
    "(absent for one-way), `\"twoway\"`, then the fields present in the order of the table above. Int64 fields are\n"
    "decimal strings (`\"mid\":\"1700000000000123457\"`), `mtype` a number, strings JSON strings of the exact bytes (NUL\n"
    "as `\\u0000`; DEL and C1 controls escaped too); a value that is binary or not valid UTF-8 is printed as\n"
    "`\"<field>_base64\"`; a translation object as a JSON object. The login prints `{\"event\":\"login\",\"ok\":true}`;\n"
    "answers `{\"event\":\"answer\",\"seq\":N,\"status\":S}` (plus `ok`, or `code` and `ex` for an error answer); unknown\n"
    "methods `{\"event\":\"unknown\",\"method\":\"...\",\"seq\":N,\"twoway\":true}`; an ERROR event\n"
    "`{\"error\":\"<message>\",\"code\":<int>}`; CLOSED `{\"event\":\"closed\",\"code\":<int>}` (0 after a clean close, -607 after a kickout).\n"
    "`rtm-dump` prints a fatal error's line after every event decoded before it, and exits 1; `rtm-listen` prints\n"
    "events on stdout and its errors on stderr.\n";
static void print_markdown(void) {
  fputs(doc_head, stdout);
  print_overview();
  fputs(doc_middle, stdout);
  print_table();
  fputs(doc_fields, stdout);
  print_field_table();
  fputs(doc_tail, stdout);
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "--check") == 0) return check();
  if (argc > 1 && strcmp(argv[1], "--tables") == 0) return print_tables();
  if (argc > 1 && strcmp(argv[1], "--overview") == 0) return print_overview(), 0;
  if (argc > 1 && strcmp(argv[1], "--markdown") == 0) return print_markdown(), 0;
  print_table();
  return 0;
}
