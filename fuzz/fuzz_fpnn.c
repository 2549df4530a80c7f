/* fuzz_fpnn: START_FPNN + no_login: a bare FPNN package stream (what a host with its own WebSocket stack
   feeds), with fuzzed split points, output draining (one package at a time), ticks, closes and callback
   actions. Input layout: see fz_session() in fuzz_common.h (flags bits 0-1 are ignored here). Every event
   string must point into the fed chunk or the session's package/scratch buffers. */
#define RTM_PUSH_IMPLEMENTATION
#define RTM_PUSH_INTERNAL_TESTS /* the general field decoder, the fast loops' reference */
#include "../rtm_push.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fz_session(data, size, RTM_PUSH_START_FPNN);
  return 0;
}
