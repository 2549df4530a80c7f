/* uv_listen: rtm_push.h inside a libuv event loop. Prints every event as a JSON line, like rtm-listen.
   usage: uv_listen HOST PORT   (pid 1017, uid 4242, token "demo-token": the simulator's defaults)
   Exits 0 when the session ends cleanly (kickout, or bye after SIGINT/SIGTERM), 1 otherwise.

   The mapping: uv_tcp_connect -> rtm_push_new; every uv_read_start chunk -> rtm_push_feed (UV_EOF or a
   read error -> rtm_push_feed_eof); the pending output -> one uv_write at a time; a uv_timer armed for
   rtm_push_next_deadline -> rtm_push_tick; uv_signal -> rtm_push_close.
   uv_write completes later, and the pointer from rtm_push_pending_output is only valid until the next
   call into the session (a feed may append and move the buffer), so the bytes in flight are COPIED into
   a buffer of ours that lives until the write callback, which then calls rtm_push_consume_output. */
#define _POSIX_C_SOURCE 200809L
#define RTM_PUSH_IMPLEMENTATION
#include "../rtm_push.h"
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

typedef struct app {
  uv_loop_t loop;
  uv_tcp_t tcp;
  uv_connect_t connect_req;
  uv_write_t write_req;
  uv_timer_t timer;
  uv_signal_t sigint, sigterm;
  struct addrinfo *addrs, *ai; /* the address being tried */
  rtm_push *s;
  int connected, reading, writing, done;
  char *wbuf, *line; /* a copy of the bytes being written (wlen), kept until on_write; an event's line */
  size_t wlen, wcap, lcap;
  char rbuf[65536];
} app;

static void on_event(rtm_push *s, const rtm_push_event *ev, void *user) {
  app *a = (app *)user;
  size_t n;
  (void)s; /* the session: for calls from the callback, e.g. rtm_push_enterroom(s, ...) */
  if (ev->type == RTM_PUSH_EV_ERROR && !ev->fatal) fprintf(stderr, "uv_listen: warning: %s\n", ev->message);
  if (ev->type == RTM_PUSH_EV_ERROR || ev->type == RTM_PUSH_EV_CLOSED || ev->type == RTM_PUSH_EV_ANSWER ||
      (ev->type == RTM_PUSH_EV_LOGIN && !ev->ok))
    return; /* a fatal error, a refused login: reported at exit */
  n = rtm_push_event_to_json(ev, a->line, a->lcap);
  if (n >= a->lcap) { /* a long push (the 70,000-byte msg): grow and print again */
    char *l = (char *)realloc(a->line, n + 1);
    if (!l) { fputs("uv_listen: out of memory\n", stderr); return; }
    a->line = l, a->lcap = n + 1;
    rtm_push_event_to_json(ev, a->line, a->lcap);
  }
  fwrite(a->line, 1, n, stdout), fputc('\n', stdout);
  fflush(stdout);
}

static void on_write(uv_write_t *req, int status);
static void on_timer(uv_timer_t *t);

/* The peer is gone: tell the session, and drop the output nobody will read. */
static void lost(app *a, const char *what, int err) {
  fprintf(stderr, "uv_listen: %s: %s\n", what, uv_strerror(err));
  rtm_push_feed_eof(a->s, uv_now(&a->loop));
  rtm_push_consume_output(a->s, rtm_push_pending_output(a->s, NULL));
}

/* Close every handle: uv_run then returns. */
static void finish(app *a) {
  a->done = 1;
  if (!uv_is_closing((uv_handle_t *)&a->tcp)) uv_close((uv_handle_t *)&a->tcp, NULL);
  uv_close((uv_handle_t *)&a->timer, NULL);
  uv_close((uv_handle_t *)&a->sigint, NULL);
  uv_close((uv_handle_t *)&a->sigterm, NULL);
}

/* After every call into the session: start a write, re-arm the timer, or finish. */
static void pump(app *a) {
  uint64_t now = uv_now(&a->loop), deadline;
  if (a->done) return;
  if (a->connected && !a->writing) {
    const uint8_t *p;
    size_t n = rtm_push_pending_output(a->s, &p);
    if (n) {
      uv_buf_t b;
      int rc;
      if (n > a->wcap) {
        char *w = (char *)realloc(a->wbuf, n);
        if (!w) { fputs("uv_listen: out of memory\n", stderr); exit(1); }
        a->wbuf = w, a->wcap = n;
      }
      memcpy(a->wbuf, p, n);
      a->wlen = n;
      b = uv_buf_init(a->wbuf, (unsigned)n);
      if ((rc = uv_write(&a->write_req, (uv_stream_t *)&a->tcp, &b, 1, on_write)) == 0) a->writing = 1;
      else lost(a, "write", rc);
    }
  }
  if (a->reading && !rtm_push_want_read(a->s)) uv_read_stop((uv_stream_t *)&a->tcp), a->reading = 0;
  if (a->connected && !rtm_push_want_read(a->s) && !rtm_push_want_write(a->s) && !a->writing)
    finish(a); /* the session ended and its output is written */
  else if (rtm_push_want_read(a->s) && (deadline = rtm_push_next_deadline(a->s)) != UINT64_MAX)
    uv_timer_start(&a->timer, on_timer, deadline > now ? deadline - now : 0, 0);
  else uv_timer_stop(&a->timer); /* no timer runs (or the session ended: its deadline is reconnect advice) */
}

