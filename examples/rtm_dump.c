/* rtm-dump: decode a captured RTM/FPNN byte stream without any network.

   rtm-dump [--input ws|http|fpnn] [--chunk N] [--no-dedup] [--uid N] [--quiet] FILE|-     (also --help, --version)

   ws (default): the bytes a client reads from the socket after the 101 response;
   http: the same, preceded by the 101 response (its Accept is not checked);
   fpnn: bare concatenated FPNN packages.
   Prints one JSON line per delivered event (see README), or with --quiet one line
   "events=<n> bytes=<n>". On an error prints {"error":"...","code":N} and exits 1;
   every event decoded before it is printed. The output is the same for every --chunk. The capture is read
   64 KiB at a time (or --chunk bytes, when larger) and our answers to its pushes are dropped as they are made:
   memory does not grow with the capture's length. */
#define RTM_PUSH_IMPLEMENTATION
#include "../rtm_push.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

typedef struct dump {
  int quiet, stopped, failed;
  unsigned long long events;
  char *line;
  size_t cap;
} dump;

static void print_event(dump *d, const rtm_push_event *ev) {
  size_t n;
  if (d->stopped || ev->type == RTM_PUSH_EV_CLOSED) return;
  if (ev->type == RTM_PUSH_EV_ERROR) { d->stopped = d->failed = 1; }
  else d->events++;
  if (d->quiet && !d->failed) return;
  n = rtm_push_event_to_json(ev, d->line, d->cap);
  if (n >= d->cap) {
    free(d->line);
    d->cap = n + 1;
    d->line = (char *)malloc(d->cap);
    if (!d->line) { fputs("rtm-dump: out of memory\n", stderr); exit(2); }
    rtm_push_event_to_json(ev, d->line, d->cap);
  }
  if (d->quiet) fprintf(stderr, "%s\n", d->line);
  else { fwrite(d->line, 1, n, stdout); fputc('\n', stdout); }
}
static void on_event(rtm_push *s, const rtm_push_event *ev, void *user) { (void)s; print_event((dump *)user, ev); }

static const char help[] =
  "usage: rtm-dump [--input ws|http|fpnn] [--chunk N] [--no-dedup] [--uid N] [--quiet] FILE|-\n"
  "Decodes a captured RTM/FPNN byte stream (FILE, or - for stdin) without any network, in bounded reads:\n"
  "its memory does not grow with the capture's length. Prints one JSON line per event.\n"
  "  --input ws     the bytes a client reads after the 101 response (default; what rtm-listen --capture writes)\n"
  "  --input http   the same, preceded by the 101 response (its Accept is not checked)\n"
  "  --input fpnn   bare concatenated FPNN packages\n"
  "  --chunk N      feed the library N bytes per call (1 to 1048576; default: each read, 64 KiB);\n"
  "                 the output is the same for every N\n"
  "  --no-dedup     deliver duplicate pushes again\n"
  "  --uid N        our uid: drops pushes whose excludedUids names it\n"
  "  --quiet        print only \"events=<n> bytes=<n>\" (an error line goes to stderr)\n"
  "  --help, --version\n"
  "On a decoding error: the events before it, then {\"error\":\"...\",\"code\":N}, exit 1. Usage errors: exit 2.\n";
static void fail_line(dump *d, const char *msg, int code) {
  rtm_push_event ev;
  memset(&ev, 0, sizeof ev);
  ev.type = RTM_PUSH_EV_ERROR;
  ev.fatal = 1;
  ev.message = msg;
  ev.error = code;
  print_event(d, &ev);
}

/* --input http: the response header, read off the front of the stream (bounded); the rest is the WebSocket. */
typedef struct http_skip {
  unsigned char head[12];
  size_t seen;
  unsigned match; /* how much of "\r\n\r\n" has just been seen */
} http_skip;
#define HTTP_HEAD_MAX (64u << 10)
/* Consumes header bytes of p; returns how many, or -1 (error reported) when the header is not a 101 or too long. */
static long http_skip_input(http_skip *h, dump *d, const unsigned char *p, size_t n) {
  size_t i = 0;
  while (i < n && h->match < 4) {
    unsigned char c = p[i++];
    if (h->seen < sizeof h->head) h->head[h->seen] = c;
    h->seen++;
    h->match = c == "\r\n\r\n"[h->match] ? h->match + 1 : (c == '\r' ? 1u : 0u);
    if (h->seen > HTTP_HEAD_MAX) {
      fail_line(d, "the HTTP response header is longer than 64 KiB", RTM_PUSH_E_HTTP_HEADER_TOO_LARGE);
      return -1;
    }
  }
  if (h->match == 4 && (h->seen < 12 || memcmp(h->head, "HTTP/1.", 7) != 0 || memcmp(h->head + 8, " 101", 4) != 0)) {
    fail_line(d, "the HTTP response is not 101 Switching Protocols", RTM_PUSH_E_HTTP_STATUS);
    return -1;
  }
  return (long)i;
}

