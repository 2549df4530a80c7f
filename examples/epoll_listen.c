/* epoll_listen: rtm_push.h in a Linux epoll loop over a non-blocking socket. Prints every event as a
   JSON line, like rtm-listen.
   usage: epoll_listen HOST PORT [--max-write N]   (pid 1017, uid 4242, token "demo-token")
   Exits 0 when the session ends cleanly (kickout, or bye after SIGINT/SIGTERM), 1 otherwise.

   The socket is non-blocking from the start (connect included: EINPROGRESS, then EPOLLOUT and
   SO_ERROR). EPOLLOUT is registered only while the session has output pending; a short send() means
   "the socket is full": the rest waits for the next EPOLLOUT, while reads go on. --max-write N caps
   every send() at N bytes (a test aid: every write is then partial). Signals arrive through a
   signalfd in the same epoll set. */
#define _GNU_SOURCE /* SOCK_NONBLOCK, SOCK_CLOEXEC */
#define RTM_PUSH_IMPLEMENTATION
#include "../rtm_push.h"
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

typedef struct printer { char *line; size_t cap; } printer;
static void on_event(rtm_push *s, const rtm_push_event *ev, void *user) {
  printer *pr = (printer *)user;
  size_t n;
  (void)s; /* the session: for calls from the callback, e.g. rtm_push_enterroom(s, ...) */
  if (ev->type == RTM_PUSH_EV_ERROR && !ev->fatal) fprintf(stderr, "epoll_listen: warning: %s\n", ev->message);
  if (ev->type == RTM_PUSH_EV_ERROR || ev->type == RTM_PUSH_EV_CLOSED || ev->type == RTM_PUSH_EV_ANSWER ||
      (ev->type == RTM_PUSH_EV_LOGIN && !ev->ok))
    return; /* a fatal error, a refused login: reported at exit */
  n = rtm_push_event_to_json(ev, pr->line, pr->cap);
  if (n >= pr->cap) { /* a long push (the 70,000-byte msg): grow and print again */
    char *l = (char *)realloc(pr->line, n + 1);
    if (!l) { fputs("epoll_listen: out of memory\n", stderr); return; }
    pr->line = l, pr->cap = n + 1;
    rtm_push_event_to_json(ev, pr->line, pr->cap);
  }
  fwrite(pr->line, 1, n, stdout), fputc('\n', stdout);
  fflush(stdout);
}

/* Non-blocking connect to each address in turn; the socket comes back registered in ep (EPOLLOUT). */
static int connect_nb(int ep, const char *host, const char *port) {
  struct addrinfo hints, *res, *ai;
  int fd = -1, rc, err = ECONNREFUSED;
  memset(&hints, 0, sizeof hints);
  hints.ai_socktype = SOCK_STREAM;
  if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
    fprintf(stderr, "epoll_listen: cannot resolve %s: %s\n", host, gai_strerror(rc));
    return -1;
  }
  for (ai = res; ai && fd < 0; ai = ai->ai_next) {
    struct epoll_event e = {EPOLLOUT, {0}}, got;
    socklen_t len = sizeof err;
    if ((fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0) { err = errno; continue; }
    e.data.fd = fd;
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) break;
    err = errno;
    if (err == EINPROGRESS) { /* wait for writability (at most 10 s; a signal cancels), then ask how it went */
      while ((rc = epoll_wait(ep, &got, 1, 10000)) == 1 && got.data.fd != fd) {
        if (!(got.events & EPOLLIN)) continue;
        fputs("epoll_listen: interrupted while connecting\n", stderr);
        close(fd), freeaddrinfo(res);
        return -1;
      }
      err = rc == 1 ? (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 ? err : errno) : ETIMEDOUT;
      if (err == 0) break;
    }
    close(fd); /* also leaves the epoll set */
    fd = -1;
  }
  freeaddrinfo(res);
  if (fd < 0) fprintf(stderr, "epoll_listen: cannot connect to %s:%s: %s\n", host, port, strerror(err));
  return fd;
}

