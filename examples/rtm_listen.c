/* rtm-listen: connect to an RTM gate over ws:// or wss://, log in, print every push as a JSON line.

   rtm-listen URL --pid N --uid N --token T [--lang L] [--duration SECONDS] [--encoding json|msgpack]
              [--cafile PATH] [--insecure-no-verify] [--enter-room RID]... [--reconnect] [--read-size N]

   URL is ws://host[:port][/path] or wss://... (default port 80 / 443, path /service/websocket).
   wss:// verifies the server's certificate against --cafile (PEM) or the system bundle, and its name
   against the URL's host; --insecure-no-verify turns that off (and says so on stderr). --enter-room RID
   (repeatable) joins that room after login; a refused enterroom is a warning on stderr. --reconnect
   follows the library's reconnect advice after a lost connection (one logical session: rooms re-entered,
   redelivered pushes printed once); it stops after a kickout, a refused login, --duration or a signal. Prints one JSON line per
   event on stdout (the login result first). Exits 0 on kickout, at the end of --duration or on
   SIGINT/SIGTERM (it logs out with bye first); exits 1 with a message on stderr when the connection,
   the handshake or the login fails. --encoding picks the encoding of our own quests (auth, bye; default
   json); pushes are decoded in whichever encoding the gate uses. --read-size N reads at most N bytes
   per recv() (a test aid: 1 feeds the library one byte at a time). Plain sockets and poll(): the library does no I/O of its own. */
#define _POSIX_C_SOURCE 200809L
#define RTM_PUSH_IMPLEMENTATION
#include "../rtm_push.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

static volatile sig_atomic_t g_stop;
static void on_signal(int sig) { (void)sig; g_stop = 1; }

static uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Text from the peer (an answer's ex; the library's messages, which quote the peer and are escaped already)
   onto stderr: never a byte a terminal would act on. C0 controls, DEL and C1 controls as \u00XX, a byte that
   is not part of valid UTF-8 as \xHH, and at most 300 bytes of it. */
static void put_text(FILE *f, const char *text, size_t n) {
  const unsigned char *p = (const unsigned char *)text;
  size_t i = 0, k, j;
  if (!p) return;
  if (n > 300) n = 300;
  while (i < n) {
    unsigned c = p[i];
    k = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    for (j = 1; k > 1 && j < k; j++)
      if (i + j >= n || (p[i + j] & 0xC0) != 0x80) k = 0;
    if (k == 1 && (c < 0x20 || c == 0x7f)) fprintf(f, "\\u%04x", c);
    else if (k == 2 && c == 0xC2 && p[i + 1] < 0xA0) fprintf(f, "\\u%04x", (unsigned)p[i + 1]);
    else if (k == 0) fprintf(f, "\\x%02x", c);
    else fwrite(p + i, 1, k, f);
    i += k ? k : 1;
  }
}
static void put_message(FILE *f, const char *before, const char *text, const char *after) {
  fputs(before, f);
  put_text(f, text, text ? strlen(text) : 0);
  fputs(after, f);
}

typedef struct listener {
  char *line;
  size_t cap;
  int logged_in;
  int64_t rooms[64];
  int nrooms, rooms_entered;
} listener;

static void on_room_answer(rtm_push *s, const rtm_push_answer *a, void *user_data) {
  (void)s, (void)user_data;
  if (a->result == RTM_PUSH_OK) return;
  fprintf(stderr, "rtm-listen: warning: %s failed: %s (code %lld%s", a->method, rtm_push_strerror(a->result),
          (long long)a->code, a->ex.len ? ": " : "");
  put_text(stderr, a->ex.ptr, a->ex.len);
  fputs(")\n", stderr);
}