int main(int argc, char **argv) {
  const char *input = "ws", *path = NULL;
  size_t chunk = 0, bufsize, n, off, k;
  unsigned long long total = 0;
  unsigned char *buf;
  unsigned char first[5];
  size_t nfirst = 0;
  http_skip hs;
  FILE *f;
  rtm_push_config cfg;
  rtm_push *s;
  dump d;
  int i, rc, in_header, ended = 0;
  static char outbuf[1 << 16];
  cli_name = "rtm-dump";
  setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
  memset(&cfg, 0, sizeof cfg);
  memset(&d, 0, sizeof d);
  memset(&hs, 0, sizeof hs);
  for (i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (cli_help_version(a, help)) continue;
    if (!strcmp(a, "--input")) {
      input = cli_value(argc, argv, &i);
      if (strcmp(input, "ws") && strcmp(input, "http") && strcmp(input, "fpnn"))
        cli_usage_error("--input: expected ws, http or fpnn, got '%s'", input);
    } else if (!strcmp(a, "--chunk")) chunk = (size_t)cli_int(a, cli_value(argc, argv, &i), 1, 1 << 20);
    else if (!strcmp(a, "--no-dedup")) cfg.no_dedup = 1;
    else if (!strcmp(a, "--uid")) cfg.uid = cli_int(a, cli_value(argc, argv, &i), INT64_MIN, INT64_MAX);
    else if (!strcmp(a, "--quiet")) d.quiet = 1;
    else if (a[0] == '-' && a[1]) cli_usage_error("unknown option '%s'", a);
    else if (!path) path = a;
    else cli_usage_error("unexpected argument '%s' (one FILE only)", a);
  }
  if (!path) cli_usage_error("missing FILE (or - for stdin)");
  f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "rtm-dump: cannot read %s: %s\n", path, strerror(errno));
    return 2;
  }
  bufsize = chunk > 65536 ? chunk : 65536;
  buf = (unsigned char *)malloc(bufsize);
  cfg.start = !strcmp(input, "fpnn") ? RTM_PUSH_START_FPNN : RTM_PUSH_START_WS;
  cfg.no_login = 1;
  cfg.on_event = on_event;
  cfg.user_data = &d;
  d.cap = 1 << 16;
  d.line = (char *)malloc(d.cap);
  if (!buf || !d.line) { fputs("rtm-dump: out of memory\n", stderr); return 2; }
  if ((rc = rtm_push_new(&s, &cfg)) != 0) {
    fprintf(stderr, "rtm-dump: %s\n", rtm_push_strerror(rc));
    return 2;
  }
  in_header = !strcmp(input, "http");
  if (!chunk) chunk = bufsize;
  while (!d.stopped && (n = fread(buf, 1, bufsize, f)) > 0) {
    off = 0;
    if (in_header) {
      long h = http_skip_input(&hs, &d, buf, n);
      if (h < 0) break;
      off = (size_t)h;
      in_header = hs.match < 4;
    }
    for (k = off; nfirst < sizeof first && k < n; k++) first[nfirst++] = buf[k]; /* for the hint */
    total += n - off;
    for (; off < n && !ended; off += chunk) { /* after the session's end the rest is counted, not fed */
      size_t len = n - off < chunk ? n - off : chunk, out;
      rc = rtm_push_feed(s, buf + off, len, 0);
      while ((out = rtm_push_pending_output(s, NULL)) > 0) rtm_push_consume_output(s, out); /* answers go nowhere */
      ended = rc < 0;
    }
  }
  if (ferror(f)) {
    fflush(stdout);
    fprintf(stderr, "rtm-dump: cannot read %s: %s\n", path, strerror(errno));
    rtm_push_free(s);
    return 2;
  }
  if (in_header && !d.stopped) fail_line(&d, "no complete HTTP response header", RTM_PUSH_E_TRUNCATED);
  if (!d.stopped) rtm_push_feed_eof(s, 0);
  rtm_push_free(s);
  if (d.failed && !strcmp(input, "ws") && nfirst == 5 && !memcmp(first, "HTTP/", 5))
    fputs("rtm-dump: hint: the capture starts with an HTTP response: try --input http\n", stderr);
  if (d.quiet) printf("events=%llu bytes=%llu\n", d.events, total);
  fflush(stdout);
  if (f != stdin) fclose(f);
  free(d.line);
  free(buf);
  return d.failed ? 1 : 0;
}