/* Write pending output until it is all gone or a send() comes back short. */
static void flush(rtm_push *s, int fd, size_t max_write) {
  while (rtm_push_want_write(s)) {
    const uint8_t *p;
    size_t n = rtm_push_pending_output(s, &p), k = n < max_write ? n : max_write;
    ssize_t w = send(fd, p, k, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (w < 0) { /* the peer is gone: tell the session, drop what nobody will read */
      fprintf(stderr, "epoll_listen: send: %s\n", strerror(errno));
      rtm_push_feed_eof(s, now_ms());
      rtm_push_consume_output(s, rtm_push_pending_output(s, NULL));
      return;
    }
    rtm_push_consume_output(s, (size_t)w);
    if ((size_t)w < n) return; /* short: wait for EPOLLOUT */
  }
}

int main(int argc, char **argv) {
  static uint8_t buf[65536];
  const char *host = NULL, *port = NULL;
  size_t max_write = SIZE_MAX;
  rtm_push_config cfg;
  rtm_push *s;
  printer pr = {NULL, 0};
  sigset_t sigs;
  struct epoll_event e = {EPOLLIN, {0}};
  uint32_t registered = EPOLLOUT;
  int i, ep, sfd, fd, rc, status;
  for (i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--max-write") && i + 1 < argc && atol(argv[i + 1]) > 0) max_write = (size_t)atol(argv[++i]);
    else if (argv[i][0] != '-' && !host) host = argv[i];
    else if (argv[i][0] != '-' && !port) port = argv[i];
    else host = port = NULL, i = argc;
  }
  if (!host || !port) { fputs("usage: epoll_listen HOST PORT [--max-write N]\n", stderr); return 2; }
  sigemptyset(&sigs), sigaddset(&sigs, SIGINT), sigaddset(&sigs, SIGTERM);
  sigprocmask(SIG_BLOCK, &sigs, NULL); /* delivered through the signalfd instead */
  sfd = signalfd(-1, &sigs, SFD_NONBLOCK | SFD_CLOEXEC);
  ep = epoll_create1(EPOLL_CLOEXEC);
  e.data.fd = sfd;
  epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &e);
  if ((fd = connect_nb(ep, host, port)) < 0) return close(ep), close(sfd), 1;
  memset(&cfg, 0, sizeof cfg);
  cfg.host = host, cfg.port = (uint16_t)atoi(port);
  cfg.pid = 1017, cfg.uid = 4242, cfg.token = "demo-token";
  cfg.on_event = on_event, cfg.user_data = &pr;
  if ((rc = rtm_push_new(&s, &cfg)) != RTM_PUSH_OK) {
    fprintf(stderr, "epoll_listen: %s\n", rtm_push_strerror(rc));
    return close(fd), close(ep), close(sfd), 1;
  }
  while (rtm_push_want_read(s) || rtm_push_want_write(s)) {
    struct epoll_event evs[2];
    uint64_t now = now_ms(), deadline = rtm_push_want_read(s) ? rtm_push_next_deadline(s) : UINT64_MAX;
    uint32_t want = (rtm_push_want_read(s) ? EPOLLIN : 0) | (rtm_push_want_write(s) ? EPOLLOUT : 0);
    int n, timeout = deadline == UINT64_MAX ? -1 /* no timer: sleep until a socket or signal event */
                     : deadline <= now ? 0 : deadline - now > INT_MAX ? INT_MAX : (int)(deadline - now);
    if (want != registered) { /* EPOLLOUT only while output is pending; EPOLLIN only while the session reads */
      e.events = registered = want, e.data.fd = fd;
      epoll_ctl(ep, EPOLL_CTL_MOD, fd, &e);
    }
    if ((n = epoll_wait(ep, evs, 2, timeout)) < 0 && errno != EINTR) { perror("epoll_listen: epoll_wait"); break; }
    now = now_ms();
    for (i = 0; i < n; i++) {
      if (evs[i].data.fd == sfd) { /* SIGINT/SIGTERM: log out (bye, then a WebSocket close) */
        struct signalfd_siginfo si;
        while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {}
        rtm_push_close(s, now);
        continue;
      }
      if ((evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && rtm_push_want_read(s)) {
        ssize_t r = recv(fd, buf, sizeof buf, 0);
        if (r > 0) rtm_push_feed(s, buf, (size_t)r, now);
        else if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) rtm_push_feed_eof(s, now);
      }
      if ((evs[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) && rtm_push_want_write(s)) flush(s, fd, max_write);
    }
    rtm_push_tick(s, now_ms());
  }
  status = rtm_push_current_state(s) == RTM_PUSH_STATE_CLOSED ? 0 : 1;
  if (status) {
    const char *msg;
    int err = rtm_push_last_error(s, &msg);
    fprintf(stderr, "epoll_listen: %s (%s)\n", msg, rtm_push_strerror(err));
  }
  rtm_push_free(s);
  close(fd), close(ep), close(sfd);
  free(pr.line);
  return status;
}
