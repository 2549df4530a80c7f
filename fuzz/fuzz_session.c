/* fuzz_session: a whole session after a valid handshake, with fuzzed split points, output draining, ticks,
   closes and callback actions. Input layout: see fz_session() in fuzz_common.h.
   flags bit0 = 0: START_WS + no_login (passive decode of server frames);
   flags bit0 = 1: START_HTTP with deterministic entropy: the harness reads the request, answers a correct 101
                   (Sec-WebSocket-Accept computed with mbedTLS), then feeds the fuzz bytes (bit1: login on, so
                   an answer with seq 1 is the login answer). */
#define RTM_PUSH_IMPLEMENTATION
#define RTM_PUSH_INTERNAL_TESTS /* the general field decoder, the fast loops' reference */
#include "../rtm_push.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fz_session(data, size, RTM_PUSH_START_WS);
  return 0;
}
