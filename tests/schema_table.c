/* Prints README's events table from the schema tables of rtm_push.h (tests/run.sh checks that README
   carries exactly this table, so the docs cannot drift from the code). */
#define RTM_PUSH_IMPLEMENTATION
#include "../rtm_push.h"
#include <stdio.h>

static const char *const wire[] = {"", "pushmsg", "pushgroupmsg", "pushroommsg", "pushbroadcastmsg"};
static const char *const rule[] = {"", "", "", "", "mtype not 30-32, 40-50", "mtype 30", "mtype 31",
                                   "mtype 32", "mtype 40-50"};
static const char *const types[] = {"Int64", "int32", "string", "string, bytes or translation object"};

int main(void) {
  int t, b;
  puts("| event | wire method | mtype rule | fields (type) | encodings | answered |");
  puts("|---|---|---|---|---|---|");
  for (t = RTM_PUSH_EV_PING; t <= RTM_PUSH_EV_PUSHBROADCASTFILE; t++) {
    const rtm_push__evdef *d = &rtm_push__evdefs[t];
    int first = 1;
    printf("| `%s` | ", d->name);
    if (d->cat == RTM_PUSH_CAT_NONE) printf("`%s` | - | ", d->name);
    else if (d->kind == RTM_PUSH_KIND_MSG) printf("`%s` | %s | ", wire[d->cat], rule[d->kind]);
    else printf("`%s` (or `%s` itself) | %s | ", wire[d->cat], d->name, rule[d->kind]);
    for (b = 0; b < RTM_PUSH__FBIT_COUNT; b++) {
      if (!(d->fields & (1u << b))) continue;
      printf("%s`%s` (%s)", first ? "" : ", ", rtm_push__fielddefs[b].name, types[rtm_push__fielddefs[b].type]);
      first = 0;
    }
    if (first) printf("none");
    printf(" | JSON, msgpack | %s |\n", d->kind == RTM_PUSH_KIND_KICKOUT || d->kind == RTM_PUSH_KIND_KICKOUTROOM ? "no (one-way)" : "yes, `{}` / `0x80` at once");
  }
  return 0;
}
