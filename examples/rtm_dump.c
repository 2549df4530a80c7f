/* rtm-dump: decode a captured RTM/FPNN byte stream without any network.

   rtm-dump [--input ws|http|fpnn] [--chunk N] [--no-dedup] [--uid N] [--quiet] FILE|-

   ws (default): the bytes a client reads from the socket after the 101 response;
   http: the same, preceded by the 101 response (its Accept is not checked);
   fpnn: bare concatenated FPNN packages.
   Prints one JSON line per delivered event (see README), or with --quiet one line
   "events=<n> bytes=<n>". On an error prints {"error":"...","code":N} and exits 1;
   every event decoded before it is printed. The output is the same for every --chunk. */
#define RTM_PUSH_IMPLEMENTATION
#include "../rtm_push.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static unsigned char *read_all(const char *path, size_t *len) {
  FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
  unsigned char *buf = NULL;
  size_t cap = 0, n = 0, r;
  if (!f) return NULL;
  for (;;) {
    if (n == cap) {
      unsigned char *nb;
      cap = cap ? cap * 2 : 65536;
      nb = (unsigned char *)realloc(buf, cap);
      if (!nb) { free(buf); buf = NULL; break; }
      buf = nb;
    }
    r = fread(buf + n, 1, cap - n, f);
    n += r;
    if (r == 0) break;
  }
  if (f != stdin) fclose(f);
  *len = n;
  return buf;
}
static void usage(void) {
  fputs("usage: rtm-dump [--input ws|http|fpnn] [--chunk N] [--no-dedup] [--uid N] [--quiet] FILE|-\n", stderr);
  exit(2);
}
static void fail_line(const char *msg, int code) {
  rtm_push_event ev;
  char buf[512];
  memset(&ev, 0, sizeof ev);
  ev.type = RTM_PUSH_EV_ERROR;
  ev.message = msg;
  ev.error = code;
  rtm_push_event_to_json(&ev, buf, sizeof buf);
  puts(buf);
}

int main(int argc, char **argv) {
  const char *input = "ws", *path = NULL;
  size_t chunk = 0, len = 0, off = 0, start = 0;
  unsigned char *data;
  rtm_push_config cfg;
  rtm_push *s;
  dump d;
  int i, rc;
  static char outbuf[1 << 16];
  setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
  memset(&cfg, 0, sizeof cfg);
  memset(&d, 0, sizeof d);
  for (i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--input") && i + 1 < argc) input = argv[++i];
    else if (!strcmp(argv[i], "--chunk") && i + 1 < argc) chunk = (size_t)strtoull(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--no-dedup")) cfg.no_dedup = 1;
    else if (!strcmp(argv[i], "--uid") && i + 1 < argc) {
      const char *u = argv[++i];
      if (rtm_push_parse_int64(u, strlen(u), &cfg.uid) != 0) usage();
    } else if (!strcmp(argv[i], "--quiet")) d.quiet = 1;
    else if (argv[i][0] == '-' && argv[i][1]) usage();
    else if (!path) path = argv[i];
    else usage();
  }
  if (!path) usage();
  if (strcmp(input, "ws") && strcmp(input, "http") && strcmp(input, "fpnn")) usage();
  data = read_all(path, &len);
  if (!data && len == 0 && strcmp(path, "-") != 0) {
    fprintf(stderr, "rtm-dump: cannot read %s\n", path);
    return 2;
  }
  if (!strcmp(input, "http")) { /* skip the 101 response; its Accept cannot be checked here */
    size_t e = 0;
    while (e + 3 < len && memcmp(data + e, "\r\n\r\n", 4) != 0) e++;
    if (e + 3 >= len) { fail_line("no complete HTTP response header", RTM_PUSH_E_TRUNCATED); return 1; }
    if (len < 12 || memcmp(data, "HTTP/1.", 7) != 0 || memcmp(data + 8, " 101", 4) != 0) {
      fail_line("the HTTP response is not 101 Switching Protocols", RTM_PUSH_E_HTTP_STATUS);
      return 1;
    }
    start = e + 4;
  }
  cfg.start = !strcmp(input, "fpnn") ? RTM_PUSH_START_FPNN : RTM_PUSH_START_WS;
  cfg.no_login = 1;
  cfg.on_event = on_event;
  cfg.user_data = &d;
  d.cap = 1 << 16;
  d.line = (char *)malloc(d.cap);
  if ((rc = rtm_push_new(&s, &cfg)) != 0) {
    fprintf(stderr, "rtm-dump: %s\n", rtm_push_strerror(rc));
    return 2;
  }
  if (!chunk) chunk = len - start ? len - start : 1;
  for (off = start; off < len && !d.stopped; off += chunk) {
    size_t n = len - off < chunk ? len - off : chunk;
    rc = rtm_push_feed(s, data + off, n, 0);
    rtm_push_consume_output(s, rtm_push_pending_output(s, NULL)); /* answers go nowhere */
    if (rc < 0) break;
  }
  if (!d.stopped) rtm_push_feed_eof(s, 0);
  rtm_push_free(s);
  if (d.quiet) printf("events=%llu bytes=%llu\n", d.events, (unsigned long long)(len - start));
  fflush(stdout);
  free(d.line);
  free(data);
  return d.failed ? 1 : 0;
}
