/* A program outside the project, built against an installed copy of rtm_push.h (pkg-config or CMake):
   decodes a recorded session and prints "events=N". */
#define RTM_PUSH_IMPLEMENTATION
#include <rtm_push.h>
#include <stdio.h>
#include <stdlib.h>

static void count(rtm_push *cb_s, const rtm_push_event *ev, void *user) {
  (void)cb_s;
  if (ev->type != RTM_PUSH_EV_CLOSED) ++*(int *)user;
}
int main(int argc, char **argv) {
  static unsigned char buf[1 << 20];
  rtm_push_config cfg = {0};
  rtm_push *s;
  int events = 0;
  size_t n;
  FILE *f = argc > 1 ? fopen(argv[1], "rb") : NULL;
  if (!f) return 2;
  n = fread(buf, 1, sizeof buf, f);
  fclose(f);
  cfg.start = RTM_PUSH_START_WS, cfg.no_login = 1, cfg.on_event = count, cfg.user_data = &events;
  if (rtm_push_new(&s, &cfg) != RTM_PUSH_OK) return 1;
  rtm_push_feed(s, buf, n, 0);
  rtm_push_feed_eof(s, 0);
  rtm_push_free(s);
  printf("rtm_push %s: events=%d\n", rtm_push_version(), events);
  return 0;
}
