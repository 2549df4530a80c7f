/* The schema's tables. Without arguments: prints README's events table from the schema tables of rtm_push.h
   (tests/run.sh checks that README carries exactly this table, so the docs cannot drift from the code).
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
static const char *const rule[] = {"", "", "", "", "mtype not 30-32, 40-50", "mtype 30", "mtype 31",
                                   "mtype 32", "mtype 40-50"};
static const char *const types[] = {"Int64", "int32", "string", "string, bytes or translation object"};

int main(int argc, char **argv) {
  int t, b;
  if (argc > 1 && strcmp(argv[1], "--check") == 0) return check();
  if (argc > 1 && strcmp(argv[1], "--tables") == 0) return print_tables();
  puts("| event | wire method | mtype rule | fields (type) | encodings | answered |");
  puts("|---|---|---|---|---|---|");
  for (t = RTM_PUSH_EV_PING; t <= RTM_PUSH_EV_PUSHBROADCASTFILE; t++) {
    const rtm_push__evdef *d = &rtm_push__evdefs[t];
    int first = 1;
    printf("| `%s` | ", d->name);
    if (d->cat == RTM_PUSH_CAT_NONE) printf("`%s` | - | ", d->name);
    else if (d->kind == RTM_PUSH_KIND_MSG) printf("`%s` | %s | ", wire[d->cat], rule[d->kind]);
    else printf("`%s` (or `%s` itself) | %s | ", wire[d->cat], d->name, rule[d->kind]);
    for (b = 0; b < RTM_PUSH_FIELD_COUNT; b++) {
      if (!(d->fields & (1u << b))) continue;
      printf("%s`%s` (%s)", first ? "" : ", ", rtm_push__fielddefs[b].name, types[rtm_push__fielddefs[b].type]);
      first = 0;
    }
    if (first) printf("none");
    printf(" | JSON, msgpack | %s |\n", d->kind == RTM_PUSH_KIND_KICKOUT || d->kind == RTM_PUSH_KIND_KICKOUTROOM ? "no (one-way)" : "yes, `{}` / `0x80` at once");
  }
  return 0;
}
