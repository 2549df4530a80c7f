/* The second private copy (see static_a.c); linking both must not clash. */
#define RTM_PUSH_STATIC
#define RTM_PUSH_IMPLEMENTATION
#include "../../rtm_push.h"
#include <string.h>
int static_a(void);
int main(void) { return static_a() == 1 && strcmp(rtm_push_version(), RTM_PUSH_VERSION_STRING) == 0 ? 0 : 1; }
