/* The declarations alone: no dependency header is needed to include rtm_push.h. */
#include "../../rtm_push.h"
int rtm_push_decl_check(const rtm_push_event *ev);
int rtm_push_decl_check(const rtm_push_event *ev) { return ev->type == RTM_PUSH_EV_PUSHCHAT; }
