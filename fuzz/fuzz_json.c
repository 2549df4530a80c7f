/* fuzz_json: the input is one JSON FPNN payload (flag 0x40). It goes through rtm_push__handle_quest for every
   method of the schema (and an unknown one), through rtm_push__handle_answer, through rtm_push__rd_open +
   rtm_push__decode_fields with every field allowed (differential against cJSON when accepted), and, as JSON
   text, through the file-msg decoder and the excludedUids filter. The input is also parsed with
   rtm_push_parse_int64 and compared with a reference implementation. */
#define RTM_PUSH_IMPLEMENTATION
#define RTM_PUSH_INTERNAL_TESTS /* the general field decoder, the fast loops' reference */
#include "../rtm_push.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  int64_t v = 12345, r = 0;
  int rc = rtm_push_parse_int64((const char *)data, size, &v);
  int ref = fz_ref_parse_int64((const char *)data, size, &r);
  FZ_CHECK(rc == 0 || rc == RTM_PUSH_E_FIELD_TYPE || rc == RTM_PUSH_E_FIELD_RANGE, "parse_int64 returned %d", rc);
  FZ_CHECK((rc == 0) == (ref == 0), "parse_int64 %s what the reference %s", rc ? "refused" : "accepted",
           ref ? "refuses" : "accepts");
  if (rc == 0) FZ_CHECK(v == r, "parse_int64: %lld, reference %lld", (long long)v, (long long)r);
  else FZ_CHECK(v == 12345, "parse_int64 wrote *out on failure");
  if (fz_all_digits((const char *)data, size)) FZ_CHECK(rc == ref, "parse_int64 code %d, reference %d", rc, ref);
  FZ_CHECK(rtm_push_parse_int64(NULL, size, &v) == RTM_PUSH_E_INVALID_ARG, "parse_int64(NULL)");
  fz_payload(data, size, RTM_PUSH_ENC_JSON);
  return 0;
}
