#!/bin/sh
# The public declarations' shape (issue #18): no private (RTM_PUSH__) name in them, no public function with more
# than 6 parameters, every callback typedef with user_data last and, for those that run on a session, the session
# first. Usage: sh tests/api_check.sh [rtm_push.h]
H=${1:-rtm_push.h}
decl=$(sed -n '/^#ifndef RTM_PUSH_INCLUDED/,/^#endif \/\* RTM_PUSH_INCLUDED \*\//p' "$H" | sed 's|/\*.*\*/||')
fail=0
if printf '%s\n' "$decl" | grep -n 'RTM_PUSH__'; then echo "api_check: private names in the public declarations"; fail=1; fi
# one declaration per line: join, then split at ';'
flat=$(printf '%s\n' "$decl" | grep -v '^#' | tr '\n' ' ' | tr ';' '\n')
nfun=0
for line in $(printf '%s\n' "$flat" | grep 'RTM_PUSH_API_DECL' | sed 's/  */~/g'); do
  nfun=$((nfun + 1))
  args=$(printf '%s' "$line" | sed 's/^[^(]*(//; s/)[^)]*$//')
  n=$(printf '%s' "$args" | tr -cd ',' | wc -c); n=$((n + 1))
  [ "$args" = "void" ] && n=0
  if [ $n -gt 6 ]; then echo "api_check: $n parameters: $line" | tr '~' ' '; fail=1; fi
done
ncb=0
for line in $(printf '%s\n' "$flat" | grep -o 'typedef [^(]*(\*rtm_push_[a-z]*_fn)([^)]*)' | sed 's/  */~/g'); do
  ncb=$((ncb + 1))
  args=$(printf '%s' "$line" | sed 's/^.*_fn)(//; s/)$//')
  case "$args" in *,~void~\*user_data|*,void~\*user_data) ;; *) echo "api_check: user_data not last: $line"; fail=1;; esac
  case "$line" in *event_fn*|*answer_fn*) case "$args" in rtm_push~\*s,*) ;; *) echo "api_check: session not first: $line"; fail=1;; esac;; esac
done
[ $nfun -ge 25 ] && [ $ncb -ge 5 ] || { echo "api_check: found only $nfun functions and $ncb callback typedefs"; fail=1; }
[ $fail = 0 ] && echo "api_check: $nfun public functions (at most 6 parameters each), $ncb callback typedefs (user_data last, session first), no private names"
exit $fail
