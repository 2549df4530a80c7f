/* fuzz_upgrade: START_HTTP. The harness checks the upgrade request the library writes; the fuzz bytes are the
   server's HTTP response (and whatever follows it: WebSocket frames after a 101, a body after a refusal).
   Input: [opt] response...
     opt bits0-4: feed size (0 = everything in one feed, else 1-31 bytes per feed)
         bit5: login on (auth quest after the 101), bit6: small limits (max_http_header 512, ...),
         bit7: rtm_push_close + deadline ticks before the EOF.
   The entropy is deterministic, so the Sec-WebSocket-Key is always the same; the seeds carry the matching
   Sec-WebSocket-Accept (see make_corpus.py / print_handshake.c). The events must not depend on the feed size. */
#define RTM_PUSH_IMPLEMENTATION
#define RTM_PUSH_INTERNAL_TESTS /* the general field decoder, the fast loops' reference */
#include "../rtm_push.h"
#include "fuzz_common.h"

static void run(const uint8_t *data, size_t size, unsigned chunk, uint8_t f, fz_buf *log) {
  rtm_push_config cfg;
  fz_ctx cx;
  fz_outchk oc;
  size_t pos = 0;
  memset(&cx, 0, sizeof cx);
  memset(&oc, 0, sizeof oc);
  cx.record = 1;
  fz_config(&cfg, &cx, RTM_PUSH_START_HTTP, f, 0);
  fz_open(&cx, &oc, &cfg, size, 0);
  while (cx.s && pos < size) {
    size_t n = chunk ? chunk : size - pos;
    if (n > size - pos) n = size - pos;
    fz_feed(&cx, data + pos, n);
    pos += n;
    fz_drain(&cx, &oc, 0);
  }
  if (cx.s && !fz_ended(&cx)) {
    rtm_push_state st = rtm_push_current_state(cx.s);
    FZ_CHECK(st == RTM_PUSH_STATE_UPGRADING || (oc.mode == FZ_OUT_WS && st >= RTM_PUSH_STATE_AUTHENTICATING),
             "state %s", rtm_push_state_name(st));
  }
  fz_finish(&cx, &oc, f, 0);
  FZ_CHECK(cx.closed_seen, "no CLOSED event");
  *log = cx.log;
  fz_buf_free(&oc.b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint8_t opt, f;
  unsigned chunk;
  fz_buf a, b;
  if (size < 1) return 0;
  opt = data[0];
  data++;
  size--;
  chunk = opt & 31;
  f = (uint8_t)(((opt & 0x20) ? 2 : 0) | ((opt & 0x40) ? 0x20 : 0) | ((opt & 0x80) ? 0x40 : 0));
  run(data, size, chunk, f, &a);
  if (chunk) {
    run(data, size, 0, f, &b);
    if (a.len != b.len || (a.len && memcmp(a.p, b.p, a.len) != 0)) {
      fprintf(stderr, "---- events with %u-byte feeds:\n%s---- events in one feed:\n%s", chunk, a.p ? (char *)a.p : "",
              b.p ? (char *)b.p : "");
      FZ_CHECK(0, "the events depend on how the response is split");
    }
    fz_buf_free(&b);
  }
  fz_buf_free(&a);
  return 0;
}
