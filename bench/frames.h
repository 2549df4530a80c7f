/* bench/frames.h -- the baselines' frame walker (bench/simdjson_path.cpp, bench/msgpackc_path.c): the next
   FPNN quest or one-way message of the benchmark's stream, trusting it as those baselines are allowed to
   (unmasked server frames, one FPNN package each; only the lengths are checked). C and C++. */
#ifndef BENCH_FRAMES_H
#define BENCH_FRAMES_H
#include <stdint.h>
#include <string.h>
#include "../rtm_push.h"

/* At *off in p[0..len): 1 and ev (zeroed; seq and method set) and the payload, with *off past the frame;
   0 at the end of the stream; -1 a frame these baselines cannot take. FPNN answers are stepped over. */
static int bench_next_quest(const uint8_t *p, size_t len, size_t *off, rtm_push_event *ev, const uint8_t **payload,
                            size_t *plen) {
  while (*off < len) {
    const uint8_t *f = p + *off, *m;
    size_t hl = 2, n, fh, ml, pl;
    int mt;
    if (len - *off < 2) return -1;
    n = f[1] & 0x7f;
    if (n == 127) { /* the large mix's frames over 64 KiB */
      int i;
      if (len - *off < 10) return -1;
      hl = 10;
      for (n = 0, i = 2; i < 10; i++) n = n << 8 | f[i];
    } else if (n == 126) {
      if (len - *off < 4) return -1;
      hl = 4;
      n = (size_t)f[2] << 8 | f[3];
    }
    if (len - *off < hl + n || n < 12) return -1;
    m = f + hl;
    mt = m[6];
    fh = mt == 0 ? 12 : 16;
    ml = mt == 2 ? 0 : m[7];
    pl = (size_t)m[8] | (size_t)m[9] << 8 | (size_t)m[10] << 16 | (size_t)m[11] << 24;
    *off += hl + n;
    if (fh + ml + pl != n) return -1;
    if (mt == 2) continue;
    memset(ev, 0, sizeof *ev);
    ev->seq = mt ? (uint32_t)m[12] | (uint32_t)m[13] << 8 | (uint32_t)m[14] << 16 | (uint32_t)m[15] << 24 : 0;
    ev->method.ptr = (const char *)m + fh;
    ev->method.len = ml;
    *payload = m + fh + ml;
    *plen = pl;
    return 1;
  }
  return 0;
}
#endif
