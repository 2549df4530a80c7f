/* The integration loop and nothing else: blocking socket + poll(), one session, print every event.
   usage: minimal HOST PORT   (logs in as pid 1017, uid 4242, token "demo-token": the simulator's defaults)
   build: cc -o minimal minimal.c -lwslay -lcjson -lmbedtls -lmbedx509 -lmbedcrypto */
#define _POSIX_C_SOURCE 200809L
#define RTM_PUSH_IMPLEMENTATION
#include "../rtm_push.h"
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct app { unsigned long events; }; /* your state: reaches the callback as user_data */

static uint64_t now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}
static void on_event(rtm_push *s, const rtm_push_event *ev, void *user_data) {
  struct app *app = (struct app *)user_data;   /* s: the session, for calls such as rtm_push_enterroom(s, ...) */
  (void)s;
  char line[4096];
  app->events++;
  rtm_push_event_to_json(ev, line, sizeof line); /* or use ev->type, ev->from, ev->msg.ptr/len ... */
  printf("%s\n", line);
}
int main(int argc, char **argv) {
  struct app app = {0};
  rtm_push_config cfg = {0};
  rtm_push *s;
  struct sockaddr_in a = {0};
  const char *why;
  int fd = socket(AF_INET, SOCK_STREAM, 0), rc;
  if (argc != 3) return fprintf(stderr, "usage: minimal HOST PORT\n"), 2;
  a.sin_family = AF_INET;
  a.sin_port = htons((uint16_t)atoi(argv[2]));
  inet_pton(AF_INET, argv[1], &a.sin_addr);
  if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) return perror("connect"), 1;
  cfg.host = argv[1], cfg.port = (uint16_t)atoi(argv[2]);
  cfg.pid = 1017, cfg.uid = 4242, cfg.token = "demo-token";
  cfg.on_event = on_event, cfg.user_data = &app;
  if ((rc = rtm_push_new(&s, &cfg)) != RTM_PUSH_OK) return fprintf(stderr, "rtm_push_new: %s\n", rtm_push_strerror(rc)), 1;
  while (rtm_push_want_read(s) || rtm_push_want_write(s)) {
    const uint8_t *out;
    size_t n = rtm_push_pending_output(s, &out);               /* 1. write what the library wants sent */
    if (n) { ssize_t w = send(fd, out, n, 0); if (w > 0) rtm_push_consume_output(s, (size_t)w); }
    uint64_t now = now_ms(), dl = rtm_push_next_deadline(s);   /* 2. wait for bytes or the next deadline */
    struct pollfd p = {fd, POLLIN, 0};
    poll(&p, 1, dl == UINT64_MAX ? 1000 : dl <= now ? 0 : (int)(dl - now));
    if (p.revents) {                                           /* 3. feed what arrived (0 bytes = EOF) */
      uint8_t buf[16384];
      ssize_t r = recv(fd, buf, sizeof buf, 0);
      if (r > 0) rtm_push_feed(s, buf, (size_t)r, now_ms()); else rtm_push_feed_eof(s, now_ms());
    }
    rtm_push_tick(s, now_ms());                                /* 4. timers: ping watchdog, timeouts */
  }
  int ok = rtm_push_current_state(s) == RTM_PUSH_STATE_CLOSED;     /* CLOSED: a clean end; FAILED: an error */
  if (!ok) rc = rtm_push_last_error(s, &why), fprintf(stderr, "minimal: %s (%s)\n", why, rtm_push_strerror(rc));
  fprintf(stderr, "minimal: %lu events\n", app.events);
  rtm_push_free(s);
  close(fd);
  return ok ? 0 : 1;
}
