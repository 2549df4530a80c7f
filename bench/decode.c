/* bench/decode.c -- the field decoder alone, over the payloads of a stream that `bench --write-streams`
   wrote: the quietest wall-clock figure there is for a change to the JSON or msgpack decoding (a few
   percent is visible where `make bench`, which times the whole path on a stream far larger than the
   caches, moves by as much between identical runs). Not a test and not the measure.

     build/bench --write-streams build/streams --events 20000
     build/bench-decode build/streams.json.bin build/streams.msgpack.bin      (make bench-decode)

   For each file: every frame's payload is decoded into a fresh event (rtm_push__decode_fields, as a push
   is), 30 passes over all of them; prints the best pass in ns per payload. The payloads (~6.6 MB of JSON
   for 20,000 frames) come from the last-level cache. Compare two builds by alternating them several
   times (bench/README.md).

   "repeated": 30 more passes that decode each payload 8 times in a row, so that the branch predictors have
   learnt it: the same instructions, less of the cost of content that varies from push to push (string and
   number lengths, escapes, ASCII or not). The gap between the two figures is that cost. */
#define _POSIX_C_SOURCE 200809L
#define RTM_PUSH_IMPLEMENTATION
#include "../rtm_push.h"
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

typedef struct payload {
  const uint8_t *p;
  size_t n;
  int type, msgpack;
} payload;

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int run(rtm_push *s, const char *path) {
  FILE *f = fopen(path, "rb");
  uint8_t *d;
  payload *pl;
  long size;
  size_t len, off = 0, np = 0, i;
  double best[2] = {1e30, 1e30};
  uint64_t ck = 0;
  int rep, bad = 0;
  if (!f || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET) != 0) {
    fprintf(stderr, "bench-decode: cannot read %s\n", path);
    if (f) fclose(f);
    return 1;
  }
  len = (size_t)size;
  d = (uint8_t *)malloc(len);
  pl = (payload *)malloc(sizeof *pl * (len / 14 + 1)); /* a frame is at least 2 + 12 bytes */
  if (!d || !pl || fread(d, 1, len, f) != len) {
    fprintf(stderr, "bench-decode: cannot read %s\n", path);
    fclose(f);
    free(d);
    free(pl);
    return 1;
  }
  fclose(f);
  while (len - off >= 14) { /* the bench's frames: 0x82, a 7- or 16-bit length, one FPNN quest */
    size_t hl = 2, n = d[off + 1] & 0x7f, fh, ml;
    const uint8_t *m;
    if (d[off] != 0x82 || n == 127) break;
    if (n == 126) {
      hl = 4;
      n = (size_t)d[off + 2] << 8 | d[off + 3];
    }
    if (n < 16 || len - off - hl < n) break;
    m = d + off + hl;
    fh = m[6] == 0 ? 12 : 16;
    ml = m[6] == 2 ? 0 : m[7];
    if (fh + ml > n) break;
    pl[np].p = m + fh + ml;
    pl[np].n = n - fh - ml;
    pl[np].type = rtm_push__find_event((const char *)m + fh, ml);
    pl[np].msgpack = m[5] == 0x80;
    np++;
    off += hl + n;
  }
  if (off != len || np == 0) {
    fprintf(stderr, "bench-decode: %s is not a stream of bench --write-streams\n", path);
    free(d);
    free(pl);
    return 1;
  }
  for (rep = 0; rep < 60; rep++) { /* even passes: the stream's order; odd: each payload 8 times in a row */
    int again = rep & 1, k;
    double t0 = now_s(), t;
    for (i = 0; i < np; i++) {
      for (k = 0; k < (again ? 8 : 1); k++) {
        rtm_push_event ev;
        rtm_push__rd r;
        int rc;
        rtm_push__ev_init(&ev, pl[i].type);
        rtm_push__scratch_reset(s, pl[i].n);
        rc = rtm_push__rd_open(&r, s, pl[i].p, pl[i].n, pl[i].msgpack);
        if (!rc) rc = rtm_push__decode_fields(&r, &ev, rtm_push__evdefs[pl[i].type].fields);
        bad += rc != 0;
        ck += (uint64_t)ev.mid + (uint64_t)ev.from + ev.msg.len + ev.attrs.len + ev.fields;
      }
    }
    t = (now_s() - t0) * 1e9 / (double)np / (again ? 8 : 1);
    if (t < best[again]) best[again] = t;
  }
  printf("%-40s %6zu payloads  best %6.1f ns/payload, %6.1f repeated  (errors %d, check %016llx)\n", path, np,
         best[0], best[1], bad, (unsigned long long)ck);
  free(d);
  free(pl);
  return bad != 0;
}

int main(int argc, char **argv) {
  rtm_push *s;
  rtm_push_config c;
  int i, rc = 0;
  if (argc < 2) {
    fprintf(stderr, "usage: bench-decode STREAM.json.bin [STREAM.msgpack.bin ...]   (bench --write-streams)\n");
    return 2;
  }
  memset(&c, 0, sizeof c);
  c.start = RTM_PUSH_START_WS;
  c.no_login = 1;
  c.uid = 4242;
  if (rtm_push_new(&s, &c) != RTM_PUSH_OK) return 2;
  for (i = 1; i < argc; i++) rc |= run(s, argv[i]);
  rtm_push_free(s);
  return rc;
}
