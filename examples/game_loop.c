/* game_loop: rtm_push.h driven from a single-threaded game loop. Every frame (60 per second) polls the
   non-blocking socket with a zero timeout, feeds what arrived, writes what is pending, ticks the
   session's timers and "renders"; the network never blocks a frame. Prints every event as a JSON line,
   like rtm-listen.
   usage: game_loop HOST PORT   (pid 1017, uid 4242, token "demo-token": the simulator's defaults)
   Exits 0 when the session ends cleanly (kickout, or bye after SIGINT/SIGTERM), 1 otherwise. */
#define _POSIX_C_SOURCE 200809L
#define RTM_PUSH_IMPLEMENTATION
#include "../rtm_push.h"
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define FRAME_NS 16666667L          /* 60 frames per second */
#define MAX_READ_PER_FRAME (1 << 20) /* a flood of pushes must not stall a frame: the rest waits */

static volatile sig_atomic_t g_quit;
static void on_signal(int sig) { (void)sig; g_quit = 1; }

static uint64_t ms_of(const struct timespec *t) { return (uint64_t)t->tv_sec * 1000 + (uint64_t)t->tv_nsec / 1000000; }
static uint64_t now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return ms_of(&t);
}

typedef struct game {
  rtm_push *s;
  int fd;
  char *line;
  size_t cap;
  unsigned long frames, events;
} game;

static void on_event(rtm_push *s, const rtm_push_event *ev, void *user) {
  game *g = (game *)user;
  size_t n;
  (void)s; /* the session: for calls from the callback, e.g. rtm_push_enterroom(s, ...) */
  if (ev->type == RTM_PUSH_EV_ERROR && !ev->fatal) fprintf(stderr, "game_loop: warning: %s\n", ev->message);
  if (ev->type == RTM_PUSH_EV_ERROR || ev->type == RTM_PUSH_EV_CLOSED || ev->type == RTM_PUSH_EV_ANSWER ||
      (ev->type == RTM_PUSH_EV_LOGIN && !ev->ok))
    return; /* a fatal error, a refused login: reported at exit */
  g->events++; /* a game would queue the event for its chat window here */
  n = rtm_push_event_to_json(ev, g->line, g->cap);
  if (n >= g->cap) { /* a long push (the 70,000-byte msg): grow and print again */
    char *l = (char *)realloc(g->line, n + 1);
    if (!l) { fputs("game_loop: out of memory\n", stderr); return; }
    g->line = l, g->cap = n + 1;
    rtm_push_event_to_json(ev, g->line, g->cap);
  }
  fwrite(g->line, 1, n, stdout), fputc('\n', stdout);
  fflush(stdout);
}

/* The network step of one frame: never waits. */
static void network(game *g) {
  static uint8_t buf[65536];
  struct pollfd p;
  size_t got = 0;
  p.fd = g->fd, p.events = POLLIN, p.revents = 0;
  if (rtm_push_want_read(g->s) && poll(&p, 1, 0) > 0) { /* 1. zero-timeout poll: anything to read? */
    while (got < MAX_READ_PER_FRAME && rtm_push_want_read(g->s)) {
      ssize_t r = recv(g->fd, buf, sizeof buf, 0);
      if (r > 0) rtm_push_feed(g->s, buf, (size_t)r, now_ms()), got += (size_t)r; /* 2. feed it */
      else if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) rtm_push_feed_eof(g->s, now_ms());
      if (r <= 0) break;
    }
  }
  while (rtm_push_want_write(g->s)) { /* 3. write what is pending (answers, bye, close) */
    const uint8_t *out;
    size_t n = rtm_push_pending_output(g->s, &out);
    ssize_t w = send(g->fd, out, n, MSG_NOSIGNAL);
    if (w > 0) { rtm_push_consume_output(g->s, (size_t)w); continue; }
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) break; /* next frame */
    rtm_push_feed_eof(g->s, now_ms()); /* the peer is gone: drop what nobody will read */
    rtm_push_consume_output(g->s, rtm_push_pending_output(g->s, NULL));
  }
  rtm_push_tick(g->s, now_ms()); /* 4. timers: login timeout, ping watchdog, bye and close timeouts */
}

static void render(game *g) { g->frames++; /* draw the world, the chat window, ... */ }

static int connect_to(const char *host, const char *port) {
  struct addrinfo hints, *res, *ai;
  int fd = -1, rc;
  memset(&hints, 0, sizeof hints);
  hints.ai_socktype = SOCK_STREAM;
  if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
    fprintf(stderr, "game_loop: cannot resolve %s: %s\n", host, gai_strerror(rc));
    return -1;
  }
  for (ai = res; ai && fd < 0; ai = ai->ai_next) {
    if ((fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol)) < 0) continue;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) close(fd), fd = -1;
  }
  freeaddrinfo(res);
  if (fd < 0) fprintf(stderr, "game_loop: cannot connect to %s:%s: %s\n", host, port, strerror(errno));
  else fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); /* from here on nothing blocks */
  return fd;
}

int main(int argc, char **argv) {
  game g;
  rtm_push_config cfg;
  struct sigaction sa;
  struct timespec next;
  int rc, status, closing = 0;
  if (argc != 3) { fputs("usage: game_loop HOST PORT\n", stderr); return 2; }
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, NULL), sigaction(SIGTERM, &sa, NULL);
  memset(&g, 0, sizeof g);
  if ((g.fd = connect_to(argv[1], argv[2])) < 0) return 1;
  memset(&cfg, 0, sizeof cfg);
  cfg.host = argv[1], cfg.port = (uint16_t)atoi(argv[2]);
  cfg.pid = 1017, cfg.uid = 4242, cfg.token = "demo-token";
  cfg.on_event = on_event, cfg.user_data = &g;
  if ((rc = rtm_push_new(&g.s, &cfg)) != RTM_PUSH_OK) {
    fprintf(stderr, "game_loop: %s\n", rtm_push_strerror(rc));
    return close(g.fd), 1;
  }
  clock_gettime(CLOCK_MONOTONIC, &next);
  while (rtm_push_want_read(g.s) || rtm_push_want_write(g.s)) { /* one frame */
    if (g_quit && !closing) closing = 1, rtm_push_close(g.s, now_ms()); /* "quit to menu": log out */
    network(&g);
    render(&g);
    next.tv_nsec += FRAME_NS; /* sleep until the next frame starts (a late frame does not sleep) */
    if (next.tv_nsec >= 1000000000L) next.tv_sec++, next.tv_nsec -= 1000000000L;
    if (ms_of(&next) + 100 < now_ms()) clock_gettime(CLOCK_MONOTONIC, &next); /* far behind: resync */
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR && !g_quit) {}
  }
  status = rtm_push_current_state(g.s) == RTM_PUSH_STATE_CLOSED ? 0 : 1;
  if (status) {
    const char *msg;
    int err = rtm_push_last_error(g.s, &msg);
    fprintf(stderr, "game_loop: %s (%s)\n", msg, rtm_push_strerror(err));
  }
  rtm_push_free(g.s);
  close(g.fd);
  free(g.line);
  return status;
}
