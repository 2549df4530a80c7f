/* rtm-listen: connect to an RTM gate over ws:// or wss://, log in, print every push as a JSON line.

   rtm-listen URL --pid N --uid N --token T [--lang L] [--duration SECONDS] [--encoding json|msgpack]
              [--cafile PATH] [--insecure-no-verify] [--enter-room RID]... [--reconnect] [--catch-up] [--read-size N]
              [--capture FILE] [--login-timeout MS] [--quiet]          (also --help, --version)

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
   per recv() (a test aid: 1 feeds the library one byte at a time). --capture FILE writes every byte the server
   sent after the 101 response (decrypted, for wss://): rtm-dump FILE prints the same pushes. Progress (connecting,
   TLS verified, logged in, closing) goes to stderr unless --quiet; every failure is one line on stderr; usage
   errors name the argument and exit 2. Plain sockets and poll(): the library does no I/O of its own. */
#define _POSIX_C_SOURCE 200809L
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
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
#include "cli.h"

static volatile sig_atomic_t g_stop;
static void on_signal(int sig) { (void)sig; g_stop = 1; }
static int g_quiet;
/* Progress on stderr ("rtm-listen: connecting to ..."), which --quiet silences. */
static void progress(const char *fmt, ...) {
  va_list ap;
  if (g_quiet) return;
  fputs("rtm-listen: ", stderr);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
}

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

/* --capture: config.on_received writes the WebSocket stream as received (decrypted, for wss://) to the file. */
static FILE *g_capture;
static int g_capture_failed;
static void capture_received(rtm_push *s, const uint8_t *p, size_t n, void *user_data) {
  (void)s, (void)user_data;
  if (g_capture && !g_capture_failed && fwrite(p, 1, n, g_capture) != n) g_capture_failed = 1;
}

