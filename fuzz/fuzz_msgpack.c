/* fuzz_msgpack: the input is one msgpack FPNN payload (flag 0x80). It goes through rtm_push__handle_quest for
   every method of the schema (and an unknown one), through rtm_push__handle_answer, and through
   rtm_push__rd_open + rtm_push__decode_fields with every field allowed. Every decoded string must lie inside
   the payload or the session's scratch buffer. */
#define RTM_PUSH_IMPLEMENTATION
#define RTM_PUSH_INTERNAL_TESTS /* the general field decoder, the fast loops' reference */
#include "../rtm_push.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fz_payload(data, size, RTM_PUSH_ENC_MSGPACK);
  return 0;
}
