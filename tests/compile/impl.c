/* The whole header, implementation included, in one translation unit (built as C99 and as C++). */
#define RTM_PUSH_IMPLEMENTATION
#include "../../rtm_push.h"
int rtm_push_compile_check(void);
int rtm_push_compile_check(void) { return rtm_push_is_fatal(RTM_PUSH_E_NOMEM); }