static void on_event(rtm_push *s, const rtm_push_event *ev, void *user) {
  listener *l = (listener *)user;
  size_t n;
  if (ev->type == RTM_PUSH_EV_CLOSED || ev->type == RTM_PUSH_EV_ANSWER) return;
  if (ev->type == RTM_PUSH_EV_ERROR) {
    if (!ev->fatal) put_message(stderr, "rtm-listen: warning: ", ev->message, "\n"); /* fatal: reported at exit */
    return;
  }
  if (ev->type == RTM_PUSH_EV_LOGIN) {
    if (!ev->ok) return; /* reported at exit */
    l->logged_in = 1;
    if (rtm_push_tls_verified(s) == 0)
      fputs("rtm-listen: WARNING: logged in over TLS WITHOUT verifying the server's certificate\n", stderr);
  }
  n = rtm_push_event_to_json(ev, l->line, l->cap);
  if (n >= l->cap) {
    char *nl = (char *)realloc(l->line, n + 1);
    if (!nl) { fputs("rtm-listen: out of memory\n", stderr); exit(1); }
    l->line = nl;
    l->cap = n + 1;
    rtm_push_event_to_json(ev, l->line, l->cap);
  }
  fwrite(l->line, 1, n, stdout);
  fputc('\n', stdout);
  fflush(stdout);
  if (ev->type == RTM_PUSH_EV_LOGIN && !l->rooms_entered) { /* join the rooms (from a callback is fine); */
    int i, rc;                                                 /* after a reconnect the library re-enters them */
    l->rooms_entered = 1;
    for (i = 0; i < l->nrooms; i++)
      if ((rc = rtm_push_enterroom(s, l->rooms[i], on_room_answer, l)) != RTM_PUSH_OK)
        fprintf(stderr, "rtm-listen: warning: enterroom %lld: %s\n", (long long)l->rooms[i], rtm_push_strerror(rc));
  }
}

/* Drive one connection until the session ends and its output is written. */
static void run_connection(rtm_push *s, int fd, size_t read_size, uint64_t end_at, int *closing) {
  static unsigned char buf[65536];
  if (fd < 0) return;
  for (;;) {
    struct pollfd pfd;
    uint64_t now = now_ms(), deadline = rtm_push_next_deadline(s);
    int timeout;
    rtm_push_state st = rtm_push_current_state(s);
    if ((st == RTM_PUSH_STATE_CLOSED || st == RTM_PUSH_STATE_FAILED) && !rtm_push_want_write(s)) break;
    if (!*closing && (g_stop || now >= end_at)) {
      *closing = 1;
      rtm_push_close(s, now);
      continue;
    }
    if (end_at < deadline && !*closing) deadline = end_at;
    timeout = deadline == UINT64_MAX ? 1000 : deadline <= now ? 0 : (int)(deadline - now > 1000 ? 1000 : deadline - now);
    pfd.fd = fd;
    pfd.events = (short)((rtm_push_want_read(s) ? POLLIN : 0) | (rtm_push_want_write(s) ? POLLOUT : 0));
    pfd.revents = 0;
    if (poll(&pfd, 1, timeout) < 0 && errno != EINTR) break;
    now = now_ms();
    if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = recv(fd, buf, read_size, 0);
      if (n > 0) rtm_push_feed(s, buf, (size_t)n, now);
      else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) rtm_push_feed_eof(s, now);
    }
    while (rtm_push_want_write(s)) {
      const uint8_t *out;
      size_t len = rtm_push_pending_output(s, &out);
      ssize_t n = send(fd, out, len, 0);
      if (n <= 0) {
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
          rtm_push_feed_eof(s, now); /* the peer is gone: nothing more will be written */
          rtm_push_consume_output(s, len);
        }
        break;
      }
      rtm_push_consume_output(s, (size_t)n);
    }
    rtm_push_tick(s, now);
  }
}

/* The end of a connection, once its last bytes (for wss://, our close_notify) are written: a half-close (our FIN),
   then the peer's remaining bytes are read and dropped until its FIN, for at most 2 s and 1 MiB. Closing a socket
   with unread data in it makes the kernel send a TCP reset, which can arrive before our close_notify is read (as
   when the server's close_notify crosses ours). */