typedef struct listener {
  char *line;
  size_t cap;
  int logged_in;
  int64_t rooms[64], uid;
  int nrooms, rooms_entered;
  int tls, tls_said;           /* the handshake's outcome said (once per connection) */
  const char *tls_name;
  unsigned char first[2];      /* the connection's first bytes: a TLS record on a ws:// connection gets a hint */
  size_t nfirst;
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
    progress("logged in as uid %lld", (long long)l->uid);
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
static void run_connection(rtm_push *s, listener *l, int fd, size_t read_size, uint64_t end_at, int *closing) {
  static unsigned char buf[65536];
  if (fd < 0) return;
  l->tls_said = 0;
  l->nfirst = 0;
  for (;;) {
    struct pollfd pfd;
    uint64_t now = now_ms(), deadline = rtm_push_next_deadline(s);
    int timeout;
    rtm_push_state st = rtm_push_current_state(s);
    if ((st == RTM_PUSH_STATE_CLOSED || st == RTM_PUSH_STATE_FAILED) && !rtm_push_want_write(s)) break;
    if (!*closing && (g_stop || now >= end_at)) {
      *closing = 1;
      progress("closing (%s)...", g_stop ? "signal" : "end of --duration");
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
      if (n > 0) {
        for (; l->nfirst < sizeof l->first && l->nfirst < (size_t)n; l->nfirst++) l->first[l->nfirst] = buf[l->nfirst];
        rtm_push_feed(s, buf, (size_t)n, now);
        if (l->tls && !l->tls_said && rtm_push_current_state(s) >= RTM_PUSH_STATE_UPGRADING && rtm_push_current_state(s) <= RTM_PUSH_STATE_CLOSING) {
          l->tls_said = 1; /* the handshake is done: the state moved on from CONNECTING */
          if (rtm_push_tls_verified(s) == 1) progress("TLS verified as %s", l->tls_name);
          else progress("TLS handshake done; the certificate is NOT verified (--insecure-no-verify)");
        }
      }
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

/* The digits from p to end: a port from 1 to 65535, nothing else. */
static int parse_port(const char *p, const char *end, unsigned *port) {
  int64_t v;
  if (p >= end || *p == '-' || rtm_push_parse_int64(p, (size_t)(end - p), &v) != 0 || v < 1 || v > 65535) return -1;
  *port = (unsigned)v;
  return 0;
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
    if (rb + 1 < hend && (rb[1] != ':' || parse_port(rb + 2, hend, port) != 0)) return -1;
  } else {
    const char *colon = memchr(p, ':', (size_t)(hend - p));
    hl = (size_t)((colon ? colon : hend) - p);
    if (hl == 0 || hl + 1 > hcap) return -1;
    memcpy(host, p, hl);
    host[hl] = 0;
    if (colon && parse_port(colon + 1, hend, port) != 0) return -1;
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
  progress(strchr(host, ':') ? "connecting to [%s]:%u..." : "connecting to %s:%u...", host, port);
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

static const char help[] =
  "usage: rtm-listen ws[s]://HOST[:PORT][/PATH] --pid N --uid N --token T [--lang L] [--duration SECONDS]\n"
  "                  [--encoding json|msgpack] [--cafile PATH] [--insecure-no-verify] [--enter-room RID]...\n"
  "                  [--reconnect] [--catch-up] [--read-size N] [--capture FILE] [--login-timeout MS] [--quiet]\n"
  "Connects to an RTM gate, logs in and prints every event as a JSON line on stdout (the login result first).\n"
  "  URL                   ws:// or wss:// (default port 80 / 443, path /service/websocket)\n"
  "  --pid N, --uid N      the project id (1 to 2147483647) and our user id (a signed 64-bit integer)\n"
  "  --token T, --lang L   the login token, the language for translations\n"
  "  --duration SECONDS    log out and exit 0 after this long (default, or 0: until a kickout or a signal)\n"
  "  --encoding E          json (default) or msgpack for our own quests; pushes are decoded in either\n"
  "  --cafile PATH         trusted CAs (PEM) for wss:// (default: the system bundle)\n"
  "  --insecure-no-verify  wss:// without checking the server's certificate (said on stderr)\n"
  "  --enter-room RID      join this room after login (repeatable, up to 64)\n"
  "  --reconnect           follow the library's reconnect advice after a lost connection\n"
  "  --catch-up            after each reconnect, fetch from the gate's history what was sent while the\n"
  "                        connection was down (printed with \"caught_up\":true; docs/catch-up.md)\n"
  "  --read-size N         read at most N bytes per recv() (1 to 65536; a test aid)\n"
  "  --capture FILE        write every byte the server sent after the 101 response (decrypted, for wss://)\n"
  "                        to FILE: 'rtm-dump FILE' prints the same pushes (attach it to a bug report);\n"
  "                        with --reconnect, each connection's bytes follow the last's (rtm-dump stops\n"
  "                        where a connection was cut inside a frame)\n"
  "  --login-timeout MS    how long connecting, the TLS handshake, the upgrade and the login may take\n"
  "                        (1 to 3600000; default 30000)\n"
  "  --quiet               no progress lines on stderr (warnings and errors stay)\n"
  "  --help, --version\n"
  "Exit status: 0 after a kickout, --duration or SIGINT/SIGTERM; 1 when the connection, the handshake or the\n"
  "login fails (one line on stderr says why); 2 for a usage error.\n";

/* A number of seconds from 0 to max (a decimal fraction allowed), or a usage error naming opt. */
static double cli_seconds(const char *opt, const char *text, double max) {
  char *end;
  double v = strtod(text, &end);
  if (end == text || *end || !(v >= 0) || v > max || strpbrk(text, "xXpP") || ((text[0] < '0' || text[0] > '9') && text[0] != '.'))
    cli_usage_error("%s: expected a number of seconds from 0 to %.0f, got '%s'", opt, max, text);
  return v;
}

/* rtm_push_new refused the CAs (RTM_PUSH_E_TLS_CA), which it reports by its code alone: the file and why. */
static void report_ca_error(const char *cafile) {
  const char *path = cafile ? cafile : "/etc/ssl/certs/ca-certificates.crt"; /* the library's default bundle */
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "rtm-listen: %s: cannot read %s: %s\n", rtm_push_strerror(RTM_PUSH_E_TLS_CA), path, strerror(errno));
    return;
  }
  fclose(f);
#ifndef RTM_PUSH_NO_TLS
  {
    mbedtls_x509_crt crt;
    char why[200];
    int r;
    mbedtls_x509_crt_init(&crt);
    r = mbedtls_x509_crt_parse_file(&crt, path);
    mbedtls_x509_crt_free(&crt);
    if (r < 0) mbedtls_strerror(r, why, sizeof why);
    else snprintf(why, sizeof why, "%d of its certificates could not be parsed", r);
    fprintf(stderr, "rtm-listen: %s: %s: %s\n", rtm_push_strerror(RTM_PUSH_E_TLS_CA), path, why);
  }
#else
  fprintf(stderr, "rtm-listen: %s: %s\n", rtm_push_strerror(RTM_PUSH_E_TLS_CA), path);
#endif
}

/* The one line for a failed session: the library's message, its code's text when that adds something, and a hint
   when a ws:// connection was answered with a TLS record. */
static void report_failure(rtm_push *s, const listener *l) {
  const char *msg;
  int err = rtm_push_last_error(s, &msg);
  const char *text = rtm_push_strerror(err);
  put_message(stderr, "rtm-listen: ", msg, "");
  /* the code's text, unless msg says it already ("login refused: the gate answered ok:false (...)") */
  if (msg && !strstr(msg, text) && !(err == RTM_PUSH_E_LOGIN_REFUSED && !strncmp(msg, "login refused", 13)))
    fprintf(stderr, " (%s)", text);
  if (!l->tls && l->nfirst == 2 && l->first[0] >= 20 && l->first[0] <= 23 && l->first[1] == 3)
    fputs(": the server answered with a TLS record: is it wss://?", stderr);
  else if (!l->tls && l->nfirst == 0 && err == RTM_PUSH_E_EOF)
    fputs(": not a byte came back to the upgrade request: is it a wss:// (TLS) port?", stderr);
  fputc('\n', stderr);
}

int main(int argc, char **argv) {
  const char *url = NULL, *path = NULL, *capture = NULL;
  char host[256];
  unsigned port;
  double duration = 0;
  size_t read_size = 65536;
  rtm_push_config cfg;
  rtm_push *s;
  listener l;
  int fd, i, rc, closing = 0, status, reconnect = 0, have_pid = 0, have_uid = 0;
  uint64_t end_at = UINT64_MAX;
  cli_name = "rtm-listen";
  memset(&cfg, 0, sizeof cfg);
  memset(&l, 0, sizeof l);
  for (i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (cli_help_version(a, help)) continue;
    if (!strcmp(a, "--pid")) cfg.pid = (int32_t)cli_int(a, cli_value(argc, argv, &i), 1, INT32_MAX), have_pid = 1;
    else if (!strcmp(a, "--uid")) cfg.uid = cli_int(a, cli_value(argc, argv, &i), INT64_MIN, INT64_MAX), have_uid = 1;
    else if (!strcmp(a, "--token")) cfg.token = cli_value(argc, argv, &i);
    else if (!strcmp(a, "--lang")) cfg.lang = cli_value(argc, argv, &i);
    else if (!strcmp(a, "--duration")) duration = cli_seconds(a, cli_value(argc, argv, &i), 1e7);
    else if (!strcmp(a, "--read-size")) read_size = (size_t)cli_int(a, cli_value(argc, argv, &i), 1, 65536);
    else if (!strcmp(a, "--login-timeout")) cfg.login_timeout_ms = (uint32_t)cli_int(a, cli_value(argc, argv, &i), 1, 3600000);
    else if (!strcmp(a, "--cafile")) cfg.tls_ca_file = cli_value(argc, argv, &i);
    else if (!strcmp(a, "--capture")) capture = cli_value(argc, argv, &i);
    else if (!strcmp(a, "--enter-room")) {
      const char *r = cli_value(argc, argv, &i);
      if (l.nrooms == 64) cli_usage_error("--enter-room: at most 64 rooms");
      l.rooms[l.nrooms++] = cli_int("--enter-room", r, INT64_MIN, INT64_MAX);
    }
    else if (!strcmp(a, "--insecure-no-verify")) cfg.tls_insecure_no_verify = 1;
    else if (!strcmp(a, "--reconnect")) reconnect = 1;
    else if (!strcmp(a, "--catch-up")) cfg.catch_up = 1; /* after a reconnect, fetch what was missed (issue #22) */
    else if (!strcmp(a, "--quiet")) g_quiet = 1;
    else if (!strcmp(a, "--encoding")) {
      const char *e = cli_value(argc, argv, &i);
      if (!strcmp(e, "msgpack")) cfg.quest_encoding = RTM_PUSH_ENC_MSGPACK;
      else if (strcmp(e, "json")) cli_usage_error("--encoding: expected json or msgpack, got '%s'", e);
    }
    else if (a[0] == '-') cli_usage_error("unknown option '%s'", a);
    else if (!url) url = a;
    else cli_usage_error("unexpected argument '%s' (one URL only)", a);
  }
  if (!url) cli_usage_error("missing the URL (ws://HOST[:PORT][/PATH] or wss://...)");
  if (!have_pid) cli_usage_error("missing --pid");
  if (!have_uid) cli_usage_error("missing --uid");
  if (!cfg.token) cli_usage_error("missing --token");
  if (parse_url(url, host, sizeof host, &port, &path, &cfg.tls) != 0)
    cli_usage_error("bad URL '%s': expected ws://HOST[:PORT][/PATH] or wss://..., a port from 1 to 65535", url);
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  signal(SIGPIPE, SIG_IGN);
  cfg.host = host;
  cfg.port = (uint16_t)port;
  cfg.path = path;
  cfg.on_event = on_event;
  if (capture) cfg.on_received = capture_received;
  cfg.user_data = &l;
  l.uid = cfg.uid;
  l.tls = cfg.tls;
  l.tls_name = host;
  if ((rc = rtm_push_new(&s, &cfg)) != 0) {
    if (rc == RTM_PUSH_E_TLS_CA) report_ca_error(cfg.tls_ca_file);
    else fprintf(stderr, "rtm-listen: %s\n", rtm_push_strerror(rc));
    return 1;
  }
  if (capture && !(g_capture = fopen(capture, "wb"))) {
    fprintf(stderr, "rtm-listen: --capture: cannot write %s: %s\n", capture, strerror(errno));
    rtm_push_free(s);
    return 1;
  }
  if ((fd = connect_to(host, port)) < 0) {
    rtm_push_free(s);
    if (g_capture) fclose(g_capture);
    return 1;
  }
  l.cap = 65536;
  l.line = (char *)malloc(l.cap);

  if (duration > 0) end_at = now_ms() + (uint64_t)(duration * 1000);
  for (;;) { /* one connection */
    uint64_t at;
    run_connection(s, &l, fd, read_size, end_at, &closing);
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
  /* 0: a clean end (kickout, bye); also, with --reconnect, the end of --duration or a signal */
  status = rtm_push_current_state(s) == RTM_PUSH_STATE_CLOSED || (reconnect && (g_stop || now_ms() >= end_at)) ? 0 : 1;
  if (status) report_failure(s, &l);
  else if (rtm_push_last_error(s, NULL) == RTM_PUSH_E_KICKED_OUT) fprintf(stderr, "rtm-listen: kicked out by the gate\n");
  rtm_push_free(s);
  if (fd >= 0) close(fd);
  free(l.line);
  if (g_capture && (fclose(g_capture) != 0 || g_capture_failed)) {
    fprintf(stderr, "rtm-listen: --capture: cannot write %s: %s\n", capture, strerror(errno));
    status = 1;
  }
  return status;
}
