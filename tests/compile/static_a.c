/* RTM_PUSH_STATIC: this translation unit and static_b.c each carry a private copy of the library. */
#define RTM_PUSH_STATIC
#define RTM_PUSH_IMPLEMENTATION
#include "../../rtm_push.h"
int static_a(void);
int static_a(void) { return rtm_push_is_fatal(RTM_PUSH_E_NOMEM); }