static void finish_connection(int fd) {
  static unsigned char buf[16384];
  uint64_t until = now_ms() + 2000;
  size_t total = 0;
  if (fd < 0 || shutdown(fd, SHUT_WR) != 0) return;
  while (total < ((size_t)1 << 20)) {
    struct pollfd pfd;
    uint64_t now = now_ms();
    ssize_t n;
    if (now >= until) break;
    pfd.fd = fd;
    pfd.events = POLLIN;
    pfd.revents = 0;
    if (poll(&pfd, 1, (int)(until - now)) < 0 && errno != EINTR) break;
    n = recv(fd, buf, sizeof buf, 0);
    if (n > 0) total += (size_t)n;
    else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) break; /* the peer's FIN, or gone */
  }
}

static int parse_url(const char *url, char *host, size_t hcap, unsigned *port, const char **path, int *tls) {
  const char *p, *hend, *slash;
  size_t hl;
  if (strncmp(url, "ws://", 5) == 0) *tls = 0, p = url + 5;
  else if (strncmp(url, "wss://", 6) == 0) *tls = 1, p = url + 6;
  else return -1;
  slash = strchr(p, '/');
  *path = slash ? slash : NULL;
  hend = slash ? slash : p + strlen(p);
  *port = *tls ? 443 : 80;
  if (*p == '[') { /* [v6]:port */
    const char *rb = memchr(p, ']', (size_t)(hend - p));
    if (!rb) return -1;
    hl = (size_t)(rb - p - 1);
    if (hl + 1 > hcap) return -1;
    memcpy(host, p + 1, hl);
    host[hl] = 0;
    if (rb + 1 < hend && rb[1] == ':') *port = (unsigned)atoi(rb + 2);
  } else {
    const char *colon = memchr(p, ':', (size_t)(hend - p));
    hl = (size_t)((colon ? colon : hend) - p);
    if (hl == 0 || hl + 1 > hcap) return -1;
    memcpy(host, p, hl);
    host[hl] = 0;
    if (colon) *port = (unsigned)atoi(colon + 1);
  }
  return (*port == 0 || *port > 65535) ? -1 : 0;
}

static int connect_to(const char *host, unsigned port) {
  struct addrinfo hints, *res, *ai;
  char ps[8];
  int fd = -1, rc;
  memset(&hints, 0, sizeof hints);
  hints.ai_socktype = SOCK_STREAM;
  snprintf(ps, sizeof ps, "%u", port);
  if ((rc = getaddrinfo(host, ps, &hints, &res)) != 0) {
    fprintf(stderr, "rtm-listen: cannot resolve %s: %s\n", host, gai_strerror(rc));
    return -1;
  }
  for (ai = res; ai; ai = ai->ai_next) {
    fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd < 0) continue;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) break;
    close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  if (fd < 0) fprintf(stderr, "rtm-listen: cannot connect to %s:%u: %s\n", host, port, strerror(errno));
  else fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

static void usage(void) {
  fputs("usage: rtm-listen ws[s]://HOST[:PORT][/PATH] --pid N --uid N --token T [--lang L] [--duration SECONDS]\n"
        "                  [--encoding json|msgpack] [--cafile PATH] [--insecure-no-verify] [--enter-room RID]...\n"
        "                  [--reconnect] [--read-size N]\n", stderr);
  exit(2);
}

