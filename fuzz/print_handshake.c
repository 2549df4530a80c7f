/* print_handshake: prints the 101 response that matches the request the fuzz targets' deterministic entropy
   produces (used by make_corpus.py to build seeds and the dictionary). Not a fuzz target. */
#define RTM_PUSH_IMPLEMENTATION
#define RTM_PUSH_INTERNAL_TESTS
#include "../rtm_push.h"
#include "fuzz_common.h"

int main(void) {
  rtm_push_config cfg;
  fz_ctx cx;
  rtm_push *s = NULL;
  char acc[64];
  memset(&cx, 0, sizeof cx);
  fz_config(&cfg, &cx, RTM_PUSH_START_HTTP, 0, 0);
  if (rtm_push_new(&s, &cfg) != RTM_PUSH_OK) return 1;
  fz_accept_for(s->ws_key, strlen(s->ws_key), acc);
  printf("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Accept: %s\r\n\r\n", acc);
  rtm_push_free(s);
  return 0;
}