static void on_write(uv_write_t *req, int status) {
  app *a = (app *)req->data;
  a->writing = 0;
  if (status < 0) lost(a, "write", status);
  else rtm_push_consume_output(a->s, a->wlen); /* every byte of the copy was written */
  pump(a);
}
static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf) {
  (void)hint;
  *buf = uv_buf_init(((app *)h->data)->rbuf, sizeof ((app *)h->data)->rbuf);
}
static void on_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf) {
  app *a = (app *)st->data;
  if (n > 0) rtm_push_feed(a->s, buf->base, (size_t)n, uv_now(&a->loop));
  else if (n < 0) { /* UV_EOF, or ECONNRESET & co.: the connection ended */
    if (n != UV_EOF) fprintf(stderr, "uv_listen: read: %s\n", uv_strerror((int)n));
    uv_read_stop(st);
    a->reading = 0;
    rtm_push_feed_eof(a->s, uv_now(&a->loop));
  }
  pump(a);
}
static void on_timer(uv_timer_t *t) {
  app *a = (app *)t->data;
  rtm_push_tick(a->s, uv_now(&a->loop)); /* login timeout, ping watchdog, bye and close timeouts */
  pump(a);
}
static void on_signal(uv_signal_t *sig, int signum) {
  app *a = (app *)sig->data;
  (void)signum;
  if (!a->connected) finish(a); /* still connecting: just stop */
  else rtm_push_close(a->s, uv_now(&a->loop)), pump(a); /* bye, then a WebSocket close; idempotent */
}
static void try_connect(app *a);
static void on_closed_retry(uv_handle_t *h) { if (!((app *)h->data)->done) try_connect((app *)h->data); }
static void on_connect(uv_connect_t *req, int status) {
  app *a = (app *)req->data;
  if (a->done) return; /* cancelled by a signal */
  if (status == 0) {
    a->connected = a->reading = 1;
    uv_read_start((uv_stream_t *)&a->tcp, on_alloc, on_read);
    pump(a); /* the upgrade request is pending: write it */
    return;
  }
  a->ai = a->ai->ai_next; /* a failed handle cannot be reused: close it, then try the next address */
  if (a->ai) { uv_close((uv_handle_t *)&a->tcp, on_closed_retry); return; }
  fprintf(stderr, "uv_listen: cannot connect to %s: %s\n", rtm_push_current_config(a->s)->host, uv_strerror(status));
  finish(a);
}
static void try_connect(app *a) {
  uv_tcp_init(&a->loop, &a->tcp);
  a->tcp.data = a->connect_req.data = a;
  uv_tcp_connect(&a->connect_req, &a->tcp, a->ai->ai_addr, on_connect);
}

int main(int argc, char **argv) {
  static app a;
  rtm_push_config cfg;
  uv_getaddrinfo_t gai;
  struct addrinfo hints;
  int rc, status;
  if (argc != 3) { fputs("usage: uv_listen HOST PORT\n", stderr); return 2; }
  signal(SIGPIPE, SIG_IGN); /* a write to a closed socket is an error, not a signal */
  uv_loop_init(&a.loop);
  memset(&hints, 0, sizeof hints);
  hints.ai_socktype = SOCK_STREAM;
  if ((rc = uv_getaddrinfo(&a.loop, &gai, NULL, argv[1], argv[2], &hints)) != 0) { /* NULL cb: synchronous */
    fprintf(stderr, "uv_listen: cannot resolve %s: %s\n", argv[1], uv_strerror(rc));
    return uv_loop_close(&a.loop), 1;
  }
  memset(&cfg, 0, sizeof cfg);
  cfg.host = argv[1], cfg.port = (uint16_t)atoi(argv[2]);
  cfg.pid = 1017, cfg.uid = 4242, cfg.token = "demo-token";
  cfg.on_event = on_event, cfg.user_data = &a;
  if ((rc = rtm_push_new(&a.s, &cfg)) != RTM_PUSH_OK) {
    fprintf(stderr, "uv_listen: %s\n", rtm_push_strerror(rc));
    return uv_freeaddrinfo(gai.addrinfo), uv_loop_close(&a.loop), 1;
  }
  a.addrs = a.ai = gai.addrinfo;
  a.write_req.data = &a;
  uv_timer_init(&a.loop, &a.timer), uv_signal_init(&a.loop, &a.sigint), uv_signal_init(&a.loop, &a.sigterm);
  a.timer.data = a.sigint.data = a.sigterm.data = &a;
  uv_signal_start(&a.sigint, on_signal, SIGINT), uv_signal_start(&a.sigterm, on_signal, SIGTERM);
  try_connect(&a);
  uv_run(&a.loop, UV_RUN_DEFAULT);
  status = a.connected && rtm_push_current_state(a.s) == RTM_PUSH_STATE_CLOSED ? 0 : 1;
  if (status && a.connected) {
    const char *msg;
    int err = rtm_push_last_error(a.s, &msg);
    fprintf(stderr, "uv_listen: %s (%s)\n", msg, rtm_push_strerror(err));
  }
  rtm_push_free(a.s);
  uv_freeaddrinfo(a.addrs), uv_loop_close(&a.loop);
  free(a.wbuf), free(a.line);
  return status;
}