int main(int argc, char **argv) {
  const char *url = NULL, *path = NULL;
  char host[256];
  unsigned port;
  double duration = 0;
  size_t read_size = 65536;
  rtm_push_config cfg;
  rtm_push *s;
  listener l;
  int fd, i, rc, closing = 0, status, reconnect = 0;
  uint64_t end_at = UINT64_MAX;
  memset(&cfg, 0, sizeof cfg);
  memset(&l, 0, sizeof l);
  for (i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--pid") && i + 1 < argc) cfg.pid = (int32_t)atol(argv[++i]);
    else if (!strcmp(argv[i], "--uid") && i + 1 < argc) {
      const char *u = argv[++i];
      if (rtm_push_parse_int64(u, strlen(u), &cfg.uid) != 0) usage();
    } else if (!strcmp(argv[i], "--token") && i + 1 < argc) cfg.token = argv[++i];
    else if (!strcmp(argv[i], "--lang") && i + 1 < argc) cfg.lang = argv[++i];
    else if (!strcmp(argv[i], "--duration") && i + 1 < argc) duration = atof(argv[++i]);
    else if (!strcmp(argv[i], "--read-size") && i + 1 < argc) read_size = (size_t)atol(argv[++i]);
    else if (!strcmp(argv[i], "--cafile") && i + 1 < argc) cfg.tls_ca_file = argv[++i];
    else if (!strcmp(argv[i], "--enter-room") && i + 1 < argc) {
      const char *r = argv[++i];
      if (l.nrooms == 64 || rtm_push_parse_int64(r, strlen(r), &l.rooms[l.nrooms++]) != 0) usage();
    }
    else if (!strcmp(argv[i], "--insecure-no-verify")) cfg.tls_insecure_no_verify = 1;
    else if (!strcmp(argv[i], "--reconnect")) reconnect = 1;
    else if (!strcmp(argv[i], "--catch-up")) cfg.catch_up = 1; /* after a reconnect, fetch what was missed (issue #22) */
    else if (!strcmp(argv[i], "--encoding") && i + 1 < argc) {
      const char *e = argv[++i];
      if (!strcmp(e, "msgpack")) cfg.quest_encoding = RTM_PUSH_ENC_MSGPACK;
      else if (strcmp(e, "json")) usage();
    }
    else if (argv[i][0] == '-') usage();
    else if (!url) url = argv[i];
    else usage();
  }
  if (!url || !cfg.token || read_size == 0 || read_size > 65536) usage();
  if (parse_url(url, host, sizeof host, &port, &path, &cfg.tls) != 0) {
    fprintf(stderr, "rtm-listen: bad URL %s (expected ws://host[:port][/path] or wss://...)\n", url);
    return 2;
  }
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  signal(SIGPIPE, SIG_IGN);
  cfg.host = host;
  cfg.port = (uint16_t)port;
  cfg.path = path;
  cfg.on_event = on_event;
  cfg.user_data = &l;
  if ((fd = connect_to(host, port)) < 0) return 1;
  if ((rc = rtm_push_new(&s, &cfg)) != 0) {
    fprintf(stderr, "rtm-listen: %s\n", rtm_push_strerror(rc));
    close(fd);
    return 1;
  }
  l.cap = 65536;
  l.line = (char *)malloc(l.cap);

  if (duration > 0) end_at = now_ms() + (uint64_t)(duration * 1000);
  for (;;) { /* one connection */
    uint64_t at;
    run_connection(s, fd, read_size, end_at, &closing);
    finish_connection(fd);
    close(fd);
    fd = -1;
    at = rtm_push_reconnect_at(s);
    if (!reconnect || at == UINT64_MAX || closing || g_stop) break;
    {
      const char *msg;
      rtm_push_last_error(s, &msg);
      put_message(stderr, "rtm-listen: connection ended (", msg, ")");
      fprintf(stderr, "; reconnecting in %llu ms\n", (unsigned long long)(at > now_ms() ? at - now_ms() : 0));
    }
    while (!g_stop && now_ms() < at && now_ms() < end_at) poll(NULL, 0, (int)RTM_PUSH__MIN(at - now_ms(), 200));
    if (g_stop || now_ms() >= end_at) break;
    fd = connect_to(host, port);
    rtm_push_reconnect(s, now_ms());
    if (fd < 0) rtm_push_feed_eof(s, now_ms()); /* a failed attempt: the advice grows */
  }
  {
    const char *msg;
    int err = rtm_push_last_error(s, &msg);
    /* 0: a clean end (kickout, bye); also, with --reconnect, the end of --duration or a signal */
    status = rtm_push_current_state(s) == RTM_PUSH_STATE_CLOSED || (reconnect && (g_stop || now_ms() >= end_at)) ? 0 : 1;
    if (status) put_message(stderr, "rtm-listen: ", msg, "\n"); /* one line: the detailed message names the error */
    else if (err == RTM_PUSH_E_KICKED_OUT) fprintf(stderr, "rtm-listen: kicked out by the gate\n");
  }
  rtm_push_free(s);
  if (fd >= 0) close(fd);
  free(l.line);
  return status;
}
