/* rtm_push.h -- receive the server pushes of an RTM gate (FPNN over WebSocket), sans-I/O, one header.
   version 0.2.0, MIT license (see the end of this file). No warranty.

   rtm_push.h receives the server pushes of an RTM gate -- the realtime-messaging service built on the
   FPNN protocol -- over WebSocket, inside whatever event loop the host already has. It never opens a
   socket, starts a thread, sleeps, reads a clock or touches a global: the host feeds the bytes it read,
   drains the bytes the library wants written, passes the time in, and gets typed event callbacks. The
   only files it reads are, inside rtm_push_new, the OS random device (to seed its DRBG, unless the host
   gives an entropy callback) and the CA certificates the host names for TLS.

   DO THIS
   =======
     #define RTM_PUSH_IMPLEMENTATION
     #include "rtm_push.h"
   in ONE C or C++ file, include "rtm_push.h" without the define everywhere else, and link
     -lwslay -lcjson -lmbedtls -lmbedx509 -lmbedcrypto   (Debian: libwslay-dev libcjson-dev libmbedtls-dev)
   or, with RTM_PUSH_NO_TLS defined (plain ws:// only), -lwslay -lcjson -lmbedcrypto; RTM_PUSH_NO_CJSON drops
   -lcjson.
   The declarations alone need no dependency header; the implementation includes <wslay/wslay.h>,
   <cjson/cJSON.h> (override with RTM_PUSH_CJSON_HEADER) and mbedTLS (2.28 or 3.x).

   Optional defines (before the include that has RTM_PUSH_IMPLEMENTATION):
     RTM_PUSH_STATIC        private (static) copies of every function in this translation unit
     RTM_PUSH_DLL           __declspec(dllexport/dllimport) on Windows
     RTM_PUSH_API_DECL      override the declaration linkage (default extern)
     RTM_PUSH_CJSON_HEADER  how to include cJSON (default <cjson/cJSON.h>)
     RTM_PUSH_NO_CJSON      leave out cJSON: rtm_push_quest_desc.json is then refused (RTM_PUSH_E_INVALID_ARG)
                            and rtm_push_cjson_int64 is not declared
     RTM_PUSH_NO_TLS        leave out TLS (no mbedTLS ssl/x509 parts are used or linked); a config
                            asking for TLS then gets RTM_PUSH_E_TLS_UNAVAILABLE
     RTM_PUSH_NO_SIMD       portable C only. Otherwise, on x86 with GCC or clang, the kernels (UTF-8
                            validation, string scans, JSON unescaping) also come in SSSE3, AVX2 and AVX-512
                            versions, one chosen per CPU at run time (rtm_push_new)
     RTM_PUSH_NO_AVX512     leave out the AVX-512 kernels alone

   FEATURE OVERVIEW
   ================
   - Layers, in the order bytes travel, each usable alone (rtm_push_config.start):
     TLS            mbedTLS over memory buffers, verified by default (CA chain, server name, SNI);
     HTTP upgrade   the request written for you, Sec-WebSocket-Accept verified (mbedTLS SHA-1 + base64);
     WebSocket      our own frame parser for every frame received (binary and continuation frames as one byte
                    stream, ping -> pong, the close handshake, the FPNN server's 126-byte framing bug
                    tolerated); every frame we send written and masked by wslay's frame writer
                    (wslay_frame_send);
     FPNN           the package stream: header checks, size limit, seq numbers;
     payload        our own Int64-safe readers for JSON (FPNN's style) and msgpack; our quests' payloads
                    built by a small writer, or from a cJSON object (rtm_push_quest_desc.json);
     events         the schema tables, routing, duplicate suppression, the excludedUids filter, one typed
                    callback.
   - The dependencies' jobs: wslay writes the WebSocket frames we send; cJSON prints the quest payloads a host
     builds with it; mbedTLS does TLS, the DRBG (masks, keys), SHA-1 and base64.
   - Every Int64 field is exact over the whole int64 range, in JSON (bare integers of any length, or
     decimal strings) and in msgpack (every integer width). A double never stands in for one. A value
     out of range, a fraction or an exponent is an error that names the field.
   - Strings come out as pointer + length (they may hold NUL) with every JSON escape decoded; bytes that
     are not valid UTF-8, and msgpack bin values, are flagged binary.
   - The 23 events of the RTM WebSocket SDK (ping, kickout, kickoutroom, push{,group,room,broadcast}
     {msg,chat,audio,cmd,file}); mtype 30 -> *chat, 31 -> *audio, 32 -> *cmd, 40-50 -> *file, other
     -> the *msg event itself. A derived name that arrives as a wire method is that event. Unknown
     methods are delivered as RTM_PUSH_EV_UNKNOWN with the raw payload.
   - Every two-way quest from the gate is answered at once, before decoding, with an empty map in the
     quest's own encoding; one-way quests never are.

   LIMITATIONS
   ===========
   - A server name that is an IP address is matched against the certificate's iPAddress subjectAltNames by
     this library (mbedTLS 2.x compares only DNS names and the CN), and no SNI is sent for it. An IPv6 zone
     id ("fe80::1%eth0") or an IPv4 part with a leading zero makes it a DNS name.
   - FPNN compression/encryption flags are refused (the gates do not use them).
   - Certificate dates are checked by mbedTLS against the system's wall clock: the one clock read here.
   - The library's allocator hook covers its own allocations only: wslay allocates its frame writer's context
     (once per session) with malloc, cJSON uses its global hooks (quests with a json payload only), mbedTLS its
     platform allocator. The library never calls their global setters.

   TL;DR: THE HOST LOOP
   ====================
     1. Fill an rtm_push_config (zero means default): host, port, pid, uid, token, on_event,
        user_data (passed back to on_event). Connect a TCP socket to host:port yourself.
     2. rtm_push_new(&s, &cfg). The HTTP upgrade request (or, with tls = 1, the TLS ClientHello) is now
        pending output.
     3. Loop while rtm_push_want_read(s) || rtm_push_want_write(s):
        a. n = rtm_push_pending_output(s, &p); write up to n bytes of p; rtm_push_consume_output(s, k)
           with the k bytes the socket took (short writes are fine; the pointer stays valid until the
           next call into the session).
        b. Wait for readability (and writability if output is pending) until rtm_push_next_deadline(s)
           (an absolute time in your millisecond clock, UINT64_MAX for none).
        c. Bytes read: rtm_push_feed(s, buf, n, now_ms). Read returned 0 (EOF) or a fatal socket error:
           rtm_push_feed_eof(s, now_ms). Events are delivered from inside these calls.
        d. rtm_push_tick(s, now_ms) (it does nothing before a deadline).
     4. To leave: rtm_push_close(s, now_ms) (sends bye, then a WebSocket close) and keep looping until
        both want flags are 0.
     5. Close the socket, rtm_push_free(s).
   examples/minimal.c is this loop in 66 lines; examples/rtm_listen.c adds URL parsing, non-blocking
   sockets, signals and a duration.

   API DOCUMENTATION
   =================
   int rtm_push_new(rtm_push **out, const rtm_push_config *config)
       Creates a session. Copies every string of config; config need not outlive the call. Reads the CA
       certificates (tls) and seeds the DRBG here, once; no callback runs inside it.
       Returns RTM_PUSH_OK, RTM_PUSH_E_INVALID_ARG (NULL), RTM_PUSH_E_CONFIG (no host for START_HTTP,
       a host or path with spaces or CR/LF, a path not starting with '/', a key without a value in
       attrs, one allocator function without the other, a limit out of range, tls without START_HTTP),
       RTM_PUSH_E_NOMEM, RTM_PUSH_E_RANDOM (the entropy source failed), RTM_PUSH_E_OUTPUT_FULL (the
       first output exceeds limits.max_output), RTM_PUSH_E_TLS_CA (the CAs could not be loaded),
       RTM_PUSH_E_TLS_HANDSHAKE, RTM_PUSH_E_TLS_UNAVAILABLE (tls with RTM_PUSH_NO_TLS), RTM_PUSH_E_TLS
       (mbedTLS 3.x: psa_crypto_init() failed).
   void rtm_push_free(rtm_push *s)
       Frees everything. NULL is fine. Quests still waiting get their RTM_PUSH_E_QUEST_CLOSED callback
       first (they cannot start new quests). Called from inside a callback, it is deferred until the
       outermost library call returns: nothing more is delivered from that moment, that call returns
       RTM_PUSH_E_CLOSED, and s must not be touched after it.
   int rtm_push_feed(rtm_push *s, const void *data, size_t len, uint64_t now_ms)
       Hands over bytes read from the socket; always consumes all of them (incomplete frames and packages
       are buffered, within the limits). Any split is fine, down to one byte: the events are the same.
       Returns RTM_PUSH_OK, the fatal error that ended the session, RTM_PUSH_E_CLOSED (already ended or
       after EOF), RTM_PUSH_E_IN_CALLBACK, RTM_PUSH_E_INVALID_ARG. Non-fatal errors (a malformed push,
       dropped) are delivered as RTM_PUSH_EV_ERROR events and do not change the return value.
   int rtm_push_feed_eof(rtm_push *s, uint64_t now_ms)
       The connection ended. A clean end (after our close, after a kickout, or in no_login mode at a
       frame boundary) closes the session; otherwise RTM_PUSH_E_TRUNCATED (inside a frame or package)
       or RTM_PUSH_E_EOF. Returns like rtm_push_feed.
   size_t rtm_push_pending_output(rtm_push *s, const uint8_t **data)
       The bytes waiting to be written (0 and NULL when none). With START_FPNN it returns one FPNN
       package at a time: send each as one binary WebSocket message. The pointer is valid until the next
       call into the session (a feed may move the buffer): an asynchronous write (libuv, io_uring) must
       copy the bytes. To drop everything (the peer is gone):
         while (rtm_push_want_write(s)) rtm_push_consume_output(s, rtm_push_pending_output(s, NULL));
   int rtm_push_consume_output(rtm_push *s, size_t n)
       n bytes of the pending output were written. RTM_PUSH_E_INVALID_ARG if n exceeds it.
   int rtm_push_tick(rtm_push *s, uint64_t now_ms)
       Runs the timers: login timeout, ping watchdog, bye timeout, close timeout. Returns like feed.
   uint64_t rtm_push_next_deadline(const rtm_push *s)
       When to call rtm_push_tick next (absolute ms), UINT64_MAX when no timer runs (and once the session
       has ended). 0 before the session has been given any time: the first tick starts the login timer.
   int rtm_push_close(rtm_push *s, uint64_t now_ms)
       Logs out: a two-way bye quest, then (on its answer or after quest_timeout_ms) a WebSocket close
       frame, then the session waits close_timeout_ms for the server to end the connection. Before the
       WebSocket is open it ends the session at once. Idempotent; allowed inside a callback.
   rtm_push_state rtm_push_current_state(const rtm_push *s) / const char *rtm_push_state_name(state)
   int rtm_push_want_read(const rtm_push *s) / int rtm_push_want_write(const rtm_push *s)
       Whether the session still reads / has output pending. When both are 0, close the socket.
   int rtm_push_last_error(const rtm_push *s, const char **message)
       The most recent error (fatal or not) and a detailed message (the field, the byte, the limit). The
       message (also the events' message) may quote the peer's bytes: at most 255 bytes of valid UTF-8 on one
       line, with control bytes (C0, DEL, C1) escaped as \u00XX, so it is safe to print or log as it is.
   const rtm_push_config *rtm_push_current_config(const rtm_push *s)
       The configuration with every default filled in (the tls_ca_* settings are read at creation and
       not kept: they read back as NULL).
   int rtm_push_tls_verified(const rtm_push *s)
       1: TLS with the server's certificate verified; 0: TLS, NOT verified (tls_insecure_no_verify, or
       the handshake is not finished); -1: no TLS.
   const char *rtm_push_strerror(int result) / int rtm_push_is_fatal(int result)
   int rtm_push_parse_int64(const char *text, size_t len, int64_t *out)
       Exact decimal parse: optional '-', digits (leading zeros allowed). RTM_PUSH_E_FIELD_TYPE for
       anything else, RTM_PUSH_E_FIELD_RANGE outside int64.
   size_t rtm_push_event_to_json(const rtm_push_event *ev, char *buf, size_t cap)
       The event as one JSON line (the rtm-dump / rtm-listen format, docs/events.md), snprintf-style:
       returns the full length, writes at most cap-1 bytes and a NUL.
   const char *rtm_push_version(void), RTM_PUSH_VERSION_STRING, RTM_PUSH_VERSION_NUMBER.

   Reconnecting (one logical session over many connections):
   uint64_t rtm_push_reconnect_at(const rtm_push *s)
       Once the session has ended: when to open the next connection (absolute ms, also ev->reconnect_at
       of the CLOSED event), or UINT64_MAX: do
       not -- after rtm_push_close, a kickout, a refused token (ok:false) or a login error 200022,
       200023, 200024 or 200027, or with config.reconnect.disabled. The delay follows config.reconnect:
       `immediate` retries at once (2), then base_ms (1 s) doubling up to max_ms (30 s); a connection
       that stayed logged in for stable_ms (10 s) starts the schedule over, a shorter one does not.
   int rtm_push_reconnect(rtm_push *s, uint64_t now_ms)
       Starts a new connection on the ended session (the host has opened a new socket): the transport
       is reset and the upgrade request (or ClientHello, or login) is pending output again. Kept: the
       configuration, the duplicate table (so pushes redelivered after the reconnect are delivered once)
       and the rooms entered (re-entered after the new login; a failure is a non-fatal ERROR event).
       Quests pending when the old connection ended already got their RTM_PUSH_E_QUEST_CLOSED callback.
       Returns RTM_PUSH_OK, RTM_PUSH_E_STATE (the session has not ended) or an error from creating the
       connection. A failed connect() is best reported as rtm_push_reconnect + rtm_push_feed_eof: the
       advice then grows.

   Calling gate methods (our own quests; allowed once READY, also from inside any callback; before that
   they return RTM_PUSH_E_STATE, after the end RTM_PUSH_E_CLOSED). Each takes a zero-initialised description:
   int rtm_push_quest(rtm_push *s, const rtm_push_quest_desc *quest, uint32_t *seq_out)
       Sends quest->method with quest->payload: JSON object text (RTM_PUSH_ENC_JSON, the default) or a msgpack
       map (RTM_PUSH_ENC_MSGPACK), payload_len bytes; NULL sends an empty map. Or quest->json, a cJSON object
       printed and sent as JSON: cJSON numbers are doubles, so put Int64 values in as rtm_push_cjson_int64(v),
       a raw number node that prints exactly. on_answer NULL sends it one-way (*seq_out is then 0). timeout_ms
       0 = config.quest_timeout_ms, counted from the last time the session was given. on_answer(s, answer,
       user_data) runs exactly once: the answer (matched by seq, in any order), an error answer, the timeout
       (from rtm_push_tick) or the end of the session.
       Returns RTM_PUSH_OK, RTM_PUSH_E_STATE, RTM_PUSH_E_CLOSED, RTM_PUSH_E_INVALID_ARG (no method, a method
       over 255 bytes, payload_len without payload, both payload and json, json not an object),
       RTM_PUSH_E_TOO_MANY_QUESTS (limits.max_pending_quests), RTM_PUSH_E_NOMEM, RTM_PUSH_E_OUTPUT_FULL.
         rtm_push_quest_desc q = {0};
         q.method = "getonlineusers"; q.payload = "{\"uids\":[1,2]}"; q.payload_len = 14;
         q.on_answer = on_answer; q.user_data = app;
         rc = rtm_push_quest(s, &q, NULL);
   int rtm_push_send(rtm_push *s, const rtm_push_message *message, uint32_t *seq_out)
       A message to a user, a group or a room (target RTM_PUSH_TO_USER / _GROUP / _ROOM, to = the uid, gid or
       rid): sendmsg, sendgroupmsg or sendroommsg in config.quest_encoding, Int64s exact. mid must not be 0:
       make one the official SDKs' way with rtm_push_make_mid(s, unix_ms) (wall-clock ms * 1000 + a counter
       0..999; the library has no clock, so you pass the time). The answer's mtime arrives exact in
       answer->mtime. Returns like rtm_push_quest.
   int rtm_push_enterroom(s, rid, on_answer, user_data) / rtm_push_leaveroom(s, rid, on_answer, user_data)
       The rooms entered are re-entered after a reconnect.

   Catch-up after a reconnect (docs/catch-up.md; opt-in: config.catch_up = 1):
       After each login that follows a reconnect the session asks getunread for the P2P peers and groups with
       messages, adds the rooms it is in and the broadcast channel, and pages each one's history forward from the
       watermark as it stood when the connection was lost, config.catch_up_rate quests a second at most (timed by
       the times the host passes in), config.catch_up_in_flight at a time, backing off on 200010. Each message
       becomes the event its push would have been, with ev->caught_up = 1 (deleted entries and this user's own
       messages skipped; de-duplicated against pushes both ways); RTM_PUSH_EV_CATCH_UP ends it with ev->counts; a
       conversation that fails is a non-fatal ERROR (RTM_PUSH_E_CATCH_UP) naming it.
   int rtm_push_catch_up(rtm_push *s, int64_t since_ms)
       Starts the same now (READY only; since_ms 0 = the watermark), with or without config.catch_up. A lost
       connection interrupts a catch-up (no CATCH_UP): with config.catch_up the next login starts over from the
       same point; without it, this one goes on after the next login where it stopped.
       RTM_PUSH_OK, RTM_PUSH_E_STATE (not READY, or a catch-up is running), RTM_PUSH_E_CLOSED,
       RTM_PUSH_E_INVALID_ARG (no starting time: since_ms 0 and no watermark), RTM_PUSH_E_NOMEM.
   int64_t rtm_push_watermark(const rtm_push *s) / int rtm_push_set_watermark(rtm_push *s, int64_t ms)
       The highest server mtime among the messages delivered (pushed or caught up), 0 = none yet: save it, and
       set it again after a restart (then rtm_push_catch_up(s, 0) once READY). Server time only, never a clock.

   EVENTS
   ======
   One callback, config.on_event(rtm_push *s, const rtm_push_event *ev, void *user_data). ev->type says which
   event; for pushes, ev->fields has an RTM_PUSH_F_* bit for every field present (a missing field never stops
   delivery), ev->category/kind classify it, ev->method is the wire method, ev->seq/twoway/encoding describe
   the quest and ev->payload holds its raw bytes. Chat translation objects fill ev->translation (ev->msg is
   then the display text) and file pushes fill ev->file (url, size, surl). Everything ev points to is
   borrowed: copy what you keep. From the callback, s may be used as THREADING AND REENTRANCY says.

   How a session reports each outcome (one failure, one sequence; CLOSED is always the last event):
     logged in             LOGIN (ok 1)                 then pushes, ANSWERs, non-fatal ERRORs
     login refused         LOGIN (ok 0, fatal 1) -> CLOSED   error RTM_PUSH_E_LOGIN_REFUSED (ok:false, code
                                                        200027, maybe gate) or RTM_PUSH_E_LOGIN_ERROR (an FPNN
                                                        error answer: status, code, ex); message says which
     a push dropped        ERROR (fatal 0)              malformed or out-of-range payload (-5xx), or a failed
                                                        room re-entry; the session goes on
     a fatal error         ERROR (fatal 1) -> CLOSED    error and message on both; state FAILED
     kicked out            KICKOUT -> CLOSED            CLOSED error RTM_PUSH_E_KICKED_OUT, fatal 0, no
                                                        reconnect advised; nothing decoded after the kickout is
                                                        delivered (in no_login decode-only sessions, such as
                                                        rtm-dump, a kickout is delivered like any push)
     rtm_push_close        [ANSWER (bye)] -> CLOSED     error RTM_PUSH_OK
     a catch-up ends       CATCH_UP                     ev->counts; each conversation that failed was an ERROR
                                                        (fatal 0, RTM_PUSH_E_CATCH_UP) naming it; caught-up messages
                                                        are the push events with caught_up = 1
   CLOSED: ev->error is RTM_PUSH_OK, RTM_PUSH_E_KICKED_OUT or the fatal error; ev->fatal is 1 when the session
   FAILED; ev->reconnect_at is the reconnect advice.

   CONNECTION STATES
   =================
   CONNECTING (request pending) -> UPGRADING (waiting for 101) -> AUTHENTICATING (auth sent) -> READY
   -> CLOSING (bye sent) -> CLOSED. A kickout -> CLOSED. Any fatal error -> FAILED. In CLOSED and FAILED only
   draining the output, queries and rtm_push_free are useful.

   THREADING AND REENTRANCY
   ========================
   Any number of sessions may coexist; each is used by one thread at a time. Callbacks (events and
   answers) run only inside rtm_push_feed, rtm_push_feed_eof, rtm_push_tick, rtm_push_close,
   rtm_push_reconnect, the quest calls (when the session fails while sending) and rtm_push_free
   (pending answers). From a callback you may call rtm_push_close, the quest calls, the
   queries and rtm_push_free (deferred); rtm_push_feed, rtm_push_feed_eof and
   rtm_push_tick return RTM_PUSH_E_IN_CALLBACK there. Callbacks must return normally: a C++ exception or a
   longjmp out of one leaves the session inside it for good (catch in the callback, rethrow after the
   library call returns, as examples/cpp_listen.cpp does).

   MEMORY ALLOCATION OVERRIDE
   ==========================
   config.allocator = {alloc_fn, free_fn, user_data}: both or neither (NULL: malloc/free). It serves
   every allocation of rtm_push.h itself; see LIMITATIONS for the dependencies. A session is about
   5.6 KB; it allocates its buffers as data needs them and keeps those up to 256 KiB (steady state: no
   allocation per push: wslay writes each answer's frame into room reserved in the output buffer); a buffer grown
   beyond that for one big package is freed after it. The duplicate table (about 57 bytes per entry, up
   to 74 when the capacity is not a power of two) is allocated at the first push with a mid.

   ERRORS
   ======
   Results are RTM_PUSH_OK (0) or a negative RTM_PUSH_E_* code in bands: -1xx API misuse, -2xx HTTP
   upgrade, -3xx WebSocket, -4xx FPNN, -5xx payload (never fatal: that push is dropped and reported as
   a non-fatal RTM_PUSH_EV_ERROR, the session goes on), -6xx session/RTM, -7xx TLS (each
   certificate problem has its own code, mbedTLS's reason in the message). rtm_push_strerror gives each a
   text, rtm_push_last_error the detailed message. A fatal error delivers RTM_PUSH_EV_ERROR (fatal=1)
   then RTM_PUSH_EV_CLOSED, queues a WebSocket close where that still makes sense, and moves to FAILED.

   SECURITY AND LIMITS
   ===================
   Every length from the network is checked against the bytes present and a limit before use; nothing
   is allocated from an announced size, buffers grow only with data received. rtm_push_limits
   (zero = default): max_package 8 MiB, max_frame max_package+14, max_http_header 16 KiB, max_output
   4 MiB (pending output beyond it fails the session: the host is not draining), max_depth 32 (payload
   nesting), dedup_capacity 1024 entries (oldest evicted), dedup_ttl_ms 20 minutes. Decoded strings of a
   payload take at most its length + 64 bytes (SECURITY.md: the bounds, the hardening, reporting).

   REVISION HISTORY
   ================
   0.2.0 (2026-12-07) one callback contract (session first, user_data last), rtm_push_quest and rtm_push_send
         take description structs, a refused login is LOGIN then CLOSED, a kickout ends delivery, RTM_PUSH_NO_CJSON
         (CHANGELOG.md: each old call and its new form); catch-up after a reconnect (config.catch_up,
         rtm_push_catch_up, the watermark; docs/catch-up.md).
   0.1.0 (2026-11-25) first version: ws:// and wss://, JSON and msgpack pushes, rtm-dump, rtm-listen.
*/
#if defined(RTM_PUSH_IMPL) && !defined(RTM_PUSH_IMPLEMENTATION)
#define RTM_PUSH_IMPLEMENTATION
#endif

#ifndef RTM_PUSH_INCLUDED
#define RTM_PUSH_INCLUDED

#include <stddef.h>
#include <stdint.h>

#define RTM_PUSH_VERSION_MAJOR 0
#define RTM_PUSH_VERSION_MINOR 2
#define RTM_PUSH_VERSION_PATCH 0
#define RTM_PUSH_VERSION_STRING "0.2.0"
#define RTM_PUSH_VERSION_NUMBER \
  (RTM_PUSH_VERSION_MAJOR * 10000 + RTM_PUSH_VERSION_MINOR * 100 + RTM_PUSH_VERSION_PATCH)

/* Linkage: RTM_PUSH_STATIC gives this translation unit private copies (unused ones draw no warning). */
#if defined(RTM_PUSH_STATIC) && (defined(__GNUC__) || defined(__clang__))
#define RTM_PUSH_STATIC_LINKAGE static __attribute__((unused))
#elif defined(RTM_PUSH_STATIC)
#define RTM_PUSH_STATIC_LINKAGE static
#endif
#ifndef RTM_PUSH_API_DECL
#if defined(RTM_PUSH_STATIC)
#define RTM_PUSH_API_DECL RTM_PUSH_STATIC_LINKAGE
#elif defined(_WIN32) && defined(RTM_PUSH_DLL) && defined(RTM_PUSH_IMPLEMENTATION)
#define RTM_PUSH_API_DECL __declspec(dllexport)
#elif defined(_WIN32) && defined(RTM_PUSH_DLL)
#define RTM_PUSH_API_DECL __declspec(dllimport)
#else
#define RTM_PUSH_API_DECL extern
#endif
#endif
#ifndef RTM_PUSH_API_IMPL
#if defined(RTM_PUSH_STATIC)
#define RTM_PUSH_API_IMPL RTM_PUSH_STATIC_LINKAGE
#else
#define RTM_PUSH_API_IMPL
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* >>api-results ------------------------------------------------------------------------------ */
/* X(name, value, fatal, message). Bands: -1xx misuse, -2xx HTTP upgrade, -3xx WebSocket, -4xx FPNN,
   -5xx payload (never fatal: the push is dropped, the session goes on), -6xx session/RTM, -7xx TLS.
   The third column says whether the code ends the session. */
#define RTM_PUSH_RESULTS(X)                                                                              \
  X(OK, 0, 0, "success")                                                                                 \
  X(E_INVALID_ARG, -101, 0, "invalid argument")                                                          \
  X(E_STATE, -102, 0, "call not allowed in the session's current state")                                 \
  X(E_NOMEM, -103, 1, "out of memory")                                                                   \
  X(E_IN_CALLBACK, -104, 0, "call not allowed from inside an event callback")                            \
  X(E_OUTPUT_FULL, -105, 1, "pending output exceeds limits.max_output: the host is not draining it")    \
  X(E_CONFIG, -106, 0, "invalid configuration")                                                          \
  X(E_RANDOM, -107, 1, "the entropy source failed")                                                      \
  X(E_HTTP_STATUS, -201, 1, "WebSocket upgrade refused: the server did not answer 101")                 \
  X(E_HTTP_ACCEPT, -202, 1, "WebSocket upgrade: bad or missing Sec-WebSocket-Accept")                   \
  X(E_HTTP_HEADER_TOO_LARGE, -203, 1, "WebSocket upgrade: response header exceeds limits.max_http_header") \
  X(E_HTTP_MALFORMED, -204, 1, "WebSocket upgrade: malformed HTTP response")                             \
  X(E_WS_PROTOCOL, -301, 1, "WebSocket protocol error")                                                  \
  X(E_WS_FRAME_TOO_LARGE, -302, 1, "WebSocket frame exceeds limits.max_frame")                           \
  X(E_WS_CLOSED, -303, 1, "the server closed the WebSocket")                                            \
  X(E_FPNN_HEADER, -401, 1, "invalid FPNN package header")                                               \
  X(E_FPNN_TOO_LARGE, -402, 1, "FPNN package exceeds limits.max_package")                                \
  X(E_FPNN_UNEXPECTED_ANSWER, -404, 0, "answer to a quest that is not pending")                          \
  X(E_PAYLOAD_SYNTAX, -501, 0, "malformed payload")                                                      \
  X(E_FIELD_TYPE, -502, 0, "payload field has the wrong type")                                           \
  X(E_FIELD_RANGE, -503, 0, "payload field out of range")                                                \
  X(E_PAYLOAD_DEPTH, -504, 0, "payload nesting exceeds limits.max_depth")                                \
  X(E_LOGIN_REFUSED, -601, 1, "login refused: invalid token (RTM 200027)")                               \
  X(E_LOGIN_ERROR, -602, 1, "login failed: the gate answered with an error")                             \
  X(E_LOGIN_TIMEOUT, -603, 1, "login timed out")                                                         \
  X(E_PING_TIMEOUT, -604, 1, "no ping from the gate within ping_timeout_ms: connection presumed dead")   \
  X(E_EOF, -605, 1, "the connection ended unexpectedly")                                                 \
  X(E_TRUNCATED, -606, 1, "the stream ended inside a frame or package (truncated)")                      \
  X(E_KICKED_OUT, -607, 1, "kicked out by the gate")                                                     \
  X(E_CLOSED, -608, 1, "the session is closed")                                                          \
  X(E_QUEST_ERROR, -609, 0, "the gate answered the quest with an error (see code and ex)")              \
  X(E_QUEST_TIMEOUT, -610, 0, "no answer to the quest in time (FPNN 20003)")                             \
  X(E_QUEST_CLOSED, -611, 0, "the connection ended before the quest was answered (FPNN 20002)")          \
  X(E_TOO_MANY_QUESTS, -612, 0, "too many quests waiting for answers (limits.max_pending_quests)")       \
  X(E_CATCH_UP, -613, 0, "catch-up: a conversation could not be fetched (the message names it)")       \
  X(E_TLS_HANDSHAKE, -701, 1, "TLS handshake failed")                                                    \
  X(E_TLS_CERT_EXPIRED, -702, 1, "TLS: the server certificate has expired or is not yet valid")         \
  X(E_TLS_CERT_UNTRUSTED, -703, 1, "TLS: the server certificate is not signed by a trusted CA")         \
  X(E_TLS_CERT_NAME, -704, 1, "TLS: the server certificate does not match the server name")            \
  X(E_TLS_CERT_INVALID, -705, 1, "TLS: the server certificate failed verification")                    \
  X(E_TLS_ALERT, -706, 1, "TLS: the server sent a fatal alert")                                          \
  X(E_TLS_NOT_TLS, -707, 1, "TLS: the server did not answer with TLS (plaintext HTTP?)")                 \
  X(E_TLS_TRUNCATED, -708, 1, "TLS: the connection ended inside a TLS record")                          \
  X(E_TLS_CA, -709, 0, "TLS: cannot load the CA certificates")                                           \
  X(E_TLS, -710, 1, "TLS error")                                                                         \
  X(E_TLS_UNAVAILABLE, -711, 0, "TLS requested, but rtm_push.h was built with RTM_PUSH_NO_TLS")

typedef enum rtm_push_result {
#define RTM_PUSH_X(name, value, fatal, msg) RTM_PUSH_##name = value,
  RTM_PUSH_RESULTS(RTM_PUSH_X)
#undef RTM_PUSH_X
  RTM_PUSH_RESULT_MIN = -0x7fffffff /* keeps the enum an int */
} rtm_push_result;

/* >>api-events: fields and events ------------------------------------------------------------ */
/* X(NAME, member, "wire name", type). Types: INT64 (exact signed 64-bit), INT32, STR, MSG (a string,
   bytes, or a chat translation object). This order is also the printing order. */
#define RTM_PUSH_FIELDS(X)                 \
  X(FROM, from, "from", INT64)             \
  X(TO, to, "to", INT64)                   \
  X(GID, gid, "gid", INT64)                \
  X(RID, rid, "rid", INT64)                \
  X(MTYPE, mtype, "mtype", INT32)          \
  X(MID, mid, "mid", INT64)                \
  X(MSG, msg, "msg", MSG)                  \
  X(ATTRS, attrs, "attrs", STR)            \
  X(MTIME, mtime, "mtime", INT64)

typedef enum rtm_push_field { /* a field's bit number in rtm_push_event.fields */
#define RTM_PUSH_X(N, m, w, t) RTM_PUSH_FIELD_##N,
  RTM_PUSH_FIELDS(RTM_PUSH_X)
#undef RTM_PUSH_X
  RTM_PUSH_FIELD_COUNT
} rtm_push_field;
#define RTM_PUSH_F_FROM (1u << RTM_PUSH_FIELD_FROM)
#define RTM_PUSH_F_TO (1u << RTM_PUSH_FIELD_TO)
#define RTM_PUSH_F_GID (1u << RTM_PUSH_FIELD_GID)
#define RTM_PUSH_F_RID (1u << RTM_PUSH_FIELD_RID)
#define RTM_PUSH_F_MTYPE (1u << RTM_PUSH_FIELD_MTYPE)
#define RTM_PUSH_F_MID (1u << RTM_PUSH_FIELD_MID)
#define RTM_PUSH_F_MSG (1u << RTM_PUSH_FIELD_MSG)
#define RTM_PUSH_F_ATTRS (1u << RTM_PUSH_FIELD_ATTRS)
#define RTM_PUSH_F_MTIME (1u << RTM_PUSH_FIELD_MTIME)
/* the fields each category's message pushes carry */
#define RTM_PUSH_FIELDS_COMMON \
  (RTM_PUSH_F_FROM | RTM_PUSH_F_MTYPE | RTM_PUSH_F_MID | RTM_PUSH_F_MSG | RTM_PUSH_F_ATTRS | RTM_PUSH_F_MTIME)
#define RTM_PUSH_FIELDS_P2P (RTM_PUSH_FIELDS_COMMON | RTM_PUSH_F_TO)
#define RTM_PUSH_FIELDS_GROUP (RTM_PUSH_FIELDS_COMMON | RTM_PUSH_F_GID)
#define RTM_PUSH_FIELDS_ROOM (RTM_PUSH_FIELDS_COMMON | RTM_PUSH_F_RID)
#define RTM_PUSH_FIELDS_BROADCAST RTM_PUSH_FIELDS_COMMON

/* The 23 events of EventProcess.md. X(NAME, "name", category, kind, fields).
   Categories: NONE, P2P, GROUP, ROOM, BROADCAST. Kinds: PING, KICKOUT, KICKOUTROOM, MSG (mtype not 30-32,
   40-50), CHAT (30), AUDIO (31), CMD (32), FILE (40-50). */
#define RTM_PUSH_EVENTS(X)                                                   \
  X(PING, "ping", NONE, PING, 0)                                             \
  X(KICKOUT, "kickout", NONE, KICKOUT, 0)                                    \
  X(KICKOUTROOM, "kickoutroom", NONE, KICKOUTROOM, RTM_PUSH_F_RID)           \
  X(PUSHMSG, "pushmsg", P2P, MSG, RTM_PUSH_FIELDS_P2P)                           \
  X(PUSHCHAT, "pushchat", P2P, CHAT, RTM_PUSH_FIELDS_P2P)                        \
  X(PUSHAUDIO, "pushaudio", P2P, AUDIO, RTM_PUSH_FIELDS_P2P)                     \
  X(PUSHCMD, "pushcmd", P2P, CMD, RTM_PUSH_FIELDS_P2P)                           \
  X(PUSHFILE, "pushfile", P2P, FILE, RTM_PUSH_FIELDS_P2P)                        \
  X(PUSHGROUPMSG, "pushgroupmsg", GROUP, MSG, RTM_PUSH_FIELDS_GROUP)             \
  X(PUSHGROUPCHAT, "pushgroupchat", GROUP, CHAT, RTM_PUSH_FIELDS_GROUP)          \
  X(PUSHGROUPAUDIO, "pushgroupaudio", GROUP, AUDIO, RTM_PUSH_FIELDS_GROUP)       \
  X(PUSHGROUPCMD, "pushgroupcmd", GROUP, CMD, RTM_PUSH_FIELDS_GROUP)             \
  X(PUSHGROUPFILE, "pushgroupfile", GROUP, FILE, RTM_PUSH_FIELDS_GROUP)          \
  X(PUSHROOMMSG, "pushroommsg", ROOM, MSG, RTM_PUSH_FIELDS_ROOM)                 \
  X(PUSHROOMCHAT, "pushroomchat", ROOM, CHAT, RTM_PUSH_FIELDS_ROOM)              \
  X(PUSHROOMAUDIO, "pushroomaudio", ROOM, AUDIO, RTM_PUSH_FIELDS_ROOM)           \
  X(PUSHROOMCMD, "pushroomcmd", ROOM, CMD, RTM_PUSH_FIELDS_ROOM)                 \
  X(PUSHROOMFILE, "pushroomfile", ROOM, FILE, RTM_PUSH_FIELDS_ROOM)              \
  X(PUSHBROADCASTMSG, "pushbroadcastmsg", BROADCAST, MSG, RTM_PUSH_FIELDS_BROADCAST) \
  X(PUSHBROADCASTCHAT, "pushbroadcastchat", BROADCAST, CHAT, RTM_PUSH_FIELDS_BROADCAST) \
  X(PUSHBROADCASTAUDIO, "pushbroadcastaudio", BROADCAST, AUDIO, RTM_PUSH_FIELDS_BROADCAST) \
  X(PUSHBROADCASTCMD, "pushbroadcastcmd", BROADCAST, CMD, RTM_PUSH_FIELDS_BROADCAST) \
  X(PUSHBROADCASTFILE, "pushbroadcastfile", BROADCAST, FILE, RTM_PUSH_FIELDS_BROADCAST)

typedef enum rtm_push_event_type {
  RTM_PUSH_EV_INVALID = 0,
#define RTM_PUSH_X(N, name, cat, kind, f) RTM_PUSH_EV_##N,
  RTM_PUSH_EVENTS(RTM_PUSH_X)
#undef RTM_PUSH_X
  RTM_PUSH_EV_UNKNOWN, /* a quest whose method is not in the table: raw payload only */
  RTM_PUSH_EV_LOGIN,   /* the answer to our auth quest: ok, or refused/error with code and ex */
  RTM_PUSH_EV_ANSWER,  /* an answer to another quest (bye; any answer when login is off) */
  RTM_PUSH_EV_ERROR,   /* an error: fatal (CLOSED follows) or not (one push dropped) */
  RTM_PUSH_EV_CLOSED,  /* the session ended: the last event; error is RTM_PUSH_OK for a clean end */
  RTM_PUSH_EV_CATCH_UP,/* a catch-up ended (config.catch_up, rtm_push_catch_up): ev->counts */
  RTM_PUSH_EV_COUNT    /* the number of event types */
} rtm_push_event_type;

typedef enum rtm_push_category {
  RTM_PUSH_CAT_NONE = 0, RTM_PUSH_CAT_P2P, RTM_PUSH_CAT_GROUP, RTM_PUSH_CAT_ROOM, RTM_PUSH_CAT_BROADCAST
} rtm_push_category;

typedef enum rtm_push_kind {
  RTM_PUSH_KIND_NONE = 0, RTM_PUSH_KIND_PING, RTM_PUSH_KIND_KICKOUT, RTM_PUSH_KIND_KICKOUTROOM,
  RTM_PUSH_KIND_MSG, RTM_PUSH_KIND_CHAT, RTM_PUSH_KIND_AUDIO, RTM_PUSH_KIND_CMD, RTM_PUSH_KIND_FILE
} rtm_push_kind;

typedef enum rtm_push_state {
  RTM_PUSH_STATE_INVALID = 0,
  RTM_PUSH_STATE_CONNECTING,     /* created; the upgrade request is waiting to be written */
  RTM_PUSH_STATE_UPGRADING,      /* request written, waiting for "101 Switching Protocols" */
  RTM_PUSH_STATE_AUTHENTICATING, /* WebSocket open, auth quest sent, waiting for its answer */
  RTM_PUSH_STATE_READY,          /* logged in (or login disabled): pushes flow */
  RTM_PUSH_STATE_CLOSING,        /* rtm_push_close() called: bye, then the WebSocket close */
  RTM_PUSH_STATE_CLOSED,         /* ended cleanly; drain the output, then close the socket */
  RTM_PUSH_STATE_FAILED          /* ended by a fatal error; drain the output, then close the socket */
} rtm_push_state;

typedef enum rtm_push_start {
  RTM_PUSH_START_HTTP = 0, /* default: the library writes the HTTP upgrade request and reads the 101 */
  RTM_PUSH_START_WS,       /* the host did the upgrade: it feeds WebSocket frames from the first byte */
  RTM_PUSH_START_FPNN      /* the host has its own WebSocket stack: it feeds the binary messages' bytes
                              and sends each pending-output package as one binary message */
} rtm_push_start;

typedef enum rtm_push_encoding {
  RTM_PUSH_ENC_JSON = 0x40,   /* FPNN flag 0x40 */
  RTM_PUSH_ENC_MSGPACK = 0x80 /* FPNN flag 0x80 */
} rtm_push_encoding;

/* Bytes borrowed from the library; valid only during the callback. Not NUL-terminated; may hold NUL.
   binary is 1 when the bytes are not valid UTF-8 or arrived as a msgpack bin value. */
typedef struct rtm_push_str {
  const char *ptr;
  size_t len;
  int binary;
} rtm_push_str;

/* A chat (mtype 30) msg that arrived as an object. The display text is target_text if non-empty,
   else source_text; rtm_push_event.msg holds that display text. */
typedef struct rtm_push_translation {
  rtm_push_str source, target, source_text, target_text;
} rtm_push_translation;

/* File events (mtype 40-50): msg decoded. A bare-URL msg gives url only. */
typedef struct rtm_push_file_info {
  rtm_push_str url, surl;
  int64_t size;
  int has_size;
} rtm_push_file_info;

/* What one catch-up did (RTM_PUSH_EV_CATCH_UP, ev->counts). */
typedef struct rtm_push_catch_up_counts {
  int64_t since;           /* the server time (ms) it fetched from */
  uint32_t conversations;  /* conversations paged (P2P peers and groups named by getunread, rooms, broadcast) */
  uint32_t pages;          /* history answers read */
  uint32_t messages;       /* messages delivered (caught_up = 1) */
  uint32_t duplicates;     /* messages already delivered (pushed or caught up), dropped */
  uint32_t errors;         /* conversations that failed (each one a non-fatal ERROR), getunread included */
} rtm_push_catch_up_counts;

typedef struct rtm_push_event {
  rtm_push_event_type type;
  const char *name;        /* "pushgroupchat", "login", "unknown", "error", ... */
  rtm_push_category category;
  rtm_push_kind kind;
  rtm_push_str method;     /* the wire method (pushes and unknown quests) */
  uint32_t seq;            /* quests: meaningful when twoway; answers: the seq answered */
  int twoway;
  rtm_push_encoding encoding;
  rtm_push_str payload;    /* the raw FPNN payload */
  /* push fields; a field is present when its RTM_PUSH_F_* bit is set in fields */
  uint32_t fields;
  int64_t from, to, gid, rid, mid, mtime;
  int32_t mtype;
  rtm_push_str msg, attrs;
  int msg_is_translation;  /* chat translation object: see translation */
  rtm_push_translation translation;
  int has_file;            /* file events whose msg decoded: see file */
  rtm_push_file_info file;
  /* LOGIN, ANSWER: status is the FPNN answer status; an error answer sets code and ex. ERROR and CLOSED with
     RTM_PUSH_E_HTTP_STATUS: status is the HTTP status the server answered the upgrade with.
     LOGIN: ok is 1 when logged in, 0 when refused (error, message and code say why; CLOSED follows); a refused
     login may carry gate ("host:port"). */
  int ok;
  int status;
  int64_t code;
  rtm_push_str ex, gate;
  /* LOGIN (refused), ERROR, CLOSED: a RTM_PUSH_* result and its detailed message. fatal: ERROR and LOGIN: the
     session ends (CLOSED follows); CLOSED: it ended by a failure (state FAILED), not cleanly. */
  int error;
  const char *message;
  int fatal;
  /* CLOSED: when to open the next connection (rtm_push_reconnect), UINT64_MAX for "do not": after
     rtm_push_close, a kickout, or a login refused with a code that must not be retried. */
  uint64_t reconnect_at;
  /* message events: 1 when the message was fetched from the history by a catch-up (method is then the history
     quest, e.g. "getgroupmsg", and payload the message's element), 0 when it was pushed */
  int caught_up;
  rtm_push_catch_up_counts counts; /* CATCH_UP */
} rtm_push_event;

typedef struct rtm_push rtm_push; /* opaque session */

/* Every callback gets the session first and its user_data last. The event callback (config.on_event) runs
   inside rtm_push_feed, _feed_eof, _tick, _close, _reconnect and the quest calls; ev and all it points to are
   borrowed for the call. */
typedef void (*rtm_push_event_fn)(rtm_push *s, const rtm_push_event *ev, void *user_data);
/* Fills buf with len bytes of entropy; returns 0, or nonzero on failure (rtm_push_new: RTM_PUSH_E_RANDOM). */
typedef int (*rtm_push_entropy_fn)(unsigned char *buf, size_t len, void *user_data);
/* config.on_received: every byte the server sent after its 101 response (decrypted, for wss://), as the library is
   given it and before it is parsed: what rtm-dump decodes (rtm-listen --capture writes it to a file). It may not
   call into the session (rtm_push_feed & co. return RTM_PUSH_E_IN_CALLBACK there). */
typedef void (*rtm_push_data_fn)(rtm_push *s, const uint8_t *data, size_t len, void *user_data);
typedef void *(*rtm_push_alloc_fn)(size_t size, void *user_data);
typedef void (*rtm_push_free_fn)(void *ptr, void *user_data);

typedef struct rtm_push_allocator {
  rtm_push_alloc_fn alloc_fn; /* both or neither; NULL = malloc/free */
  rtm_push_free_fn free_fn;
  void *user_data;
} rtm_push_allocator;

/* Zero means the default given in brackets. */
typedef struct rtm_push_limits {
  size_t max_package;     /* [8 MiB] largest FPNN package accepted (the server's own maximum) */
  size_t max_frame;       /* [max_package + 14] largest WebSocket frame payload accepted */
  size_t max_http_header; /* [16 KiB] largest HTTP upgrade response header (and error body) */
  size_t max_output;      /* [4 MiB] pending output beyond which the session fails (host not draining) */
  uint32_t max_depth;     /* [32] payload nesting depth */
  uint32_t dedup_capacity;/* [1024] duplicate-suppression entries (oldest evicted); memory ~60 B each */
  uint32_t dedup_ttl_ms;  /* [1200000 = 20 min] how long a push key is remembered */
  uint32_t max_pending_quests; /* [1024] our two-way quests waiting for an answer */
  uint32_t max_rooms;     /* [64] rooms remembered (entered with rtm_push_enterroom) for reconnects */
} rtm_push_limits;

/* Reconnect advice after a connection ends (see rtm_push_reconnect_at). Zero means the default. */
#define RTM_PUSH_RECONNECT_STABLE_MS 10000u
typedef struct rtm_push_reconnect_policy {
  int disabled;           /* 1: never advise a reconnect */
  uint32_t immediate;     /* [2] retries advised at once (0 ms) */
  uint32_t base_ms;       /* [1000] then this delay, doubling each time ... */
  uint32_t max_ms;        /* [30000] ... up to this cap. */
  uint32_t stable_ms;     /* [RTM_PUSH_RECONNECT_STABLE_MS = 10000] a connection that stayed logged in this long
                             starts the schedule over (a gate that accepts the login and drops at once does not) */
} rtm_push_reconnect_policy;

typedef struct rtm_push_config {
  /* connection (for the Host header and the request line) */
  const char *host;        /* [required for START_HTTP] */
  uint16_t port;           /* [80, or 443 with tls]; the Host header always carries host:port */
  const char *path;        /* ["/service/websocket"] */
  rtm_push_start start;    /* [RTM_PUSH_START_HTTP] which layer the fed bytes belong to */
  /* login */
  int32_t pid;
  int64_t uid;
  const char *token;
  const char *lang;        /* [none] */
  const char *const *attrs;/* [none] NULL-terminated key, value, key, value, ... strings */
  const char *version;     /* ["C-rtm_push-<version>"] */
  /* TLS (wss://): the library runs mbedTLS over memory buffers; the host still moves bytes only */
  int tls;                 /* 1: TLS under the WebSocket (needs START_HTTP) */
  const char *tls_server_name; /* [host] sent as SNI and checked against the certificate (an IP address: its
                                  iPAddress subjectAltNames, and no SNI); "" is refused: RTM_PUSH_E_CONFIG */
  const char *tls_ca_file; /* trusted CAs: a PEM file, */
  const char *tls_ca_path; /* a directory of PEM files, */
  const char *tls_ca_pem;  /* or PEM bytes in memory (tls_ca_pem_len bytes; NUL not needed). None of the three: */
  size_t tls_ca_pem_len;   /* the system bundle /etc/ssl/certs/ca-certificates.crt */
  int tls_insecure_no_verify; /* 1: DO NOT VERIFY the server's certificate (tests only);
                              rtm_push_tls_verified() then returns 0 */
  int no_login;            /* 1: send no auth quest; READY at once (decode-only use, e.g. rtm-dump) */
  rtm_push_encoding quest_encoding; /* [JSON] encoding of our own quests (auth, bye): JSON or MSGPACK;
                              the gate answers each quest in its own encoding */
  /* behaviour */
  int no_dedup;            /* 1: deliver duplicates */
  int strict_framing;      /* 1: do not tolerate the FPNN server's 126-byte framing bug */
  uint32_t ping_timeout_ms;  /* [60000] no ping push for this long after login = dead; UINT32_MAX = off */
  uint32_t login_timeout_ms; /* [30000] from the first call with a time until the login answer */
  uint32_t quest_timeout_ms; /* [5000] bye answer; then the WebSocket close is sent anyway */
  uint32_t close_timeout_ms; /* [2000] after our close frame, wait this long for the server's end */
  int catch_up;            /* 1: after each login that follows a reconnect, fetch from the history what was sent
                              while the connection was down, once each (docs/catch-up.md) */
  uint32_t catch_up_rate;  /* [2] catch-up quests per second at most (the gate refuses more: 200010) */
  uint32_t catch_up_in_flight; /* [2] catch-up quests waiting for their answers at most */
  /* callbacks */
  rtm_push_event_fn on_event;
  void *user_data;         /* passed to on_event and on_received */
  rtm_push_data_fn on_received; /* [none] the WebSocket stream as received, for captures (see its typedef) */
  rtm_push_entropy_fn entropy; /* [the OS: /dev/urandom] seeds the CTR-DRBG (WebSocket keys, masks, TLS) */
  void *entropy_user_data;
  rtm_push_allocator allocator;
  rtm_push_limits limits;
  rtm_push_reconnect_policy reconnect;
} rtm_push_config;

/* The outcome of one of our two-way quests: delivered exactly once, from inside feed, tick, close or
   free. result: RTM_PUSH_OK (status 0); RTM_PUSH_E_QUEST_ERROR (an FPNN error answer: code, ex);
   RTM_PUSH_E_QUEST_TIMEOUT (code 20003); RTM_PUSH_E_QUEST_CLOSED (code 20002: the session ended
   first). Pointers are borrowed for the callback. */
typedef struct rtm_push_answer {
  uint32_t seq;
  const char *method;
  int result;
  int status;
  int64_t code;
  rtm_push_str ex;
  rtm_push_encoding encoding;
  rtm_push_str payload; /* the answer's raw payload */
  int has_mtime;        /* the answer carried mtime (rtm_push_send) */
  int64_t mtime;
  int64_t mid;          /* the message id rtm_push_send sent (0 otherwise) */
} rtm_push_answer;
typedef void (*rtm_push_answer_fn)(rtm_push *s, const rtm_push_answer *answer, void *user_data);
struct cJSON;

/* A quest to the gate (rtm_push_quest). Zero-initialise it, then set what you need: zero means the default. */
typedef struct rtm_push_quest_desc {
  const char *method;           /* [required] the gate method, e.g. "getonlineusers" */
  rtm_push_encoding encoding;   /* [RTM_PUSH_ENC_JSON] the encoding of payload */
  const void *payload;          /* [an empty map] JSON object text or a msgpack map, payload_len bytes */
  size_t payload_len;
  const struct cJSON *json;     /* or a cJSON object, printed and sent as JSON (not with payload; not with
                                   RTM_PUSH_NO_CJSON) */
  uint32_t timeout_ms;          /* [config.quest_timeout_ms] */
  rtm_push_answer_fn on_answer; /* [none: the quest is sent one-way] runs exactly once */
  void *user_data;              /* passed to on_answer */
} rtm_push_quest_desc;

typedef enum rtm_push_target {
  RTM_PUSH_TO_USER = 1, /* sendmsg: to is a uid */
  RTM_PUSH_TO_GROUP,    /* sendgroupmsg: to is a gid */
  RTM_PUSH_TO_ROOM      /* sendroommsg: to is a rid */
} rtm_push_target;

/* A message to a user, a group or a room (rtm_push_send). Zero-initialise it; zero means the default. */
typedef struct rtm_push_message {
  rtm_push_target target;       /* [required] */
  int64_t to;                   /* the uid, gid or rid */
  int64_t mid;                  /* [required, not 0] the message id: rtm_push_make_mid */
  int32_t mtype;                /* [0] */
  const char *msg;              /* [""] msg_len bytes (may hold NUL), */
  size_t msg_len;               /* or, when msg_len is 0 and msg is not NULL, up to its NUL */
  const char *attrs;            /* [""] a NUL-terminated string */
  uint32_t timeout_ms;          /* [config.quest_timeout_ms] */
  rtm_push_answer_fn on_answer; /* [none: sent one-way] the answer carries mtime */
  void *user_data;
} rtm_push_message;

RTM_PUSH_API_DECL const char *rtm_push_version(void);
RTM_PUSH_API_DECL int rtm_push_new(rtm_push **out, const rtm_push_config *config);
RTM_PUSH_API_DECL void rtm_push_free(rtm_push *s);
RTM_PUSH_API_DECL int rtm_push_feed(rtm_push *s, const void *data, size_t len, uint64_t now_ms);
RTM_PUSH_API_DECL int rtm_push_feed_eof(rtm_push *s, uint64_t now_ms);
RTM_PUSH_API_DECL size_t rtm_push_pending_output(rtm_push *s, const uint8_t **data);
RTM_PUSH_API_DECL int rtm_push_consume_output(rtm_push *s, size_t n);
RTM_PUSH_API_DECL int rtm_push_tick(rtm_push *s, uint64_t now_ms);
RTM_PUSH_API_DECL uint64_t rtm_push_next_deadline(const rtm_push *s);
RTM_PUSH_API_DECL int rtm_push_close(rtm_push *s, uint64_t now_ms);
RTM_PUSH_API_DECL rtm_push_state rtm_push_current_state(const rtm_push *s);
RTM_PUSH_API_DECL int rtm_push_want_read(const rtm_push *s);
RTM_PUSH_API_DECL int rtm_push_want_write(const rtm_push *s);
RTM_PUSH_API_DECL int rtm_push_last_error(const rtm_push *s, const char **message);
RTM_PUSH_API_DECL const rtm_push_config *rtm_push_current_config(const rtm_push *s);
RTM_PUSH_API_DECL int rtm_push_tls_verified(const rtm_push *s);
RTM_PUSH_API_DECL int rtm_push_quest(rtm_push *s, const rtm_push_quest_desc *quest, uint32_t *seq_out);
RTM_PUSH_API_DECL int rtm_push_send(rtm_push *s, const rtm_push_message *message, uint32_t *seq_out);
RTM_PUSH_API_DECL int rtm_push_enterroom(rtm_push *s, int64_t rid, rtm_push_answer_fn on_answer, void *user_data);
RTM_PUSH_API_DECL int rtm_push_leaveroom(rtm_push *s, int64_t rid, rtm_push_answer_fn on_answer, void *user_data);
#ifndef RTM_PUSH_NO_CJSON
RTM_PUSH_API_DECL struct cJSON *rtm_push_cjson_int64(int64_t value);
#endif
RTM_PUSH_API_DECL int64_t rtm_push_make_mid(rtm_push *s, uint64_t unix_ms);
RTM_PUSH_API_DECL uint64_t rtm_push_reconnect_at(const rtm_push *s);
RTM_PUSH_API_DECL int rtm_push_reconnect(rtm_push *s, uint64_t now_ms);
RTM_PUSH_API_DECL const char *rtm_push_state_name(rtm_push_state state);
RTM_PUSH_API_DECL const char *rtm_push_strerror(int result);
RTM_PUSH_API_DECL int rtm_push_is_fatal(int result);
RTM_PUSH_API_DECL int rtm_push_parse_int64(const char *text, size_t len, int64_t *out);
RTM_PUSH_API_DECL size_t rtm_push_event_to_json(const rtm_push_event *ev, char *buf, size_t cap);
RTM_PUSH_API_DECL int rtm_push_catch_up(rtm_push *s, int64_t since_ms);
RTM_PUSH_API_DECL int64_t rtm_push_watermark(const rtm_push *s);
RTM_PUSH_API_DECL int rtm_push_set_watermark(rtm_push *s, int64_t ms);

#ifdef __cplusplus
}
#endif
#endif /* RTM_PUSH_INCLUDED */

/* ============================================================================================== */
/* >>implementation                                                                                */
/* ============================================================================================== */
#ifdef RTM_PUSH_IMPLEMENTATION
#ifndef RTM_PUSH__IMPLEMENTED
#define RTM_PUSH__IMPLEMENTED
/* CONTENTS (each section begins with its marker: search for ">>name")
    1. >>base      includes, configuration macros, protocol constants, the structs, the schema's tables, prototypes
    2. >>memory    allocation and growing buffers
    3. >>words     bytes and words: little-endian loads, digits, ASCII, the UTF-8 reference
    4. >>events    results, delivering events, errors and the end of a session
    5. >>output    the queues the host drains, and the random pool behind keys and masks
    6. >>tls       mbedTLS over memory buffers: where the bytes come in and go out
    7. >>upgrade   the HTTP/1.1 upgrade: the request and its 101 response
    8. >>ws        WebSocket frames: our parser for every frame in, wslay's writer for every frame out
    9. >>fpnn      the FPNN package stream: packages in, our packages out
   10. >>session   a connection's life: transport, login, pushes, answers, close, reconnect advice
   11. >>quests    our quests, matched to their answers by seq, and the payloads we build
   12. >>catchup   after a reconnect, what was sent while the connection was down, from the history
   13. >>json      the JSON reader
   14. >>msgpack   the msgpack reader
   15. >>schema    an event by its method, a field by its name (tables in >>base), routing by mtype
   16. >>fields    payload members into event fields, through one map interface over both readers
   17. >>dedup     the duplicate table: (category, target, from, mid), oldest evicted
   18. >>kernels   the byte loops that vector instructions speed up, and their scalar references
   19. >>print     one JSON line per event (the rtm-dump / rtm-listen format)
   20. >>public    the session's public functions (the others sit with their layer: strerror and is_fatal
                in >>events, parse_int64 in >>words, tls_verified in >>tls, event_to_json in >>print)
*/
/* >>base: includes, configuration macros, protocol constants, the structs, the schema's tables, prototypes --- */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <wslay/wslay.h>
#ifndef RTM_PUSH_NO_CJSON
#ifndef RTM_PUSH_CJSON_HEADER
#define RTM_PUSH_CJSON_HEADER <cjson/cJSON.h>
#endif
#include RTM_PUSH_CJSON_HEADER
#endif
#include <mbedtls/version.h>
#include <mbedtls/sha1.h>
#include <mbedtls/base64.h>
#include <mbedtls/entropy.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/aes.h>
#include <mbedtls/platform_util.h>
#ifndef RTM_PUSH_NO_TLS
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>
#include <mbedtls/asn1.h>
#include <mbedtls/error.h>
#endif

/* The few helpers of the per-push loops, inlined whatever the optimizer's size heuristics say. */
#if defined(__GNUC__) || defined(__clang__)
#define RTM_PUSH__HOT static __inline__ __attribute__((always_inline))
#else
#define RTM_PUSH__HOT static
#endif

/* Every mbedTLS 2.x / 3.x difference lives here. */
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
#define RTM_PUSH__SHA1(in, n, out) mbedtls_sha1((in), (n), (out))
#else
#define RTM_PUSH__SHA1(in, n, out) mbedtls_sha1_ret((in), (n), (out))
#endif
/* TLS 1.3 in mbedTLS 3.x reports session tickets from ssl_read: not an error. */
#ifdef MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET
#define RTM_PUSH__TLS_TICKET(r) ((r) == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET)
#else
#define RTM_PUSH__TLS_TICKET(r) 0
#endif
#ifndef RTM_PUSH_NO_TLS
/* 3.x: TLS (1.3 always, 1.2 with MBEDTLS_USE_PSA_CRYPTO) calls PSA, which must be initialised first; 3.6.0's
   handshake does not do it itself (its ClientHello then fails with -0x6C00). Idempotent, process-wide. */
#if MBEDTLS_VERSION_NUMBER >= 0x03000000 && (defined(MBEDTLS_USE_PSA_CRYPTO) || defined(MBEDTLS_PSA_CRYPTO_C))
#include <psa/crypto.h>
#define RTM_PUSH__PSA_INIT() (psa_crypto_init() == PSA_SUCCESS ? 0 : -1)
#else
#define RTM_PUSH__PSA_INIT() 0
#endif
/* TLS 1.2 at least: 2.x still speaks TLS 1.0 and 1.1 unless told not to (3.x has neither). */
#if MBEDTLS_VERSION_NUMBER >= 0x03020000
#define RTM_PUSH__TLS_MIN_1_2(conf) mbedtls_ssl_conf_min_tls_version((conf), MBEDTLS_SSL_VERSION_TLS1_2)
#else
#define RTM_PUSH__TLS_MIN_1_2(conf) mbedtls_ssl_conf_min_version((conf), MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3)
#endif
#if defined(MBEDTLS_ERR_SSL_BAD_PROTOCOL_VERSION)
#define RTM_PUSH__TLS_BAD_VERSION MBEDTLS_ERR_SSL_BAD_PROTOCOL_VERSION
#else
#define RTM_PUSH__TLS_BAD_VERSION MBEDTLS_ERR_SSL_BAD_HS_PROTOCOL_VERSION
#endif
#endif
/* Certificate dates are checked by mbedTLS against the system's wall clock (MBEDTLS_HAVE_TIME_DATE);
   that is the one clock read in this library, and it is mbedTLS's. */

#define RTM_PUSH__MIN(a, b) ((a) < (b) ? (a) : (b))
#define RTM_PUSH__GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define RTM_PUSH__NO_DEADLINE UINT64_MAX
/* Buffers grown past this for one big package are given back afterwards, not kept for the session. */
#define RTM_PUSH__RETAIN ((size_t)256 << 10)
/* Random bytes drawn from the DRBG at a time: 1 KiB, or less if mbedTLS is built to give less per call. */
#if defined(MBEDTLS_CTR_DRBG_MAX_REQUEST) && MBEDTLS_CTR_DRBG_MAX_REQUEST < 1024
#define RTM_PUSH__RND_POOL MBEDTLS_CTR_DRBG_MAX_REQUEST
#else
#define RTM_PUSH__RND_POOL 1024
#endif

/* Protocol constants: FPNN package types (PROTOCOL.md 1), and the codes of FPNN and of the RTM gate that
   this library acts on or reports. */
enum { RTM_PUSH__FPNN_ONEWAY = 0, RTM_PUSH__FPNN_TWOWAY = 1, RTM_PUSH__FPNN_ANSWER = 2 };
#define RTM_PUSH__FPNN_CODE_CLOSED 20002       /* the connection ended before the answer */
#define RTM_PUSH__FPNN_CODE_TIMEOUT 20003      /* no answer in time */
#define RTM_PUSH__RTM_UNAUTHORIZED 200022      /* login errors that retrying cannot help: */
#define RTM_PUSH__RTM_DUPLICATED_AUTH 200023
#define RTM_PUSH__RTM_AUTH_DENIED 200024
#define RTM_PUSH__RTM_INVALID_TOKEN 200027     /* also what an {"ok":false} answer to auth means */
/* WebSocket opcodes (RFC 6455 5.2) and close codes (7.4.1) */
enum {
  RTM_PUSH__WS_CONT = 0x0, RTM_PUSH__WS_BINARY = 0x2, RTM_PUSH__WS_CLOSE = 0x8, RTM_PUSH__WS_PING = 0x9,
  RTM_PUSH__WS_PONG = 0xA
};
/* Close codes (RFC 6455 7.4.1) */
enum {
  RTM_PUSH__CLOSE_NORMAL = 1000, RTM_PUSH__CLOSE_PROTOCOL = 1002, RTM_PUSH__CLOSE_NO_STATUS = 1005,
  RTM_PUSH__CLOSE_TOO_BIG = 1009
};

typedef struct rtm_push__buf {
  uint8_t *p;
  size_t len, cap;
} rtm_push__buf;

/* The kernels (>>kernels): the byte loops that have vector versions, one tier chosen per session. */
typedef struct rtm_push__kernels {
  const char *name; /* "scalar", "ssse3", "avx2", "avx512" */
  int (*utf8_valid)(const uint8_t *p, size_t n); /* strict UTF-8? */
  const uint8_t *(*scan_str)(const uint8_t *q, const uint8_t *end, unsigned *high);
  void (*unescape)(const uint8_t **qp, const uint8_t *end, uint8_t **op);
} rtm_push__kernels;

typedef struct rtm_push__dent { /* one remembered push key */
  uint64_t t;
  int64_t target, from, mid;
  uint32_t cs;            /* the category (bits 0-3; 0 above them in a key) and the index slot of the entry above */
  uint32_t hash;          /* of the category and the three above: probing and deletion never recompute it */
} rtm_push__dent;

enum { RTM_PUSH__PH_HTTP, RTM_PUSH__PH_HTTP_BODY, RTM_PUSH__PH_WS, RTM_PUSH__PH_FPNN };
typedef struct rtm_push__conv rtm_push__conv; /* >>catchup: one conversation of a catch-up */
struct rtm_push__cu;                          /* >>catchup: a catch-up */

struct rtm_push {
  rtm_push_config cfg; /* defaults filled in, strings owned by `strings` */
  char *strings;
  rtm_push_state state;
  int phase;
  int err;
  char errmsg[256];
  int in_cb;
  int free_requested;
  /* time */
  uint64_t now;
  int have_now;
  uint64_t login_deadline, ping_deadline, bye_deadline, close_deadline;
  /* randomness */
  mbedtls_entropy_context *entropy; /* only where the OS source below is not available */
  mbedtls_ctr_drbg_context drbg;
  unsigned char rnd[RTM_PUSH__RND_POOL]; /* 256 masks per refill (rtm_push__rnd_refill) */
  size_t rnd_pos;
  int rnd_failed;
  /* output: `out` is what the host drains; with TLS, plaintext waits in `pout` until encrypted */
  rtm_push__buf out, pout;
  size_t out_off, pout_off;
  size_t out_pkg_left; /* START_FPNN: bytes left of the package at the head */
  /* HTTP upgrade */
  rtm_push__buf http;
  unsigned http_match;     /* how many bytes of CRLFCRLF matched */
  size_t http_body_need;   /* non-101: body bytes still expected */
  size_t http_head_len;
  int http_status;         /* of the response's status line */
  char ws_key[32];
  /* WebSocket */
  wslay_frame_context_ptr wsf; /* the one frame writer (wslay's frame layer): every frame we send */
  uint8_t fx_hdr[16];      /* the frame parser (ours): a header split across feeds, */
  unsigned fx_hlen;
  uint64_t fx_left;        /* payload bytes left of the current frame */
  int fx_in_payload;
  int fx_op;               /* the current frame's opcode */
  int fx_in_msg;           /* inside a fragmented data message */
  uint8_t ctl[125];        /* a control frame's payload, collected whole */
  unsigned ctl_len;
  int ws_close_queued, ws_close_received;
  /* FPNN */
  rtm_push__buf pkg;
  size_t pkg_total;
  uint32_t next_seq, auth_seq, bye_seq;
  struct rtm_push__quest *quests; /* our two-way quests waiting for answers */
  uint32_t nquests, quests_cap;
  uint32_t mid_counter;
  int auth_pending, bye_pending;
  /* decoding: the current event's decoded strings */
  rtm_push__buf scratch;   /* reserved (scratch_need) at the first escape of a package, never moved after */
  size_t scratch_need;
  rtm_push__buf scratch2;  /* the same for what is read a second time (a file msg's JSON, attrs, an answer) */
  size_t scratch2_need;
  const rtm_push__kernels *k; /* the kernels this CPU runs best */
  int8_t jnext[RTM_PUSH_EV_COUNT][RTM_PUSH_FIELD_COUNT + 1]; /* by event type: the field that came after
                                                                 this one last time (-1: none yet) */
  rtm_push__buf qbuf;      /* our own quests' payloads: never the same memory as an event's */
  /* duplicates */
  rtm_push__dent *dd_ring;
  uint32_t *dd_idx;         /* buckets of 4 slots: ring index + 1 in the dd_imask bits (0: empty), a hash tag above */
  uint32_t *dd_ovf;         /* per bucket: entries that went past it because it was full (exact: never saturates) */
  uint32_t dd_head, dd_count, dd_bmask, dd_imask;
  uint64_t dd_key[2];       /* the hash's secret, from the DRBG at rtm_push_new */
  uint64_t dd_probes;       /* index buckets read by lookups (tests: a lookup stays O(1) whatever the keys) */
  /* session */
  int eof;
  int closed_by_us;        /* rtm_push_close was called: no reconnect advice */
  int stop_code;           /* the login was refused with a code that must not be retried */
  uint64_t reconnect_at;   /* advice once ended; UINT64_MAX = none */
  uint32_t attempts;       /* connections ended since the last one that stayed logged in reconnect.stable_ms */
  uint64_t ready_at;        /* when this connection logged in (NO_DEADLINE: it has not) */
  int64_t *rooms;          /* rooms entered, re-entered after a reconnect */
  uint32_t nrooms;
  /* catch-up (>>catchup) */
  int64_t wm;              /* the watermark: the highest server mtime delivered (0: none) */
  int64_t cu_from;         /* where the catch-up due at the next login starts */
  int cu_due;
  struct rtm_push__cu *cu; /* the running (or last) catch-up; NULL before the first */
  /* TLS */
  int tls_on, tls_ready, tls_verified, tls_notify_sent, tls_out_full;
  const uint8_t *tls_in;
  size_t tls_in_len;
  uint8_t rec_hdr[5];     /* TLS record tracker: clear errors for plaintext and truncated records */
  unsigned rec_hlen;
  size_t rec_left;
  rtm_push__buf tls_rbuf; /* decrypted bytes */
#ifndef RTM_PUSH_NO_TLS
  mbedtls_ssl_context ssl;
  mbedtls_ssl_config sslconf;
  mbedtls_x509_crt ca;
  uint8_t tls_ip[16];     /* tls_server_name as an IP address: checked against iPAddress SANs */
  int tls_ip_len;         /* 4, 16, or 0: a DNS name */
#endif
};

/* What a room quest does to the rooms remembered for reconnects (s->rooms) when it is answered. */
typedef enum rtm_push__room_op {
  RTM_PUSH__ROOM_NONE, RTM_PUSH__ROOM_ENTER, RTM_PUSH__ROOM_LEAVE,
  RTM_PUSH__ROOM_REENTER /* after a reconnect: a failure is reported as a non-fatal ERROR */
} rtm_push__room_op;
typedef struct rtm_push__quest {
  int room_op;             /* rtm_push__room_op: how the answer moves s->rooms */
  int64_t rid;
  uint32_t seq;
  uint64_t deadline;
  rtm_push_answer_fn cb;
  void *user;
  int64_t mid;
  char *method;
} rtm_push__quest;

typedef struct rtm_push__evdef {
  const char *name;
  uint8_t len, cat, kind;
  uint32_t fields;
} rtm_push__evdef;

static const rtm_push__evdef rtm_push__evdefs[] = {
  {"invalid", 7, 0, 0, 0},
#define RTM_PUSH__X(N, name, cat, kind, f) \
  {name, (uint8_t)(sizeof(name) - 1), RTM_PUSH_CAT_##cat, RTM_PUSH_KIND_##kind, f},
  RTM_PUSH_EVENTS(RTM_PUSH__X)
#undef RTM_PUSH__X
  {"unknown", 7, 0, 0, 0},
  {"login", 5, 0, 0, 0},
  {"answer", 6, 0, 0, 0},
  {"error", 5, 0, 0, 0},
  {"closed", 6, 0, 0, 0},
  {"catchup", 7, 0, 0, 0},
};

enum { RTM_PUSH__T_INT64, RTM_PUSH__T_INT32, RTM_PUSH__T_STR, RTM_PUSH__T_MSG };
typedef struct rtm_push__fielddef {
  const char *name;
  uint8_t len, type;
} rtm_push__fielddef;
static const rtm_push__fielddef rtm_push__fielddefs[RTM_PUSH_FIELD_COUNT] = {
#define RTM_PUSH__X(N, m, w, t) {w, (uint8_t)(sizeof(w) - 1), RTM_PUSH__T_##t},
  RTM_PUSH_FIELDS(RTM_PUSH__X)
#undef RTM_PUSH__X
};
/* The lookup tables of the schema, derived from RTM_PUSH_EVENTS and RTM_PUSH_FIELDS by the builders in
   tests/schema_table.c, which check them (`schema_table --tables` prints them anew after a schema change).
   evtab: method hash (rtm_push__method_hash) -> event type, 0 empty; ftab: key word hash (rtm_push__key_hash)
   -> field + 1, 0 empty; fkeys: each field name as a key word (rtm_push__key_word); jpat: `, "name":` as two
   words and their masks, then `"name":` (a first member) and its mask; jlen: the length of `, "name":`; mpat:
   the msgpack fixstr of the name as a word and its mask; jkinds: by event type, rtm_push__kinds of its fields. */
static const uint8_t rtm_push__evtab[64] = {
  0, 0, 18, 0, 0, 0, 0, 0, 2, 0, 0, 0, 9, 15, 0, 0,
  11, 0, 0, 8, 0, 5, 0, 3, 17, 16, 23, 6, 0, 0, 0, 0,
  0, 1, 0, 0, 0, 20, 0, 13, 14, 0, 0, 0, 0, 0, 21, 7,
  22, 0, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 12, 4, 19};
static const uint8_t rtm_push__ftab[32] = {
  4, 9, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 8, 0,
  7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 5, 0, 2, 6, 0};
static const uint64_t rtm_push__fkeys[RTM_PUSH_FIELD_COUNT] = {
  0x040000006d6f7266ull, 0x0200000000006f74ull, 0x0300000000646967ull,
  0x0300000000646972ull, 0x050000657079746dull, 0x030000000064696dull,
  0x030000000067736dull, 0x0500007372747461ull, 0x050000656d69746dull};
static const uint64_t rtm_push__jpat[RTM_PUSH_FIELD_COUNT][6] = {
  {0x226d6f726622202cull, 0x000000000000003aull, 0xffffffffffffffffull, 0x00000000000000ffull, 0x003a226d6f726622ull, 0x00ffffffffffffffull}, /* from */
  {0x003a226f7422202cull, 0x0000000000000000ull, 0x00ffffffffffffffull, 0x0000000000000000ull, 0x0000003a226f7422ull, 0x000000ffffffffffull}, /* to */
  {0x3a2264696722202cull, 0x0000000000000000ull, 0xffffffffffffffffull, 0x0000000000000000ull, 0x00003a2264696722ull, 0x0000ffffffffffffull}, /* gid */
  {0x3a2264697222202cull, 0x0000000000000000ull, 0xffffffffffffffffull, 0x0000000000000000ull, 0x00003a2264697222ull, 0x0000ffffffffffffull}, /* rid */
  {0x657079746d22202cull, 0x0000000000003a22ull, 0xffffffffffffffffull, 0x000000000000ffffull, 0x3a22657079746d22ull, 0xffffffffffffffffull}, /* mtype */
  {0x3a2264696d22202cull, 0x0000000000000000ull, 0xffffffffffffffffull, 0x0000000000000000ull, 0x00003a2264696d22ull, 0x0000ffffffffffffull}, /* mid */
  {0x3a2267736d22202cull, 0x0000000000000000ull, 0xffffffffffffffffull, 0x0000000000000000ull, 0x00003a2267736d22ull, 0x0000ffffffffffffull}, /* msg */
  {0x737274746122202cull, 0x0000000000003a22ull, 0xffffffffffffffffull, 0x000000000000ffffull, 0x3a22737274746122ull, 0xffffffffffffffffull}, /* attrs */
  {0x656d69746d22202cull, 0x0000000000003a22ull, 0xffffffffffffffffull, 0x000000000000ffffull, 0x3a22656d69746d22ull, 0xffffffffffffffffull} /* mtime */
};
static const uint8_t rtm_push__jlen[RTM_PUSH_FIELD_COUNT] = {9, 7, 8, 8, 10, 8, 8, 10, 10};
static const uint64_t rtm_push__mpat[RTM_PUSH_FIELD_COUNT][2] = {
  {0x0000006d6f7266a4ull, 0x000000ffffffffffull}, /* from */
  {0x00000000006f74a2ull, 0x0000000000ffffffull}, /* to */
  {0x00000000646967a3ull, 0x00000000ffffffffull}, /* gid */
  {0x00000000646972a3ull, 0x00000000ffffffffull}, /* rid */
  {0x0000657079746da5ull, 0x0000ffffffffffffull}, /* mtype */
  {0x0000000064696da3ull, 0x00000000ffffffffull}, /* mid */
  {0x0000000067736da3ull, 0x00000000ffffffffull}, /* msg */
  {0x00007372747461a5ull, 0x0000ffffffffffffull}, /* attrs */
  {0x0000656d69746da5ull, 0x0000ffffffffffffull} /* mtime */
};
static const uint32_t rtm_push__jkinds[RTM_PUSH_EV_COUNT] = {
  0x00000000, 0x00000000, 0x00000000, 0x00001000, 0x0b850048, 0x0b850048,
  0x0b850048, 0x0b850048, 0x0b850048, 0x0b850208, 0x0b850208, 0x0b850208,
  0x0b850208, 0x0b850208, 0x0b851008, 0x0b851008, 0x0b851008, 0x0b851008,
  0x0b851008, 0x0b850008, 0x0b850008, 0x0b850008, 0x0b850008, 0x0b850008,
  0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000};

enum {
  RTM_PUSH__V_NULL, RTM_PUSH__V_BOOL, RTM_PUSH__V_INT, RTM_PUSH__V_UINT, RTM_PUSH__V_BIGNUM,
  RTM_PUSH__V_FLOAT, RTM_PUSH__V_STR, RTM_PUSH__V_MAP, RTM_PUSH__V_ARRAY, RTM_PUSH__V_EXT
};
static const char *const rtm_push__vnames[] = {"null", "boolean", "integer", "integer", "integer",
                                               "non-integer number", "string", "map", "array", "ext"};
typedef struct rtm_push__val {
  int t;
  int b;
  int64_t i;
  uint64_t u;
  rtm_push_str str;             /* STR (binary=1 for bin or invalid UTF-8) */
  const uint8_t *raw, *raw_end; /* the value's bytes */
} rtm_push__val;

typedef struct rtm_push__rd {
  rtm_push *s;
  const uint8_t *p, *end;
  const uint8_t *start; /* of the payload */
  int msgpack;
  uint32_t depth, max_depth;
  uint32_t left;  /* msgpack: members left in the map */
  int first;      /* JSON: no member read yet */
  int second;     /* its escaped strings go to scratch2: it reads text already read once (set after rd_open) */
  char what[96];  /* description of the error */
} rtm_push__rd;
/* What rtm_push__json_str does with a string: */
typedef enum rtm_push__strmode {
  RTM_PUSH__STR_CHECK,  /* checks it only */
  RTM_PUSH__STR_VALUE,  /* decodes it (zero copy without escapes, else into scratch), invalid UTF-8 flagged binary */
  RTM_PUSH__STR_KEY     /* decodes it without the UTF-8 check (keys: compared, never handed out) */
} rtm_push__strmode;
typedef struct rtm_push__piece {
  const void *p;
  size_t n;
} rtm_push__piece;
/* Our quests' payloads: flat maps of Int64, string and string-map members, in JSON or msgpack. */
typedef enum rtm_push__kvtype {
  RTM_PUSH__KV_INT64, /* i */
  RTM_PUSH__KV_STR,   /* str, n */
  RTM_PUSH__KV_MAP,   /* pairs: key, value, ..., NULL */
  RTM_PUSH__KV_BOOL   /* i: 0 false, else true */
} rtm_push__kvtype;
typedef struct rtm_push__kv {
  const char *key;
  rtm_push__kvtype type;
  int64_t i;
  const char *str;
  size_t n;
  const char *const *pairs;
} rtm_push__kv;
#define RTM_PUSH__HTTP_REFUSED 1 /* rtm_push__http_parse: a status other than 101 (s->http_status) */

typedef struct rtm_push__w {
  char *buf;
  size_t cap, n;
} rtm_push__w;
/* Every function of the implementation, so that the sections can follow the bytes. */
static void rtm_push__tls_pump(rtm_push *s);
static void rtm_push__tls_input(rtm_push *s, const uint8_t *p, size_t n);
static int rtm_push__tls_setup(rtm_push *s, const rtm_push_config *c);
static int rtm_push__tls_connect(rtm_push *s);
static void rtm_push__tls_free(rtm_push *s);
static const rtm_push__kernels *rtm_push__kernels_pick(void);
static int rtm_push__utf8_ok(const rtm_push *s, const uint8_t *p, size_t n);
static void *rtm_push__alloc(const rtm_push_allocator *a, size_t n);
static void rtm_push__dealloc(const rtm_push_allocator *a, void *p);
static int rtm_push__reserve_upto(rtm_push *s, rtm_push__buf *b, size_t need, size_t limit);
static int rtm_push__reserve(rtm_push *s, rtm_push__buf *b, size_t need);
static void rtm_push__buf_free(rtm_push *s, rtm_push__buf *b);
static void *rtm_push__grow(rtm_push *s, void *arr, uint32_t n, uint32_t *cap, size_t size, uint32_t first);
static int rtm_push__append(rtm_push *s, rtm_push__buf *b, const void *p, size_t n);
static const char *rtm_push__copy_str(char **dst, const char *src);
static uint32_t rtm_push__le32(const uint8_t *p);
static void rtm_push__put_le32(uint8_t *p, uint32_t v);
static int rtm_push__lower(int c);
static int rtm_push__ieq(const char *a, size_t an, const char *b);
static int rtm_push__has_token(const char *v, size_t n, const char *token);
static size_t rtm_push__i64_to_str(int64_t v, char *out);
RTM_PUSH__HOT uint64_t rtm_push__load64(const uint8_t *p);
RTM_PUSH__HOT uint64_t rtm_push__digits8(uint64_t t);
RTM_PUSH__HOT unsigned rtm_push__ctz64(uint64_t m);
static int rtm_push__utf8_valid(const uint8_t *p, size_t n);
static int rtm_push__hex4(const uint8_t *p, unsigned *out);
static size_t rtm_push__put_utf8(char *o, unsigned cp);
static const uint8_t *rtm_push__digits(const uint8_t *p, const uint8_t *end, uint64_t *u);
RTM_PUSH__HOT uint64_t rtm_push__be(const uint8_t *p, int n);
static void rtm_push__emit(rtm_push *s, rtm_push_event *ev);
static void rtm_push__vset_error(rtm_push *s, int code, const char *fmt, va_list ap);
static void rtm_push__set_error(rtm_push *s, int code, const char *fmt, ...);
static int rtm_push__failed(rtm_push *s, int code, rtm_push_event *ev);
static void rtm_push__kicked_out(rtm_push *s);
static void rtm_push__emit_error(rtm_push *s, int code, int fatal);
static void rtm_push__emit_closed(rtm_push *s, int code);
static int rtm_push__ended(const rtm_push *s);
static int rtm_push__stopped(const rtm_push *s);
static int rtm_push__fail(rtm_push *s, int code, const char *fmt, ...);
static int rtm_push__warn(rtm_push *s, int code, const char *fmt, ...);
static void rtm_push__finish(rtm_push *s, int code);
static int rtm_push__send_or_fail(rtm_push *s, int rc);
static size_t rtm_push__pending(const rtm_push *s);
static uint8_t *rtm_push__queue_room(rtm_push *s, rtm_push__buf *b, size_t *off, size_t n);
static int rtm_push__queue_append(rtm_push *s, rtm_push__buf *b, size_t *off, const void *p, size_t n);
static rtm_push__buf *rtm_push__plain_queue(rtm_push *s, size_t **off);
static int rtm_push__out_append(rtm_push *s, const void *p, size_t n);
static int rtm_push__os_entropy(void *u, unsigned char *buf, size_t n);
static int rtm_push__host_entropy(void *p, unsigned char *buf, size_t n);
static int rtm_push__aes_ctr_mbedtls(const unsigned char seed[32], unsigned char *out, size_t n);
static int rtm_push__rnd_refill(rtm_push *s);
static int rtm_push__random(rtm_push *s, unsigned char *buf, size_t n);
static int rtm_push__http_request(rtm_push *s);
static int rtm_push__http_parse(rtm_push *s);
static int rtm_push__http_refused(rtm_push *s);
static size_t rtm_push__content_length(const rtm_push *s);
static long rtm_push__http_input(rtm_push *s, const uint8_t *p, size_t n);
static int rtm_push__close_code_ok(unsigned c);
static ssize_t rtm_push__wsf_write_cb(const uint8_t *data, size_t len, int flags, void *u);
static ssize_t rtm_push__wsf_read_cb(uint8_t *buf, size_t len, int flags, void *u);
static int rtm_push__wsf_mask_cb(uint8_t *buf, size_t len, void *u);
static int rtm_push__ws_writer_new(rtm_push *s);
static int rtm_push__ws_send(rtm_push *s, int opcode, const rtm_push__piece *pc, int npieces);
static int rtm_push__ws_header(rtm_push *s, const uint8_t *h, size_t n, size_t *hlen);
static void rtm_push__ws_control(rtm_push *s);
static void rtm_push__queue_ws_close(rtm_push *s, uint16_t code);
static void rtm_push__ws_payload(rtm_push *s, const uint8_t *p, size_t k);
static long rtm_push__ws_take_header(rtm_push *s, const uint8_t *p, size_t n);
static int rtm_push__ws_input(rtm_push *s, const uint8_t *p, size_t n);
static uint64_t rtm_push__fpnn_size(const uint8_t *h);
static size_t rtm_push__put_fpnn_header(uint8_t *h, int mtype, int flag, size_t ml, size_t plen, uint32_t seq);
static int rtm_push__send_pieces(rtm_push *s, const rtm_push__piece *pc, int npieces);
static int rtm_push__send_package(rtm_push *s, int mtype, int flag, uint32_t seq, const char *method, const void *payload, size_t plen);
static int rtm_push__send_empty_answer(rtm_push *s, int flag, uint32_t seq);
static size_t rtm_push__fpnn_check(rtm_push *s, const uint8_t *h);
static void rtm_push__fpnn_package(rtm_push *s, const uint8_t *p);
static int rtm_push__fpnn_input(rtm_push *s, const uint8_t *p, size_t n);
static uint64_t rtm_push__advice(rtm_push *s, int code);
static void rtm_push__ev_init(rtm_push_event *ev, int type);
static void rtm_push__handle_quest(rtm_push *s, int twoway, int flag, uint32_t seq, const char *method, size_t mlen, const uint8_t *payload, size_t plen);
static int rtm_push__decode_answer(rtm_push *s, rtm_push_event *ev, int flag, const uint8_t *payload, size_t plen);
static void rtm_push__send_close_now(rtm_push *s);
static void rtm_push__room_track(rtm_push *s, int64_t rid, int in);
static void rtm_push__handle_answer(rtm_push *s, int flag, int status, uint32_t seq, const uint8_t *payload, size_t plen);
static int rtm_push__send_auth(rtm_push *s);
static void rtm_push__open(rtm_push *s);
static void rtm_push__on_peer_close(rtm_push *s, unsigned code, const uint8_t *reason, size_t n);
static void rtm_push__set_now(rtm_push *s, uint64_t now);
static int rtm_push__transport_start(rtm_push *s);
static void rtm_push__transport_reset(rtm_push *s);
static void rtm_push__plain_input(rtm_push *s, const uint8_t *p, size_t len);
static int rtm_push__mid_stream(const rtm_push *s);
static void rtm_push__plain_eof(rtm_push *s);
static void rtm_push__room_quest_noop(rtm_push *s, const rtm_push_answer *a, void *user_data);
static int rtm_push__room_quest(rtm_push *s, const char *method, int64_t rid, rtm_push_answer_fn cb, void *user, int op);
static void rtm_push__reenter_rooms(rtm_push *s);
static void rtm_push__quest_free(rtm_push *s, rtm_push__quest *q);
static void rtm_push__quest_finish(rtm_push *s, uint32_t i, rtm_push_answer *a);
static int rtm_push__quest_answered(rtm_push *s, const rtm_push_event *ev);
static void rtm_push__quests_expire(rtm_push *s, int all);
static uint64_t rtm_push__quests_deadline(const rtm_push *s);
static int rtm_push__mp_put(rtm_push *s, rtm_push__buf *b, uint8_t tag, uint64_t v, int w);
static int rtm_push__mp_int(rtm_push *s, rtm_push__buf *b, int64_t v);
static int rtm_push__mp_strhdr(rtm_push *s, rtm_push__buf *b, size_t n);
static int rtm_push__mp_str(rtm_push *s, rtm_push__buf *b, const char *z);
static int rtm_push__mp_map(rtm_push *s, rtm_push__buf *b, size_t n);
static int rtm_push__quest_send(rtm_push *s, const rtm_push_quest_desc *d, int64_t mid, int room_op, int64_t rid, uint32_t *seq_out);
static int rtm_push__quest_done(rtm_push *s, int rc);
static int rtm_push__kv_build(rtm_push *s, int flag, const rtm_push__kv *kv, int n, rtm_push__buf *b);
static int rtm_push__kv_quest(rtm_push *s, const char *method, const rtm_push__kv *kv, int n, int64_t mid, uint32_t timeout_ms, rtm_push_answer_fn cb, void *user, int room_op, uint32_t *seq_out);
static const char *rtm_push__cu_what(int cat);
static int rtm_push__cu_add(rtm_push *s, int cat, int64_t target);
static int rtm_push__cu_start(rtm_push *s, int64_t since);
static void rtm_push__cu_fail(rtm_push *s, rtm_push__conv *c, const rtm_push_answer *a, const char *why);
static int rtm_push__arr_open(rtm_push__rd *a, const rtm_push__rd *r, const rtm_push__val *v);
static int rtm_push__arr_next(rtm_push__rd *a, rtm_push__val *v);
static int rtm_push__cu_unread(rtm_push *s, const rtm_push_answer *a);
static int rtm_push__cu_element(rtm_push__rd *r, const rtm_push__conv *c, rtm_push_event *ev, int64_t *id);
static int rtm_push__cu_page(rtm_push *s, rtm_push__conv *c, const rtm_push_answer *a, uint32_t seq);
static void rtm_push__cu_answer(rtm_push *s, const rtm_push_answer *a, void *user_data);
static int rtm_push__cu_send(rtm_push *s, uint32_t i);
static void rtm_push__cu_end(rtm_push *s);
static void rtm_push__cu_pump(rtm_push *s);
static uint64_t rtm_push__cu_deadline(const rtm_push *s);
static void rtm_push__cu_lost(rtm_push *s);
static void rtm_push__cu_login(rtm_push *s);
RTM_PUSH__HOT int rtm_push__deliver_message(rtm_push *s, rtm_push_event *ev);
static int rtm_push__rd_err(rtm_push__rd *r, int code, const char *what);
static void rtm_push__scratch_reset(rtm_push *s, size_t plen);
static rtm_push__buf *rtm_push__scratch_of(rtm_push__rd *r);
static int rtm_push__scratch_take(rtm_push__rd *r, size_t n, char **out);
static const uint8_t *rtm_push__ws_skip(const uint8_t *p, const uint8_t *end);
static void rtm_push__json_ws(rtm_push__rd *r);
RTM_PUSH__HOT uint8_t rtm_push__unescape1(uint8_t c);
static int rtm_push__escape(const uint8_t *q, const uint8_t *end, uint8_t *o, size_t *olen);
static int rtm_push__json_str(rtm_push__rd *r, rtm_push_str *out, rtm_push__strmode mode);
static int rtm_push__json_unescape(rtm_push__rd *r, rtm_push_str *out, const uint8_t *q);
static int rtm_push__json_str_at(rtm_push__rd *r, rtm_push_str *out, rtm_push__strmode mode, const uint8_t *q, unsigned high);
static int rtm_push__json_num(rtm_push__rd *r, rtm_push__val *v);
static int rtm_push__json_lit(rtm_push__rd *r, const char *lit, size_t n);
static int rtm_push__json_container(rtm_push__rd *r, rtm_push__val *v);
static int rtm_push__json_value(rtm_push__rd *r, rtm_push__val *v, rtm_push__strmode mode);
RTM_PUSH__HOT int rtm_push__json_int_fast(const uint8_t **pp, int wide, const uint8_t *end, int64_t *out);
static int rtm_push__mp_need(rtm_push__rd *r, uint64_t n);
static int rtm_push__mp_skip_items(rtm_push__rd *r, uint64_t items);
static int rtm_push__mp_bytes(rtm_push__rd *r, rtm_push__val *v, uint64_t n, int bin, int decode);
static int rtm_push__mp_value(rtm_push__rd *r, rtm_push__val *v, int decode);
static unsigned rtm_push__method_hash(const char *m, size_t n);
static int rtm_push__find_event(const char *m, size_t n);
static uint64_t rtm_push__key_word(const char *k, size_t n);
RTM_PUSH__HOT unsigned rtm_push__key_hash(uint64_t w);
RTM_PUSH__HOT int rtm_push__find_field_word(uint64_t w);
static int rtm_push__find_field(const char *k, size_t n);
static int64_t *rtm_push__i64_slot(rtm_push_event *ev, int bit);
static int rtm_push__route(int type, int32_t mtype);
static int rtm_push__rd_open(rtm_push__rd *r, rtm_push *s, const uint8_t *p, size_t n, int msgpack);
static int rtm_push__rd_next(rtm_push__rd *r, rtm_push_str *key, rtm_push__val *v);
static int rtm_push__rd_sub(rtm_push__rd *sub, const rtm_push__rd *r, const rtm_push__val *v);
static int rtm_push__key_is(const rtm_push_str *k, const char *name);
static int rtm_push__val_int64(rtm_push__rd *r, const rtm_push__val *v, const char *field, int64_t *out);
static int rtm_push__val_str(rtm_push__rd *r, const rtm_push__val *v, const char *field, rtm_push_str *out);
static int rtm_push__decode_translation(rtm_push__rd *r, const rtm_push__val *v, rtm_push_event *ev);
static int rtm_push__field_set(rtm_push__rd *r, rtm_push_event *ev, int bit, const rtm_push__val *v);
static uint32_t rtm_push__kinds(uint32_t allowed);
RTM_PUSH__HOT const uint8_t *rtm_push__json_key(rtm_push__rd *r, const uint8_t *p, int *bitp, int *rcp);
static int rtm_push__json_fields(rtm_push__rd *r, rtm_push_event *ev, uint32_t allowed);
static int rtm_push__mp_fields(rtm_push__rd *r, rtm_push_event *ev, uint32_t allowed);
static int rtm_push__decode_fields(rtm_push__rd *r, rtm_push_event *ev, uint32_t allowed);
static int rtm_push__decode_file(rtm_push *s, rtm_push_event *ev);
static int rtm_push__excluded_rd(rtm_push *s, const char *a, size_t n);
static int rtm_push__excluded(rtm_push *s, const rtm_push_event *ev);
RTM_PUSH__HOT uint32_t rtm_push__dd_hash(const rtm_push *s, const rtm_push__dent *e);
static int rtm_push__dd_same(const rtm_push__dent *a, const rtm_push__dent *b);
RTM_PUSH__HOT unsigned rtm_push__dd_match(const uint32_t *bucket, uint32_t want, uint32_t mask);
RTM_PUSH__HOT unsigned rtm_push__dd_lane(unsigned m);
RTM_PUSH__HOT void rtm_push__dd_evict_head(rtm_push *s);
/* the duplicate table's lookup, inlined into rtm_push__deliver_message's two uses (pushes, catch-up) as it was into
   rtm_push__handle_quest: the push path keeps its instruction count (bench/callgrind.sh) */
RTM_PUSH__HOT void rtm_push__dd_key(rtm_push *s, const rtm_push_event *ev, rtm_push__dent *key);
RTM_PUSH__HOT int rtm_push__dd_check(rtm_push *s, const rtm_push__dent *key);
static void rtm_push__wr(rtm_push__w *w, const char *p, size_t n);
static void rtm_push__wz(rtm_push__w *w, const char *z);
static void rtm_push__wi(rtm_push__w *w, int64_t v);
static void rtm_push__wjstr(rtm_push__w *w, const char *p, size_t n);
static void rtm_push__wb64(rtm_push__w *w, const uint8_t *p, size_t n);
static void rtm_push__wfield_sep(rtm_push__w *w, const char *sep, const char *key, const rtm_push_str *v);
static void rtm_push__wfield_str(rtm_push__w *w, const char *key, const rtm_push_str *v);
static void rtm_push__really_free(rtm_push *s);
static int rtm_push__leave(rtm_push *s, int rc);
static int rtm_push__config_defaults(rtm_push_config *cp);
static int rtm_push__config_size(const rtm_push_config *c, size_t *bytes, size_t *nattrs);
static void rtm_push__config_copy(rtm_push *s, const rtm_push_config *c, size_t nattrs);
static int rtm_push__seed(rtm_push *s, const rtm_push_config *c);
static int rtm_push__enter(rtm_push *s, uint64_t now);
/* >>memory: allocation and growing buffers ------------------------------------------------------ */
static void *rtm_push__alloc(const rtm_push_allocator *a, size_t n) {
  if (n == 0) n = 1;
  return a->alloc_fn ? a->alloc_fn(n, a->user_data) : malloc(n);
}
static void rtm_push__dealloc(const rtm_push_allocator *a, void *p) {
  if (!p) return;
  if (a->free_fn) a->free_fn(p, a->user_data); else free(p);
}
/* Grow b so that it can hold `need` bytes. Returns 0 or RTM_PUSH_E_NOMEM. */
/* Room for need bytes: doubling (or exactly what is asked), but not past limit when need is within it. */
static int rtm_push__reserve_upto(rtm_push *s, rtm_push__buf *b, size_t need, size_t limit) {
  size_t cap;
  uint8_t *np;
  if (need <= b->cap) return 0;
  cap = b->cap > SIZE_MAX / 2 ? need : b->cap ? b->cap * 2 : 256; /* doubling, or exactly what is asked */
  if (cap < need) cap = need;
  if (cap > limit && need <= limit) cap = limit;
  np = (uint8_t *)rtm_push__alloc(&s->cfg.allocator, cap);
  if (!np) return RTM_PUSH_E_NOMEM;
  if (b->len) memcpy(np, b->p, b->len);
  rtm_push__dealloc(&s->cfg.allocator, b->p);
  b->p = np;
  b->cap = cap;
  return 0;
}
static int rtm_push__reserve(rtm_push *s, rtm_push__buf *b, size_t need) {
  return rtm_push__reserve_upto(s, b, need, SIZE_MAX);
}
static void rtm_push__buf_free(rtm_push *s, rtm_push__buf *b) {
  rtm_push__dealloc(&s->cfg.allocator, b->p);
  b->p = NULL;
  b->len = b->cap = 0;
}
/* An array of n elements (capacity *cap) with room for one more: arr itself, or a copy twice as large (first
   elements the first time); NULL when out of memory (arr is then unchanged). */
static void *rtm_push__grow(rtm_push *s, void *arr, uint32_t n, uint32_t *cap, size_t size, uint32_t first) {
  uint32_t ncap;
  void *na;
  if (n < *cap) return arr;
  ncap = *cap ? *cap * 2 : first;
  if (!(na = rtm_push__alloc(&s->cfg.allocator, size * ncap))) return NULL;
  if (n) memcpy(na, arr, size * n);
  rtm_push__dealloc(&s->cfg.allocator, arr);
  *cap = ncap;
  return na;
}
static int rtm_push__append(rtm_push *s, rtm_push__buf *b, const void *p, size_t n) {
  if (n > SIZE_MAX - b->len) return RTM_PUSH_E_NOMEM;
  if (rtm_push__reserve(s, b, b->len + n)) return RTM_PUSH_E_NOMEM;
  if (n) memcpy(b->p + b->len, p, n);
  b->len += n;
  return 0;
}

static const char *rtm_push__copy_str(char **dst, const char *src) {
  size_t n;
  char *d = *dst;
  if (!src) return NULL;
  n = strlen(src) + 1;
  memcpy(d, src, n);
  *dst = d + n;
  return d;
}
/* >>words: bytes and words: little-endian loads, digits, ASCII, the UTF-8 reference ------------- */
static uint32_t rtm_push__le32(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static void rtm_push__put_le32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}
static int rtm_push__lower(int c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }
static int rtm_push__ieq(const char *a, size_t an, const char *b) {
  size_t i;
  if (an != strlen(b)) return 0;
  for (i = 0; i < an; i++)
    if (rtm_push__lower((unsigned char)a[i]) != rtm_push__lower((unsigned char)b[i])) return 0;
  return 1;
}
/* Does the comma-separated header value contain `token` (case-insensitive)? */
static int rtm_push__has_token(const char *v, size_t n, const char *token) {
  size_t i = 0;
  while (i < n) {
    size_t a, e;
    while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ',')) i++;
    a = i;
    while (i < n && v[i] != ',') i++;
    e = i;
    while (e > a && (v[e - 1] == ' ' || v[e - 1] == '\t')) e--;
    if (e > a && rtm_push__ieq(v + a, e - a, token)) return 1;
  }
  return 0;
}
static size_t rtm_push__i64_to_str(int64_t v, char *out) { /* out >= 21 bytes; no NUL */
  char tmp[24];
  size_t n = 0, i;
  uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
  do { tmp[n++] = (char)('0' + (int)(u % 10)); u /= 10; } while (u);
  i = 0;
  if (v < 0) out[i++] = '-';
  while (n) out[i++] = tmp[--n];
  return i;
}
/* Eight bytes at a time. A word holds byte i of the text at bits 8i..8i+7 whatever the host's byte order (compilers
   turn this into one load, and a byte swap on big-endian hosts): the word tricks below count on it. */
#define RTM_PUSH__ONES ((uint64_t)0x0101010101010101ull)
#define RTM_PUSH__HIGHS ((uint64_t)0x8080808080808080ull)
RTM_PUSH__HOT uint64_t rtm_push__load64(const uint8_t *p) {
  return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 |
         (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
}
/* The value of 8 decimal digits (t: the digits' bytes minus '0', the first the most significant): three
   multiplications instead of eight. */
RTM_PUSH__HOT uint64_t rtm_push__digits8(uint64_t t) {
  t = t * 10 + (t >> 8);
  return (((t & 0x000000FF000000FFull) * (100 + (1000000ull << 32))) +
          (((t >> 16) & 0x000000FF000000FFull) * (1 + (10000ull << 32)))) >> 32;
}
/* The index of the lowest set bit of a nonzero word: with rtm_push__load64, the first flagged byte is bit 8i. */
RTM_PUSH__HOT unsigned rtm_push__ctz64(uint64_t m) {
#if defined(__GNUC__) || defined(__clang__)
  return (unsigned)__builtin_ctzll(m);
#else
  unsigned n = 0;
  while (!(m & 1)) m >>= 1, n++;
  return n;
#endif
}
/* The high bit of each byte of t = w ^ '0'*ONES that is not a decimal digit (no carries between bytes). */
#define RTM_PUSH__NONDIGITS(t) (((((t) & (RTM_PUSH__ONES * 0x7F)) + RTM_PUSH__ONES * 0x76) | (t)) & RTM_PUSH__HIGHS)
/* Nonzero when some byte of w is zero. */
#define RTM_PUSH__HASZERO(w) (((w) - RTM_PUSH__ONES) & ~(w) & RTM_PUSH__HIGHS)
/* Strict UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
static int rtm_push__utf8_valid(const uint8_t *p, size_t n) {
  size_t i = 0;
  while (i < n) {
    uint8_t c = p[i];
    if (c < 0x80) {
      i++;
      while (i + 8 <= n && !(rtm_push__load64(p + i) & RTM_PUSH__HIGHS)) i += 8; /* ASCII runs */
      continue;
    }
    if (c >= 0xC2 && c <= 0xDF) {
      if (n - i < 2 || (p[i + 1] & 0xC0) != 0x80) return 0;
      i += 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      uint8_t c1;
      if (n - i < 3) return 0;
      c1 = p[i + 1];
      if ((c1 & 0xC0) != 0x80 || (p[i + 2] & 0xC0) != 0x80) return 0;
      if (c == 0xE0 && c1 < 0xA0) return 0;
      if (c == 0xED && c1 >= 0xA0) return 0;
      i += 3;
    } else if (c >= 0xF0 && c <= 0xF4) {
      uint8_t c1;
      if (n - i < 4) return 0;
      c1 = p[i + 1];
      if ((c1 & 0xC0) != 0x80 || (p[i + 2] & 0xC0) != 0x80 || (p[i + 3] & 0xC0) != 0x80) return 0;
      if (c == 0xF0 && c1 < 0x90) return 0;
      if (c == 0xF4 && c1 >= 0x90) return 0;
      i += 4;
    } else {
      return 0;
    }
  }
  return 1;
}
RTM_PUSH_API_IMPL int rtm_push_parse_int64(const char *text, size_t len, int64_t *out) {
  const uint8_t *p, *end, *d, *sig;
  int neg;
  uint64_t u;
  if (!text || !out) return RTM_PUSH_E_INVALID_ARG;
  p = (const uint8_t *)text;
  end = p + len;
  neg = len && *p == '-';
  p += neg;
  if (p == end) return RTM_PUSH_E_FIELD_TYPE;
  d = rtm_push__digits(p, end, &u); /* 8 digits at a time; exact while the value has <= 19 digits */
  if (d != end) return RTM_PUSH_E_FIELD_TYPE; /* not all digits: a type error, however long */
  for (sig = p; sig < end && *sig == '0'; sig++) {}
  if (end - sig > 19 || u > (uint64_t)INT64_MAX + (uint64_t)neg) return RTM_PUSH_E_FIELD_RANGE;
  *out = !neg ? (int64_t)u : u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)u;
  return RTM_PUSH_OK;
}
static int rtm_push__hex4(const uint8_t *p, unsigned *out) {
  unsigned v = 0;
  int i;
  for (i = 0; i < 4; i++) {
    unsigned c = p[i], d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
    else return 0;
    v = v * 16 + d;
  }
  *out = v;
  return 1;
}
static size_t rtm_push__put_utf8(char *o, unsigned cp) {
  if (cp < 0x80) { o[0] = (char)cp; return 1; }
  if (cp < 0x800) { o[0] = (char)(0xC0 | (cp >> 6)); o[1] = (char)(0x80 | (cp & 0x3F)); return 2; }
  if (cp < 0x10000) {
    o[0] = (char)(0xE0 | (cp >> 12)); o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  o[0] = (char)(0xF0 | (cp >> 18)); o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  o[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); o[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}
/* The run of decimal digits at p: returns its end, *u its value modulo 2^64 (exact up to 19 digits). */
static const uint8_t *rtm_push__digits(const uint8_t *p, const uint8_t *end, uint64_t *u) {
  uint64_t x = 0;
  static const uint64_t pow10[9] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};
  while (end - p >= 8) { /* 8 digits at a time */
    uint64_t t = rtm_push__load64(p) ^ (RTM_PUSH__ONES * '0'); /* digits become 0..9 */
    uint64_t nd = RTM_PUSH__NONDIGITS(t);
    unsigned k = nd ? rtm_push__ctz64(nd) >> 3 : 8; /* digits before the first non-digit */
    if (k) x = x * pow10[k] + rtm_push__digits8(t << (8 * (8 - k)));
    p += k;
    if (k < 8) { *u = x; return p; }
  }
  while (p < end && (unsigned)(*p - '0') < 10) x = x * 10 + (unsigned)(*p++ - '0'); /* the last few bytes */
  *u = x;
  return p;
}
/* n (1, 2, 4 or 8) bytes as a big-endian number. */
RTM_PUSH__HOT uint64_t rtm_push__be(const uint8_t *p, int n) {
  switch (n) {
    case 1: return p[0];
    case 2: return (uint64_t)p[0] << 8 | p[1];
    case 4: return (uint64_t)p[0] << 24 | (uint64_t)p[1] << 16 | (uint64_t)p[2] << 8 | p[3];
    default:
      return (uint64_t)p[0] << 56 | (uint64_t)p[1] << 48 | (uint64_t)p[2] << 40 | (uint64_t)p[3] << 32 |
             (uint64_t)p[4] << 24 | (uint64_t)p[5] << 16 | (uint64_t)p[6] << 8 | p[7];
  }
}
/* >>events: results, delivering events, errors and the end of a session ------------------------- */
RTM_PUSH_API_IMPL const char *rtm_push_strerror(int result) {
  switch (result) {
#define RTM_PUSH__X(name, value, fatal, msg) case value: return msg;
    RTM_PUSH_RESULTS(RTM_PUSH__X)
#undef RTM_PUSH__X
    default: return "unknown rtm_push result code";
  }
}
RTM_PUSH_API_IMPL int rtm_push_is_fatal(int result) {
  switch (result) {
#define RTM_PUSH__X(name, value, fatal, msg) case value: return fatal;
    RTM_PUSH_RESULTS(RTM_PUSH__X)
#undef RTM_PUSH__X
    default: return 1;
  }
}

static void rtm_push__emit(rtm_push *s, rtm_push_event *ev) {
  if (!s->cfg.on_event || s->free_requested) return;
  s->in_cb++;
  s->cfg.on_event(s, ev, s->cfg.user_data);
  s->in_cb--;
}
/* The error message (rtm_push_last_error, the events' message). Messages quote the peer's bytes (an HTTP status
   line and body, a close reason, a login's ex and gate, a method name): whatever a host prints, they stay one
   line of valid UTF-8 text that neither a terminal nor a log reader acts on -- invalid UTF-8 becomes '?', the
   C0 controls (CR, LF, ESC, ...), DEL and the C1 controls become \u00XX -- and at most 255 bytes, cut at a
   character. */
static void rtm_push__vset_error(rtm_push *s, int code, const char *fmt, va_list ap) {
  char raw[sizeof s->errmsg];
  const unsigned char *m = (const unsigned char *)raw;
  size_t i = 0, o = 0, n;
  s->err = code;
  if (fmt) vsnprintf(raw, sizeof raw, fmt, ap);
  else snprintf(raw, sizeof raw, "%s", rtm_push_strerror(code));
  n = strlen(raw);
  while (i < n) {
    size_t k = m[i] < 0x80 ? 1 : m[i] >= 0xF0 ? 4 : m[i] >= 0xE0 ? 3 : 2, en = k;
    char e[16];
    const char *src = raw + i;
    if (k > n - i || !rtm_push__utf8_valid(m + i, k)) k = en = 1, src = "?";
    else if (m[i] < 0x20 || m[i] == 0x7f || (m[i] == 0xC2 && m[i + 1] < 0xA0)) {
      snprintf(e, sizeof e, "\\u%04x", (unsigned)(k == 1 ? m[i] : m[i + 1]));
      src = e, en = 6;
    }
    if (o + en >= sizeof s->errmsg) break;
    memcpy(s->errmsg + o, src, en);
    o += en;
    i += k;
  }
  s->errmsg[o] = 0;
}
static void rtm_push__emit_error(rtm_push *s, int code, int fatal) {
  rtm_push_event ev;
  memset(&ev, 0, sizeof ev);
  ev.type = RTM_PUSH_EV_ERROR;
  ev.name = "error";
  ev.error = code;
  if (code == RTM_PUSH_E_HTTP_STATUS) ev.status = s->http_status;
  ev.message = s->errmsg;
  ev.fatal = fatal;
  rtm_push__emit(s, &ev);
}
static void rtm_push__emit_closed(rtm_push *s, int code) {
  rtm_push_event ev;
  rtm_push__cu_lost(s);          /* before the catch-up's quests are ended below */
  rtm_push__quests_expire(s, 1); /* every quest still waiting gets its one callback: 20002 */
  s->reconnect_at = rtm_push__advice(s, code);
  memset(&ev, 0, sizeof ev);
  ev.reconnect_at = s->reconnect_at;
  ev.type = RTM_PUSH_EV_CLOSED;
  ev.name = "closed";
  ev.error = code;
  if (code == RTM_PUSH_E_HTTP_STATUS) ev.status = s->http_status;
  ev.message = code ? s->errmsg : "closed";
  ev.fatal = s->state == RTM_PUSH_STATE_FAILED;
  rtm_push__emit(s, &ev);
}
static int rtm_push__ended(const rtm_push *s) {
  return s->state == RTM_PUSH_STATE_CLOSED || s->state == RTM_PUSH_STATE_FAILED;
}
/* Ended, or freed from inside a callback: nothing more is processed or delivered. */
static int rtm_push__stopped(const rtm_push *s) { return rtm_push__ended(s) || s->free_requested; }
/* The session fails with the error just set: a close frame where that still makes sense, then the events. The
   host learns of the failure once: from `ev` (a refused LOGIN) when given, else from an ERROR event; CLOSED ends
   the sequence. Returns code. */
static int rtm_push__failed(rtm_push *s, int code, rtm_push_event *ev) {
  s->state = RTM_PUSH_STATE_FAILED;
  if (code != RTM_PUSH_E_NOMEM && code != RTM_PUSH_E_OUTPUT_FULL && code != RTM_PUSH_E_EOF &&
      code != RTM_PUSH_E_TRUNCATED && code != RTM_PUSH_E_WS_CLOSED)
    rtm_push__queue_ws_close(s, (uint16_t)(code == RTM_PUSH_E_WS_FRAME_TOO_LARGE || code == RTM_PUSH_E_FPNN_TOO_LARGE
                                               ? RTM_PUSH__CLOSE_TOO_BIG
                                           : code <= -300 && code > -500 ? RTM_PUSH__CLOSE_PROTOCOL /* the peer broke the protocol */
                                           : RTM_PUSH__CLOSE_NORMAL));
  if (ev) rtm_push__emit(s, ev);
  else rtm_push__emit_error(s, code, 1);
  rtm_push__emit_closed(s, code);
  return code;
}
/* A fatal error: the session fails, the host gets ERROR then CLOSED. Returns code. */
static int rtm_push__fail(rtm_push *s, int code, const char *fmt, ...) {
  va_list ap;
  if (rtm_push__ended(s)) return code;
  va_start(ap, fmt);
  rtm_push__vset_error(s, code, fmt, ap);
  va_end(ap);
  return rtm_push__failed(s, code, NULL);
}
static void rtm_push__set_error(rtm_push *s, int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  rtm_push__vset_error(s, code, fmt, ap);
  va_end(ap);
}
/* A non-fatal error: one push is dropped, the session goes on. */
static int rtm_push__warn(rtm_push *s, int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  rtm_push__vset_error(s, code, fmt, ap);
  va_end(ap);
  rtm_push__emit_error(s, code, 0);
  return code;
}
/* A clean end (bye done, kicked out, passive EOF). */
static void rtm_push__finish(rtm_push *s, int code) {
  if (rtm_push__ended(s)) return;
  s->state = RTM_PUSH_STATE_CLOSED;
  if (code) {
    s->err = code;
    snprintf(s->errmsg, sizeof s->errmsg, "%s", rtm_push_strerror(code));
  }
  rtm_push__emit_closed(s, code);
}
static int rtm_push__send_or_fail(rtm_push *s, int rc) {
  if (rc == RTM_PUSH_E_NOMEM || rc == RTM_PUSH_E_OUTPUT_FULL || rc == RTM_PUSH_E_RANDOM) return rtm_push__fail(s, rc, NULL);
  return rc;
}
/* >>output: the queues the host drains, and the random pool behind keys and masks --------------- */
static size_t rtm_push__pending(const rtm_push *s) {
  return (s->out.len - s->out_off) + (s->pout.len - s->pout_off);
}
/* Room for n more bytes at the end of an output queue, compacting it before growing it; NULL: no memory. */
static uint8_t *rtm_push__queue_room(rtm_push *s, rtm_push__buf *b, size_t *off, size_t n) {
  if (*off && b->len + n > b->cap) {
    memmove(b->p, b->p + *off, b->len - *off);
    b->len -= *off;
    *off = 0;
  }
  if (n > SIZE_MAX - b->len || rtm_push__reserve(s, b, b->len + n)) return NULL;
  return b->p + b->len;
}
static int rtm_push__queue_append(rtm_push *s, rtm_push__buf *b, size_t *off, const void *p, size_t n) {
  uint8_t *o = rtm_push__queue_room(s, b, off, n);
  if (!o) return RTM_PUSH_E_NOMEM;
  if (n) memcpy(o, p, n);
  b->len += n;
  return 0;
}
/* Where plaintext for the peer goes: straight to `out`, or to `pout` for TLS to encrypt. */
static rtm_push__buf *rtm_push__plain_queue(rtm_push *s, size_t **off) {
  if (off) *off = s->tls_on ? &s->pout_off : &s->out_off;
  return s->tls_on ? &s->pout : &s->out;
}
/* Plaintext for the peer: straight to `out`, or to `pout` for TLS to encrypt. */
static int rtm_push__out_append(rtm_push *s, const void *p, size_t n) {
  size_t pending = rtm_push__pending(s);
  if (n > s->cfg.limits.max_output || pending > s->cfg.limits.max_output - n) return RTM_PUSH_E_OUTPUT_FULL;
  return s->tls_on ? rtm_push__queue_append(s, &s->pout, &s->pout_off, p, n)
                   : rtm_push__queue_append(s, &s->out, &s->out_off, p, n);
}
/* The default entropy source: the OS's random device, read only to seed (and rarely reseed) the DRBG.
   (mbedTLS's own entropy collector costs 38 KB per session; it is used only where there is no
   /dev/urandom.) */
/* The host's entropy callback, as mbedTLS calls an entropy source. */
static int rtm_push__host_entropy(void *p, unsigned char *buf, size_t n) {
  const rtm_push *s = (const rtm_push *)p;
  return s->cfg.entropy(buf, n, s->cfg.entropy_user_data) == 0 ? 0 : MBEDTLS_ERR_ENTROPY_SOURCE_FAILED;
}
static int rtm_push__os_entropy(void *u, unsigned char *buf, size_t n) {
  FILE *f = fopen("/dev/urandom", "rb");
  size_t got = 0;
  (void)u;
  if (f) {
    got = fread(buf, 1, n, f);
    fclose(f);
  }
  return got == n ? 0 : MBEDTLS_ERR_ENTROPY_SOURCE_FAILED;
}
/* n bytes of AES-128 in counter mode: the key is seed[0..15], the first counter block seed[16..31] (its low 64
   bits counting up, little-endian). mbedTLS's AES uses AES-NI itself where the CPU has it. 0, or mbedTLS's
   error. */
static int rtm_push__aes_ctr_mbedtls(const unsigned char seed[32], unsigned char *out, size_t n) {
  mbedtls_aes_context aes;
  unsigned char blk[16], ks[16] = {0}; /* ks: the last partial block (cppcheck sees an output read) */
  uint64_t lo = 0;
  size_t i;
  int j, rc;
  mbedtls_aes_init(&aes);
  rc = mbedtls_aes_setkey_enc(&aes, seed, 128);
  for (j = 7; j >= 0; j--) lo = lo << 8 | seed[16 + j];
  memcpy(blk, seed + 16, 16);
  for (i = 0; !rc && i < n; i += 16, lo++) { /* whole blocks straight into out, a last partial one through ks */
    rtm_push__put_le32(blk, (uint32_t)lo);
    rtm_push__put_le32(blk + 4, (uint32_t)(lo >> 32));
    rc = mbedtls_aes_crypt_ecb(&aes, MBEDTLS_AES_ENCRYPT, blk, n - i >= 16 ? out + i : ks);
    if (n - i < 16) memcpy(out + i, ks, n - i);
  }
  mbedtls_aes_free(&aes);
  mbedtls_platform_zeroize(ks, sizeof ks);
  return rc;
}
/* A new pool: AES-128-CTR under a key and counter drawn from the DRBG for each refill: CTR-DRBG's own
   construction without its per-request work (one DRBG request of 32 bytes per 256 masks). */
static int rtm_push__rnd_refill(rtm_push *s) {
  unsigned char seed[32];
  int rc;
  if (mbedtls_ctr_drbg_random(&s->drbg, seed, sizeof seed)) return -1;
  rc = rtm_push__aes_ctr_mbedtls(seed, s->rnd, sizeof s->rnd);
  mbedtls_platform_zeroize(seed, sizeof seed);
  return rc ? -1 : 0;
}
/* Random bytes for keys and masks, from the pool (one refill per 256 masks). */
static int rtm_push__random(rtm_push *s, unsigned char *buf, size_t n) {
  if (n <= sizeof s->rnd - s->rnd_pos) { /* straight from the pool */
    memcpy(buf, s->rnd + s->rnd_pos, n);
    s->rnd_pos += n;
    return 0;
  }
  while (n) {
    size_t k;
    if (s->rnd_pos == sizeof s->rnd) {
      if (rtm_push__rnd_refill(s)) { s->rnd_failed = 1; return RTM_PUSH_E_RANDOM; }
      s->rnd_pos = 0;
    }
    k = RTM_PUSH__MIN(n, sizeof s->rnd - s->rnd_pos);
    memcpy(buf, s->rnd + s->rnd_pos, k);
    s->rnd_pos += k;
    buf += k;
    n -= k;
  }
  return 0;
}
/* >>tls: mbedTLS over memory buffers: where the bytes come in and go out ------------------------ */
#ifndef RTM_PUSH_NO_TLS
/* A dotted-quad IPv4 address, exactly [s, end): 1 and its 4 bytes, else 0. Parts of 1-3 digits up to 255, no
   leading zero (a name such as "010.1.1.1", octal to some resolvers, stays a name). */
static int rtm_push__ipv4(const char *s, const char *end, uint8_t out[4]) {
  int i;
  for (i = 0; i < 4; i++) {
    const char *d;
    unsigned v = 0;
    if (i && (s == end || *s++ != '.')) return 0;
    for (d = s; s < end && s - d < 4 && *s >= '0' && *s <= '9'; s++) v = v * 10 + (unsigned)(*s - '0');
    if (s == d || s - d > 3 || v > 255 || (s - d > 1 && *d == '0')) return 0;
    out[i] = (uint8_t)v;
  }
  return s == end;
}
static int rtm_push__hexval(char c) {
  return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}
/* An IPv6 address (RFC 4291 2.2: groups of 1-4 hex digits, one "::", a dotted-quad tail), exactly [s, end): 1
   and its 16 bytes, else 0. */
static int rtm_push__ipv6(const char *s, const char *end, uint8_t out[16]) {
  uint8_t w[16];
  int n = 0, gap = -1; /* bytes so far; where "::" stands */
  if (end - s >= 2 && s[0] == ':' && s[1] == ':') {
    gap = 0;
    s += 2;
  } else if (s == end || *s == ':') {
    return 0;
  }
  while (s < end) {
    const char *g = s;
    unsigned v = 0;
    for (; s < end && s - g < 5 && rtm_push__hexval(*s) >= 0; s++) v = v << 4 | (unsigned)rtm_push__hexval(*s);
    if (s < end && *s == '.') { /* the last 32 bits as a dotted quad */
      if (n > 12 || !rtm_push__ipv4(g, end, w + n)) return 0;
      n += 4;
      break;
    }
    if (s == g || s - g > 4 || n == 16) return 0;
    w[n++] = (uint8_t)(v >> 8);
    w[n++] = (uint8_t)v;
    if (s == end) break;
    if (*s++ != ':' || s == end) return 0;
    if (*s == ':') {
      if (gap >= 0) return 0;
      gap = n;
      s++;
    }
  }
  if (gap < 0 ? n != 16 : n > 14) return 0; /* "::" stands for one group or more */
  memset(out, 0, 16);
  if (gap < 0) gap = n;
  memcpy(out, w, (size_t)gap);
  memcpy(out + 16 - (n - gap), w + gap, (size_t)(n - gap));
  return 1;
}
/* The server name as an IP address (brackets allowed around IPv6): 4 or 16 and its bytes, else 0. */
static int rtm_push__ip_literal(const char *name, uint8_t out[16]) {
  const char *end = name + strlen(name);
  if (end - name >= 2 && name[0] == '[' && end[-1] == ']') return rtm_push__ipv6(name + 1, end - 1, out) ? 16 : 0;
  return rtm_push__ipv4(name, end, out) ? 4 : rtm_push__ipv6(name, end, out) ? 16 : 0;
}
/* Whether the certificate's subjectAltName extension lists the address as an iPAddress (RFC 5280 4.2.1.6, the
   address's n bytes). mbedTLS 2.x keeps only the DNS names of that extension, so its DER is read here (v3_ext
   is a public field in 2.x and 3.x). */
static int rtm_push__san_has_ip(const mbedtls_x509_crt *crt, const uint8_t *ip, size_t n) {
  unsigned char *p = crt->v3_ext.p, *end, *e;
  size_t len;
  if (!p) return 0; /* no extensions */
  end = p + crt->v3_ext.len;
  if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0) return 0;
  for (end = p + len; p < end; p = e) { /* Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue } */
    unsigned char *oid;
    size_t oid_len;
    int critical;
    if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0) return 0;
    e = p + len;
    if (mbedtls_asn1_get_tag(&p, e, &oid_len, MBEDTLS_ASN1_OID) != 0) return 0;
    oid = p;
    p += oid_len;
    if (p < e && *p == MBEDTLS_ASN1_BOOLEAN && mbedtls_asn1_get_bool(&p, e, &critical) != 0) return 0;
    if (mbedtls_asn1_get_tag(&p, e, &len, MBEDTLS_ASN1_OCTET_STRING) != 0) return 0;
    if (oid_len == 3 && memcmp(oid, "\x55\x1d\x11", 3) == 0) { /* 2.5.29.17: GeneralNames ::= SEQUENCE OF GeneralName */
      unsigned char *q = p, *qe = p + len;
      if (mbedtls_asn1_get_tag(&q, qe, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0) return 0;
      for (qe = q + len; q < qe; q += len) {
        unsigned char tag = *q++;
        if (mbedtls_asn1_get_len(&q, qe, &len) != 0) return 0;
        if (tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7) && len == n && memcmp(q, ip, n) == 0) return 1; /* [7] iPAddress */
      }
    }
  }
  return 0;
}
/* The leaf certificate must name the IP address we connected to; everything else is mbedTLS's check. */
static int rtm_push__tls_verify_ip(void *u, mbedtls_x509_crt *crt, int depth, uint32_t *flags) {
  const rtm_push *s = (const rtm_push *)u;
  if (depth == 0 && !rtm_push__san_has_ip(crt, s->tls_ip, (size_t)s->tls_ip_len)) *flags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;
  return 0;
}
static int rtm_push__tls_send_cb(void *u, const unsigned char *buf, size_t len) {
  rtm_push *s = (rtm_push *)u;
  /* ciphertext may exceed the plaintext limit by the records' overhead */
  if (s->out.len - s->out_off + len > s->cfg.limits.max_output + 65536) {
    s->tls_out_full = 1;
    return MBEDTLS_ERR_SSL_WANT_WRITE;
  }
  if (rtm_push__queue_append(s, &s->out, &s->out_off, buf, len)) return MBEDTLS_ERR_SSL_ALLOC_FAILED;
  return (int)len;
}
static int rtm_push__tls_recv_cb(void *u, unsigned char *buf, size_t len) {
  rtm_push *s = (rtm_push *)u;
  size_t k = RTM_PUSH__MIN(len, s->tls_in_len);
  if (!k) return MBEDTLS_ERR_SSL_WANT_READ;
  memcpy(buf, s->tls_in, k);
  s->tls_in += k;
  s->tls_in_len -= k;
  return (int)k;
}
/* mbedTLS's result -> ours, with mbedTLS's reason text. */
static void rtm_push__tls_fail(rtm_push *s, int r, const char *during) {
  char why[200];
  if (r == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
    uint32_t flags = mbedtls_ssl_get_verify_result(&s->ssl);
    int code = (flags & (MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE)) ? RTM_PUSH_E_TLS_CERT_EXPIRED
             : (flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED) ? RTM_PUSH_E_TLS_CERT_UNTRUSTED
             : (flags & MBEDTLS_X509_BADCERT_CN_MISMATCH) ? RTM_PUSH_E_TLS_CERT_NAME : RTM_PUSH_E_TLS_CERT_INVALID;
    size_t n;
    why[0] = 0;
    if (s->tls_ip_len && (flags & MBEDTLS_X509_BADCERT_CN_MISMATCH)) { /* mbedTLS would speak of the CN */
      flags &= ~(uint32_t)MBEDTLS_X509_BADCERT_CN_MISMATCH;
      snprintf(why, sizeof why, "no iPAddress subjectAltName of the certificate is this address%s", flags ? "\n" : "");
    }
    n = strlen(why);
    mbedtls_x509_crt_verify_info(why + n, sizeof why - n, "", flags);
    for (n = strlen(why); n && (why[n - 1] == '\n'); n--) why[n - 1] = 0;
    for (n = 0; why[n]; n++) if (why[n] == '\n') why[n] = ';';
    rtm_push__fail(s, code, "%s (server name '%s'): %s", rtm_push_strerror(code), s->cfg.tls_server_name, why);
    return;
  }
  mbedtls_strerror(r, why, sizeof why);
  if (r == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE)
    rtm_push__fail(s, RTM_PUSH_E_TLS_ALERT, "TLS: the server sent a fatal alert during %s", during);
  else if (r == RTM_PUSH__TLS_BAD_VERSION && !s->tls_ready)
    rtm_push__fail(s, RTM_PUSH_E_TLS_HANDSHAKE, "TLS handshake failed: -0x%04x (%s): the server does not speak "
                   "TLS 1.2 or later (TLS 1.0 and 1.1 are refused)", (unsigned)-r, why);
  else if (!s->tls_ready)
    rtm_push__fail(s, RTM_PUSH_E_TLS_HANDSHAKE, "TLS handshake failed: -0x%04x (%s)", (unsigned)-r, why);
  else
    rtm_push__fail(s, RTM_PUSH_E_TLS, "TLS error during %s: -0x%04x (%s)", during, (unsigned)-r, why);
}
/* Encrypt pending plaintext; send close_notify once the session has ended. */
static void rtm_push__tls_pump(rtm_push *s) {
  if (!s->tls_on || !s->tls_ready || s->tls_notify_sent) return;
  while (s->pout.len > s->pout_off) {
    int r = mbedtls_ssl_write(&s->ssl, s->pout.p + s->pout_off, s->pout.len - s->pout_off);
    if (r > 0) { s->pout_off += (size_t)r; continue; }
    if (s->tls_out_full) rtm_push__fail(s, RTM_PUSH_E_OUTPUT_FULL, "pending output exceeds limits.max_output: drain it");
    else if (r != MBEDTLS_ERR_SSL_WANT_WRITE && r != MBEDTLS_ERR_SSL_WANT_READ) rtm_push__tls_fail(s, r, "a write");
    s->pout.len = s->pout_off = 0; /* nothing more can be written */
    return;
  }
  s->pout.len = s->pout_off = 0;
  if (rtm_push__ended(s)) {
    s->tls_notify_sent = 1;
    mbedtls_ssl_close_notify(&s->ssl);
  }
}
/* Track TLS records on the ciphertext stream: plaintext where TLS was expected, and truncation, get
   errors of their own. Returns 0, or the session's error. */
static int rtm_push__tls_track(rtm_push *s, const uint8_t *p, size_t n) {
  while (n) {
    if (s->rec_left) {
      size_t k = RTM_PUSH__MIN(n, s->rec_left);
      s->rec_left -= k;
      p += k;
      n -= k;
      continue;
    }
    s->rec_hdr[s->rec_hlen++] = *p++;
    n--;
    if (s->rec_hlen == 1 && (s->rec_hdr[0] < 20 || s->rec_hdr[0] > 24)) {
      if (s->rec_hdr[0] == 'H' && !s->tls_ready) {
        char text[48];
        size_t k = RTM_PUSH__MIN(n, sizeof text - 2), i;
        text[0] = 'H';
        for (i = 0; i < k && p[i] >= 0x20 && p[i] < 0x7f; i++) text[i + 1] = (char)p[i];
        text[i + 1] = 0;
        return rtm_push__fail(s, RTM_PUSH_E_TLS_NOT_TLS, "TLS: the server answered in plaintext (\"%s...\"): is this a ws:// port?", text);
      }
      return rtm_push__fail(s, s->tls_ready ? RTM_PUSH_E_TLS : RTM_PUSH_E_TLS_NOT_TLS,
                            "TLS: not a TLS record (content type 0x%02x)", s->rec_hdr[0]);
    }
    if (s->rec_hlen == 5) {
      s->rec_left = ((size_t)s->rec_hdr[3] << 8) | s->rec_hdr[4];
      s->rec_hlen = 0;
    }
  }
  return 0;
}
static void rtm_push__tls_input(rtm_push *s, const uint8_t *p, size_t n) {
  unsigned stalls = 0;
  if (rtm_push__tls_track(s, p, n)) return;
  s->tls_in = p;
  s->tls_in_len = n;
  while (!rtm_push__stopped(s)) {
    int r;
    size_t left = s->tls_in_len;
    if (!s->tls_ready) {
      r = mbedtls_ssl_handshake(&s->ssl);
      if (r == 0) {
        s->tls_ready = 1;
        s->tls_verified = !s->cfg.tls_insecure_no_verify && mbedtls_ssl_get_verify_result(&s->ssl) == 0;
        if (s->state == RTM_PUSH_STATE_CONNECTING) s->state = RTM_PUSH_STATE_UPGRADING;
        rtm_push__tls_pump(s); /* the upgrade request */
        continue;
      }
      if (r != MBEDTLS_ERR_SSL_WANT_READ && r != MBEDTLS_ERR_SSL_WANT_WRITE) { rtm_push__tls_fail(s, r, "the handshake"); break; }
    } else {
      r = mbedtls_ssl_read(&s->ssl, s->tls_rbuf.p, s->tls_rbuf.cap);
      if (r > 0) { rtm_push__plain_input(s, s->tls_rbuf.p, (size_t)r); stalls = 0; continue; }
      if (RTM_PUSH__TLS_TICKET(r)) continue;
      if (r == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || r == 0) { rtm_push__plain_eof(s); break; }
      if (r != MBEDTLS_ERR_SSL_WANT_READ && r != MBEDTLS_ERR_SSL_WANT_WRITE) { rtm_push__tls_fail(s, r, "a read"); break; }
    }
    /* WANT_READ / WANT_WRITE. All input taken: wait for more. Input left: mbedTLS returned early (3.6.0 after a
       NewSessionTicket), so call it again; never drop ciphertext. One that takes nothing again and again is an error. */
    if (!s->tls_in_len) break;
    stalls = s->tls_in_len < left ? 0 : stalls + 1;
    if (s->tls_out_full) { rtm_push__fail(s, RTM_PUSH_E_OUTPUT_FULL, "pending output exceeds limits.max_output: drain it"); break; }
    if (stalls > 16) {
      rtm_push__fail(s, RTM_PUSH_E_TLS, "TLS: mbedTLS stopped reading with %lu bytes of input left (-0x%04x)",
                     (unsigned long)s->tls_in_len, (unsigned)-r);
      break;
    }
  }
  s->tls_in = NULL;
  s->tls_in_len = 0;
}
/* Once per session: the trusted CAs and the TLS configuration. */
static int rtm_push__tls_setup(rtm_push *s, const rtm_push_config *c) {
  int r;
  mbedtls_ssl_init(&s->ssl);
  mbedtls_ssl_config_init(&s->sslconf);
  mbedtls_x509_crt_init(&s->ca);
  s->tls_on = 1;
  if (rtm_push__reserve(s, &s->tls_rbuf, 16384)) return RTM_PUSH_E_NOMEM;
  if (RTM_PUSH__PSA_INIT() != 0) return RTM_PUSH_E_TLS;
  if (!c->tls_insecure_no_verify) {
    r = 0;
    if (c->tls_ca_pem) { /* PEM parsing wants the terminating NUL counted */
      unsigned char *pem = (unsigned char *)rtm_push__alloc(&s->cfg.allocator, c->tls_ca_pem_len + 1);
      if (!pem) return RTM_PUSH_E_NOMEM;
      memcpy(pem, c->tls_ca_pem, c->tls_ca_pem_len);
      pem[c->tls_ca_pem_len] = 0;
      r = mbedtls_x509_crt_parse(&s->ca, pem, c->tls_ca_pem_len + 1);
      rtm_push__dealloc(&s->cfg.allocator, pem);
    }
    if (!r && c->tls_ca_file) r = mbedtls_x509_crt_parse_file(&s->ca, c->tls_ca_file);
    if (!r && c->tls_ca_path) r = mbedtls_x509_crt_parse_path(&s->ca, c->tls_ca_path);
    if (!r && !c->tls_ca_pem && !c->tls_ca_file && !c->tls_ca_path)
      r = mbedtls_x509_crt_parse_file(&s->ca, "/etc/ssl/certs/ca-certificates.crt");
    if (r != 0) return RTM_PUSH_E_TLS_CA; /* r > 0: some certificates could not be parsed */
  }
  if (mbedtls_ssl_config_defaults(&s->sslconf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                  MBEDTLS_SSL_PRESET_DEFAULT) != 0)
    return RTM_PUSH_E_NOMEM;
  mbedtls_ssl_conf_authmode(&s->sslconf, c->tls_insecure_no_verify ? MBEDTLS_SSL_VERIFY_NONE : MBEDTLS_SSL_VERIFY_REQUIRED);
  mbedtls_ssl_conf_ca_chain(&s->sslconf, &s->ca, NULL);
  mbedtls_ssl_conf_rng(&s->sslconf, mbedtls_ctr_drbg_random, &s->drbg);
  RTM_PUSH__TLS_MIN_1_2(&s->sslconf);
  /* An IP address for a server name: no SNI (RFC 6066 3), and its iPAddress SAN checked here: mbedTLS 2.x
     compares the address's text with the certificate's DNS names and CN, and 3.x's checks differ by version. */
  s->tls_ip_len = rtm_push__ip_literal(s->cfg.tls_server_name, s->tls_ip);
  if (s->tls_ip_len && !c->tls_insecure_no_verify) mbedtls_ssl_conf_verify(&s->sslconf, rtm_push__tls_verify_ip, s);
  return 0;
}
/* Once per connection: a fresh TLS context, and its ClientHello. */
static int rtm_push__tls_connect(rtm_push *s) {
  int r;
  mbedtls_ssl_free(&s->ssl);
  mbedtls_ssl_init(&s->ssl);
  if (mbedtls_ssl_setup(&s->ssl, &s->sslconf) != 0) return RTM_PUSH_E_NOMEM;
  /* For an IP address, NULL: no SNI and no mbedTLS name check (the verify callback checks it). Set explicitly:
     mbedTLS 2.28.10 / 3.6.3 and later refuse to verify when it was never set. */
  if (mbedtls_ssl_set_hostname(&s->ssl, s->tls_ip_len ? NULL : s->cfg.tls_server_name) != 0) return RTM_PUSH_E_CONFIG;
  mbedtls_ssl_set_bio(&s->ssl, s, rtm_push__tls_send_cb, rtm_push__tls_recv_cb, NULL);
  r = mbedtls_ssl_handshake(&s->ssl); /* the ClientHello */
  if (r == MBEDTLS_ERR_SSL_WANT_READ || r == MBEDTLS_ERR_SSL_WANT_WRITE) return 0;
  rtm_push__tls_fail(s, r, "the ClientHello"); /* the code and mbedTLS's text in rtm_push_last_error */
  return RTM_PUSH_E_TLS_HANDSHAKE;
}
static void rtm_push__tls_free(rtm_push *s) {
  if (!s->tls_on) return;
  mbedtls_ssl_free(&s->ssl);
  mbedtls_ssl_config_free(&s->sslconf);
  mbedtls_x509_crt_free(&s->ca);
}
#else
static void rtm_push__tls_pump(rtm_push *s) { (void)s; }
static void rtm_push__tls_input(rtm_push *s, const uint8_t *p, size_t n) { (void)s; (void)p; (void)n; }
static int rtm_push__tls_setup(rtm_push *s, const rtm_push_config *c) { (void)s; (void)c; return RTM_PUSH_E_TLS_UNAVAILABLE; }
static int rtm_push__tls_connect(rtm_push *s) { (void)s; return RTM_PUSH_E_TLS_UNAVAILABLE; }
static void rtm_push__tls_free(rtm_push *s) { (void)s; }
#endif
RTM_PUSH_API_IMPL int rtm_push_tls_verified(const rtm_push *s) {
  return !s || !s->tls_on ? -1 : s->tls_verified;
}
/* >>upgrade: the HTTP/1.1 upgrade: the request and its 101 response ----------------------------- */
/* The upgrade request (RFC 6455 4.1), with a fresh Sec-WebSocket-Key, into the output. */
static int rtm_push__http_request(rtm_push *s) {
  unsigned char nonce[16];
  size_t kn = 0;
  char req[1024];
  int n;
  const char *h = s->cfg.host;
  int v6 = strchr(h, ':') != NULL && h[0] != '['; /* an IPv6 address goes in brackets */
  if (rtm_push__random(s, nonce, sizeof nonce) ||
      mbedtls_base64_encode((unsigned char *)s->ws_key, sizeof s->ws_key, &kn, nonce, sizeof nonce) != 0)
    return RTM_PUSH_E_RANDOM;
  n = snprintf(req, sizeof req,
               "GET %s HTTP/1.1\r\nHost: %s%s%s:%u\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n",
               s->cfg.path, v6 ? "[" : "", h, v6 ? "]" : "", (unsigned)s->cfg.port, s->ws_key);
  if (n < 0 || (size_t)n >= sizeof req) return RTM_PUSH_E_CONFIG;
  return rtm_push__out_append(s, req, (size_t)n) ? RTM_PUSH_E_NOMEM : 0;
}
/* The response header: 0 (101 and a valid upgrade), RTM_PUSH__HTTP_REFUSED, or the error that failed the session. */
static int rtm_push__http_parse(rtm_push *s) {
  const char *h = (const char *)s->http.p, *end = h + s->http_head_len, *line, *eol;
  int status, got_upgrade = 0, got_conn = 0, got_accept = 0;
  unsigned char sha[20], want[32];
  size_t wn = 0;
  char key[80];
  eol = strstr(h, "\r\n");
  /* exactly HTTP/1.0 or HTTP/1.1, SP, three digits, then SP (a reason) or the line's end; a 101 only as
     HTTP/1.1 (RFC 6455 4.1): not "HTTP/1.1 1010", "HTTP/1.9 101", "HTTP/1.1 101x" */
  if (!eol || eol > end || (size_t)(eol - h) < 12 || memcmp(h, "HTTP/1.", 7) != 0 || (h[7] != '0' && h[7] != '1') ||
      h[8] != ' ' || h[9] < '1' || h[9] > '5' || h[10] < '0' || h[10] > '9' || h[11] < '0' || h[11] > '9' ||
      (eol != h + 12 && h[12] != ' ') || (h[9] == '1' && h[10] == '0' && h[11] == '1' && h[7] != '1'))
    return rtm_push__fail(s, RTM_PUSH_E_HTTP_MALFORMED, "WebSocket upgrade: malformed status line: %.*s",
                          (int)RTM_PUSH__MIN((size_t)((eol ? eol : end) - h), 80), h);
  status = (h[9] - '0') * 100 + (h[10] - '0') * 10 + (h[11] - '0');
  s->http_status = status;
  if (status != 101) return RTM_PUSH__HTTP_REFUSED;
  snprintf(key, sizeof key, "%s" RTM_PUSH__GUID, s->ws_key);
  RTM_PUSH__SHA1((const unsigned char *)key, strlen(key), sha);
  mbedtls_base64_encode(want, sizeof want, &wn, sha, 20);
  for (line = eol + 2; line < end; line = eol + 2) {
    const char *colon, *v, *ve;
    eol = strstr(line, "\r\n");
    if (!eol || eol >= end) break;
    if (eol == line) break; /* blank line */
    colon = (const char *)memchr(line, ':', (size_t)(eol - line));
    if (!colon) return rtm_push__fail(s, RTM_PUSH_E_HTTP_MALFORMED, "WebSocket upgrade: header line without ':'");
    v = colon + 1;
    while (v < eol && (*v == ' ' || *v == '\t')) v++;
    ve = eol;
    while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t')) ve--;
    if (rtm_push__ieq(line, (size_t)(colon - line), "upgrade")) got_upgrade = rtm_push__ieq(v, (size_t)(ve - v), "websocket");
    else if (rtm_push__ieq(line, (size_t)(colon - line), "connection")) got_conn = rtm_push__has_token(v, (size_t)(ve - v), "upgrade");
    else if (rtm_push__ieq(line, (size_t)(colon - line), "sec-websocket-accept"))
      got_accept = (size_t)(ve - v) == wn && memcmp(v, want, wn) == 0 ? 1 : -1;
  }
  if (!got_upgrade || !got_conn)
    return rtm_push__fail(s, RTM_PUSH_E_HTTP_MALFORMED, "WebSocket upgrade: 101 without 'Upgrade: websocket' and 'Connection: Upgrade'");
  if (got_accept != 1)
    return rtm_push__fail(s, RTM_PUSH_E_HTTP_ACCEPT, got_accept ? "WebSocket upgrade: Sec-WebSocket-Accept does not match the key"
                                                              : "WebSocket upgrade: no Sec-WebSocket-Accept header");
  return 0;
}
static int rtm_push__http_refused(rtm_push *s) {
  const char *h = (const char *)s->http.p, *eol = strstr(h, "\r\n");
  size_t body = s->http.len - s->http_head_len;
  return rtm_push__fail(s, RTM_PUSH_E_HTTP_STATUS, "WebSocket upgrade refused: %.*s%s%.*s", (int)RTM_PUSH__MIN((size_t)(eol - h), 80), h,
                        body ? ": " : "", (int)RTM_PUSH__MIN(body, 160), h + s->http_head_len);
}
static size_t rtm_push__content_length(const rtm_push *s) {
  const char *h = (const char *)s->http.p, *end = h + s->http_head_len, *line = strstr(h, "\r\n");
  while (line && line + 2 < end) {
    const char *eol = strstr(line + 2, "\r\n");
    if (!eol || eol > end) break;
    if ((size_t)(eol - line - 2) > 15 && rtm_push__ieq(line + 2, 15, "content-length:")) {
      size_t v = 0;
      const char *c = line + 17;
      while (c < eol && (*c == ' ' || *c == '\t')) c++;
      while (c < eol && *c >= '0' && *c <= '9' && v < 1000000000) v = v * 10 + (size_t)(*c++ - '0');
      return v;
    }
    line = eol;
  }
  return 0;
}
/* Consumes bytes of the HTTP response; returns how many, or a negative error. */
static long rtm_push__http_input(rtm_push *s, const uint8_t *p, size_t n) {
  size_t i = 0;
  static const char crlf2[4] = {'\r', '\n', '\r', '\n'};
  if (s->phase == RTM_PUSH__PH_HTTP_BODY) {
    size_t k = RTM_PUSH__MIN(n, s->http_body_need);
    if (rtm_push__append(s, &s->http, p, k)) return rtm_push__fail(s, RTM_PUSH_E_NOMEM, NULL);
    s->http.p[s->http.len] = 0;
    s->http_body_need -= k;
    if (!s->http_body_need) return rtm_push__http_refused(s);
    return (long)n;
  }
  while (i < n && s->http_match < 4) {
    uint8_t c = p[i++];
    s->http_match = c == (uint8_t)crlf2[s->http_match] ? s->http_match + 1 : (c == '\r' ? 1u : 0u);
  }
  if (s->http.len + i > s->cfg.limits.max_http_header)
    return rtm_push__fail(s, RTM_PUSH_E_HTTP_HEADER_TOO_LARGE, "WebSocket upgrade: response header longer than %llu bytes",
                          (unsigned long long)s->cfg.limits.max_http_header);
  if (rtm_push__reserve(s, &s->http, s->cfg.limits.max_http_header * 2 + 1) || rtm_push__append(s, &s->http, p, i))
    return rtm_push__fail(s, RTM_PUSH_E_NOMEM, NULL);
  s->http.p[s->http.len] = 0;
  if (s->http_match < 4) return (long)i;
  s->http_head_len = s->http.len;
  {
    int rc = rtm_push__http_parse(s);
    if (rc < 0) return rc;
    if (rc == RTM_PUSH__HTTP_REFUSED) { /* not 101: collect the body (bounded) to report it */
      size_t cl = rtm_push__content_length(s), room = s->cfg.limits.max_http_header;
      s->http_body_need = RTM_PUSH__MIN(cl, room);
      s->phase = RTM_PUSH__PH_HTTP_BODY;
      if (!s->http_body_need) return rtm_push__http_refused(s);
      return (long)i;
    }
  }
  rtm_push__buf_free(s, &s->http);
  s->phase = RTM_PUSH__PH_WS;
  rtm_push__open(s);
  return (long)i;
}
/* >>ws: WebSocket frames: our parser for every frame in, wslay's writer for every frame out ----- */
/* WebSocket frames */
/* Receiving: every frame goes through this parser (RFC 6455 5.2). Data frames pass their payload to the FPNN
   stream straight from the host's buffer (no copy, no reassembly: FPNN packages are cut out of the byte
   stream anyway); control frames are collected (at most 125 bytes) and handled here: a ping is answered with
   a pong, a close is echoed. The parser enforces limits.max_frame from the header alone, and repairs the FPNN
   server's 126-byte framing bug (`82 7E` and the payload, no 16-bit length).
   Sending: every frame we write (FPNN packages, pong, close) goes through rtm_push__ws_send, which reserves
   room for the whole frame and has wslay's frame writer (wslay_frame_send) write and mask it there. */
/* May a peer send this code in a close frame? (RFC 6455 7.4, and IANA's 1012-1014: service restart, try
   again later, bad gateway.) */
static int rtm_push__close_code_ok(unsigned c) {
  return (c >= 1000 && c <= 1003) || (c >= 1007 && c <= 1014) || (c >= 3000 && c <= 4999);
}
/* wslay writes a frame through these: the room was reserved first, so the writes cannot fail. */
static ssize_t rtm_push__wsf_write_cb(const uint8_t *data, size_t len, int flags, void *u) {
  rtm_push__buf *q = rtm_push__plain_queue((rtm_push *)u, NULL);
  (void)flags;
  memcpy(q->p + q->len, data, len);
  q->len += len;
  return (ssize_t)len;
}
static ssize_t rtm_push__wsf_read_cb(uint8_t *buf, size_t len, int flags, void *u) {
  (void)buf; (void)len; (void)flags; (void)u;
  return WSLAY_ERR_WOULDBLOCK; /* frames are read by our own parser */
}
static int rtm_push__wsf_mask_cb(uint8_t *buf, size_t len, void *u) {
  return rtm_push__random((rtm_push *)u, buf, len) ? -1 : 0;
}
static int rtm_push__ws_writer_new(rtm_push *s) {
  struct wslay_frame_callbacks cb;
  cb.send_callback = rtm_push__wsf_write_cb;
  cb.recv_callback = rtm_push__wsf_read_cb;
  cb.genmask_callback = rtm_push__wsf_mask_cb;
  if (wslay_frame_context_init(&s->wsf, &cb, s) != 0) {
    s->wsf = NULL;
    return RTM_PUSH_E_NOMEM;
  }
  return 0;
}
/* One masked frame of the given opcode whose payload is the pieces in order, all of it or nothing (within
   limits.max_output). No frame may follow our close frame. Returns 0 or an RTM_PUSH_E_* code. */
static int rtm_push__ws_send(rtm_push *s, int opcode, const rtm_push__piece *pc, int npieces) {
  struct wslay_frame_iocb io;
  size_t total = 0, frame, *off, len0, max = s->cfg.limits.max_output;
  rtm_push__buf *q = rtm_push__plain_queue(s, &off);
  int i;
  if (s->ws_close_queued) return RTM_PUSH_E_STATE;
  for (i = 0; i < npieces; i++) total += pc[i].n;
  frame = total + (total < 126 ? 6 : total <= 0xffff ? 8 : 14);
  if (frame > max || rtm_push__pending(s) > max - frame) return RTM_PUSH_E_OUTPUT_FULL;
  if (!rtm_push__queue_room(s, q, off, frame)) return RTM_PUSH_E_NOMEM;
  len0 = q->len;
  io.fin = 1;
  io.rsv = 0;
  io.opcode = (uint8_t)opcode;
  io.mask = 1;
  io.payload_length = total;
  io.data = NULL;
  io.data_length = 0;
  /* wslay writes the header at the first call (an empty payload: that call alone), then each piece's bytes */
  for (i = 0; i < npieces || i == 0; i++) {
    if (i < npieces) {
      if (!pc[i].n && total) continue;
      io.data = (const uint8_t *)pc[i].p;
      io.data_length = pc[i].n;
    }
    if (wslay_frame_send(s->wsf, &io) < 0) { /* the mask key could not be drawn: nothing was written */
      q->len = len0;
      return RTM_PUSH_E_RANDOM;
    }
    if (!total) break;
  }
  return 0;
}
static int rtm_push__ws_header(rtm_push *s, const uint8_t *h, size_t n, size_t *hlen) {
  unsigned l7, op, need;
  uint64_t len;
  if (n < 2) return 0;
  op = h[0] & 0x0f;
  l7 = h[1] & 0x7f;
  if (h[0] & 0x70) return rtm_push__fail(s, RTM_PUSH_E_WS_PROTOCOL, "WebSocket frame with reserved bits set (0x%02x)", h[0]);
  if (h[1] & 0x80) return rtm_push__fail(s, RTM_PUSH_E_WS_PROTOCOL, "masked WebSocket frame from the server");
  if (op >= RTM_PUSH__WS_CLOSE) {
    if (op > RTM_PUSH__WS_PONG) return rtm_push__fail(s, RTM_PUSH_E_WS_PROTOCOL, "unknown WebSocket opcode %u", op);
    if (!(h[0] & 0x80) || l7 > 125)
      return rtm_push__fail(s, RTM_PUSH_E_WS_PROTOCOL, "fragmented or oversized WebSocket control frame");
  } else if (op > RTM_PUSH__WS_BINARY) {
    return rtm_push__fail(s, RTM_PUSH_E_WS_PROTOCOL, "unknown WebSocket opcode %u", op);
  } else if ((op == RTM_PUSH__WS_CONT) != (s->fx_in_msg != 0)) {
    return rtm_push__fail(s, RTM_PUSH_E_WS_PROTOCOL, op ? "new WebSocket message inside a fragmented one"
                                                        : "WebSocket continuation frame outside a message");
  }
  need = 2u + (l7 == 126 ? 2u : l7 == 127 ? 8u : 0u);
  if (l7 == 126 && !s->cfg.strict_framing && (n < 3 || h[2] == 'F') && (n < 4 || h[3] == 'P')) {
    if (n < 6) return 0; /* "FP" where the length goes: look at two more bytes */
    if (memcmp(h + 2, "FPNN", 4) == 0) { /* the bug: a 126-byte package, no length */
      need = 2;
      len = 126;
      goto done;
    }
  }
  if (n < need) return 0;
  len = l7 == 126 ? rtm_push__be(h + 2, 2) : l7 == 127 ? rtm_push__be(h + 2, 8) : l7;
  if ((l7 == 126 && len < 126) || (l7 == 127 && (len >> 63 || len <= 0xffff)))
    return rtm_push__fail(s, RTM_PUSH_E_WS_PROTOCOL, "WebSocket frame length not minimally encoded");
  if (len > s->cfg.limits.max_frame)
    return rtm_push__fail(s, RTM_PUSH_E_WS_FRAME_TOO_LARGE, "WebSocket frame of %llu bytes exceeds limits.max_frame (%llu)",
                          (unsigned long long)len, (unsigned long long)s->cfg.limits.max_frame);
done:
  if (op < RTM_PUSH__WS_CLOSE) s->fx_in_msg = !(h[0] & 0x80);
  s->fx_op = (int)op;
  s->ctl_len = 0;
  s->fx_left = len;
  s->fx_in_payload = len > 0;
  *hlen = need;
  return 1;
}
/* A whole control frame: a ping is answered, a close echoed (RFC 6455 5.5). */
static void rtm_push__ws_control(rtm_push *s) {
  const uint8_t *pl = s->ctl;
  size_t n = s->ctl_len;
  unsigned code = RTM_PUSH__CLOSE_NO_STATUS;
  if (s->fx_op == RTM_PUSH__WS_PING) {
    rtm_push__piece pc;
    pc.p = pl;
    pc.n = n;
    if (!s->ws_close_queued) rtm_push__send_or_fail(s, rtm_push__ws_send(s, RTM_PUSH__WS_PONG, &pc, 1));
    return;
  }
  if (s->fx_op != RTM_PUSH__WS_CLOSE) return; /* a pong: nothing to do */
  if (n == 1) { rtm_push__fail(s, RTM_PUSH_E_WS_PROTOCOL, "WebSocket close frame with a 1-byte payload"); return; }
  if (n >= 2) {
    code = (unsigned)pl[0] << 8 | pl[1];
    if (!rtm_push__close_code_ok(code)) {
      rtm_push__fail(s, RTM_PUSH_E_WS_PROTOCOL, "WebSocket close frame with the invalid code %u", code);
      return;
    }
    if (!rtm_push__utf8_valid(pl + 2, n - 2)) {
      rtm_push__fail(s, RTM_PUSH_E_WS_PROTOCOL, "WebSocket close reason is not UTF-8");
      return;
    }
  }
  s->ws_close_received = 1;
  if (!s->ws_close_queued) { /* the echo: the same code, no reason */
    rtm_push__piece pc;
    pc.p = pl;
    pc.n = n >= 2 ? 2 : 0;
    rtm_push__send_or_fail(s, rtm_push__ws_send(s, RTM_PUSH__WS_CLOSE, &pc, 1));
    s->ws_close_queued = 1;
  }
  if (!rtm_push__ended(s)) rtm_push__on_peer_close(s, code, n > 2 ? pl + 2 : NULL, n > 2 ? n - 2 : 0);
}
static void rtm_push__queue_ws_close(rtm_push *s, uint16_t code) {
  uint8_t c[2];
  rtm_push__piece pc;
  if (!s->wsf || s->ws_close_queued || s->phase != RTM_PUSH__PH_WS) return;
  c[0] = (uint8_t)(code >> 8);
  c[1] = (uint8_t)code;
  pc.p = c;
  pc.n = 2;
  if (rtm_push__ws_send(s, RTM_PUSH__WS_CLOSE, &pc, 1) == 0) s->ws_close_queued = 1;
}
/* The payload bytes of the current frame (k of them at p). */
static void rtm_push__ws_payload(rtm_push *s, const uint8_t *p, size_t k) {
  if (s->fx_op >= RTM_PUSH__WS_CLOSE) {
    memcpy(s->ctl + s->ctl_len, p, k);
    s->ctl_len += (unsigned)k;
  } else {
    rtm_push__fpnn_input(s, p, k);
  }
  s->fx_left -= k;
  if (!s->fx_left) {
    s->fx_in_payload = 0;
    if (s->fx_op >= RTM_PUSH__WS_CLOSE && !rtm_push__stopped(s)) rtm_push__ws_control(s);
  }
}
/* A frame header from the bytes at p (n of them), whole in this feed or collected across feeds. Returns the
   bytes it took, or -1 when the session failed. */
static long rtm_push__ws_take_header(rtm_push *s, const uint8_t *p, size_t n) {
  size_t hl = 0, k = 0, extra;
  int r;
  if (s->fx_hlen == 0 && n >= 14) { /* the whole header is here: parse it in place */
    r = rtm_push__ws_header(s, p, n, &hl);
    if (r < 0) return -1;
  } else {
    do {
      s->fx_hdr[s->fx_hlen++] = p[k++];
      r = rtm_push__ws_header(s, s->fx_hdr, s->fx_hlen, &hl);
    } while (r == 0 && k < n && s->fx_hlen < sizeof s->fx_hdr);
    if (r < 0) return -1;
    if (r == 0) return (long)k;
    extra = s->fx_hlen - hl; /* look-ahead bytes beyond the header (the 126 check) are payload */
    s->fx_hlen = 0;
    if (extra > k) { /* some came in an earlier feed: they are only in fx_hdr now */
      rtm_push__ws_payload(s, s->fx_hdr + hl, extra - k);
      extra = k;
    }
    hl = k - extra;
  }
  if (!s->fx_in_payload && s->fx_op >= RTM_PUSH__WS_CLOSE) rtm_push__ws_control(s); /* an empty control frame */
  return (long)hl;
}
static int rtm_push__ws_input(rtm_push *s, const uint8_t *p, size_t n) {
  if (s->cfg.on_received && n) { /* the WebSocket stream as read (decrypted, for wss://): a capture */
    s->in_cb++;
    s->cfg.on_received(s, p, n, s->cfg.user_data);
    s->in_cb--;
  }
  while (n && !rtm_push__stopped(s) && !s->ws_close_received) {
    size_t k;
    if (s->fx_in_payload) {
      k = (uint64_t)n < s->fx_left ? n : (size_t)s->fx_left;
      rtm_push__ws_payload(s, p, k);
    } else {
      long h = rtm_push__ws_take_header(s, p, n);
      if (h < 0) break;
      k = (size_t)h;
    }
    p += k;
    n -= k;
  }
  return rtm_push__ended(s) && s->state == RTM_PUSH_STATE_FAILED ? s->err : 0;
}
/* >>fpnn: the FPNN package stream: packages in, our packages out -------------------------------- */
/* The size of the FPNN package whose 12-byte header is at h (PROTOCOL.md 1): the header (16 bytes with a seq),
   the method name of a quest, the payload. */
static uint64_t rtm_push__fpnn_size(const uint8_t *h) {
  return (uint64_t)(h[6] == RTM_PUSH__FPNN_ONEWAY ? 12 : 16) + (h[6] == RTM_PUSH__FPNN_ANSWER ? 0 : h[7]) +
         rtm_push__le32(h + 8);
}
/* The FPNN header of our package: version 1, the answer status 0 (mtype 2), the seq unless one-way. */
static size_t rtm_push__put_fpnn_header(uint8_t *h, int mtype, int flag, size_t ml, size_t plen, uint32_t seq) {
  memcpy(h, "FPNN", 4);
  h[4] = 1;
  h[5] = (uint8_t)flag;
  h[6] = (uint8_t)mtype;
  h[7] = (uint8_t)(mtype == RTM_PUSH__FPNN_ANSWER ? 0 : ml);
  rtm_push__put_le32(h + 8, (uint32_t)plen);
  if (mtype == RTM_PUSH__FPNN_ONEWAY) return 12;
  rtm_push__put_le32(h + 12, seq);
  return 16;
}
/* One FPNN package from us: one binary WebSocket frame, or (START_FPNN) the bare package for the host's
   WebSocket. Nothing is written unless all of it fits (limits.max_output): the stream stays valid on every
   error. */
static int rtm_push__send_pieces(rtm_push *s, const rtm_push__piece *pc, int npieces) {
  size_t total = 0, *off, max = s->cfg.limits.max_output;
  rtm_push__buf *q = rtm_push__plain_queue(s, &off);
  uint8_t *o;
  int i;
  if (s->phase != RTM_PUSH__PH_FPNN) return rtm_push__ws_send(s, RTM_PUSH__WS_BINARY, pc, npieces);
  for (i = 0; i < npieces; i++) total += pc[i].n;
  if (total > max || rtm_push__pending(s) > max - total) return RTM_PUSH_E_OUTPUT_FULL;
  if (!(o = rtm_push__queue_room(s, q, off, total))) return RTM_PUSH_E_NOMEM;
  for (i = 0; i < npieces; i++) {
    if (pc[i].n) memcpy(o, pc[i].p, pc[i].n);
    o += pc[i].n;
  }
  q->len += total;
  return 0;
}
static int rtm_push__send_package(rtm_push *s, int mtype, int flag, uint32_t seq, const char *method,
                                  const void *payload, size_t plen) {
  uint8_t h[16];
  rtm_push__piece pc[3];
  size_t ml = method ? strlen(method) : 0;
  if (plen > UINT32_MAX || ml > 255) return RTM_PUSH_E_INVALID_ARG;
  pc[0].p = h;
  pc[0].n = rtm_push__put_fpnn_header(h, mtype, flag, ml, plen, seq);
  pc[1].p = method;
  pc[1].n = ml;
  pc[2].p = payload;
  pc[2].n = plen;
  return rtm_push__send_pieces(s, pc, 3);
}
/* The answer to a push: an empty map in the quest's own encoding, as one piece (one call into wslay's writer,
   not three: 6% of the JSON path's instructions). */
static int rtm_push__send_empty_answer(rtm_push *s, int flag, uint32_t seq) {
  uint8_t a[18];
  rtm_push__piece pc;
  pc.p = a;
  pc.n = rtm_push__put_fpnn_header(a, RTM_PUSH__FPNN_ANSWER, flag, 0, flag == RTM_PUSH_ENC_MSGPACK ? 1 : 2, seq);
  if (flag == RTM_PUSH_ENC_MSGPACK) a[pc.n++] = 0x80;
  else a[pc.n++] = '{', a[pc.n++] = '}';
  return rtm_push__send_pieces(s, &pc, 1);
}

/* Validates a 12-byte header; returns the package size or 0 after failing the session. */
static size_t rtm_push__fpnn_check(rtm_push *s, const uint8_t *h) {
  uint64_t total;
  if (memcmp(h, "FPNN", 4) != 0) {
    rtm_push__fail(s, RTM_PUSH_E_FPNN_HEADER, "FPNN package: bad magic %02x %02x %02x %02x", h[0], h[1], h[2], h[3]);
    return 0;
  }
  if (h[4] > 1) { rtm_push__fail(s, RTM_PUSH_E_FPNN_HEADER, "FPNN package: unsupported version %u", h[4]); return 0; }
  if (h[5] != RTM_PUSH_ENC_JSON && h[5] != RTM_PUSH_ENC_MSGPACK) {
    rtm_push__fail(s, RTM_PUSH_E_FPNN_HEADER, "FPNN package: unsupported flag 0x%02x (compressed, encrypted or unknown encoding)", h[5]);
    return 0;
  }
  if (h[6] > RTM_PUSH__FPNN_ANSWER) { rtm_push__fail(s, RTM_PUSH_E_FPNN_HEADER, "FPNN package: unknown mtype %u", h[6]); return 0; }
  if (h[6] != RTM_PUSH__FPNN_ANSWER && h[7] == 0) { rtm_push__fail(s, RTM_PUSH_E_FPNN_HEADER, "FPNN quest with an empty method name"); return 0; }
  total = rtm_push__fpnn_size(h);
  if (total > s->cfg.limits.max_package) {
    rtm_push__fail(s, RTM_PUSH_E_FPNN_TOO_LARGE, "FPNN package of %llu bytes exceeds limits.max_package (%llu)",
                   (unsigned long long)total, (unsigned long long)s->cfg.limits.max_package);
    return 0;
  }
  return (size_t)total;
}
static void rtm_push__fpnn_package(rtm_push *s, const uint8_t *p) {
  int mt = p[6], flag = p[5];
  uint32_t psize = rtm_push__le32(p + 8);
  if (mt == RTM_PUSH__FPNN_ANSWER) {
    rtm_push__handle_answer(s, flag, p[7], rtm_push__le32(p + 12), p + 16, psize);
  } else {
    size_t hl = mt == RTM_PUSH__FPNN_TWOWAY ? 16 : 12;
    rtm_push__handle_quest(s, mt == RTM_PUSH__FPNN_TWOWAY, flag, mt == RTM_PUSH__FPNN_TWOWAY ? rtm_push__le32(p + 12) : 0, (const char *)p + hl, p[7],
                           p + hl + p[7], psize);
  }
  if (s->scratch2.cap > RTM_PUSH__RETAIN) rtm_push__buf_free(s, &s->scratch2);
}
static int rtm_push__fpnn_input(rtm_push *s, const uint8_t *p, size_t n) {
  while (n && !rtm_push__stopped(s)) {
    size_t k;
    if (s->pkg.len == 0 && n >= 12) { /* zero copy when the whole package is here */
      size_t total = rtm_push__fpnn_check(s, p);
      if (!total) break;
      if (n >= total) {
        rtm_push__fpnn_package(s, p);
        p += total;
        n -= total;
        continue;
      }
      s->pkg_total = total;
    }
    if (s->pkg.len < 12) {
      k = RTM_PUSH__MIN(12 - s->pkg.len, n);
      if (rtm_push__append(s, &s->pkg, p, k)) return rtm_push__fail(s, RTM_PUSH_E_NOMEM, NULL);
      p += k;
      n -= k;
      if (s->pkg.len < 12) break;
      if (!(s->pkg_total = rtm_push__fpnn_check(s, s->pkg.p))) break;
    }
    k = RTM_PUSH__MIN(s->pkg_total - s->pkg.len, n);
    /* it grows with the bytes received, but never past the package's size: 8 MiB take 8 MiB, not 16 */
    if (rtm_push__reserve_upto(s, &s->pkg, s->pkg.len + k, s->pkg_total) ||
        rtm_push__append(s, &s->pkg, p, k))
      return rtm_push__fail(s, RTM_PUSH_E_NOMEM, NULL);
    p += k;
    n -= k;
    if (s->pkg.len == s->pkg_total) {
      s->pkg.len = 0; /* the bytes stay valid until the next append */
      rtm_push__fpnn_package(s, s->pkg.p);
      s->pkg_total = 0;
      if (s->pkg.cap > RTM_PUSH__RETAIN) rtm_push__buf_free(s, &s->pkg);
    }
    if (s->scratch.cap > RTM_PUSH__RETAIN) rtm_push__buf_free(s, &s->scratch);
  }
  return rtm_push__ended(s) && s->state == RTM_PUSH_STATE_FAILED ? s->err : 0;
}
/* >>session: a connection's life: transport, login, pushes, answers, close, reconnect advice ---- */
/* When should the host open the next connection? UINT64_MAX: it should not. */
static uint64_t rtm_push__advice(rtm_push *s, int code) {
  const rtm_push_reconnect_policy *p = &s->cfg.reconnect;
  uint64_t delay = 0;
  uint32_t k;
  if (s->ready_at != RTM_PUSH__NO_DEADLINE && s->now - s->ready_at >= p->stable_ms) s->attempts = 0; /* it lived */
  s->ready_at = RTM_PUSH__NO_DEADLINE;
  k = s->attempts;
  if (p->disabled || s->closed_by_us || s->stop_code || code == RTM_PUSH_E_KICKED_OUT ||
      code == RTM_PUSH_E_LOGIN_REFUSED || s->cfg.no_login)
    return RTM_PUSH__NO_DEADLINE;
  if (k >= p->immediate) {
    delay = p->base_ms;
    for (k -= p->immediate; k && delay < p->max_ms; k--) delay *= 2;
    if (delay > p->max_ms) delay = p->max_ms;
  }
  s->attempts++;
  return s->now + delay;
}

static void rtm_push__ev_init(rtm_push_event *ev, int type) {
  memset(ev, 0, sizeof *ev);
  ev->type = (rtm_push_event_type)type;
  ev->name = rtm_push__evdefs[type].name;
  ev->category = (rtm_push_category)rtm_push__evdefs[type].cat;
  ev->kind = (rtm_push_kind)rtm_push__evdefs[type].kind;
  ev->ok = -1;
}
static void rtm_push__handle_quest(rtm_push *s, int twoway, int flag, uint32_t seq, const char *method, size_t mlen,
                                   const uint8_t *payload, size_t plen) {
  rtm_push_event ev;
  rtm_push__rd r;
  int type, rc;
  if (twoway) { /* answer at once, before anything can go wrong, in the quest's own encoding */
    rc = rtm_push__send_empty_answer(s, flag, seq);
    if (rtm_push__send_or_fail(s, rc) && rtm_push__ended(s)) return;
  }
  type = rtm_push__find_event(method, mlen);
  if (type == RTM_PUSH_EV_PING && s->state == RTM_PUSH_STATE_READY && s->cfg.ping_timeout_ms != UINT32_MAX)
    s->ping_deadline = s->now + s->cfg.ping_timeout_ms; /* a ping is a ping, whatever its payload */
  rtm_push__ev_init(&ev, type);
  ev.method.ptr = method;
  ev.method.len = mlen;
  ev.method.binary = type == RTM_PUSH_EV_UNKNOWN && !rtm_push__utf8_valid((const uint8_t *)method, mlen);
  ev.seq = seq;
  ev.twoway = twoway;
  ev.encoding = (rtm_push_encoding)flag;
  ev.payload.ptr = (const char *)payload;
  ev.payload.len = plen;
  ev.payload.binary = flag == RTM_PUSH_ENC_MSGPACK;
  if (type == RTM_PUSH_EV_UNKNOWN) { rtm_push__emit(s, &ev); return; }
  rtm_push__scratch_reset(s, plen);
  rc = rtm_push__rd_open(&r, s, payload, plen, flag == RTM_PUSH_ENC_MSGPACK);
  if (!rc) rc = rtm_push__decode_fields(&r, &ev, rtm_push__evdefs[type].fields);
  if (rc == RTM_PUSH_E_NOMEM) { rtm_push__fail(s, rc, NULL); return; }
  if (rc < 0) {
    rtm_push__warn(s, rc, "%.*s (seq %u) dropped: %s", (int)RTM_PUSH__MIN(mlen, 40), method, (unsigned)seq, r.what);
    return;
  }
  if (rtm_push__evdefs[type].kind == RTM_PUSH_KIND_MSG && (ev.fields & RTM_PUSH_F_MTYPE)) {
    int routed = rtm_push__route(type, ev.mtype);
    ev.type = (rtm_push_event_type)routed;
    ev.name = rtm_push__evdefs[routed].name;
    ev.kind = (rtm_push_kind)rtm_push__evdefs[routed].kind;
  }
  if (ev.category != RTM_PUSH_CAT_NONE) { /* a message: file msg, excludedUids, duplicates, watermark (>>catchup) */
    rtm_push__deliver_message(s, &ev);
    return;
  }
  if (ev.kind == RTM_PUSH_KIND_KICKOUTROOM && (ev.fields & RTM_PUSH_F_RID)) rtm_push__room_track(s, ev.rid, 0);
  rtm_push__emit(s, &ev);
  if (ev.kind == RTM_PUSH_KIND_KICKOUT && !rtm_push__ended(s) && !s->cfg.no_login) rtm_push__kicked_out(s);
}
/* The gate kicked us out: the session ends here, KICKOUT then CLOSED; nothing decoded after it is delivered.
   Our close frame is queued (the gate closes the connection; the host may drop it once the output is written). */
static void rtm_push__kicked_out(rtm_push *s) {
  rtm_push__queue_ws_close(s, RTM_PUSH__CLOSE_NORMAL);
  rtm_push__finish(s, RTM_PUSH_E_KICKED_OUT);
}
/* ok / code / ex / gate of an answer payload */
static int rtm_push__decode_answer(rtm_push *s, rtm_push_event *ev, int flag, const uint8_t *payload, size_t plen) {
  rtm_push__rd r;
  rtm_push_str k;
  rtm_push__val v;
  int rc;
  rtm_push__scratch_reset(s, plen);
  if (rtm_push__rd_open(&r, s, payload, plen, flag == RTM_PUSH_ENC_MSGPACK)) return 0; /* undecodable: no ok, code, ex */
  while ((rc = rtm_push__rd_next(&r, &k, &v)) == 1) {
    if (rtm_push__key_is(&k, "ok") && v.t == RTM_PUSH__V_BOOL) ev->ok = v.b;
    else if (rtm_push__key_is(&k, "code") && v.t == RTM_PUSH__V_INT) ev->code = v.i;
    else if (rtm_push__key_is(&k, "ex") && v.t == RTM_PUSH__V_STR) ev->ex = v.str;
    else if (rtm_push__key_is(&k, "gate") && v.t == RTM_PUSH__V_STR) ev->gate = v.str;
  }
  return rc == RTM_PUSH_E_NOMEM ? rtm_push__fail(s, rc, NULL) : 0;
}
static void rtm_push__send_close_now(rtm_push *s) {
  s->bye_deadline = RTM_PUSH__NO_DEADLINE;
  s->close_deadline = s->now + s->cfg.close_timeout_ms;
  if (s->phase == RTM_PUSH__PH_FPNN) { rtm_push__finish(s, 0); return; } /* the host closes its WebSocket */
  rtm_push__queue_ws_close(s, RTM_PUSH__CLOSE_NORMAL);
}
static void rtm_push__room_track(rtm_push *s, int64_t rid, int in) {
  uint32_t i;
  for (i = 0; i < s->nrooms && s->rooms[i] != rid; i++) {}
  if (!in) {
    if (i < s->nrooms) s->rooms[i] = s->rooms[--s->nrooms];
    return;
  }
  if (i < s->nrooms) return;
  if (!s->rooms && !(s->rooms = (int64_t *)rtm_push__alloc(&s->cfg.allocator, sizeof(int64_t) * s->cfg.limits.max_rooms))) {
    rtm_push__warn(s, RTM_PUSH_E_NOMEM, "room %lld will not be re-entered after a reconnect: out of memory", (long long)rid);
    return;
  }
  if (s->nrooms == s->cfg.limits.max_rooms) {
    rtm_push__warn(s, RTM_PUSH_E_INVALID_ARG, "room %lld will not be re-entered after a reconnect: limits.max_rooms (%u) reached",
                   (long long)rid, (unsigned)s->cfg.limits.max_rooms);
    return;
  }
  s->rooms[s->nrooms++] = rid;
}
static void rtm_push__handle_answer(rtm_push *s, int flag, int status, uint32_t seq, const uint8_t *payload,
                                    size_t plen) {
  rtm_push_event ev;
  int is_auth = s->auth_pending && seq == s->auth_seq, is_bye = s->bye_pending && seq == s->bye_seq;
  rtm_push__ev_init(&ev, is_auth ? RTM_PUSH_EV_LOGIN : RTM_PUSH_EV_ANSWER);
  ev.seq = seq;
  ev.status = status;
  ev.encoding = (rtm_push_encoding)flag;
  ev.payload.ptr = (const char *)payload;
  ev.payload.len = plen;
  ev.payload.binary = flag == RTM_PUSH_ENC_MSGPACK;
  if (rtm_push__decode_answer(s, &ev, flag, payload, plen)) return;
  if (is_auth) {
    s->auth_pending = 0;
    s->login_deadline = RTM_PUSH__NO_DEADLINE;
    if (s->state != RTM_PUSH_STATE_AUTHENTICATING) return; /* closing or kicked meanwhile: too late */
    if (status == 0 && ev.ok == 1) {
      s->state = RTM_PUSH_STATE_READY;
      s->ready_at = s->now; /* the schedule starts over only if this connection lives stable_ms */
      if (s->cfg.ping_timeout_ms != UINT32_MAX) s->ping_deadline = s->now + s->cfg.ping_timeout_ms;
      rtm_push__reenter_rooms(s);
      if (!rtm_push__ended(s)) rtm_push__emit(s, &ev);
      if (!rtm_push__stopped(s)) rtm_push__cu_login(s); /* after a reconnect, with config.catch_up */
      return;
    }
    /* Refused: LOGIN (ok 0, with why) then CLOSED -- no ERROR event between, the LOGIN event is the report. */
    ev.ok = 0;
    ev.fatal = 1;
    if (status == 0) {
      ev.code = RTM_PUSH__RTM_INVALID_TOKEN;
      rtm_push__set_error(s, RTM_PUSH_E_LOGIN_REFUSED, "login refused: the gate answered ok:false (invalid token, RTM 200027)%s%.*s",
                          ev.gate.len ? "; gate " : "", (int)RTM_PUSH__MIN(ev.gate.len, 100), ev.gate.ptr ? ev.gate.ptr : "");
    } else {
      /* unauthorized, duplicated auth, auth denied, invalid token: retrying cannot help */
      s->stop_code = ev.code == RTM_PUSH__RTM_UNAUTHORIZED || ev.code == RTM_PUSH__RTM_DUPLICATED_AUTH ||
                    ev.code == RTM_PUSH__RTM_AUTH_DENIED || ev.code == RTM_PUSH__RTM_INVALID_TOKEN;
      rtm_push__set_error(s, RTM_PUSH_E_LOGIN_ERROR, "login failed: the gate answered with FPNN error status %d, code %lld: %.*s",
                          status, (long long)ev.code, (int)RTM_PUSH__MIN(ev.ex.len, 150), ev.ex.ptr ? ev.ex.ptr : "");
    }
    ev.error = s->err;
    ev.message = s->errmsg;
    rtm_push__failed(s, s->err, &ev);
    return;
  }
  if (is_bye) s->bye_pending = 0;
  if (!is_bye && rtm_push__quest_answered(s, &ev)) return;
  if (!is_bye && !s->cfg.no_login) {
    rtm_push__warn(s, RTM_PUSH_E_FPNN_UNEXPECTED_ANSWER, "answer with seq %u matches no pending quest", (unsigned)seq);
    return;
  }
  rtm_push__emit(s, &ev);
  if (is_bye && !rtm_push__ended(s)) rtm_push__send_close_now(s);
}
static int rtm_push__send_auth(rtm_push *s) {
  rtm_push__kv kv[6];
  int n = 0, rc, flag = (int)s->cfg.quest_encoding;
  const char *token = s->cfg.token ? s->cfg.token : "";
  memset(kv, 0, sizeof kv);
  kv[n].key = "pid", kv[n++].i = s->cfg.pid;
  kv[n].key = "uid", kv[n++].i = s->cfg.uid;
  kv[n].key = "token", kv[n].type = RTM_PUSH__KV_STR, kv[n].str = token, kv[n++].n = strlen(token);
  kv[n].key = "version", kv[n].type = RTM_PUSH__KV_STR, kv[n].str = s->cfg.version, kv[n++].n = strlen(s->cfg.version);
  if (s->cfg.lang) kv[n].key = "lang", kv[n].type = RTM_PUSH__KV_STR, kv[n].str = s->cfg.lang, kv[n++].n = strlen(s->cfg.lang);
  if (s->cfg.attrs) kv[n].key = "attrs", kv[n].type = RTM_PUSH__KV_MAP, kv[n++].pairs = s->cfg.attrs;
  s->auth_seq = s->next_seq++;
  s->auth_pending = 1;
  if ((rc = rtm_push__kv_build(s, flag, kv, n, &s->qbuf)) != 0) return rc;
  return rtm_push__send_package(s, RTM_PUSH__FPNN_TWOWAY, flag, s->auth_seq, "auth", s->qbuf.p, s->qbuf.len);
}
/* The transport is open (101 received, or START_WS/START_FPNN): log in. */
static void rtm_push__open(rtm_push *s) {
  if (s->cfg.no_login) {
    s->state = RTM_PUSH_STATE_READY;
    s->login_deadline = RTM_PUSH__NO_DEADLINE;
    if (s->cfg.ping_timeout_ms != UINT32_MAX && s->have_now) s->ping_deadline = s->now + s->cfg.ping_timeout_ms;
    return;
  }
  s->state = RTM_PUSH_STATE_AUTHENTICATING;
  {
    int rc = rtm_push__send_auth(s);
    if (rc) rtm_push__fail(s, rc, NULL);
  }
}
static void rtm_push__on_peer_close(rtm_push *s, unsigned code, const uint8_t *reason, size_t n) {
  if (s->state == RTM_PUSH_STATE_CLOSING) {
    rtm_push__finish(s, 0);
    return;
  }
  rtm_push__fail(s, RTM_PUSH_E_WS_CLOSED, "the server closed the WebSocket (code %u%s%.*s)", (unsigned)code,
                 n ? ": " : "", (int)RTM_PUSH__MIN(n, 120), reason ? (const char *)reason : "");
}
static void rtm_push__set_now(rtm_push *s, uint64_t now) {
  s->now = now;
  if (!s->have_now) {
    s->have_now = 1;
    if (s->state < RTM_PUSH_STATE_READY && !s->cfg.no_login) s->login_deadline = now + s->cfg.login_timeout_ms;
    if (s->state == RTM_PUSH_STATE_READY && s->cfg.ping_timeout_ms != UINT32_MAX)
      s->ping_deadline = now + s->cfg.ping_timeout_ms;
  }
}

/* A connection's transport: WebSocket contexts, TLS context, the upgrade request or the login. */
static int rtm_push__transport_start(rtm_push *s) {
  if (s->cfg.start != RTM_PUSH_START_FPNN && !s->wsf && rtm_push__ws_writer_new(s)) return RTM_PUSH_E_NOMEM;
  if (s->tls_on) {
    int rc = rtm_push__tls_connect(s);
    if (rc) return rc;
  }
  s->state = RTM_PUSH_STATE_CONNECTING;
  if (s->have_now && !s->cfg.no_login) s->login_deadline = s->now + s->cfg.login_timeout_ms;
  if (s->cfg.start == RTM_PUSH_START_HTTP) {
    int rc = rtm_push__http_request(s);
    if (rc) return rc;
    s->phase = RTM_PUSH__PH_HTTP;
  } else {
    s->phase = s->cfg.start == RTM_PUSH_START_WS ? RTM_PUSH__PH_WS : RTM_PUSH__PH_FPNN;
    rtm_push__open(s);
    if (rtm_push__ended(s)) return s->err ? s->err : RTM_PUSH_E_NOMEM;
  }
  return 0;
}
/* Back to "no connection": everything of the old connection goes; configuration, the duplicate table,
   the rooms entered and the sequence counters stay. */
static void rtm_push__transport_reset(rtm_push *s) {
  s->out.len = s->out_off = s->pout.len = s->pout_off = s->out_pkg_left = 0;
  rtm_push__buf_free(s, &s->http);
  s->http_match = 0;
  s->http_body_need = s->http_head_len = 0;
  s->http_status = 0;
  s->fx_hlen = s->ctl_len = 0;
  s->fx_left = 0;
  s->fx_in_payload = s->fx_op = s->fx_in_msg = s->ws_close_queued = s->ws_close_received = 0;
  s->pkg.len = s->pkg_total = 0;
  s->auth_pending = s->bye_pending = 0;
  s->eof = 0;
  s->tls_ready = s->tls_verified = s->tls_notify_sent = s->tls_out_full = 0;
  s->tls_in = NULL;
  s->tls_in_len = 0;
  s->rec_hlen = 0;
  s->rec_left = 0;
  s->login_deadline = s->ping_deadline = s->bye_deadline = s->close_deadline = RTM_PUSH__NO_DEADLINE;
  s->reconnect_at = RTM_PUSH__NO_DEADLINE;
  s->err = 0;
  s->errmsg[0] = 0;
}
/* Plaintext from the transport (the socket, or TLS). */
static void rtm_push__plain_input(rtm_push *s, const uint8_t *p, size_t len) {
  if (s->state == RTM_PUSH_STATE_CONNECTING && len) s->state = RTM_PUSH_STATE_UPGRADING;
  while (len && !rtm_push__stopped(s)) {
    if (s->phase == RTM_PUSH__PH_HTTP || s->phase == RTM_PUSH__PH_HTTP_BODY) {
      long k = rtm_push__http_input(s, p, len);
      if (k < 0) break;
      p += k;
      len -= (size_t)k;
    } else if (s->phase == RTM_PUSH__PH_WS) {
      rtm_push__ws_input(s, p, len);
      break;
    } else {
      rtm_push__fpnn_input(s, p, len);
      break;
    }
  }
}
static int rtm_push__mid_stream(const rtm_push *s) {
  return s->fx_hlen || s->fx_in_payload || s->pkg.len || s->pkg_total ||
         (s->phase == RTM_PUSH__PH_HTTP && s->http.len) || s->phase == RTM_PUSH__PH_HTTP_BODY;
}
/* The plaintext stream ended (EOF, or TLS close_notify). */
static void rtm_push__plain_eof(rtm_push *s) {
  if (rtm_push__ended(s)) return;
  if (s->phase == RTM_PUSH__PH_HTTP_BODY) rtm_push__http_refused(s);
  else if (s->state == RTM_PUSH_STATE_CLOSING && s->ws_close_queued) /* PROTOCOL.md 2 */
    rtm_push__finish(s, 0);
  else if (rtm_push__mid_stream(s))
    rtm_push__fail(s, RTM_PUSH_E_TRUNCATED, "the connection ended inside %s (truncated)",
                   s->phase == RTM_PUSH__PH_HTTP ? "an HTTP response" : s->pkg.len || s->pkg_total ? "an FPNN package" : "a WebSocket frame");
  else if (s->state == RTM_PUSH_STATE_CLOSING) rtm_push__finish(s, 0);
  else if (s->cfg.no_login && s->state == RTM_PUSH_STATE_READY) rtm_push__finish(s, 0);
  else rtm_push__fail(s, RTM_PUSH_E_EOF, "the server closed the connection (state %s)", rtm_push_state_name(s->state));
}
static void rtm_push__room_quest_noop(rtm_push *s, const rtm_push_answer *a, void *user_data) {
  (void)s, (void)a, (void)user_data;
}
static int rtm_push__room_quest(rtm_push *s, const char *method, int64_t rid, rtm_push_answer_fn cb, void *user, int op) {
  rtm_push__kv kv[1];
  int rc;
  memset(kv, 0, sizeof kv);
  kv[0].key = "rid";
  kv[0].i = rid;
  /* a callback is needed to learn the outcome (room tracking), even when the host gives none */
  rc = rtm_push__kv_quest(s, method, kv, 1, 0, 0, cb ? cb : rtm_push__room_quest_noop, user, op, NULL);
  return rc;
}
static void rtm_push__reenter_rooms(rtm_push *s) {
  uint32_t i, n = s->nrooms;
  for (i = 0; i < n && i < s->nrooms; i++) {
    int rc = rtm_push__room_quest(s, "enterroom", s->rooms[i], NULL, NULL, RTM_PUSH__ROOM_REENTER);
    if (rc) rtm_push__warn(s, rc, "re-entering room %lld after the reconnect: %s", (long long)s->rooms[i], rtm_push_strerror(rc));
  }
}
/* >>quests: our quests, matched to their answers by seq, and the payloads we build -------------- */
static void rtm_push__quest_free(rtm_push *s, rtm_push__quest *q) { rtm_push__dealloc(&s->cfg.allocator, q->method); }
/* Take quest i out of the table, then call its callback (which may issue new quests). */
static void rtm_push__quest_finish(rtm_push *s, uint32_t i, rtm_push_answer *a) {
  rtm_push__quest q = s->quests[i];
  s->quests[i] = s->quests[--s->nquests];
  a->seq = q.seq;
  a->method = q.method;
  a->mid = q.mid;
  if (a->result == RTM_PUSH_E_QUEST_TIMEOUT) a->code = RTM_PUSH__FPNN_CODE_TIMEOUT;
  if (a->result == RTM_PUSH_E_QUEST_CLOSED) a->code = RTM_PUSH__FPNN_CODE_CLOSED;
  if (q.room_op != RTM_PUSH__ROOM_NONE && a->result == RTM_PUSH_OK) rtm_push__room_track(s, q.rid, q.room_op != RTM_PUSH__ROOM_LEAVE);
  if (q.room_op == RTM_PUSH__ROOM_REENTER && a->result != RTM_PUSH_OK && a->result != RTM_PUSH_E_QUEST_CLOSED)
    rtm_push__warn(s, a->result, "re-entering room %lld after the reconnect failed: %s (code %lld)", (long long)q.rid,
                   rtm_push_strerror(a->result), (long long)a->code);
  if (q.cb && !s->free_requested) {
    s->in_cb++;
    q.cb(s, a, q.user);
    s->in_cb--;
  }
  rtm_push__quest_free(s, &q);
}
static int rtm_push__quest_answered(rtm_push *s, const rtm_push_event *ev) {
  uint32_t i;
  for (i = 0; i < s->nquests; i++) {
    if (s->quests[i].seq == ev->seq) {
      rtm_push_answer a;
      int rc = 0;
      memset(&a, 0, sizeof a);
      a.result = ev->status ? RTM_PUSH_E_QUEST_ERROR : RTM_PUSH_OK;
      a.status = ev->status;
      a.code = ev->code;
      a.ex = ev->ex;
      a.encoding = ev->encoding;
      a.payload = ev->payload;
      if (!ev->status) { /* the send methods answer {"mtime": Int64} */
        rtm_push__rd r;
        rtm_push_str k;
        rtm_push__val v;
        if (rtm_push__rd_open(&r, s, (const uint8_t *)ev->payload.ptr, ev->payload.len, ev->encoding == RTM_PUSH_ENC_MSGPACK) == 0) {
          r.second = 1; /* the payload's second reading */
          while ((rc = rtm_push__rd_next(&r, &k, &v)) == 1)
            if (rtm_push__key_is(&k, "mtime") && rtm_push__val_int64(&r, &v, "mtime", &a.mtime) == 0) a.has_mtime = 1;
        }
      }
      rtm_push__quest_finish(s, i, &a);
      if (rc == RTM_PUSH_E_NOMEM && !rtm_push__stopped(s)) rtm_push__fail(s, rc, NULL);
      return 1;
    }
  }
  return 0;
}
/* Time out the overdue, or (all = 1) end every pending quest: exactly one callback each. */
static void rtm_push__quests_expire(rtm_push *s, int all) {
  uint32_t i = 0;
  while (i < s->nquests) {
    if (all || s->quests[i].deadline <= s->now) {
      rtm_push_answer a;
      memset(&a, 0, sizeof a);
      a.result = all ? RTM_PUSH_E_QUEST_CLOSED : RTM_PUSH_E_QUEST_TIMEOUT;
      rtm_push__quest_finish(s, i, &a);
      i = 0; /* the table changed (and a callback may have added quests) */
      continue;
    }
    i++;
  }
}
static uint64_t rtm_push__quests_deadline(const rtm_push *s) {
  uint64_t d = RTM_PUSH__NO_DEADLINE;
  uint32_t i;
  for (i = 0; i < s->nquests; i++) if (s->quests[i].deadline < d) d = s->quests[i].deadline;
  return d;
}
/* msgpack writer: just what our own quests need (maps of strings and integers). */
static int rtm_push__mp_put(rtm_push *s, rtm_push__buf *b, uint8_t tag, uint64_t v, int w) {
  uint8_t t[9];
  int i;
  t[0] = tag;
  for (i = 0; i < w; i++) t[1 + i] = (uint8_t)(v >> (8 * (w - 1 - i)));
  return tag ? rtm_push__append(s, b, t, (size_t)(1 + w)) : rtm_push__append(s, b, t + 1, (size_t)w);
}
static int rtm_push__mp_int(rtm_push *s, rtm_push__buf *b, int64_t v) {
  if (v >= 0 && v <= 127) return rtm_push__mp_put(s, b, 0, (uint64_t)v, 1);
  if (v < 0 && v >= -32) return rtm_push__mp_put(s, b, 0, (uint64_t)v & 0xff, 1);
  if (v >= 0) return v <= 0xff ? rtm_push__mp_put(s, b, 0xcc, (uint64_t)v, 1)
                   : v <= 0xffff ? rtm_push__mp_put(s, b, 0xcd, (uint64_t)v, 2)
                   : v <= 0xffffffffLL ? rtm_push__mp_put(s, b, 0xce, (uint64_t)v, 4)
                   : rtm_push__mp_put(s, b, 0xcf, (uint64_t)v, 8);
  return v >= -128 ? rtm_push__mp_put(s, b, 0xd0, (uint64_t)v & 0xff, 1)
       : v >= -32768 ? rtm_push__mp_put(s, b, 0xd1, (uint64_t)v & 0xffff, 2)
       : v >= -2147483647LL - 1 ? rtm_push__mp_put(s, b, 0xd2, (uint64_t)v & 0xffffffffu, 4)
       : rtm_push__mp_put(s, b, 0xd3, (uint64_t)v, 8);
}
static int rtm_push__mp_strhdr(rtm_push *s, rtm_push__buf *b, size_t n) {
  return n < 32 ? rtm_push__mp_put(s, b, (uint8_t)(0xa0 | n), 0, 0)
       : n <= 0xff ? rtm_push__mp_put(s, b, 0xd9, n, 1)
       : n <= 0xffff ? rtm_push__mp_put(s, b, 0xda, n, 2) : rtm_push__mp_put(s, b, 0xdb, (uint64_t)n, 4);
}
static int rtm_push__mp_str(rtm_push *s, rtm_push__buf *b, const char *z) {
  size_t n = strlen(z);
  int rc = rtm_push__mp_strhdr(s, b, n);
  return rc ? rc : rtm_push__append(s, b, z, n);
}
static int rtm_push__mp_map(rtm_push *s, rtm_push__buf *b, size_t n) {
  return n < 16 ? rtm_push__mp_put(s, b, (uint8_t)(0x80 | n), 0, 0) : rtm_push__mp_put(s, b, 0xde, n, 2);
}

/* Internal: never runs the end-of-call work (rtm_push__leave); the public calls do. */
static int rtm_push__quest_send(rtm_push *s, const rtm_push_quest_desc *d, int64_t mid, int room_op, int64_t rid,
                                uint32_t *seq_out) {
  int rc, flag = d->encoding ? (int)d->encoding : RTM_PUSH_ENC_JSON;
  uint32_t seq = 0;
  size_t ml, len = d->payload_len;
  const void *payload = d->payload;
  const char *method = d->method;
  rtm_push_answer_fn cb = d->on_answer;
  if (!s || !method || (!payload && len)) return RTM_PUSH_E_INVALID_ARG;
  ml = strlen(method);
  if (ml == 0 || ml > 255 || (flag != RTM_PUSH_ENC_JSON && flag != RTM_PUSH_ENC_MSGPACK)) return RTM_PUSH_E_INVALID_ARG;
  if (!payload) {
    payload = flag == RTM_PUSH_ENC_MSGPACK ? "\x80" : "{}";
    len = flag == RTM_PUSH_ENC_MSGPACK ? 1 : 2;
  }
  if (s->state != RTM_PUSH_STATE_READY) return rtm_push__ended(s) ? RTM_PUSH_E_CLOSED : RTM_PUSH_E_STATE;
  if (cb) {
    rtm_push__quest *q;
    char *m;
    if (s->nquests >= s->cfg.limits.max_pending_quests) return RTM_PUSH_E_TOO_MANY_QUESTS;
    if (!(q = (rtm_push__quest *)rtm_push__grow(s, s->quests, s->nquests, &s->quests_cap, sizeof *q, 8))) return RTM_PUSH_E_NOMEM;
    s->quests = q;
    if (!(m = (char *)rtm_push__alloc(&s->cfg.allocator, ml + 1))) return RTM_PUSH_E_NOMEM;
    memcpy(m, method, ml + 1);
    seq = s->next_seq++;
    q = &s->quests[s->nquests];
    q->room_op = room_op;
    q->rid = rid;
    q->seq = seq;
    q->deadline = s->now + (d->timeout_ms ? d->timeout_ms : s->cfg.quest_timeout_ms);
    q->cb = cb;
    q->user = d->user_data;
    q->mid = mid;
    q->method = m;
  }
  rc = rtm_push__send_package(s, cb ? RTM_PUSH__FPNN_TWOWAY : RTM_PUSH__FPNN_ONEWAY, flag, seq, method, payload, len);
  if (rc) {
    if (cb) rtm_push__quest_free(s, &s->quests[s->nquests]);
    return rtm_push__send_or_fail(s, rc);
  }
  if (cb) s->nquests++;
  if (seq_out) *seq_out = seq;
  return RTM_PUSH_OK;
}
/* The end of a public quest call: outside callbacks, encrypt what was queued. */
static int rtm_push__quest_done(rtm_push *s, int rc) { return s && !s->in_cb ? rtm_push__leave(s, rc) : rc; }
static int rtm_push__kv_build(rtm_push *s, int flag, const rtm_push__kv *kv, int n, rtm_push__buf *b) {
  int i, rc = 0;
  size_t j;
  b->len = 0;
  if (flag == RTM_PUSH_ENC_MSGPACK) {
    rc = rtm_push__mp_map(s, b, (size_t)n);
    for (i = 0; i < n && !rc; i++) {
      rc = rtm_push__mp_str(s, b, kv[i].key);
      if (rc) break;
      if (kv[i].type == RTM_PUSH__KV_INT64) rc = rtm_push__mp_int(s, b, kv[i].i);
      else if (kv[i].type == RTM_PUSH__KV_STR) {
        rc = rtm_push__mp_strhdr(s, b, kv[i].n);
        if (!rc) rc = rtm_push__append(s, b, kv[i].str, kv[i].n);
      } else if (kv[i].type == RTM_PUSH__KV_BOOL) {
        rc = rtm_push__mp_put(s, b, kv[i].i ? 0xc3 : 0xc2, 0, 0);
      } else {
        for (j = 0; kv[i].pairs[j]; j += 2) {}
        rc = rtm_push__mp_map(s, b, j / 2);
        for (j = 0; !rc && kv[i].pairs[j]; j++) rc = rtm_push__mp_str(s, b, kv[i].pairs[j]);
      }
    }
    return rc ? RTM_PUSH_E_NOMEM : 0;
  }
  for (;;) { /* JSON: measure, then write */
    rtm_push__w w;
    w.buf = (char *)b->p;
    w.cap = b->cap;
    w.n = 0;
    rtm_push__wz(&w, "{");
    for (i = 0; i < n; i++) {
      rtm_push__wz(&w, i ? ",\"" : "\"");
      rtm_push__wz(&w, kv[i].key);
      rtm_push__wz(&w, "\":");
      if (kv[i].type == RTM_PUSH__KV_INT64) rtm_push__wi(&w, kv[i].i);
      else if (kv[i].type == RTM_PUSH__KV_STR) rtm_push__wjstr(&w, kv[i].str, kv[i].n);
      else if (kv[i].type == RTM_PUSH__KV_BOOL) rtm_push__wz(&w, kv[i].i ? "true" : "false");
      else {
        for (j = 0; kv[i].pairs[j]; j++) {
          rtm_push__wz(&w, j == 0 ? "{" : j % 2 ? ":" : ",");
          rtm_push__wjstr(&w, kv[i].pairs[j], strlen(kv[i].pairs[j]));
        }
        rtm_push__wz(&w, j ? "}" : "{}");
      }
    }
    rtm_push__wz(&w, "}");
    if (w.n + 1 <= b->cap) { b->len = w.n; return 0; }
    if (rtm_push__reserve(s, b, w.n + 1)) return RTM_PUSH_E_NOMEM;
  }
}
static int rtm_push__kv_quest(rtm_push *s, const char *method, const rtm_push__kv *kv, int n, int64_t mid,
                              uint32_t timeout_ms, rtm_push_answer_fn cb, void *user, int room_op, uint32_t *seq_out) {
  rtm_push_quest_desc d;
  int rc;
  if (!s) return RTM_PUSH_E_INVALID_ARG;
  if (s->state != RTM_PUSH_STATE_READY) return rtm_push__ended(s) ? RTM_PUSH_E_CLOSED : RTM_PUSH_E_STATE;
  if ((rc = rtm_push__kv_build(s, (int)s->cfg.quest_encoding, kv, n, &s->qbuf)) != 0) return rc;
  memset(&d, 0, sizeof d);
  d.method = method;
  d.encoding = s->cfg.quest_encoding;
  d.payload = s->qbuf.p;
  d.payload_len = s->qbuf.len;
  d.timeout_ms = timeout_ms;
  d.on_answer = cb;
  d.user_data = user;
  return rtm_push__quest_send(s, &d, mid, room_op, room_op ? kv[0].i : 0, seq_out);
}
/* >>catchup: after a reconnect, what was sent while the connection was down, from the history (issue #22) ----- */
/* One catch-up: getunread, then every conversation paged forward from `since` (HISTORY.md 4): P2P peers and groups
   getunread names, the rooms entered, the broadcast channel. Quests go out one interval apart (1000 /
   catch_up_rate ms of the host's time), catch_up_in_flight at a time; a conversation refused with 200010 waits
   (1 s, doubling) and tries again, up to RTM_PUSH__CU_RETRIES times. */
#define RTM_PUSH__CU_NUM 20          /* entries a page (the gate's maximum) */
#define RTM_PUSH__CU_RETRIES 5       /* 200010 answers borne by one conversation */
#define RTM_PUSH__CU_MAX_CONVS 4096  /* conversations one catch-up takes */
#define RTM_PUSH__RTM_RATE_LIMITED 200010
enum { RTM_PUSH__CU_TODO, RTM_PUSH__CU_SENT, RTM_PUSH__CU_DONE };
/* by category (NONE: getunread) */
static const char *const rtm_push__cu_methods[] = {"getunread", "getp2pmsg", "getgroupmsg", "getroommsg", "getbroadcastmsg"};
struct rtm_push__conv {
  int cat;                 /* RTM_PUSH_CAT_*; NONE: the getunread quest */
  int state;               /* RTM_PUSH__CU_TODO / _SENT / _DONE */
  uint32_t retries;
  int64_t target, lastid, begin, end;
  uint64_t not_before;     /* after a 200010: not sent again before this time */
};
struct rtm_push__cu {
  int active;
  rtm_push__conv *convs;   /* convs[0]: getunread */
  uint32_t n, cap, in_flight;
  uint64_t next_send;      /* pacing: the next quest not before this time */
  rtm_push_catch_up_counts counts;
};
static const char *rtm_push__cu_what(int cat) {
  return cat == RTM_PUSH_CAT_P2P ? "P2P peer" : cat == RTM_PUSH_CAT_GROUP ? "group" : cat == RTM_PUSH_CAT_ROOM ? "room"
       : cat == RTM_PUSH_CAT_BROADCAST ? "broadcast" : "getunread";
}
static int rtm_push__cu_add(rtm_push *s, int cat, int64_t target) {
  struct rtm_push__cu *cu = s->cu;
  rtm_push__conv *c;
  uint32_t i;
  for (i = 0; i < cu->n; i++) if (cu->convs[i].cat == cat && cu->convs[i].target == target) return 0;
  if (cu->n == RTM_PUSH__CU_MAX_CONVS) return 0;
  if (!(c = (rtm_push__conv *)rtm_push__grow(s, cu->convs, cu->n, &cu->cap, sizeof *c, 16))) return RTM_PUSH_E_NOMEM;
  cu->convs = c;
  c = &cu->convs[cu->n++];
  memset(c, 0, sizeof *c);
  c->cat = cat;
  c->target = target;
  c->begin = cu->counts.since;
  if (cat != RTM_PUSH_CAT_NONE) cu->counts.conversations++;
  return 0;
}
static int rtm_push__cu_start(rtm_push *s, int64_t since) {
  uint32_t i;
  int rc;
  if (!s->cu) {
    if (!(s->cu = (struct rtm_push__cu *)rtm_push__alloc(&s->cfg.allocator, sizeof *s->cu))) return RTM_PUSH_E_NOMEM;
    memset(s->cu, 0, sizeof *s->cu);
  }
  s->cu->n = s->cu->in_flight = 0;
  memset(&s->cu->counts, 0, sizeof s->cu->counts);
  s->cu->counts.since = since;
  if (s->cu->next_send < s->now) s->cu->next_send = s->now; /* the pacing holds across catch-ups too */
  if ((rc = rtm_push__cu_add(s, RTM_PUSH_CAT_NONE, 0)) != 0) return rc;
  for (i = 0; i < s->nrooms; i++) if ((rc = rtm_push__cu_add(s, RTM_PUSH_CAT_ROOM, s->rooms[i])) != 0) return rc;
  if ((rc = rtm_push__cu_add(s, RTM_PUSH_CAT_BROADCAST, 0)) != 0) return rc;
  s->cu->active = 1;
  s->cu_due = 0;
  rtm_push__cu_pump(s);
  return 0;
}
/* A conversation failed: a non-fatal ERROR that names it; the others go on. */
static void rtm_push__cu_fail(rtm_push *s, rtm_push__conv *c, const rtm_push_answer *a, const char *why) {
  c->state = RTM_PUSH__CU_DONE;
  s->cu->counts.errors++;
  if (c->cat == RTM_PUSH_CAT_NONE)
    rtm_push__warn(s, RTM_PUSH_E_CATCH_UP, "catch-up: getunread failed (%s, code %lld): P2P and group conversations not fetched",
                   why, (long long)(a ? a->code : 0));
  else
    rtm_push__warn(s, RTM_PUSH_E_CATCH_UP, "catch-up of %s %lld failed: %s (code %lld%s%.*s)", rtm_push__cu_what(c->cat),
                   (long long)c->target, why, (long long)(a ? a->code : 0), a && a->ex.len ? ": " : "",
                   (int)(a ? RTM_PUSH__MIN(a->ex.len, 100) : 0), a && a->ex.ptr ? a->ex.ptr : "");
}
/* Walk an array value's elements with a reader of its own (JSON or msgpack). */
static int rtm_push__arr_open(rtm_push__rd *a, const rtm_push__rd *r, const rtm_push__val *v) {
  memset(a, 0, sizeof *a);
  a->s = r->s;
  a->msgpack = r->msgpack;
  a->max_depth = r->max_depth;
  a->depth = 2;
  a->second = r->second;
  a->start = a->p = v->raw;
  a->end = v->raw_end;
  if (v->t != RTM_PUSH__V_ARRAY) return rtm_push__rd_err(a, RTM_PUSH_E_FIELD_TYPE, "expected an array");
  if (!r->msgpack) { a->p++, a->end--, a->first = 1; return 0; } /* inside [ ] */
  if (*a->p >= 0x90 && *a->p <= 0x9f) a->left = *a->p++ & 0x0f;
  else { /* 0xdc, 0xdd: the value was read whole, so its header is there */
    int w = *a->p++ == 0xdc ? 2 : 4;
    a->left = (uint32_t)rtm_push__be(a->p, w);
    a->p += w;
  }
  return 0;
}
/* 1: an element in v, 0: the end, <0: error */
static int rtm_push__arr_next(rtm_push__rd *a, rtm_push__val *v) {
  int rc;
  if (a->msgpack) {
    if (!a->left) return 0;
    a->left--;
    return (rc = rtm_push__mp_value(a, v, 1)) != 0 ? rc : 1;
  }
  rtm_push__json_ws(a);
  if (a->p >= a->end) return 0;
  if (!a->first) {
    if (*a->p != ',') return rtm_push__rd_err(a, RTM_PUSH_E_PAYLOAD_SYNTAX, "expected ',' in an array");
    a->p++;
  }
  a->first = 0;
  return (rc = rtm_push__json_value(a, v, RTM_PUSH__STR_VALUE)) != 0 ? rc : 1;
}
/* getunread: {p2p: [uid], group: [gid]} (arrays of integers or decimal strings; maps id -> time also read). */
static int rtm_push__cu_unread(rtm_push *s, const rtm_push_answer *a) {
  rtm_push__rd r, e;
  rtm_push_str k;
  rtm_push__val v, x;
  int rc, cat;
  rtm_push__scratch_reset(s, a->payload.len);
  if ((rc = rtm_push__rd_open(&r, s, (const uint8_t *)a->payload.ptr, a->payload.len, a->encoding == RTM_PUSH_ENC_MSGPACK)) != 0) return rc;
  while ((rc = rtm_push__rd_next(&r, &k, &v)) == 1) {
    cat = rtm_push__key_is(&k, "p2p") ? RTM_PUSH_CAT_P2P : rtm_push__key_is(&k, "group") ? RTM_PUSH_CAT_GROUP : 0;
    if (!cat) continue;
    if (v.t == RTM_PUSH__V_MAP) {
      rtm_push_str id;
      if ((rc = rtm_push__rd_sub(&e, &r, &v)) != 0) return rc;
      while ((rc = rtm_push__rd_next(&e, &id, &x)) == 1) {
        int64_t t;
        if (id.ptr && rtm_push_parse_int64(id.ptr, id.len, &t) == 0 && (rc = rtm_push__cu_add(s, cat, t)) != 0) return rc;
      }
    } else {
      if ((rc = rtm_push__arr_open(&e, &r, &v)) != 0) { memcpy(r.what, e.what, sizeof r.what); return rc; }
      while ((rc = rtm_push__arr_next(&e, &x)) == 1) {
        int64_t t;
        if (rtm_push__val_int64(&e, &x, k.ptr && k.len == 3 ? "p2p" : "group", &t) == 0 && (rc = rtm_push__cu_add(s, cat, t)) != 0) return rc;
      }
    }
    if (rc < 0) return rc;
  }
  return rc;
}
/* One history element [id, from|direction, mtype, mid, deleted, msg, attrs, mtime] into the event its push would
   have been. Returns 1 to deliver, 0 to skip (deleted, our own), <0 a malformed element (r->what). */
static int rtm_push__cu_element(rtm_push__rd *r, const rtm_push__conv *c, rtm_push_event *ev, int64_t *id) {
  static const int base[] = {0, RTM_PUSH_EV_PUSHMSG, RTM_PUSH_EV_PUSHGROUPMSG, RTM_PUSH_EV_PUSHROOMMSG, RTM_PUSH_EV_PUSHBROADCASTMSG};
  static const int bits[8] = {-1, RTM_PUSH_FIELD_FROM, RTM_PUSH_FIELD_MTYPE, RTM_PUSH_FIELD_MID, -1, RTM_PUSH_FIELD_MSG,
                              RTM_PUSH_FIELD_ATTRS, RTM_PUSH_FIELD_MTIME};
  rtm_push__val v;
  int i, rc, deleted = 0;
  int64_t who = 0;
  rtm_push__ev_init(ev, base[c->cat]);
  for (i = 0; (rc = rtm_push__arr_next(r, &v)) == 1; i++) {
    if (i == 0) rc = rtm_push__val_int64(r, &v, "id", id);
    else if (i == 1 && c->cat == RTM_PUSH_CAT_P2P) rc = rtm_push__val_int64(r, &v, "direction", &who);
    else if (i == 4) deleted = v.t == RTM_PUSH__V_BOOL ? v.b : v.t == RTM_PUSH__V_INT && v.i != 0;
    else if (i < 8) rc = rtm_push__field_set(r, ev, bits[i], &v);
    if (rc < 0) return rc;
  }
  if (rc < 0) return rc;
  if (i < 8) return rtm_push__rd_err(r, RTM_PUSH_E_PAYLOAD_SYNTAX, "history element with fewer than 8 members");
  if (deleted) return 0;
  if (c->cat == RTM_PUSH_CAT_P2P) { /* 1: we sent it; 2 (anything else, as the Android SDK): the peer did */
    if (who == 1) return 0;
    ev->from = c->target, ev->to = r->s->cfg.uid;
    ev->fields |= RTM_PUSH_F_FROM | RTM_PUSH_F_TO;
  } else if (ev->from == r->s->cfg.uid) {
    return 0; /* our own message: pushes never carry them */
  }
  if (c->cat == RTM_PUSH_CAT_GROUP) ev->gid = c->target, ev->fields |= RTM_PUSH_F_GID;
  if (c->cat == RTM_PUSH_CAT_ROOM) ev->rid = c->target, ev->fields |= RTM_PUSH_F_RID;
  if (ev->fields & RTM_PUSH_F_MTYPE) {
    int t = rtm_push__route(base[c->cat], ev->mtype);
    ev->type = (rtm_push_event_type)t;
    ev->name = rtm_push__evdefs[t].name;
    ev->kind = (rtm_push_kind)rtm_push__evdefs[t].kind;
  }
  ev->caught_up = 1;
  return 1;
}
/* A page: {num, lastid, begin, end, msgs}. Delivers its messages in order; returns 1 when the conversation has
   more (a full page whose cursor moved), 0 when it is done, <0 an error (the session's, or a payload error). */
static int rtm_push__cu_page(rtm_push *s, rtm_push__conv *c, const rtm_push_answer *a, uint32_t seq) {
  rtm_push__rd r, arr, el;
  rtm_push_str k;
  rtm_push__val v, msgs;
  int rc, have_msgs = 0;
  int64_t lastid = c->lastid, begin = c->begin, end = c->end, x, maxid = c->lastid;
  uint32_t count = 0;
  rtm_push__scratch_reset(s, a->payload.len);
  if ((rc = rtm_push__rd_open(&r, s, (const uint8_t *)a->payload.ptr, a->payload.len, a->encoding == RTM_PUSH_ENC_MSGPACK)) != 0) goto bad;
  while ((rc = rtm_push__rd_next(&r, &k, &v)) == 1) {
    if (rtm_push__key_is(&k, "msgs") && v.t == RTM_PUSH__V_ARRAY) msgs = v, have_msgs = 1;
    else if (v.t == RTM_PUSH__V_INT && rtm_push__val_int64(&r, &v, "lastid", &x) == 0) {
      if (rtm_push__key_is(&k, "lastid")) lastid = x;
      else if (rtm_push__key_is(&k, "begin")) begin = x;
      else if (rtm_push__key_is(&k, "end")) end = x;
    }
  }
  if (rc < 0) goto bad;
  s->cu->counts.pages++;
  if (have_msgs) {
    if ((rc = rtm_push__arr_open(&arr, &r, &msgs)) != 0) { memcpy(r.what, arr.what, sizeof r.what); goto bad; }
    for (;;) {
      rtm_push_event ev;
      int64_t id = 0;
      if ((rc = rtm_push__arr_next(&arr, &v)) != 1) break;
      count++;
      if ((rc = rtm_push__arr_open(&el, &arr, &v)) == 0) rc = rtm_push__cu_element(&el, c, &ev, &id);
      if (id > maxid) maxid = id;
      if (rc == RTM_PUSH_E_NOMEM) return rtm_push__fail(s, rc, NULL);
      if (rc < 0) {
        rtm_push__warn(s, rc, "%s %s %lld: a history element dropped: %s", rtm_push__cu_methods[c->cat], rtm_push__cu_what(c->cat),
                       (long long)c->target, el.what);
        if (rtm_push__stopped(s)) return RTM_PUSH_E_CLOSED;
        continue;
      }
      if (rc == 0) continue;
      ev.method.ptr = rtm_push__cu_methods[c->cat];
      ev.method.len = strlen(rtm_push__cu_methods[c->cat]);
      ev.seq = seq;
      ev.encoding = a->encoding;
      ev.payload.ptr = (const char *)v.raw;
      ev.payload.len = (size_t)(v.raw_end - v.raw);
      ev.payload.binary = a->encoding == RTM_PUSH_ENC_MSGPACK;
      if ((rc = rtm_push__deliver_message(s, &ev)) < 0) return rc;
      if (rc == 1) s->cu->counts.messages++;
      if (rc == 2) s->cu->counts.duplicates++;
      if (rtm_push__stopped(s) || !s->cu->active) return RTM_PUSH_E_CLOSED;
    }
    if (rc < 0) { memcpy(r.what, arr.what, sizeof r.what); goto bad; }
  }
  if (lastid == 0) lastid = maxid;
  if (count < RTM_PUSH__CU_NUM || lastid == c->lastid) return 0; /* a short page (raw count), or no progress */
  c->lastid = lastid, c->begin = begin, c->end = end;
  return 1;
bad:
  if (rc == RTM_PUSH_E_NOMEM) return rtm_push__fail(s, rc, NULL);
  rtm_push__cu_fail(s, c, NULL, r.what);
  return RTM_PUSH_E_CATCH_UP;
}
/* Every catch-up quest's answer (user_data: the conversation's index + 1). */
static void rtm_push__cu_answer(rtm_push *s, const rtm_push_answer *a, void *user_data) {
  struct rtm_push__cu *cu = s->cu;
  uint32_t i = (uint32_t)((uintptr_t)user_data - 1);
  rtm_push__conv *c;
  int rc;
  if (!cu || i >= cu->n) return;
  cu->in_flight--;
  c = &cu->convs[i];
  if (!cu->active || a->result == RTM_PUSH_E_QUEST_CLOSED) { /* the connection ended: the next login starts over */
    c->state = RTM_PUSH__CU_TODO;
    return;
  }
  if (a->result == RTM_PUSH_E_QUEST_ERROR && a->code == RTM_PUSH__RTM_RATE_LIMITED && c->retries < RTM_PUSH__CU_RETRIES) {
    c->not_before = s->now + (1000u << c->retries++); /* back off: 1 s, 2 s, 4 s, ... */
    c->state = RTM_PUSH__CU_TODO;
  } else if (a->result != RTM_PUSH_OK) {
    rtm_push__cu_fail(s, c, a, a->result == RTM_PUSH_E_QUEST_TIMEOUT ? "no answer in time"
                                 : a->code == RTM_PUSH__RTM_RATE_LIMITED ? "rate limit (200010) every time"
                                 : a->code == 200041 ? "not a member of the group"
                                 : a->code == 200040 ? "not in the room" : "error answer");
  } else if (c->cat == RTM_PUSH_CAT_NONE) {
    c->state = RTM_PUSH__CU_DONE;
    rc = rtm_push__cu_unread(s, a);
    if (rc == RTM_PUSH_E_NOMEM) { rtm_push__fail(s, rc, NULL); return; }
    if (rc < 0) rtm_push__cu_fail(s, &cu->convs[0], NULL, "malformed answer");
  } else {
    rc = rtm_push__cu_page(s, c, a, a->seq);
    if (rtm_push__stopped(s) || !cu->active) return;
    c = &cu->convs[i];
    c->retries = 0;
    if (rc >= 0) c->state = rc ? RTM_PUSH__CU_TODO : RTM_PUSH__CU_DONE;
  }
  if (!rtm_push__stopped(s)) rtm_push__cu_pump(s);
}
static int rtm_push__cu_send(rtm_push *s, uint32_t i) {
  static const char *const ids[] = {NULL, "ouid", "gid", "rid", NULL};
  const rtm_push__conv *c = &s->cu->convs[i];
  rtm_push__kv kv[6];
  int n = 0;
  memset(kv, 0, sizeof kv);
  if (c->cat == RTM_PUSH_CAT_NONE) {
    kv[n].key = "clear", kv[n++].type = RTM_PUSH__KV_BOOL; /* false: leave the unread marks as they are */
  } else {
    if (ids[c->cat]) kv[n].key = ids[c->cat], kv[n++].i = c->target;
    kv[n].key = "desc", kv[n++].type = RTM_PUSH__KV_BOOL;
    kv[n].key = "num", kv[n++].i = RTM_PUSH__CU_NUM;
    kv[n].key = "begin", kv[n++].i = c->begin;
    kv[n].key = "end", kv[n++].i = c->end;
    kv[n].key = "lastid", kv[n++].i = c->lastid;
  }
  return rtm_push__kv_quest(s, rtm_push__cu_methods[c->cat], kv, n, 0, 0, rtm_push__cu_answer, (void *)(uintptr_t)(i + 1), 0, NULL);
}
/* The end of a catch-up: its counts. */
static void rtm_push__cu_end(rtm_push *s) {
  rtm_push_event ev;
  s->cu->active = 0;
  rtm_push__ev_init(&ev, RTM_PUSH_EV_CATCH_UP);
  ev.counts = s->cu->counts;
  rtm_push__emit(s, &ev);
}
/* Send what the pacing allows now; end the catch-up when nothing is left. */
static void rtm_push__cu_pump(rtm_push *s) {
  struct rtm_push__cu *cu = s->cu;
  while (cu && cu->active && s->state == RTM_PUSH_STATE_READY && !s->free_requested) {
    uint32_t i, pick = UINT32_MAX, busy = 0;
    int rc;
    for (i = 0; i < cu->n; i++) {
      if (cu->convs[i].state != RTM_PUSH__CU_DONE) busy = 1;
      if (cu->convs[i].state == RTM_PUSH__CU_TODO && cu->convs[i].not_before <= s->now) { pick = i; break; }
    }
    if (!busy) { rtm_push__cu_end(s); return; }
    if (pick == UINT32_MAX || cu->in_flight >= s->cfg.catch_up_in_flight || s->now < cu->next_send) return;
    cu->convs[pick].state = RTM_PUSH__CU_SENT;
    cu->next_send = s->now + (1000 + s->cfg.catch_up_rate - 1) / s->cfg.catch_up_rate;
    cu->in_flight++;
    if ((rc = rtm_push__cu_send(s, pick)) != 0) {
      cu->in_flight--;
      if (rtm_push__stopped(s)) return;
      cu->convs[pick].state = RTM_PUSH__CU_TODO;
      if (rc != RTM_PUSH_E_TOO_MANY_QUESTS) {
        rtm_push_answer a;
        memset(&a, 0, sizeof a);
        a.result = rc;
        rtm_push__cu_fail(s, &cu->convs[pick], &a, rtm_push_strerror(rc));
      }
      return; /* too many quests: again at the next interval */
    }
  }
}
/* When the pacing or a backoff next lets a quest go (for rtm_push_next_deadline). */
static uint64_t rtm_push__cu_deadline(const rtm_push *s) {
  const struct rtm_push__cu *cu = s->cu;
  uint64_t d = RTM_PUSH__NO_DEADLINE;
  uint32_t i;
  if (!cu || !cu->active || s->state != RTM_PUSH_STATE_READY || cu->in_flight >= s->cfg.catch_up_in_flight) return d;
  for (i = 0; i < cu->n; i++)
    if (cu->convs[i].state == RTM_PUSH__CU_TODO && cu->convs[i].not_before < d) d = cu->convs[i].not_before;
  return d == RTM_PUSH__NO_DEADLINE ? d : d > cu->next_send ? d : cu->next_send;
}
/* The connection ended (before CLOSED and before the pending quests' callbacks): with config.catch_up, the next
   login catches up from the watermark as it stood now -- or, when a catch-up was running or still due, from where
   that one started, so that nothing between is skipped. */
static void rtm_push__cu_lost(rtm_push *s) {
  if (!s->cfg.catch_up) return;
  if (s->cu && s->cu->active) s->cu_from = s->cu->counts.since, s->cu_due = 1, s->cu->active = 0;
  else if (!s->cu_due && s->ready_at != RTM_PUSH__NO_DEADLINE) s->cu_from = s->wm, s->cu_due = 1;
}
/* Logged in: catch up if a lost connection left that due. */
static void rtm_push__cu_login(rtm_push *s) {
  int rc;
  if (!s->cfg.catch_up || !s->cu_due) return;
  if (!s->cu_from) {
    s->cu_due = 0;
    rtm_push__warn(s, RTM_PUSH_E_CATCH_UP, "catch-up skipped: no watermark (nothing delivered before the connection was lost, and none set)");
    return;
  }
  if ((rc = rtm_push__cu_start(s, s->cu_from)) == RTM_PUSH_E_NOMEM) rtm_push__fail(s, rc, NULL);
}
/* The last steps of a message event, pushed or caught up: file msg, excludedUids, the duplicate table, the
   watermark, delivery. Returns 1 delivered, 2 a duplicate, 0 excluded, <0 the session failed. */
RTM_PUSH__HOT int rtm_push__deliver_message(rtm_push *s, rtm_push_event *ev) {
  rtm_push__dent key;
  int rc;
  rtm_push__dd_key(s, ev, &key);
  if ((ev->kind == RTM_PUSH_KIND_FILE && (rc = rtm_push__decode_file(s, ev)) != 0) || (rc = rtm_push__excluded(s, ev)) != 0)
    return rc < 0 ? rtm_push__fail(s, rc, NULL) : 0;
  if (!s->cfg.no_dedup && (ev->fields & RTM_PUSH_F_MID) && ev->mid != 0) {
    rc = rtm_push__dd_check(s, &key);
    if (rc < 0) return rtm_push__fail(s, rc, NULL);
    if (rc) return 2;
  }
  if ((ev->fields & RTM_PUSH_F_MTIME) && ev->mtime > s->wm) s->wm = ev->mtime;
  rtm_push__emit(s, ev);
  return 1;
}
RTM_PUSH_API_IMPL int rtm_push_catch_up(rtm_push *s, int64_t since_ms) {
  int rc;
  if (!s) return RTM_PUSH_E_INVALID_ARG;
  if (s->state != RTM_PUSH_STATE_READY) return rtm_push__ended(s) ? RTM_PUSH_E_CLOSED : RTM_PUSH_E_STATE;
  if (s->cu && s->cu->active) return RTM_PUSH_E_STATE;
  if (!since_ms && !(since_ms = s->wm)) return RTM_PUSH_E_INVALID_ARG;
  rc = rtm_push__cu_start(s, since_ms);
  if (rc == RTM_PUSH_E_NOMEM) rtm_push__fail(s, rc, NULL);
  return rtm_push__quest_done(s, rc);
}
RTM_PUSH_API_IMPL int64_t rtm_push_watermark(const rtm_push *s) { return s ? s->wm : 0; }
RTM_PUSH_API_IMPL int rtm_push_set_watermark(rtm_push *s, int64_t ms) {
  if (!s || ms < 0) return RTM_PUSH_E_INVALID_ARG;
  s->wm = ms;
  return RTM_PUSH_OK;
}
/* >>json: the JSON reader ----------------------------------------------------------------------- */
static int rtm_push__rd_err(rtm_push__rd *r, int code, const char *what) {
  snprintf(r->what, sizeof r->what, "%s", what);
  return code;
}
/* A new package: nothing points into scratch any more. The first escape reserves the payload's length + 64:
   strings are decoded in order, each no longer than its JSON, and a string takes room for the rest of the
   payload (+16) before it is trimmed, so the used part plus that room never passes the payload's length + 16.
   What is read a second time (a file msg's JSON text, attrs, an answer's payload for the quest callback)
   goes to scratch2, bounded the same way (those texts are disjoint parts of the payload), and reserved only
   when that second reading meets an escape. (It was 4x the payload in one buffer: an 8 MiB push with one
   escape reserved 32 MiB.) */
static void rtm_push__scratch_reset(rtm_push *s, size_t plen) {
  s->scratch.len = s->scratch2.len = 0;
  s->scratch_need = s->scratch2_need = plen > SIZE_MAX - 64 ? SIZE_MAX : plen + 64;
}
static rtm_push__buf *rtm_push__scratch_of(rtm_push__rd *r) { return r->second ? &r->s->scratch2 : &r->s->scratch; }
static int rtm_push__scratch_take(rtm_push__rd *r, size_t n, char **out) {
  rtm_push__buf *b = rtm_push__scratch_of(r);
  size_t need = r->second ? r->s->scratch2_need : r->s->scratch_need;
  if (b->len == 0 && b->cap < need && rtm_push__reserve(r->s, b, need))
    return rtm_push__rd_err(r, RTM_PUSH_E_NOMEM, "out of memory for decoded strings");
  if (n > b->cap - b->len) return rtm_push__rd_err(r, RTM_PUSH_E_PAYLOAD_SYNTAX, "decode buffer exhausted");
  *out = (char *)b->p + b->len;
  b->len += n;
  return 0;
}

/* JSON */
static const uint8_t *rtm_push__ws_skip(const uint8_t *p, const uint8_t *end) {
  while (p < end && *p <= ' ' && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
  return p;
}
static void rtm_push__json_ws(rtm_push__rd *r) { r->p = rtm_push__ws_skip(r->p, r->end); }
/* Whitespace is rare inside FPNN's JSON (one space after each comma): test before calling. */
#define RTM_PUSH__WS(p, end) \
  do { if ((p) < (end) && *(p) <= ' ') (p) = rtm_push__ws_skip((p), (end)); } while (0)
/* What a two-byte escape \\c stands for; 0 for \\u and for invalid ones (a table: no indirect jump). */
RTM_PUSH__HOT uint8_t rtm_push__unescape1(uint8_t c) {
  static const uint8_t t[128] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 34, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 47,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 92, 0, 0, 0,
    0, 0, 8, 0, 0, 0, 12, 0, 0, 0, 0, 0, 0, 0, 10, 0,
    0, 0, 13, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  };
  return c < 128 ? t[c] : 0;
}
/* One escape at q (a backslash), written to o (NULL: only checked). Returns the bytes of input it took,
   setting *olen to the bytes written; <= 0: the error message index (see rtm_push__json_str). */
static int rtm_push__escape(const uint8_t *q, const uint8_t *end, uint8_t *o, size_t *olen) {
  unsigned cp, lo;
  uint8_t c;
  if (end - q < 2) return 0;
  c = q[1];
  *olen = 1;
  switch (c) {
    case '"': case '\\': case '/': break;
    case 'b': c = '\b'; break;
    case 'f': c = '\f'; break;
    case 'n': c = '\n'; break;
    case 'r': c = '\r'; break;
    case 't': c = '\t'; break;
    case 'u':
      if (end - q < 6 || !rtm_push__hex4(q + 2, &cp)) return -1;
      if (cp >= 0xD800 && cp <= 0xDBFF && end - q >= 12 && q[6] == '\\' && q[7] == 'u' &&
          rtm_push__hex4(q + 8, &lo) && lo >= 0xDC00 && lo <= 0xDFFF) {
        if (o) *olen = rtm_push__put_utf8((char *)o, 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00));
        return 12;
      } /* a lone surrogate is kept (3 bytes) and makes the string binary */
      if (o) *olen = rtm_push__put_utf8((char *)o, cp);
      return 6;
    default: return -2;
  }
  if (o) *o = c;
  return 2;
}
/* The string at the opening quote r->p. */
static int rtm_push__json_str(rtm_push__rd *r, rtm_push_str *out, rtm_push__strmode mode) {
  unsigned high = 0;
  const uint8_t *q = r->s->k->scan_str(r->p + 1, r->end, &high);
  return rtm_push__json_str_at(r, out, mode, q, high);
}
/* An escaped string into scratch, from its first special byte q (the bytes before it are plain). Room for the
   rest of the payload and a 16-byte overhang (the kernels store whole vectors) is reserved, then trimmed to what
   was used. */
/* rtm_push__escape's results 0, -1, -2 in words */
static const char *const rtm_push__esc_errs[] = {"unterminated string", "bad \\u escape", "invalid escape in string"};
static int rtm_push__json_unescape(rtm_push__rd *r, rtm_push_str *out, const uint8_t *q) {
  const char *const *errs = rtm_push__esc_errs;
  const uint8_t *p = r->p + 1, *end = r->end;
  uint8_t *o0, *o, d;
  size_t ol;
  int k;
  char *c0;
  if ((k = rtm_push__scratch_take(r, (size_t)(end - p) + 16, &c0)) != 0) return k;
  o0 = (uint8_t *)c0;
  rtm_push__scratch_of(r)->len -= (size_t)(end - p) + 16;
  memcpy(o0, p, (size_t)(q - p));
  o = o0 + (q - p);
  for (;;) {
    r->s->k->unescape(&q, end, &o); /* plain bytes and the escapes \" and \/ */
    if (q == end) return rtm_push__rd_err(r, RTM_PUSH_E_PAYLOAD_SYNTAX, errs[0]);
    if (*q == '"') break;
    if (*q != '\\') return rtm_push__rd_err(r, RTM_PUSH_E_PAYLOAD_SYNTAX, "unescaped control character in string");
    if (end - q >= 2 && (d = rtm_push__unescape1(q[1])) != 0) { /* the other two-byte escapes */
      *o++ = d;
      q += 2;
    } else if ((k = rtm_push__escape(q, end, o, &ol)) > 0) {
      q += k;
      o += ol;
    } else {
      return rtm_push__rd_err(r, RTM_PUSH_E_PAYLOAD_SYNTAX, errs[-k]);
    }
  }
  rtm_push__scratch_of(r)->len += (size_t)(o - o0);
  out->ptr = (const char *)o0;
  out->len = (size_t)(o - o0);
  r->p = q + 1;
  return 0;
}
/* The string at r->p, with q its first special byte (its end quote, a backslash, a control character) or end, and
   high nonzero when a byte before q is not ASCII. */
static int rtm_push__json_str_at(rtm_push__rd *r, rtm_push_str *out, rtm_push__strmode mode, const uint8_t *q,
                                 unsigned high) {
  const uint8_t *p = r->p + 1, *end = r->end;
  size_t ol;
  int k, rc;
  if (q == end) return rtm_push__rd_err(r, RTM_PUSH_E_PAYLOAD_SYNTAX, "unterminated string");
  if (*q == '"') { /* no escapes: zero copy */
    if (mode != RTM_PUSH__STR_CHECK) {
      out->ptr = (const char *)p;
      out->len = (size_t)(q - p);
      out->binary = mode == RTM_PUSH__STR_VALUE && high && !rtm_push__utf8_ok(r->s, p, out->len);
    }
    r->p = q + 1;
    return 0;
  }
  if (mode == RTM_PUSH__STR_CHECK) {
    while (*q != '"') {
      if (*q < 0x20) return rtm_push__rd_err(r, RTM_PUSH_E_PAYLOAD_SYNTAX, "unescaped control character in string");
      if ((k = rtm_push__escape(q, end, NULL, &ol)) <= 0)
        return rtm_push__rd_err(r, RTM_PUSH_E_PAYLOAD_SYNTAX, rtm_push__esc_errs[-k]);
      if ((q = r->s->k->scan_str(q + k, end, &high)) == end) return rtm_push__rd_err(r, RTM_PUSH_E_PAYLOAD_SYNTAX, "unterminated string");
    }
    r->p = q + 1;
    return 0;
  }
  if ((rc = rtm_push__json_unescape(r, out, q)) != 0) return rc;
  out->binary = mode == RTM_PUSH__STR_VALUE && !rtm_push__utf8_ok(r->s, (const uint8_t *)out->ptr, out->len);
  return 0;
}
static int rtm_push__json_num(rtm_push__rd *r, rtm_push__val *v) {
  const uint8_t *p = r->p, *end = r->end;
  int neg = 0, ovf = 0, isfloat = 0;
  uint64_t u = 0;
  if (*p == '-') { neg = 1; p++; }
  if (p == end || *p < '0' || *p > '9') return rtm_push__rd_err(r, RTM_PUSH_E_PAYLOAD_SYNTAX, "invalid number");
  if (*p == '0') {
    p++;
    if (p < end && *p >= '0' && *p <= '9')
      return rtm_push__rd_err(r, RTM_PUSH_E_PAYLOAD_SYNTAX, "number with a leading zero");
  } else {
    const uint8_t *d0 = p;
    p = rtm_push__digits(p, end, &u);
    if (p - d0 > 19) { /* may have passed 2^64: again, checked */
      u = 0;
      for (; d0 < p; d0++) {
        unsigned d = (unsigned)(*d0 - '0');
        if (u > (UINT64_MAX - d) / 10) ovf = 1; else u = u * 10 + d;
      }
    }
  }
  if (p < end && *p == '.') {
    p++;
    if (p == end || *p < '0' || *p > '9') return rtm_push__rd_err(r, RTM_PUSH_E_PAYLOAD_SYNTAX, "invalid number");
    while (p < end && *p >= '0' && *p <= '9') p++;
    isfloat = 1;
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    p++;
    if (p < end && (*p == '+' || *p == '-')) p++;
    if (p == end || *p < '0' || *p > '9') return rtm_push__rd_err(r, RTM_PUSH_E_PAYLOAD_SYNTAX, "invalid number");
    while (p < end && *p >= '0' && *p <= '9') p++;
    isfloat = 1;
  }
  r->p = p;
  if (isfloat) v->t = RTM_PUSH__V_FLOAT;
  else if (ovf) v->t = RTM_PUSH__V_BIGNUM;
  else if (neg) {
    if (u > (uint64_t)INT64_MAX + 1) v->t = RTM_PUSH__V_BIGNUM;
    else { v->t = RTM_PUSH__V_INT; v->i = u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)u; }
  } else if (u > (uint64_t)INT64_MAX) { v->t = RTM_PUSH__V_UINT; v->u = u; }
  else { v->t = RTM_PUSH__V_INT; v->i = (int64_t)u; }
  return 0;
}
static int rtm_push__json_lit(rtm_push__rd *r, const char *lit, size_t n) {
  if ((size_t)(r->end - r->p) < n || memcmp(r->p, lit, n) != 0)
    return rtm_push__rd_err(r, RTM_PUSH_E_PAYLOAD_SYNTAX, "invalid literal");
  r->p += n;
  return 0;
}
static int rtm_push__json_container(rtm_push__rd *r, rtm_push__val *v) {
  int is_map = *r->p == '{', first = 1, rc;
  uint8_t close = is_map ? '}' : ']';
  rtm_push__val tmp;
  if (r->depth >= r->max_depth) return rtm_push__rd_err(r, RTM_PUSH_E_PAYLOAD_DEPTH, "nesting too deep");
  r->depth++;
  r->p++;
  for (;;) {
    rtm_push__json_ws(r);
    if (r->p == r->end) return rtm_push__rd_err(r, RTM_PUSH_E_PAYLOAD_SYNTAX, "unterminated container");
    if (*r->p == close) { r->p++; break; }
    if (!first) {
      if (*r->p != ',') return rtm_push__rd_err(r, RTM_PUSH_E_PAYLOAD_SYNTAX, "expected ',' in container");
      r->p++;
      rtm_push__json_ws(r);
    }
    first = 0;
    if (is_map) {
      if (r->p == r->end || *r->p != '"') return rtm_push__rd_err(r, RTM_PUSH_E_PAYLOAD_SYNTAX, "expected a string key");
      if ((rc = rtm_push__json_str(r, NULL, RTM_PUSH__STR_CHECK)) != 0) return rc;
      rtm_push__json_ws(r);
      if (r->p == r->end || *r->p != ':') return rtm_push__rd_err(r, RTM_PUSH_E_PAYLOAD_SYNTAX, "expected ':'");
      r->p++;
    }
    if ((rc = rtm_push__json_value(r, &tmp, RTM_PUSH__STR_CHECK)) != 0) return rc;
  }
  r->depth--;
  v->t = is_map ? RTM_PUSH__V_MAP : RTM_PUSH__V_ARRAY;
  return 0;
}
static int rtm_push__json_value(rtm_push__rd *r, rtm_push__val *v, rtm_push__strmode mode) {
  int rc;
  rtm_push__json_ws(r);
  if (r->p == r->end) return rtm_push__rd_err(r, RTM_PUSH_E_PAYLOAD_SYNTAX, "missing value");
  v->raw = r->p;
  switch (*r->p) {
    case '"': v->t = RTM_PUSH__V_STR; rc = rtm_push__json_str(r, &v->str, mode); break;
    case '{': case '[': rc = rtm_push__json_container(r, v); break;
    case 't': v->t = RTM_PUSH__V_BOOL; v->b = 1; rc = rtm_push__json_lit(r, "true", 4); break;
    case 'f': v->t = RTM_PUSH__V_BOOL; v->b = 0; rc = rtm_push__json_lit(r, "false", 5); break;
    case 'n': v->t = RTM_PUSH__V_NULL; rc = rtm_push__json_lit(r, "null", 4); break;
    default: rc = rtm_push__json_num(r, v); break;
  }
  v->raw_end = r->p;
  return rc;
}
/* An integer of at most 19 digits within the int64 range that no '.', 'e' or digit follows: 1 and *out,
   else 0 and the general number parser decides (floats, big numbers, leading zeros, errors). wide: the 8
   bytes before end are the payload's (the words near its end are loaded from there). */
RTM_PUSH__HOT int rtm_push__json_int_fast(const uint8_t **pp, int wide, const uint8_t *end, int64_t *out) {
  const uint8_t *p = *pp, *d;
  uint64_t u = 0;
  int neg = 0;
  if (*p == '-') { /* rare: a branch costs less than the arithmetic on every integer */
    neg = 1;
    if (++p == end) return 0;
  }
  if (wide) { /* two words of digits (near the end: the last bytes, shifted down), then up to three */
    static const uint64_t pow10[9] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};
    size_t len = (size_t)(end - p);
    uint64_t w0, w1, t0, t1, n0, n1;
    unsigned n;
    if (len >= 16) w0 = rtm_push__load64(p), w1 = rtm_push__load64(p + 8);
    else if (len > 8) w0 = rtm_push__load64(p), w1 = rtm_push__load64(end - 8) >> (8 * (16 - len));
    else w0 = rtm_push__load64(end - 8) >> (8 * (8 - len)), w1 = 0; /* zero bytes are not digits */
    t0 = w0 ^ (RTM_PUSH__ONES * '0');
    t1 = w1 ^ (RTM_PUSH__ONES * '0');
    n0 = RTM_PUSH__NONDIGITS(t0);
    n1 = RTM_PUSH__NONDIGITS(t1);
    if (n0) {
      n = rtm_push__ctz64(n0) >> 3;
      if (n == 0) return 0;
      u = rtm_push__digits8(t0 << (64 - 8 * n));
    } else {
      u = rtm_push__digits8(t0);
      if (n1) {
        n = 8 + (rtm_push__ctz64(n1) >> 3);
        if (n > 8) u = u * pow10[n - 8] + rtm_push__digits8(t1 << (128 - 8 * n));
      } else { /* 16 digits, up to 3 more; only these can leave the int64 range */
        u = u * 100000000u + rtm_push__digits8(t1);
        if (len >= 24) { /* a third word: up to 3 more digits (u stays below 10^19 < 2^64) */
          uint64_t t2 = rtm_push__load64(p + 16) ^ (RTM_PUSH__ONES * '0'), n2 = RTM_PUSH__NONDIGITS(t2);
          n = rtm_push__ctz64(n2 | RTM_PUSH__HIGHS << 56) >> 3; /* 7: no non-digit in bytes 0..6 */
          if (n > 3) return 0; /* 20 digits or more: the general parser's */
          if (n) u = u * pow10[n] + rtm_push__digits8(t2 << (64 - 8 * n));
          n += 16;
        } else {
          for (n = 16; n < 19 && n < len && (unsigned)(p[n] - '0') < 10; n++) u = u * 10 + (unsigned)(p[n] - '0');
          if (n < len && (unsigned)(p[n] - '0') < 10) return 0;
        }
        if (u > (uint64_t)INT64_MAX + (uint64_t)neg) return 0;
      }
    }
    d = p + n; /* not a digit: a float or a leading zero is the general parser's */
    {
      unsigned c = n < len ? *d : 0;
      if (((c | 0x20) == 'e') | (c == '.') | ((t0 & 0xFF) == 0 && n > 1)) return 0;
    }
    if (!neg) *out = (int64_t)u;
    else *out = u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)u;
    *pp = d;
    return 1;
  }
  if (p == end) return 0;
  if (*p == '0') d = p + 1;
  else if (*p >= '1' && *p <= '9' && (d = rtm_push__digits(p, end, &u)) - p <= 18) {}
  else return 0;
  if (d < end && (*d == '.' || (*d | 0x20) == 'e' || (unsigned)(*d - '0') < 10)) return 0;
  *out = neg ? -(int64_t)u : (int64_t)u;
  *pp = d;
  return 1;
}
/* >>msgpack: the msgpack reader ----------------------------------------------------------------- */
static int rtm_push__mp_need(rtm_push__rd *r, uint64_t n) {
  if ((uint64_t)(r->end - r->p) < n) return rtm_push__rd_err(r, RTM_PUSH_E_PAYLOAD_SYNTAX, "truncated msgpack value");
  return 0;
}
static int rtm_push__mp_skip_items(rtm_push__rd *r, uint64_t items) {
  rtm_push__val tmp;
  int rc;
  if (items > (uint64_t)(r->end - r->p)) /* every item takes at least one byte */
    return rtm_push__rd_err(r, RTM_PUSH_E_PAYLOAD_SYNTAX, "msgpack container longer than the payload");
  if (r->depth >= r->max_depth) return rtm_push__rd_err(r, RTM_PUSH_E_PAYLOAD_DEPTH, "nesting too deep");
  r->depth++;
  while (items--)
    if ((rc = rtm_push__mp_value(r, &tmp, 0)) != 0) return rc;
  r->depth--;
  return 0;
}
/* decode = 0: the UTF-8 check is skipped (keys, skipped values: compared or dropped, never handed out). */
static int rtm_push__mp_bytes(rtm_push__rd *r, rtm_push__val *v, uint64_t n, int bin, int decode) {
  int rc = rtm_push__mp_need(r, n);
  if (rc) return rc;
  v->t = RTM_PUSH__V_STR;
  v->str.ptr = (const char *)r->p;
  v->str.len = (size_t)n;
  v->str.binary = bin || (decode && !rtm_push__utf8_ok(r->s, r->p, (size_t)n));
  r->p += n;
  return 0;
}
static int rtm_push__mp_value(rtm_push__rd *r, rtm_push__val *v, int decode) {
  uint8_t b;
  int rc, w;
  uint64_t n;
  if ((rc = rtm_push__mp_need(r, 1)) != 0) return rc;
  v->raw = r->p;
  b = *r->p++;
  if (b <= 0x7f) { v->t = RTM_PUSH__V_INT; v->i = b; }
  else if (b >= 0xe0) { v->t = RTM_PUSH__V_INT; v->i = (int64_t)b - 256; }
  else if (b >= 0xa0 && b <= 0xbf) rc = rtm_push__mp_bytes(r, v, b & 0x1f, 0, decode);
  else if (b >= 0x80 && b <= 0x8f) { v->t = RTM_PUSH__V_MAP; rc = rtm_push__mp_skip_items(r, (uint64_t)(b & 0x0f) * 2); }
  else if (b >= 0x90 && b <= 0x9f) { v->t = RTM_PUSH__V_ARRAY; rc = rtm_push__mp_skip_items(r, b & 0x0f); }
  else switch (b) {
    case 0xc0: v->t = RTM_PUSH__V_NULL; break;
    case 0xc2: case 0xc3: v->t = RTM_PUSH__V_BOOL; v->b = b == 0xc3; break;
    case 0xcc: case 0xcd: case 0xce: case 0xcf:
      w = 1 << (b - 0xcc);
      if ((rc = rtm_push__mp_need(r, (uint64_t)w)) != 0) break;
      n = rtm_push__be(r->p, w);
      r->p += w;
      if (n > (uint64_t)INT64_MAX) { v->t = RTM_PUSH__V_UINT; v->u = n; }
      else { v->t = RTM_PUSH__V_INT; v->i = (int64_t)n; }
      break;
    case 0xd0: case 0xd1: case 0xd2: case 0xd3:
      w = 1 << (b - 0xd0);
      if ((rc = rtm_push__mp_need(r, (uint64_t)w)) != 0) break;
      n = rtm_push__be(r->p, w);
      r->p += w;
      if (w < 8 && (n >> (8 * w - 1))) n |= ~(uint64_t)0 << (8 * w); /* sign-extend */
      v->t = RTM_PUSH__V_INT;
      v->i = n > (uint64_t)INT64_MAX ? -(int64_t)(~n) - 1 : (int64_t)n;
      break;
    case 0xca: case 0xcb:
      v->t = RTM_PUSH__V_FLOAT;
      rc = rtm_push__mp_need(r, b == 0xca ? 4 : 8);
      if (!rc) r->p += b == 0xca ? 4 : 8;
      break;
    case 0xd9: case 0xda: case 0xdb: case 0xc4: case 0xc5: case 0xc6:
      w = (b >= 0xd9) ? 1 << (b - 0xd9) : 1 << (b - 0xc4);
      if ((rc = rtm_push__mp_need(r, (uint64_t)w)) != 0) break;
      n = rtm_push__be(r->p, w);
      r->p += w;
      rc = rtm_push__mp_bytes(r, v, n, b < 0xd9, decode);
      break;
    case 0xdc: case 0xdd: case 0xde: case 0xdf:
      w = (b == 0xdc || b == 0xde) ? 2 : 4;
      if ((rc = rtm_push__mp_need(r, (uint64_t)w)) != 0) break;
      n = rtm_push__be(r->p, w);
      r->p += w;
      v->t = b >= 0xde ? RTM_PUSH__V_MAP : RTM_PUSH__V_ARRAY;
      rc = rtm_push__mp_skip_items(r, b >= 0xde ? n * 2 : n);
      break;
    case 0xd4: case 0xd5: case 0xd6: case 0xd7: case 0xd8:
      v->t = RTM_PUSH__V_EXT;
      n = 1 + ((uint64_t)1 << (b - 0xd4));
      if ((rc = rtm_push__mp_need(r, n)) == 0) r->p += n;
      break;
    case 0xc7: case 0xc8: case 0xc9:
      v->t = RTM_PUSH__V_EXT;
      w = 1 << (b - 0xc7);
      if ((rc = rtm_push__mp_need(r, (uint64_t)w)) != 0) break;
      n = rtm_push__be(r->p, w) + 1;
      r->p += w;
      if ((rc = rtm_push__mp_need(r, n)) == 0) r->p += n;
      break;
    default: rc = rtm_push__rd_err(r, RTM_PUSH_E_PAYLOAD_SYNTAX, "invalid msgpack byte 0xc1");
  }
  v->raw_end = r->p;
  return rc;
}
/* >>schema: an event by its method, a field by its name (tables in >>base), routing by mtype ---- */
static unsigned rtm_push__method_hash(const char *m, size_t n) { /* n >= 1 */
  return (unsigned)(n * 37 + (uint8_t)m[n - 1] * 5u + (uint8_t)m[n / 2] * 3u) & 63u;
}
static int rtm_push__find_event(const char *m, size_t n) {
  unsigned h;
  if (n == 0) return RTM_PUSH_EV_UNKNOWN;
  for (h = rtm_push__method_hash(m, n); rtm_push__evtab[h]; h = (h + 1) & 63u) {
    const rtm_push__evdef *d = &rtm_push__evdefs[rtm_push__evtab[h]];
    if (d->len != n) continue;
    if (n >= 8 && n <= 16 ? rtm_push__load64((const uint8_t *)d->name) == rtm_push__load64((const uint8_t *)m) &&
                                rtm_push__load64((const uint8_t *)d->name + n - 8) == rtm_push__load64((const uint8_t *)m + n - 8)
                          : memcmp(d->name, m, n) == 0) /* 8..16 bytes: two overlapping words */
      return rtm_push__evtab[h];
  }
  return RTM_PUSH_EV_UNKNOWN;
}
/* A key of at most 7 bytes as one word (its bytes, its length in the top byte): a field name is found with
   one multiplication, a table probe and one comparison. */
static uint64_t rtm_push__key_word(const char *k, size_t n) { /* n <= 7 */
  uint64_t w = (uint64_t)n << 56;
  while (n--) w |= (uint64_t)(uint8_t)k[n] << (8 * n);
  return w;
}
RTM_PUSH__HOT unsigned rtm_push__key_hash(uint64_t w) { return (unsigned)((w * 0x9E3779B97F4A7C15ull) >> 59); }
RTM_PUSH__HOT int rtm_push__find_field_word(uint64_t w) {
  unsigned h = rtm_push__key_hash(w), e;
  while ((e = rtm_push__ftab[h]) != 0) {
    if (rtm_push__fkeys[e - 1] == w) return (int)e - 1;
    h = (h + 1) & 31u;
  }
  return -1;
}
/* The field named by the key k (n bytes), or -1. */
static int rtm_push__find_field(const char *k, size_t n) {
  return n <= 7 ? rtm_push__find_field_word(rtm_push__key_word(k, n)) : -1;
}
static int64_t *rtm_push__i64_slot(rtm_push_event *ev, int bit) { /* a table: no indirect jump per member */
#define RTM_PUSH__X(N, m, w, t) \
  (uint16_t)(RTM_PUSH__T_##t == RTM_PUSH__T_INT64 ? offsetof(rtm_push_event, m) : offsetof(rtm_push_event, mtime)),
  static const uint16_t off[RTM_PUSH_FIELD_COUNT] = {RTM_PUSH_FIELDS(RTM_PUSH__X)};
#undef RTM_PUSH__X
  return (int64_t *)(void *)((char *)ev + off[bit]);
}
static int rtm_push__route(int type, int32_t mtype) {
  int off = mtype == 30 ? 1 : mtype == 31 ? 2 : mtype == 32 ? 3 : (mtype >= 40 && mtype <= 50) ? 4 : 0;
  return type + off; /* the table keeps MSG, CHAT, AUDIO, CMD, FILE together per category */
}
/* >>fields: payload members into event fields, through one map interface over both readers ------ */
/* Map iteration, the same for both encodings. */
static int rtm_push__rd_open(rtm_push__rd *r, rtm_push *s, const uint8_t *p, size_t n, int msgpack) {
  r->depth = r->left = 0;
  r->second = 0;
  r->what[0] = 0;
  r->s = s;
  r->start = p;
  r->p = p;
  r->end = p + n;
  r->msgpack = msgpack;
  r->max_depth = s->cfg.limits.max_depth;
  r->first = 1;
  if (msgpack) {
    uint8_t b;
    int rc = rtm_push__mp_need(r, 1);
    if (rc) return rc;
    b = *r->p++;
    if (b >= 0x80 && b <= 0x8f) r->left = b & 0x0f;
    else if (b == 0xde || b == 0xdf) {
      int w = b == 0xde ? 2 : 4;
      if ((rc = rtm_push__mp_need(r, (uint64_t)w)) != 0) return rc;
      r->left = (uint32_t)rtm_push__be(r->p, w);
      r->p += w;
    } else {
      return rtm_push__rd_err(r, RTM_PUSH_E_PAYLOAD_SYNTAX, "payload is not a msgpack map");
    }
    if (r->left > (uint64_t)(r->end - r->p) / 2)
      return rtm_push__rd_err(r, RTM_PUSH_E_PAYLOAD_SYNTAX, "msgpack map longer than the payload");
    return 0;
  }
  rtm_push__json_ws(r);
  if (r->p == r->end || *r->p != '{') return rtm_push__rd_err(r, RTM_PUSH_E_PAYLOAD_SYNTAX, "payload is not a JSON object");
  r->p++;
  return 0;
}
/* 1: a member (key.ptr NULL for a non-string msgpack key), 0: end of the map, <0: error. */
static int rtm_push__rd_next(rtm_push__rd *r, rtm_push_str *key, rtm_push__val *v) {
  const uint8_t *p, *end = r->end;
  int rc;
  r->depth = 1;
  if (r->msgpack) {
    rtm_push__val k;
    if (r->left == 0) {
      if (r->p != r->end) return rtm_push__rd_err(r, RTM_PUSH_E_PAYLOAD_SYNTAX, "bytes after the msgpack map");
      return 0;
    }
    r->left--;
    if ((rc = rtm_push__mp_value(r, &k, 0)) != 0) return rc;
    if (k.t == RTM_PUSH__V_STR && !k.str.binary) *key = k.str; /* str, not bin; not checked as UTF-8 */
    else key->ptr = NULL, key->len = 0;
    return (rc = rtm_push__mp_value(r, v, 1)) != 0 ? rc : 1;
  }
  p = rtm_push__ws_skip(r->p, end);
  if (p == end) return rtm_push__rd_err(r, RTM_PUSH_E_PAYLOAD_SYNTAX, "unterminated object");
  if (*p == '}') {
    r->p = rtm_push__ws_skip(p + 1, end);
    if (r->p != end) return rtm_push__rd_err(r, RTM_PUSH_E_PAYLOAD_SYNTAX, "bytes after the JSON object");
    return 0;
  }
  if (!r->first) {
    if (*p != ',') { r->p = p; return rtm_push__rd_err(r, RTM_PUSH_E_PAYLOAD_SYNTAX, "expected ',' between members"); }
    p = rtm_push__ws_skip(p + 1, end);
  }
  r->first = 0;
  r->p = p;
  if (p == end || *p != '"') return rtm_push__rd_err(r, RTM_PUSH_E_PAYLOAD_SYNTAX, "expected a string key");
  if ((rc = rtm_push__json_str(r, key, RTM_PUSH__STR_KEY)) != 0) return rc;
  p = rtm_push__ws_skip(r->p, end);
  if (p == end || *p != ':') { r->p = p; return rtm_push__rd_err(r, RTM_PUSH_E_PAYLOAD_SYNTAX, "expected ':' after a key"); }
  r->p = rtm_push__ws_skip(p + 1, end);
  return (rc = rtm_push__json_value(r, v, RTM_PUSH__STR_VALUE)) != 0 ? rc : 1;
}
/* Open a reader on a nested map value (its raw span). */
static int rtm_push__rd_sub(rtm_push__rd *sub, const rtm_push__rd *r, const rtm_push__val *v) {
  int rc = rtm_push__rd_open(sub, r->s, v->raw, (size_t)(v->raw_end - v->raw), r->msgpack);
  sub->second = r->second;
  return rc;
}
static int rtm_push__key_is(const rtm_push_str *k, const char *name) {
  size_t n = strlen(name);
  return k->ptr && k->len == n && memcmp(k->ptr, name, n) == 0;
}

static int rtm_push__val_int64(rtm_push__rd *r, const rtm_push__val *v, const char *field, int64_t *out) {
  int rc;
  switch (v->t) {
    case RTM_PUSH__V_INT: *out = v->i; return 0;
    case RTM_PUSH__V_UINT: case RTM_PUSH__V_BIGNUM: rc = RTM_PUSH_E_FIELD_RANGE; break;
    case RTM_PUSH__V_STR:
      rc = v->str.binary ? RTM_PUSH_E_FIELD_TYPE : rtm_push_parse_int64(v->str.ptr, v->str.len, out);
      if (!rc) return 0;
      break;
    default: rc = RTM_PUSH_E_FIELD_TYPE; break;
  }
  snprintf(r->what, sizeof r->what, "field '%s': %s", field,
           rc == RTM_PUSH_E_FIELD_RANGE ? "integer out of the Int64 range"
           : v->t == RTM_PUSH__V_STR   ? "string is not a decimal integer"
                                       : "expected an integer");
  if (rc == RTM_PUSH_E_FIELD_TYPE && v->t != RTM_PUSH__V_STR) {
    size_t l = strlen(r->what);
    snprintf(r->what + l, sizeof r->what - l, ", got %s", rtm_push__vnames[v->t]);
  }
  return rc;
}
static int rtm_push__val_str(rtm_push__rd *r, const rtm_push__val *v, const char *field, rtm_push_str *out) {
  if (v->t != RTM_PUSH__V_STR) {
    snprintf(r->what, sizeof r->what, "field '%s': expected a string, got %s", field, rtm_push__vnames[v->t]);
    return RTM_PUSH_E_FIELD_TYPE;
  }
  *out = v->str;
  return 0;
}
static int rtm_push__decode_translation(rtm_push__rd *r, const rtm_push__val *v, rtm_push_event *ev) {
  rtm_push__rd sub;
  rtm_push_str k;
  rtm_push__val m;
  int rc = rtm_push__rd_sub(&sub, r, v);
  rtm_push_translation *t = &ev->translation;
  memset(t, 0, sizeof *t); /* a second "msg" member starts afresh */
  t->source.ptr = t->target.ptr = t->source_text.ptr = t->target_text.ptr = ""; /* absent members: empty */
  while (rc == 0 && (rc = rtm_push__rd_next(&sub, &k, &m)) == 1) {
    rtm_push_str *dst = rtm_push__key_is(&k, "source") ? &t->source
                      : rtm_push__key_is(&k, "target") ? &t->target
                      : rtm_push__key_is(&k, "sourceText") ? &t->source_text
                      : rtm_push__key_is(&k, "targetText") ? &t->target_text : NULL;
    rc = 0;
    if (dst && m.t == RTM_PUSH__V_STR) *dst = m.str;
    else if (dst && m.t != RTM_PUSH__V_NULL) {
      snprintf(r->what, sizeof r->what, "field 'msg': translation member '%.*s' is not a string", (int)k.len, k.ptr);
      return RTM_PUSH_E_FIELD_TYPE;
    }
  }
  if (rc < 0) { memcpy(r->what, sub.what, sizeof r->what); return rc; }
  ev->msg_is_translation = 1;
  ev->msg = t->target_text.len ? t->target_text : t->source_text;
  return 0;
}
/* One decoded member into its field (bit: RTM_PUSH_FIELD_*, allowed); a null value leaves it absent. */
static int rtm_push__field_set(rtm_push__rd *r, rtm_push_event *ev, int bit, const rtm_push__val *v) {
  const char *fname = rtm_push__fielddefs[bit].name;
  int rc;
  if (v->t == RTM_PUSH__V_NULL) return 0;
  switch (rtm_push__fielddefs[bit].type) {
    case RTM_PUSH__T_INT64: rc = rtm_push__val_int64(r, v, fname, rtm_push__i64_slot(ev, bit)); break;
    case RTM_PUSH__T_INT32: {
      int64_t x = 0;
      rc = rtm_push__val_int64(r, v, fname, &x);
      if (!rc && (x < INT32_MIN || x > INT32_MAX)) {
        snprintf(r->what, sizeof r->what, "field '%s': out of the int32 range", fname);
        rc = RTM_PUSH_E_FIELD_RANGE;
      }
      ev->mtype = (int32_t)x;
      break;
    }
    case RTM_PUSH__T_STR: rc = rtm_push__val_str(r, v, fname, &ev->attrs); break;
    default: /* MSG */
      ev->msg_is_translation = 0;
      if (v->t == RTM_PUSH__V_MAP) rc = rtm_push__decode_translation(r, v, ev);
      else rc = rtm_push__val_str(r, v, fname, &ev->msg);
      break;
  }
  if (!rc) ev->fields |= 1u << bit;
  return rc;
}
/* The fields of `allowed` and their types, 3 bits a field (at 3 * (bit + 1): bit -1 reads 0): the type + 1, 0 for
   a field not taken. */
typedef char rtm_push__kinds_fit[3 * (RTM_PUSH_FIELD_COUNT + 1) <= 32 ? 1 : -1];
static uint32_t rtm_push__kinds(uint32_t allowed) {
  uint32_t k = 0;
  int f;
  for (f = 0; f < RTM_PUSH_FIELD_COUNT; f++)
    if (allowed & (1u << f)) k |= (uint32_t)(rtm_push__fielddefs[f].type + 1) << (3 * (f + 1));
  return k;
}
/* The member key at p (its opening quote) and the colon after it: returns what follows, *bitp its field (-1: none);
   NULL and *rcp on an error. A key of up to 7 bytes is looked up from one word; others are scanned, and decoded
   when escaped. */
RTM_PUSH__HOT const uint8_t *rtm_push__json_key(rtm_push__rd *r, const uint8_t *p, int *bitp, int *rcp) {
  const uint8_t *end = r->end, *q;
  rtm_push_str k;
  unsigned high;
  int bit = -2, rc; /* -2: not looked up yet */
  if (end - p >= 9) { /* a key of up to 7 bytes and its quote in one word */
    uint64_t w = rtm_push__load64(p + 1), qm = RTM_PUSH__HASZERO(w ^ (RTM_PUSH__ONES * '"'));
    if (qm) {
      unsigned kl = rtm_push__ctz64(qm) >> 3; /* the first quote (HASZERO's lowest flag is exact) */
      bit = rtm_push__find_field_word((w & (((uint64_t)1 << (8 * kl)) - 1)) | ((uint64_t)kl << 56));
      if (bit < 0) { /* not a field name: a plain key unless a backslash or a control byte comes first */
        uint64_t bad = RTM_PUSH__HASZERO(w ^ (RTM_PUSH__ONES * '\\')) | ((w - RTM_PUSH__ONES * 0x20) & ~w & RTM_PUSH__HIGHS);
        bit = bad & ((qm & (0 - qm)) - 1) ? -2 : -1;
      }
      if (bit != -2) p += kl + 2;
    }
  }
  if (bit == -2) {
    high = 0;
    q = r->s->k->scan_str(p + 1, end, &high);
    if (q < end && *q == '"') { /* a plain key */
      k.ptr = (const char *)p + 1;
      k.len = (size_t)(q - p - 1);
      p = q + 1;
    } else {
      r->p = p;
      if ((rc = rtm_push__json_str_at(r, &k, RTM_PUSH__STR_KEY, q, high)) != 0) {
        *rcp = rc;
        return NULL;
      }
      p = r->p;
    }
    bit = rtm_push__find_field(k.ptr, k.len);
  }
  /* cppcheck-suppress uninitvar ; p points into the payload, which cppcheck cannot see */
  if (p < end && *p == ':') {
    p++;
  } else {
    RTM_PUSH__WS(p, end);
    if (p == end || *p != ':') {
      *rcp = rtm_push__rd_err(r, RTM_PUSH_E_PAYLOAD_SYNTAX, "expected ':' after a key");
      return NULL;
    }
    p++;
  }
  *bitp = bit;
  return p;
}
/* JSON payload members into ev: rtm_push__rd_next's loop with the common members inline (a plain key; an
   integer or a string for its field) and everything else through rtm_push__json_value. The same results
   and the same errors (the tests and the fuzz targets check it against the general reader). */
static int rtm_push__json_fields(rtm_push__rd *r, rtm_push_event *ev, uint32_t allowed) {
  const uint8_t *p = r->p, *end = r->end;
  rtm_push *s = r->s;
  uint32_t kinds = allowed == rtm_push__evdefs[ev->type].fields ? rtm_push__jkinds[ev->type] : rtm_push__kinds(allowed);
  const int wide = end - r->p >= 8; /* the integers may load 8 bytes before their end */
  int first = 1, rc, bit, prev = RTM_PUSH_FIELD_COUNT;
  int8_t *jnext = s->jnext[ev->type]; /* the order of the members differs with the method */
  r->depth = 1;
  bit = jnext[prev]; /* the field that came first last time */
  if (bit >= 0 && end - p >= 8 && !((rtm_push__load64(p) ^ rtm_push__jpat[bit][4]) & rtm_push__jpat[bit][5])) {
    p += rtm_push__jlen[bit] - 2;
    goto value;
  }
  for (;; first = 0) {
    rtm_push__val v;
    int want;
    want = first ? -1 : jnext[prev];
    if (want >= 0 && end - p >= 16 && /* `, "name":` of the field that came after the last one last time */
        !(((rtm_push__load64(p) ^ rtm_push__jpat[want][0]) & rtm_push__jpat[want][2]) |
          ((rtm_push__load64(p + 8) ^ rtm_push__jpat[want][1]) & rtm_push__jpat[want][3]))) {
      p += rtm_push__jlen[want];
      bit = want;
      goto value;
    }
    if (!first && end - p >= 3 && p[0] == ',' && p[1] == ' ' && p[2] == '"') { /* FPNN's ", " */
      p += 2;
    } else {
      RTM_PUSH__WS(p, end);
      if (p == end) return rtm_push__rd_err(r, RTM_PUSH_E_PAYLOAD_SYNTAX, "unterminated object");
      if (*p == '}') {
        r->p = rtm_push__ws_skip(p + 1, end);
        if (r->p != end) return rtm_push__rd_err(r, RTM_PUSH_E_PAYLOAD_SYNTAX, "bytes after the JSON object");
        return 0;
      }
      if (!first) {
        if (*p != ',') return rtm_push__rd_err(r, RTM_PUSH_E_PAYLOAD_SYNTAX, "expected ',' between members");
        p++;
        RTM_PUSH__WS(p, end);
      }
      if (p == end || *p != '"') return rtm_push__rd_err(r, RTM_PUSH_E_PAYLOAD_SYNTAX, "expected a string key");
    }
    if ((p = rtm_push__json_key(r, p, &bit, &rc)) == NULL) return rc;
    if (bit >= 0) jnext[prev] = (int8_t)bit;
  value:
    prev = bit >= 0 ? bit : RTM_PUSH_FIELD_COUNT;
    RTM_PUSH__WS(p, end);
    switch (p < end ? (kinds >> (3 * (bit + 1))) & 7 : 0) { /* 0: not a field of this event (or bit -1) */
      case 0: bit = -1; break;
      case RTM_PUSH__T_INT64 + 1:
        if (rtm_push__json_int_fast(&p, wide, end, rtm_push__i64_slot(ev, bit))) {
          ev->fields |= 1u << bit;
          continue;
        }
        break;
      case RTM_PUSH__T_INT32 + 1: { /* mtype */
        const uint8_t *p0 = p;
        int64_t x;
        if (rtm_push__json_int_fast(&p, wide, end, &x) && x >= INT32_MIN && x <= INT32_MAX) {
          ev->mtype = (int32_t)x;
          ev->fields |= 1u << bit;
          continue;
        }
        p = p0; /* out of range: the general path words the error */
        break;
      }
      default: /* msg, attrs */
        if (*p == '"') {
          rtm_push_str *dst = bit == RTM_PUSH_FIELD_ATTRS ? &ev->attrs : &ev->msg;
          r->p = p;
          if ((rc = rtm_push__json_str(r, dst, RTM_PUSH__STR_VALUE)) != 0) return rc;
          p = r->p;
          if (bit == RTM_PUSH_FIELD_MSG) ev->msg_is_translation = 0;
          ev->fields |= 1u << bit;
          continue;
        }
    }
    r->p = p;
    if ((rc = rtm_push__json_value(r, &v, bit >= 0 ? RTM_PUSH__STR_VALUE : RTM_PUSH__STR_CHECK)) != 0) return rc;
    p = r->p;
    if (bit >= 0 && (rc = rtm_push__field_set(r, ev, bit, &v)) != 0) return rc;
  }
}
#ifdef RTM_PUSH_INTERNAL_TESTS
/* Decode the payload's members into ev, keeping only the fields in `allowed`: the general reader, one
   member at a time. The reference for the fast loops (the fuzz targets compare them on every input). */
static int rtm_push__decode_fields_rd(rtm_push__rd *r, rtm_push_event *ev, uint32_t allowed) {
  rtm_push_str k;
  rtm_push__val v;
  int rc;
  while ((rc = rtm_push__rd_next(r, &k, &v)) == 1) {
    int bit = k.ptr ? rtm_push__find_field(k.ptr, k.len) : -1;
    if (bit >= 0 && (allowed & (1u << bit)) && (rc = rtm_push__field_set(r, ev, bit, &v)) != 0) return rc;
  }
  return rc;
}
#endif
/* msgpack payload members into ev: the fixstr keys, integer and str values of the fields inline, anything
   else through rtm_push__rd_next / rtm_push__mp_value (the same results, the same errors). */
static int rtm_push__mp_fields(rtm_push__rd *r, rtm_push_event *ev, uint32_t allowed) {
  const uint8_t *p = r->p, *end = r->end;
  rtm_push *s = r->s;
  int prev = RTM_PUSH_FIELD_COUNT;
  int8_t *jnext = s->jnext[ev->type]; /* the order of the members differs with the method */
  r->depth = 1;
  while (r->left) {
    rtm_push_str k;
    rtm_push__val v;
    int bit = -1, rc, type;
    size_t kl;
    uint8_t b;
    int want = jnext[prev];
    if (want >= 0 && end - p >= 9 && !((rtm_push__load64(p) ^ rtm_push__mpat[want][0]) & rtm_push__mpat[want][1])) {
      bit = want; /* the field that came after the last one last time */
      r->left--;
      p += 1 + rtm_push__fielddefs[bit].len;
      goto value;
    }
    b = p < end ? *p : 0;
    if (b < 0xa0 || b > 0xbf || (kl = b & 0x1fu) >= (size_t)(end - p)) { /* not a plain fixstr key: in general */
      r->p = p;
      if ((rc = rtm_push__rd_next(r, &k, &v)) < 0) return rc;
      bit = k.ptr ? rtm_push__find_field(k.ptr, k.len) : -1;
      if (bit >= 0 && (allowed & (1u << bit)) && (rc = rtm_push__field_set(r, ev, bit, &v)) != 0) return rc;
      p = r->p;
      continue;
    }
    r->left--;
    if (kl <= 7 && end - p >= 9)
      bit = rtm_push__find_field_word((kl ? rtm_push__load64(p + 1) & (~(uint64_t)0 >> (64 - 8 * kl)) : 0) | ((uint64_t)kl << 56));
    else
      bit = rtm_push__find_field((const char *)p + 1, kl);
    p += 1 + kl;
    if (bit >= 0) jnext[prev] = (int8_t)bit;
  value:
    prev = bit >= 0 ? bit : RTM_PUSH_FIELD_COUNT;
    if (bit >= 0 && !(allowed & (1u << bit))) bit = -1;
    if (bit >= 0 && p < end) {
      b = *p;
      type = rtm_push__fielddefs[bit].type;
      if (type == RTM_PUSH__T_INT64 || type == RTM_PUSH__T_INT32) {
        int64_t x;
        int w = 0;
        if (b < 0x80 || b >= 0xe0) { /* fixints */
          x = b < 0x80 ? (int64_t)b : (int64_t)b - 256;
        } else if (b >= 0xcc && b <= 0xd3 && end - p > (w = 1 << ((b - 0xcc) & 3))) { /* uint8..64, int8..64 */
          uint64_t u = rtm_push__be(p + 1, w);
          if (b == 0xcf && u > (uint64_t)INT64_MAX) goto general; /* out of range: the general path says so */
          if (b >= 0xd0 && w < 8 && (u >> (8 * w - 1))) u |= ~(uint64_t)0 << (8 * w); /* sign-extend */
          x = u > (uint64_t)INT64_MAX ? -(int64_t)(~u) - 1 : (int64_t)u;
        } else {
          goto general;
        }
        if (type == RTM_PUSH__T_INT64) {
          *rtm_push__i64_slot(ev, bit) = x;
        } else if (x >= INT32_MIN && x <= INT32_MAX) {
          ev->mtype = (int32_t)x;
        } else {
          goto general; /* out of range: the general path words the error */
        }
        ev->fields |= 1u << bit;
        p += 1 + w;
        continue;
      }
      if ((type == RTM_PUSH__T_STR || type == RTM_PUSH__T_MSG) && ((b >= 0xa0 && b <= 0xbf) || b == 0xd9 || b == 0xda)) {
        size_t hl = b <= 0xbf ? 1 : b == 0xd9 ? 2 : 3, sl;
        if ((size_t)(end - p) >= hl) {
          sl = b <= 0xbf ? (size_t)(b & 0x1f) : (size_t)rtm_push__be(p + 1, (int)hl - 1);
          if ((size_t)(end - p) - hl >= sl) {
            rtm_push_str *dst = type == RTM_PUSH__T_STR ? &ev->attrs : &ev->msg;
            dst->ptr = (const char *)p + hl;
            dst->len = sl;
            dst->binary = !rtm_push__utf8_ok(r->s, p + hl, sl);
            if (type == RTM_PUSH__T_MSG) ev->msg_is_translation = 0;
            ev->fields |= 1u << bit;
            p += hl + sl;
            continue;
          }
        }
      }
    }
  general:
    r->p = p;
    if ((rc = rtm_push__mp_value(r, &v, bit >= 0)) != 0) return rc;
    p = r->p;
    if (bit >= 0 && (rc = rtm_push__field_set(r, ev, bit, &v)) != 0) return rc;
  }
  r->p = p;
  if (p != end) return rtm_push__rd_err(r, RTM_PUSH_E_PAYLOAD_SYNTAX, "bytes after the msgpack map");
  return 0;
}
static int rtm_push__decode_fields(rtm_push__rd *r, rtm_push_event *ev, uint32_t allowed) {
  return r->msgpack ? rtm_push__mp_fields(r, ev, allowed) : rtm_push__json_fields(r, ev, allowed);
}
/* File msg: a bare URL, or JSON text {"url":..., "size":..., "surl":...}. Returns RTM_PUSH_E_NOMEM when the
   decoded strings found no memory (the session fails), else 0 (text that is not JSON is simply not used). */
static int rtm_push__decode_file(rtm_push *s, rtm_push_event *ev) {
  rtm_push__rd r;
  rtm_push_str k;
  rtm_push__val v;
  const char *m = ev->msg.ptr;
  size_t i = 0;
  int rc;
  if (!(ev->fields & RTM_PUSH_F_MSG) || ev->msg_is_translation || ev->msg.binary) return 0;
  while (i < ev->msg.len && (m[i] == ' ' || m[i] == '\t' || m[i] == '\n' || m[i] == '\r')) i++;
  if (i == ev->msg.len || m[i] != '{') {
    ev->file.url = ev->msg;
    ev->has_file = 1;
    return 0;
  }
  if (rtm_push__rd_open(&r, s, (const uint8_t *)m, ev->msg.len, 0)) return 0;
  r.second = 1;
  while ((rc = rtm_push__rd_next(&r, &k, &v)) == 1) {
    if (rtm_push__key_is(&k, "url") && v.t == RTM_PUSH__V_STR) ev->file.url = v.str;
    else if (rtm_push__key_is(&k, "surl") && v.t == RTM_PUSH__V_STR) ev->file.surl = v.str;
    else if (rtm_push__key_is(&k, "size") && v.t == RTM_PUSH__V_INT) { ev->file.size = v.i; ev->file.has_size = 1; }
    else if (rtm_push__key_is(&k, "size") && v.t == RTM_PUSH__V_STR && !v.str.binary &&
             rtm_push_parse_int64(v.str.ptr, v.str.len, &ev->file.size) == 0) ev->file.has_size = 1;
  }
  if (rc == RTM_PUSH_E_NOMEM) return rc;
  ev->has_file = 1;
  return 0;
}
/* attrs JSON a (n bytes) {"excludedUids":[...]} naming our uid (string or number)? 1 yes, 0 no,
   RTM_PUSH_E_NOMEM: through the reader. */
static int rtm_push__excluded_rd(rtm_push *s, const char *a, size_t n) {
  rtm_push__rd r, arr;
  rtm_push_str k;
  rtm_push__val v, e;
  size_t i;
  int found = 0, rc;
  for (i = 8; i < n && !found; i++) { /* find the 'U' of "excludedUids" */
    const char *u = (const char *)memchr(a + i, 'U', n - i);
    if (!u) break;
    i = (size_t)(u - a);
    found = i + 4 <= n && memcmp(u - 8, "excludedUids", 12) == 0;
  }
  if (!found) return 0;
  if (rtm_push__rd_open(&r, s, (const uint8_t *)a, n, 0)) return 0;
  r.second = 1;
  while ((rc = rtm_push__rd_next(&r, &k, &v)) == 1) {
    if (!rtm_push__key_is(&k, "excludedUids") || v.t != RTM_PUSH__V_ARRAY) continue;
    /* walk the array's elements with a JSON reader positioned inside it */
    memset(&arr, 0, sizeof arr);
    arr.s = s;
    arr.start = arr.p = v.raw + 1;
    arr.end = v.raw_end - 1;
    arr.max_depth = s->cfg.limits.max_depth;
    arr.second = 1;
    for (;;) {
      int64_t x;
      rtm_push__json_ws(&arr);
      if (arr.p >= arr.end) break;
      if (*arr.p == ',') { arr.p++; continue; }
      if ((rc = rtm_push__json_value(&arr, &e, RTM_PUSH__STR_KEY)) != 0) { /* strings unchecked as UTF-8 (parsed below) */
        if (rc == RTM_PUSH_E_NOMEM) return rc;
        break;
      }
      if (e.t == RTM_PUSH__V_INT && e.i == s->cfg.uid) return 1;
      if (e.t == RTM_PUSH__V_STR && !e.str.binary && rtm_push_parse_int64(e.str.ptr, e.str.len, &x) == 0 &&
          x == s->cfg.uid)
        return 1;
    }
  }
  return rc == RTM_PUSH_E_NOMEM ? rc : 0;
}
/* Does the push's attrs exclude us? 1 yes, 0 no, RTM_PUSH_E_NOMEM. */
static int rtm_push__excluded(rtm_push *s, const rtm_push_event *ev) {
  if (!(ev->fields & RTM_PUSH_F_ATTRS) || ev->attrs.len < 14 || ev->attrs.binary) return 0;
  return rtm_push__excluded_rd(s, ev->attrs.ptr, ev->attrs.len);
}
/* >>dedup: the duplicate table: (category, target, from, mid), oldest evicted ------------------- */
/* SipHash-1-3 of (mid, from, target, category) under the session's secret key: a sender who picks mids cannot
   compute ones that share a bucket (the unkeyed hash before was invertible: ~1,024 crafted room messages made
   every lookup walk the table), so a lookup stays O(1) expected whatever the mids. */
#define RTM_PUSH__ROTL64(x, b) (((x) << (b)) | ((x) >> (64 - (b))))
#define RTM_PUSH__SIPROUND(v0, v1, v2, v3)                                                               \
  (v0 += v1, v1 = RTM_PUSH__ROTL64(v1, 13), v1 ^= v0, v0 = RTM_PUSH__ROTL64(v0, 32),                     \
   v2 += v3, v3 = RTM_PUSH__ROTL64(v3, 16), v3 ^= v2, v0 += v3, v3 = RTM_PUSH__ROTL64(v3, 21), v3 ^= v0, \
   v2 += v1, v1 = RTM_PUSH__ROTL64(v1, 17), v1 ^= v2, v2 = RTM_PUSH__ROTL64(v2, 32))
static uint32_t rtm_push__dd_hash(const rtm_push *s, const rtm_push__dent *e) {
  uint64_t v0 = s->dd_key[0] ^ 0x736f6d6570736575ull, v1 = s->dd_key[1] ^ 0x646f72616e646f6dull;
  uint64_t v2 = s->dd_key[0] ^ 0x6c7967656e657261ull, v3 = s->dd_key[1] ^ 0x7465646279746573ull, m, h;
  /* the 28-byte message mid, from, target, category: three words, then the last one with the length on top */
#define RTM_PUSH__SIPWORD(w) (m = (w), v3 ^= m, RTM_PUSH__SIPROUND(v0, v1, v2, v3), v0 ^= m)
  RTM_PUSH__SIPWORD((uint64_t)e->mid);
  RTM_PUSH__SIPWORD((uint64_t)e->from);
  RTM_PUSH__SIPWORD((uint64_t)e->target);
  RTM_PUSH__SIPWORD((uint64_t)28 << 56 | (e->cs & 15u));
#undef RTM_PUSH__SIPWORD
  v2 ^= 0xff;
  RTM_PUSH__SIPROUND(v0, v1, v2, v3);
  RTM_PUSH__SIPROUND(v0, v1, v2, v3);
  RTM_PUSH__SIPROUND(v0, v1, v2, v3);
  h = v0 ^ v1 ^ v2 ^ v3;
  return (uint32_t)(h ^ (h >> 32));
}
static int rtm_push__dd_same(const rtm_push__dent *a, const rtm_push__dent *b) {
  return !((a->cs ^ b->cs) & 15u) && a->target == b->target && a->from == b->from && a->mid == b->mid;
}
/* The index: a bucket of 4 slots per entry or more (mean load <= 1 a bucket, so ~2% of them are ever full).
   A slot holds its entry's ring index + 1 and, above it, the high bits of its hash: most probes never read
   the ring. The entry keeps its slot's number (cs), so removing it needs no probing. An entry whose bucket is
   full goes to the next one, counted in the bucket it passed (dd_ovf), which lookups follow. */
RTM_PUSH__HOT unsigned rtm_push__dd_match(const uint32_t *bucket, uint32_t want, uint32_t mask) { /* 4-bit lane mask */
  return (unsigned)((bucket[0] & mask) == want) | (unsigned)((bucket[1] & mask) == want) << 1 |
         (unsigned)((bucket[2] & mask) == want) << 2 | (unsigned)((bucket[3] & mask) == want) << 3;
}
RTM_PUSH__HOT unsigned rtm_push__dd_lane(unsigned m) { /* the lowest lane of a nonzero mask */
#if defined(__GNUC__) || defined(__clang__)
  return (unsigned)__builtin_ctz(m);
#else
  return m & 1 ? 0 : m & 2 ? 1 : m & 4 ? 2 : 3;
#endif
}
RTM_PUSH__HOT void rtm_push__dd_evict_head(rtm_push *s) {
  const rtm_push__dent *e = &s->dd_ring[s->dd_head];
  uint32_t slot = e->cs >> 4, b;
  s->dd_idx[slot] = 0;
  for (b = e->hash & s->dd_bmask; b != slot >> 2; b = (b + 1) & s->dd_bmask) /* the full buckets it passed */
    s->dd_ovf[b]--;
  if (++s->dd_head == s->cfg.limits.dedup_capacity) s->dd_head = 0;
  s->dd_count--;
}
/* The push's key, and the index buckets it and the oldest entry will touch fetched ahead of the check. */
static void rtm_push__dd_key(rtm_push *s, const rtm_push_event *ev, rtm_push__dent *key) {
  key->cs = (uint32_t)ev->category;
  key->target = ev->category == RTM_PUSH_CAT_P2P ? ev->to
              : ev->category == RTM_PUSH_CAT_GROUP ? ev->gid
              : ev->category == RTM_PUSH_CAT_ROOM ? ev->rid : 0;
  key->from = ev->from;
  key->mid = ev->mid;
  key->t = s->now;
  key->hash = rtm_push__dd_hash(s, key);
#if defined(__GNUC__) || defined(__clang__)
  if (s->dd_idx) {
    __builtin_prefetch(s->dd_idx + 4 * (key->hash & s->dd_bmask));
    if (s->dd_count == s->cfg.limits.dedup_capacity) __builtin_prefetch(s->dd_idx + (s->dd_ring[s->dd_head].cs >> 4));
  }
#endif
}
/* 1 = duplicate, 0 = new (remembered), <0 = error */
static int rtm_push__dd_check(rtm_push *s, const rtm_push__dent *key) {
  uint32_t cap = s->cfg.limits.dedup_capacity, b, n, ri;
  uint64_t ttl = s->cfg.limits.dedup_ttl_ms;
  unsigned m;
  if (!s->dd_ring) {
    uint32_t nb = 1;
    while (nb < cap) nb <<= 1;
    s->dd_imask = 1;
    while (s->dd_imask < cap) s->dd_imask = s->dd_imask << 1 | 1; /* ring index + 1 <= cap */
    s->dd_ring = (rtm_push__dent *)rtm_push__alloc(&s->cfg.allocator, sizeof(rtm_push__dent) * cap);
    s->dd_idx = (uint32_t *)rtm_push__alloc(&s->cfg.allocator, 16 * (size_t)nb);
    s->dd_ovf = (uint32_t *)rtm_push__alloc(&s->cfg.allocator, sizeof(uint32_t) * (size_t)nb);
    if (!s->dd_ring || !s->dd_idx || !s->dd_ovf) {
      rtm_push__dealloc(&s->cfg.allocator, s->dd_ring);
      rtm_push__dealloc(&s->cfg.allocator, s->dd_idx);
      rtm_push__dealloc(&s->cfg.allocator, s->dd_ovf);
      s->dd_ring = NULL;
      s->dd_idx = NULL;
      s->dd_ovf = NULL;
      return RTM_PUSH_E_NOMEM;
    }
    memset(s->dd_idx, 0, 16 * (size_t)nb);
    memset(s->dd_ovf, 0, sizeof(uint32_t) * (size_t)nb);
    s->dd_bmask = nb - 1;
  }
  while (s->dd_count && s->dd_ring[s->dd_head].t + ttl <= s->now) rtm_push__dd_evict_head(s);
  b = key->hash & s->dd_bmask;
  for (n = 0; n <= s->dd_bmask; n++) { /* the home bucket, and the ones after it that entries went on to */
    const uint32_t *bucket = s->dd_idx + 4 * b;
    s->dd_probes++;
    for (m = rtm_push__dd_match(bucket, key->hash & ~s->dd_imask, ~s->dd_imask); m; m &= m - 1) {
      uint32_t x = bucket[rtm_push__dd_lane(m)] & s->dd_imask;
      if (x && s->dd_ring[x - 1].hash == key->hash && rtm_push__dd_same(&s->dd_ring[x - 1], key)) return 1;
    }
    if (!s->dd_ovf[b]) break;
    b = (b + 1) & s->dd_bmask;
  }
  if (s->dd_count == cap) rtm_push__dd_evict_head(s);
  ri = s->dd_head + s->dd_count;
  if (ri >= cap) ri -= cap;
  for (b = key->hash & s->dd_bmask; !(m = rtm_push__dd_match(s->dd_idx + 4 * b, 0, ~0u)); b = (b + 1) & s->dd_bmask)
    s->dd_ovf[b]++; /* full: on to the next (there are more slots than entries; at most cap pass one bucket) */
  b = 4 * b + rtm_push__dd_lane(m);
  s->dd_idx[b] = (key->hash & ~s->dd_imask) | (ri + 1);
  s->dd_ring[ri] = *key;
  s->dd_ring[ri].cs = (key->cs & 15u) | b << 4;
  s->dd_count++;
  return 0;
}
/* >>kernels: the byte loops that vector instructions speed up, and their scalar references ------ */
/* Every kernel has a scalar reference, always compiled; the tiers of vector kernels are compiled for their
   instruction set alone (GCC and clang's target attribute) and one tier is chosen per session from the CPU
   (rtm_push__kernels_pick), the way stb_image picks its IDCT. The protocol code calls s->k->... and never
   tests the CPU. The tests run every tier the CPU has against the scalar one. */
/* Which tiers are compiled: on x86 with GCC or clang, unless -DRTM_PUSH_NO_SIMD. SSE2 is part of x86-64; the
   SSSE3, AVX2 and AVX-512 functions carry their instruction set in a target attribute (so the rest of the program
   needs no -m flag) and run only where rtm_push__kernels_usable says the CPU has it. Elsewhere the scalar tier
   alone is compiled. */
#if !defined(RTM_PUSH_NO_SIMD) && defined(__SSE2__) && (defined(__x86_64__) || defined(__i386__)) && \
    (defined(__GNUC__) || defined(__clang__))
#define RTM_PUSH__SSE2 1
#include <emmintrin.h>
#if defined(__SSSE3__)
#define RTM_PUSH__SSSE3 2 /* always there */
#define RTM_PUSH__TARGET_SSSE3
#include <tmmintrin.h>
#else
#define RTM_PUSH__SSSE3 1 /* checked at run time */
#define RTM_PUSH__TARGET_SSSE3 __attribute__((target("ssse3")))
#include <tmmintrin.h>
#endif
#if defined(__AVX2__)
#define RTM_PUSH__AVX2 2
#define RTM_PUSH__TARGET_AVX2
#else
#define RTM_PUSH__AVX2 1
#define RTM_PUSH__TARGET_AVX2 __attribute__((target("avx2")))
#endif
#include <immintrin.h>
/* AVX-512 (BW, and VBMI2's byte compress): JSON escapes and UTF-8 64 bytes at a time. Always chosen at run
   time, whatever the -m flags (the CPU and the OS both have to support it); -DRTM_PUSH_NO_AVX512 leaves it
   out. Older compilers lack the intrinsics or the feature names of __builtin_cpu_supports: GCC before 8,
   clang before 8 (Apple's before 11). */
#if !defined(RTM_PUSH_NO_AVX512) && \
    (defined(__clang__) ? (defined(__apple_build_version__) ? __clang_major__ >= 11 : __clang_major__ >= 8) : __GNUC__ >= 8)
#define RTM_PUSH__AVX512 1
#define RTM_PUSH__TARGET_AVX512 __attribute__((target("avx512f,avx512bw,avx512vbmi2,popcnt")))
#endif
#endif

/* Strict UTF-8, through the session's kernel. */
static int rtm_push__utf8_ok(const rtm_push *s, const uint8_t *p, size_t n) { return s->k->utf8_valid(p, n); }

/* Scalar references. */
/* The first byte at or after q that is '"', '\\' or a control character (or end); *high becomes nonzero when a
   byte before it is not ASCII (a string of ASCII needs no UTF-8 check). Eight bytes at a time, any byte
   order: a flagged word is finished byte by byte. */
static const uint8_t *rtm_push__scan_str_scalar(const uint8_t *q, const uint8_t *end, unsigned *high) {
  uint64_t hi = 0;
  while (end - q >= 8) {
    uint64_t w = rtm_push__load64(q);
    if (RTM_PUSH__HASZERO(w ^ (RTM_PUSH__ONES * '"')) | RTM_PUSH__HASZERO(w ^ (RTM_PUSH__ONES * '\\')) |
        ((w - RTM_PUSH__ONES * 0x20) & ~w & RTM_PUSH__HIGHS))
      break;
    hi |= w;
    q += 8;
  }
  for (; q < end && *q != '"' && *q != '\\' && *q >= 0x20; q++) hi |= *q;
  *high |= (hi & RTM_PUSH__HIGHS) != 0;
  return q;
}
/* From *qp, plain bytes and the escapes \" and \/ decoded into *op; stops at the string's end quote, a control
   character, any other escape, or end. The vector tiers may stop earlier (before their last block), never
   later: the caller decodes what is left. */
static void rtm_push__unescape_scalar(const uint8_t **qp, const uint8_t *end, uint8_t **op) {
  const uint8_t *q = *qp;
  uint8_t *o = *op;
  while (q < end) {
    if (*q == '\\') {
      if (end - q < 2 || (q[1] != '"' && q[1] != '/')) break;
      *o++ = q[1];
      q += 2;
    } else if (*q == '"' || *q < 0x20) {
      break;
    } else {
      *o++ = *q++;
    }
  }
  *qp = q;
  *op = o;
}
static const rtm_push__kernels rtm_push__k_scalar = {"scalar", rtm_push__utf8_valid, rtm_push__scan_str_scalar,
                                                     rtm_push__unescape_scalar};

#ifdef RTM_PUSH__SSSE3
/* rtm_push__scan_str_scalar, 16 bytes at a time (SSE2). */
static const uint8_t *rtm_push__scan_str_sse2(const uint8_t *q, const uint8_t *end, unsigned *high) {
  const __m128i quo = _mm_set1_epi8('"'), bsl = _mm_set1_epi8('\\'), c1f = _mm_set1_epi8(0x1F);
  unsigned hi = 0;
  while (end - q >= 16) {
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)q);
    __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quo), _mm_cmpeq_epi8(v, bsl)),
                             _mm_cmpeq_epi8(_mm_min_epu8(v, c1f), v)); /* v <= 0x1F */
    unsigned bits = (unsigned)_mm_movemask_epi8(m), h = (unsigned)_mm_movemask_epi8(v);
    if (bits) {
      *high |= hi | (h & ((bits & (0u - bits)) - 1));
      return q + __builtin_ctz(bits);
    }
    hi |= h;
    q += 16;
  }
  *high |= hi;
  return rtm_push__scan_str_scalar(q, end, high);
}
/* Strict UTF-8, 16 bytes at a time: Keiser & Lemire, "Validating UTF-8 in less than one instruction per
   byte" (2021), the lookup algorithm. Three table lookups on nibbles of each byte and the one before
   classify every 2-byte window; 3- and 4-byte sequences are checked with the bytes 2 and 3 before. The same
   answers as rtm_push__utf8_valid (the tests compare them on every prefix of every test string). */
#define RTM_PUSH__U8_TOO_SHORT (1 << 0)
#define RTM_PUSH__U8_TOO_LONG (1 << 1)
#define RTM_PUSH__U8_OVERLONG_3 (1 << 2)
#define RTM_PUSH__U8_TOO_LARGE (1 << 3)
#define RTM_PUSH__U8_SURROGATE (1 << 4)
#define RTM_PUSH__U8_OVERLONG_2 (1 << 5)
#define RTM_PUSH__U8_TOO_LARGE_1000 (1 << 6)
#define RTM_PUSH__U8_OVERLONG_4 (1 << 6)
#define RTM_PUSH__U8_TWO_CONTS (1 << 7)
#define RTM_PUSH__U8_CARRY (RTM_PUSH__U8_TOO_SHORT | RTM_PUSH__U8_TOO_LONG | RTM_PUSH__U8_TWO_CONTS)
static const uint8_t rtm_push__u8_t1[16] = { /* by the high nibble of the byte before */
  RTM_PUSH__U8_TOO_LONG, RTM_PUSH__U8_TOO_LONG, RTM_PUSH__U8_TOO_LONG, RTM_PUSH__U8_TOO_LONG,
  RTM_PUSH__U8_TOO_LONG, RTM_PUSH__U8_TOO_LONG, RTM_PUSH__U8_TOO_LONG, RTM_PUSH__U8_TOO_LONG,
  RTM_PUSH__U8_TWO_CONTS, RTM_PUSH__U8_TWO_CONTS, RTM_PUSH__U8_TWO_CONTS, RTM_PUSH__U8_TWO_CONTS,
  RTM_PUSH__U8_TOO_SHORT | RTM_PUSH__U8_OVERLONG_2, RTM_PUSH__U8_TOO_SHORT,
  RTM_PUSH__U8_TOO_SHORT | RTM_PUSH__U8_OVERLONG_3 | RTM_PUSH__U8_SURROGATE,
  RTM_PUSH__U8_TOO_SHORT | RTM_PUSH__U8_TOO_LARGE | RTM_PUSH__U8_TOO_LARGE_1000 | RTM_PUSH__U8_OVERLONG_4};
static const uint8_t rtm_push__u8_t2[16] = { /* by the low nibble of the byte before */
  RTM_PUSH__U8_CARRY | RTM_PUSH__U8_OVERLONG_3 | RTM_PUSH__U8_OVERLONG_2 | RTM_PUSH__U8_OVERLONG_4,
  RTM_PUSH__U8_CARRY | RTM_PUSH__U8_OVERLONG_2, RTM_PUSH__U8_CARRY, RTM_PUSH__U8_CARRY,
  RTM_PUSH__U8_CARRY | RTM_PUSH__U8_TOO_LARGE, RTM_PUSH__U8_CARRY | RTM_PUSH__U8_TOO_LARGE | RTM_PUSH__U8_TOO_LARGE_1000,
  RTM_PUSH__U8_CARRY | RTM_PUSH__U8_TOO_LARGE | RTM_PUSH__U8_TOO_LARGE_1000,
  RTM_PUSH__U8_CARRY | RTM_PUSH__U8_TOO_LARGE | RTM_PUSH__U8_TOO_LARGE_1000,
  RTM_PUSH__U8_CARRY | RTM_PUSH__U8_TOO_LARGE | RTM_PUSH__U8_TOO_LARGE_1000,
  RTM_PUSH__U8_CARRY | RTM_PUSH__U8_TOO_LARGE | RTM_PUSH__U8_TOO_LARGE_1000,
  RTM_PUSH__U8_CARRY | RTM_PUSH__U8_TOO_LARGE | RTM_PUSH__U8_TOO_LARGE_1000,
  RTM_PUSH__U8_CARRY | RTM_PUSH__U8_TOO_LARGE | RTM_PUSH__U8_TOO_LARGE_1000,
  RTM_PUSH__U8_CARRY | RTM_PUSH__U8_TOO_LARGE | RTM_PUSH__U8_TOO_LARGE_1000,
  RTM_PUSH__U8_CARRY | RTM_PUSH__U8_TOO_LARGE | RTM_PUSH__U8_TOO_LARGE_1000 | RTM_PUSH__U8_SURROGATE,
  RTM_PUSH__U8_CARRY | RTM_PUSH__U8_TOO_LARGE | RTM_PUSH__U8_TOO_LARGE_1000,
  RTM_PUSH__U8_CARRY | RTM_PUSH__U8_TOO_LARGE | RTM_PUSH__U8_TOO_LARGE_1000};
static const uint8_t rtm_push__u8_t3[16] = { /* by the high nibble of the byte itself */
  RTM_PUSH__U8_TOO_SHORT, RTM_PUSH__U8_TOO_SHORT, RTM_PUSH__U8_TOO_SHORT, RTM_PUSH__U8_TOO_SHORT,
  RTM_PUSH__U8_TOO_SHORT, RTM_PUSH__U8_TOO_SHORT, RTM_PUSH__U8_TOO_SHORT, RTM_PUSH__U8_TOO_SHORT,
  RTM_PUSH__U8_TOO_LONG | RTM_PUSH__U8_OVERLONG_2 | RTM_PUSH__U8_TWO_CONTS | RTM_PUSH__U8_OVERLONG_3 |
    RTM_PUSH__U8_TOO_LARGE_1000 | RTM_PUSH__U8_OVERLONG_4,
  RTM_PUSH__U8_TOO_LONG | RTM_PUSH__U8_OVERLONG_2 | RTM_PUSH__U8_TWO_CONTS | RTM_PUSH__U8_OVERLONG_3 | RTM_PUSH__U8_TOO_LARGE,
  RTM_PUSH__U8_TOO_LONG | RTM_PUSH__U8_OVERLONG_2 | RTM_PUSH__U8_TWO_CONTS | RTM_PUSH__U8_SURROGATE | RTM_PUSH__U8_TOO_LARGE,
  RTM_PUSH__U8_TOO_LONG | RTM_PUSH__U8_OVERLONG_2 | RTM_PUSH__U8_TWO_CONTS | RTM_PUSH__U8_SURROGATE | RTM_PUSH__U8_TOO_LARGE,
  RTM_PUSH__U8_TOO_SHORT, RTM_PUSH__U8_TOO_SHORT, RTM_PUSH__U8_TOO_SHORT, RTM_PUSH__U8_TOO_SHORT};
/* The last 3 bytes: a lead byte there needs bytes of the next block. */
static const uint8_t rtm_push__u8_max[32] = {
  255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
  255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 0xF0 - 1, 0xE0 - 1, 0xC0 - 1};
#define RTM_PUSH__LD128(a) _mm_loadu_si128((const __m128i *)(const void *)(a))
/* The error bits of the 16 bytes v, prev the 16 before them; *incomplete: v ends inside a sequence. */
RTM_PUSH__TARGET_SSSE3 static __m128i rtm_push__u8_block(__m128i v, __m128i prev, __m128i *incomplete) {
  const __m128i lo4 = _mm_set1_epi8(0x0F);
  __m128i prev1 = _mm_alignr_epi8(v, prev, 15), prev2 = _mm_alignr_epi8(v, prev, 14);
  __m128i prev3 = _mm_alignr_epi8(v, prev, 13);
  __m128i sc = _mm_and_si128(
    _mm_and_si128(_mm_shuffle_epi8(RTM_PUSH__LD128(rtm_push__u8_t1), _mm_and_si128(_mm_srli_epi16(prev1, 4), lo4)),
                  _mm_shuffle_epi8(RTM_PUSH__LD128(rtm_push__u8_t2), _mm_and_si128(prev1, lo4))),
    _mm_shuffle_epi8(RTM_PUSH__LD128(rtm_push__u8_t3), _mm_and_si128(_mm_srli_epi16(v, 4), lo4)));
  __m128i must23 = _mm_or_si128(_mm_subs_epu8(prev2, _mm_set1_epi8((char)(0xE0 - 0x80))),
                                _mm_subs_epu8(prev3, _mm_set1_epi8((char)(0xF0 - 0x80))));
  *incomplete = _mm_subs_epu8(v, RTM_PUSH__LD128(rtm_push__u8_max + 16));
  return _mm_xor_si128(_mm_and_si128(must23, _mm_set1_epi8((char)0x80)), sc);
}
/* From byte i on, 16 at a time, the last ones shifted down with zeros after them; returns 1 when valid. */
RTM_PUSH__TARGET_SSSE3 static int rtm_push__u8_rest(const uint8_t *p, size_t n, size_t i, __m128i prev,
                                                  __m128i incomplete, __m128i err) {
  static const uint8_t tail_shift[32] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
                                         0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
                                         0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80};
  __m128i v;
  for (;; i += 16) {
    if (i + 16 <= n) {
      v = RTM_PUSH__LD128(p + i);
    } else if (i < n) { /* the last bytes, then zeros: the 16 bytes ending at p + n, shifted down */
      v = _mm_shuffle_epi8(RTM_PUSH__LD128(p + n - 16), RTM_PUSH__LD128(tail_shift + 16 - (n - i)));
    } else {
      err = _mm_or_si128(err, incomplete); /* ends inside a sequence */
      break;
    }
    if (_mm_movemask_epi8(v) == 0) { /* ASCII: fine unless a sequence was cut */
      err = _mm_or_si128(err, incomplete);
      incomplete = _mm_setzero_si128();
    } else {
      err = _mm_or_si128(err, rtm_push__u8_block(v, prev, &incomplete));
    }
    prev = v;
    if (i + 16 > n) break; /* the zero padding after the tail has checked its end */
  }
  return _mm_movemask_epi8(_mm_cmpeq_epi8(err, _mm_setzero_si128())) == 0xFFFF;
}
RTM_PUSH__TARGET_SSSE3 static int rtm_push__utf8_valid_ssse3(const uint8_t *p, size_t n) {
  if (n < 16) return rtm_push__utf8_valid(p, n);
  return rtm_push__u8_rest(p, n, 0, _mm_setzero_si128(), _mm_setzero_si128(), _mm_setzero_si128());
}
/* rtm_push__u8_block, 32 bytes at a time (the tables in both 128-bit lanes): `before` holds the 16 bytes
   before v and v's first 16 (the bytes before cross the lanes). */
RTM_PUSH__TARGET_AVX2 RTM_PUSH__HOT __m256i rtm_push__u8_block32(__m256i v, __m256i before) {
  const __m256i lo4 = _mm256_set1_epi8(0x0F);
  const __m256i t1 = _mm256_broadcastsi128_si256(RTM_PUSH__LD128(rtm_push__u8_t1));
  const __m256i t2 = _mm256_broadcastsi128_si256(RTM_PUSH__LD128(rtm_push__u8_t2));
  const __m256i t3 = _mm256_broadcastsi128_si256(RTM_PUSH__LD128(rtm_push__u8_t3));
  __m256i prev1 = _mm256_alignr_epi8(v, before, 15), prev2 = _mm256_alignr_epi8(v, before, 14);
  __m256i prev3 = _mm256_alignr_epi8(v, before, 13);
  __m256i sc = _mm256_and_si256(
    _mm256_and_si256(_mm256_shuffle_epi8(t1, _mm256_and_si256(_mm256_srli_epi16(prev1, 4), lo4)),
                     _mm256_shuffle_epi8(t2, _mm256_and_si256(prev1, lo4))),
    _mm256_shuffle_epi8(t3, _mm256_and_si256(_mm256_srli_epi16(v, 4), lo4)));
  __m256i must23 = _mm256_or_si256(_mm256_subs_epu8(prev2, _mm256_set1_epi8((char)(0xE0 - 0x80))),
                                   _mm256_subs_epu8(prev3, _mm256_set1_epi8((char)(0xF0 - 0x80))));
  return _mm256_xor_si256(_mm256_and_si256(must23, _mm256_set1_epi8((char)0x80)), sc);
}
/* The last 3 bytes of v: a lead byte there needs bytes after v. */
#define RTM_PUSH__U8_INCOMPLETE32(v) _mm256_subs_epu8(v, _mm256_loadu_si256((const __m256i *)(const void *)rtm_push__u8_max))
/* The same, 32 bytes at a time. */
RTM_PUSH__TARGET_AVX2 static int rtm_push__utf8_valid_avx2(const uint8_t *p, size_t n) {
  __m256i prev = _mm256_setzero_si256(), incomplete = prev, err = prev;
  size_t i;
  if (n < 32) return rtm_push__utf8_valid_ssse3(p, n);
  for (i = 0; i + 32 <= n; i += 32) {
    __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)(p + i));
    if (_mm256_movemask_epi8(v) == 0) {
      err = _mm256_or_si256(err, incomplete);
      incomplete = _mm256_setzero_si256();
    } else {
      err = _mm256_or_si256(err, rtm_push__u8_block32(v, _mm256_permute2x128_si256(prev, v, 0x21))); /* prev's high lane, v's low */
      incomplete = RTM_PUSH__U8_INCOMPLETE32(v);
    }
    prev = v;
  }
  if (i < n && n >= 48) { /* the last 32 bytes again, with the 16 before them (bytes checked twice stay checked):
                             no loop over the rest, whose length varies from string to string */
    __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)(p + n - 32));
    err = _mm256_or_si256(err, rtm_push__u8_block32(v, _mm256_loadu_si256((const __m256i *)(const void *)(p + n - 48))));
    err = _mm256_or_si256(err, RTM_PUSH__U8_INCOMPLETE32(v));
    return _mm256_testz_si256(err, err);
  }
  /* the rest (< 32 bytes), 16 at a time, from the state of the last 16 */
  return rtm_push__u8_rest(p, n, i, _mm256_extracti128_si256(prev, 1), _mm256_extracti128_si256(incomplete, 1),
                           _mm_or_si128(_mm256_castsi256_si128(err), _mm256_extracti128_si256(err, 1)));
}
#ifdef RTM_PUSH__AVX512
/* The same, 64 bytes at a time (AVX-512 BW): the bytes before each byte come from the block before through
   one cross-lane permute and the in-lane byte shifts. The last block (0..63 bytes) is loaded under a mask,
   zeros after it; zeros end no sequence, so a sequence cut by the end is an error like any other (a string
   of a multiple of 64 bytes ends with such a block of zeros alone). */
RTM_PUSH__TARGET_AVX512 static int rtm_push__utf8_valid_avx512(const uint8_t *p, size_t n) {
  const __m512i lo4 = _mm512_set1_epi8(0x0F), up16 = _mm512_set_epi64(13, 12, 11, 10, 9, 8, 7, 6);
  const __m512i ones = _mm512_set1_epi8((char)0xFF); /* and rtm_push__u8_max in the top 32 bytes (the masked */
  const __m512i max = _mm512_mask_inserti64x4(ones, 0xFF, ones, /* form: g++ 12 warns in the plain one) */
                                              _mm256_loadu_si256((const __m256i *)(const void *)rtm_push__u8_max), 1);
  /* the masked form: g++ 12 warns of an uninitialized variable inside the plain _mm512_broadcast_i32x4 */
  const __m512i t1 = _mm512_maskz_broadcast_i32x4(0xFFFF, RTM_PUSH__LD128(rtm_push__u8_t1));
  const __m512i t2 = _mm512_maskz_broadcast_i32x4(0xFFFF, RTM_PUSH__LD128(rtm_push__u8_t2));
  const __m512i t3 = _mm512_maskz_broadcast_i32x4(0xFFFF, RTM_PUSH__LD128(rtm_push__u8_t3));
  __m512i prev = _mm512_setzero_si512(), incomplete = prev, err = prev;
  size_t i = 0;
  for (;;) {
    size_t rem = n - i;
    __m512i v = rem >= 64 ? _mm512_loadu_si512((const void *)(p + i))
                          : _mm512_maskz_loadu_epi8(((uint64_t)1 << rem) - 1, (const void *)(p + i));
    if (!_mm512_movepi8_mask(v)) { /* ASCII: fine unless a sequence was cut */
      err = _mm512_or_si512(err, incomplete);
      incomplete = _mm512_setzero_si512();
    } else {
      __m512i before = _mm512_permutex2var_epi64(prev, up16, v); /* prev's last 16 bytes, v's first 48 */
      __m512i prev1 = _mm512_alignr_epi8(v, before, 15), prev2 = _mm512_alignr_epi8(v, before, 14);
      __m512i prev3 = _mm512_alignr_epi8(v, before, 13);
      __m512i sc = _mm512_and_si512(
        _mm512_and_si512(_mm512_shuffle_epi8(t1, _mm512_and_si512(_mm512_srli_epi16(prev1, 4), lo4)),
                         _mm512_shuffle_epi8(t2, _mm512_and_si512(prev1, lo4))),
        _mm512_shuffle_epi8(t3, _mm512_and_si512(_mm512_srli_epi16(v, 4), lo4)));
      __m512i must23 = _mm512_or_si512(_mm512_subs_epu8(prev2, _mm512_set1_epi8((char)(0xE0 - 0x80))),
                                       _mm512_subs_epu8(prev3, _mm512_set1_epi8((char)(0xF0 - 0x80))));
      err = _mm512_or_si512(err, _mm512_xor_si512(_mm512_and_si512(must23, _mm512_set1_epi8((char)0x80)), sc));
      incomplete = _mm512_subs_epu8(v, max);
    }
    if (rem < 64) break;
    prev = v;
    i += 64;
  }
  return _mm512_test_epi8_mask(err, err) == 0;
}
#endif
/* Escaped strings 16 bytes at a time: the backslashes of \" and \/ (JSON text inside attrs, URLs) are
   dropped from the block with one byte shuffle, for every escape of the block at once. The shuffle that
   drops the bytes of 8-bit mask m keeps the other bytes in order: byte i goes to i - popcount(m below i). */
#define RTM_PUSH__POP8(m) (((m) & 1) + ((m) >> 1 & 1) + ((m) >> 2 & 1) + ((m) >> 3 & 1) + ((m) >> 4 & 1) + \
                           ((m) >> 5 & 1) + ((m) >> 6 & 1) + ((m) >> 7 & 1))
#define RTM_PUSH__SHB(m, i) ((m) >> (i) & 1 ? 0 : (uint64_t)(i) << (8 * ((i) - RTM_PUSH__POP8((m) & ((1u << (i)) - 1)))))
#define RTM_PUSH__SH(m) (RTM_PUSH__SHB(m, 0) | RTM_PUSH__SHB(m, 1) | RTM_PUSH__SHB(m, 2) | RTM_PUSH__SHB(m, 3) | \
                         RTM_PUSH__SHB(m, 4) | RTM_PUSH__SHB(m, 5) | RTM_PUSH__SHB(m, 6) | RTM_PUSH__SHB(m, 7))
#define RTM_PUSH__T4(F, m) F(m), F((m) + 1), F((m) + 2), F((m) + 3)
#define RTM_PUSH__T16(F, m) RTM_PUSH__T4(F, m), RTM_PUSH__T4(F, (m) + 4), RTM_PUSH__T4(F, (m) + 8), RTM_PUSH__T4(F, (m) + 12)
#define RTM_PUSH__T64(F, m) RTM_PUSH__T16(F, m), RTM_PUSH__T16(F, (m) + 16), RTM_PUSH__T16(F, (m) + 32), RTM_PUSH__T16(F, (m) + 48)
#define RTM_PUSH__T256(F) RTM_PUSH__T64(F, 0u), RTM_PUSH__T64(F, 64u), RTM_PUSH__T64(F, 128u), RTM_PUSH__T64(F, 192u)
#define RTM_PUSH__KEEP(m) (uint8_t)(8 - RTM_PUSH__POP8(m))
static const uint64_t rtm_push__drop_shuf[256] = {RTM_PUSH__T256(RTM_PUSH__SH)};
static const uint8_t rtm_push__drop_keep[256] = {RTM_PUSH__T256(RTM_PUSH__KEEP)};
/* Where a block of w (16 or 32) bytes at q stops being decodable by the shuffle, from its masks of '"', '\\',
   control characters and '/' (bit i: q[i]) and carry (q[0] escaped by the block before): at an unescaped
   quote or control character, a backslash before a backslash, a backslash before anything but '"' or '/'
   (q[w] is read for the last byte's). Returns the stop mask (0: the whole block decodes). */
RTM_PUSH__HOT uint32_t rtm_push__esc_stop(const uint8_t *q, unsigned w, uint32_t quo, uint32_t bs, uint32_t ctl,
                                          uint32_t sl, uint32_t carry) {
  uint32_t top = (uint32_t)1 << (w - 1), esc = (bs << 1) & (top | (top - 1)); /* what the backslashes escape here */
  uint32_t stop = ((quo | ctl) & ~(esc | carry)) | (bs & (bs >> 1)) | ((esc & ~(quo | sl)) >> 1);
  if ((bs & top) && q[w] != '"' && q[w] != '/') stop |= top; /* the last byte escapes the next block's first */
  return stop;
}
/* From *qp (at least 17 bytes before end: a block and the byte after it) decodes blocks into *op while they hold only plain bytes and \" or
   \/ escapes; stops at the string's end quote, a control character, a backslash it leaves to the caller
   (other escapes, a backslash before a backslash), or fewer than 17 bytes left. The blocks are 16 bytes
   apart whatever they hold (an escape across two blocks is carried), so the next load never waits for
   this block's work; a block without escapes takes the same path (an identity shuffle), as a branch on it
   mispredicts on text where escapes come and go. */
RTM_PUSH__TARGET_SSSE3 static void rtm_push__unescape_ssse3(const uint8_t **qp, const uint8_t *end, uint8_t **op) {
  const uint8_t *q = *qp;
  uint8_t *o = *op;
  unsigned carry = 0; /* q[0] is escaped by the last byte of the block before (a '"' or a '/') */
  while (end - q >= 17) {
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)q), r;
    unsigned bs, stop, lim, m, lo, hi;
    bs = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));
    stop = rtm_push__esc_stop(q, 16, (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('"'))), bs,
                              (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1F)), v)),
                              (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('/'))), carry);
    lim = (unsigned)__builtin_ctz(stop | 0x10000);
    m = bs & ((1u << lim) - 1);
    lo = m & 0xFF;
    hi = m >> 8;
    r = _mm_shuffle_epi8(v, _mm_set_epi64x((long long)(rtm_push__drop_shuf[hi] + 0x0808080808080808ull),
                                           (long long)rtm_push__drop_shuf[lo]));
    _mm_storeu_si128((__m128i *)(void *)o, r);
    _mm_storel_epi64((__m128i *)(void *)(o + rtm_push__drop_keep[lo]), _mm_unpackhi_epi64(r, r));
    o += lim + rtm_push__drop_keep[lo] + rtm_push__drop_keep[hi] - 16;
    if (stop) { /* at the end quote, a control character or an escape left to the caller */
      q += lim;
      carry = 0;
      break;
    }
    q += 16;
    carry = bs >> 15;
  }
  if (carry) *o++ = *q++; /* the '"' or '/' a backslash before this block escaped */
  if (end - q < 17)
    while (q < end && *q != '"' && *q != '\\' && *q >= 0x20) *o++ = *q++;
  *qp = q;
  *op = o;
}
/* The same 32 bytes at a time (at least 33 before end): one set of masks and one shuffle for four 8-byte
   pieces, each compacted by the table and stored after the ones before it. */
RTM_PUSH__TARGET_AVX2 static void rtm_push__unescape_avx2(const uint8_t **qp, const uint8_t *end, uint8_t **op) {
  const uint8_t *q = *qp;
  uint8_t *o = *op;
  uint32_t carry = 0; /* q[0] is escaped by the last byte of the block before (a '"' or a '/') */
  const __m256i half = _mm256_set_epi64x(0x0808080808080808ll, 0, 0x0808080808080808ll, 0);
  while (end - q >= 33) {
    __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)q), r;
    __m128i r0, r1;
    uint32_t bs, stop, m;
    unsigned lim, b0, b1, b2, b3, k0, k01, k012;
    bs = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('\\')));
    stop = rtm_push__esc_stop(q, 32, (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('"'))), bs,
                              (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_min_epu8(v, _mm256_set1_epi8(0x1F)), v)),
                              (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('/'))), carry);
    lim = (unsigned)__builtin_ctzll((uint64_t)stop | (uint64_t)1 << 32);
    m = (uint32_t)(bs & (((uint64_t)1 << lim) - 1));
    b0 = m & 0xFF;
    b1 = (m >> 8) & 0xFF;
    b2 = (m >> 16) & 0xFF;
    b3 = m >> 24;
    r = _mm256_shuffle_epi8(v, _mm256_add_epi8(_mm256_set_epi64x((long long)rtm_push__drop_shuf[b3], (long long)rtm_push__drop_shuf[b2],
                                                                 (long long)rtm_push__drop_shuf[b1], (long long)rtm_push__drop_shuf[b0]),
                                               half));
    k0 = rtm_push__drop_keep[b0];
    k01 = k0 + rtm_push__drop_keep[b1];
    k012 = k01 + rtm_push__drop_keep[b2];
    r0 = _mm256_castsi256_si128(r);
    r1 = _mm256_extracti128_si256(r, 1);
    _mm_storeu_si128((__m128i *)(void *)o, r0);
    _mm_storel_epi64((__m128i *)(void *)(o + k0), _mm_unpackhi_epi64(r0, r0));
    _mm_storeu_si128((__m128i *)(void *)(o + k01), r1);
    _mm_storel_epi64((__m128i *)(void *)(o + k012), _mm_unpackhi_epi64(r1, r1));
    o += lim + k012 + rtm_push__drop_keep[b3] - 32;
    if (stop) { /* at the end quote, a control character or an escape left to the caller */
      *qp = q + lim;
      *op = o;
      return;
    }
    q += 32;
    carry = bs >> 31;
  }
  _mm256_zeroupper(); /* before the SSE code (GCC's interprocedural register allocation can drop its own) */
  if (carry) *o++ = *q++; /* the '"' or '/' a backslash before this block escaped */
  rtm_push__unescape_ssse3(&q, end, &o); /* fewer than 33 bytes left: the rest 16 at a time */
  *qp = q;
  *op = o;
}
#ifdef RTM_PUSH__AVX512
/* The same 64 bytes at a time (at least 65 before end): each block's kept bytes (all but the backslashes
   before its stop) packed by one compress and stored whole. The store stays in the scratch: the output is
   never longer than the input taken (o - o0 <= q - p), so q + 65 <= end puts o + 64 below o0 + (end - p),
   and json_str_at reserves (end - p) + 16. The last 33..64 bytes go on 32 and 16 at a time. */
RTM_PUSH__TARGET_AVX512 static void rtm_push__unescape_avx512(const uint8_t **qp, const uint8_t *end, uint8_t **op) {
  const uint8_t *q = *qp;
  uint8_t *o = *op;
  uint64_t carry = 0; /* q[0] is escaped by the last byte of the block before (a '"' or a '/') */
  while (end - q >= 65) {
    __m512i v = _mm512_loadu_si512((const void *)q);
    uint64_t bs = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('\\'));
    uint64_t quo = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('"'));
    uint64_t ctl = _mm512_cmplt_epu8_mask(v, _mm512_set1_epi8(0x20));
    uint64_t sl = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('/'));
    uint64_t esc = bs << 1, stop, keep;
    /* rtm_push__esc_stop for 64 bits (a backslash before a backslash is among those before anything but
       '"' or '/') */
    stop = ((quo | ctl) & ~(esc | carry)) | ((esc & ~(quo | sl)) >> 1);
    if ((bs >> 63) && q[64] != '"' && q[64] != '/') stop |= (uint64_t)1 << 63;
    keep = (stop ? (stop & (0 - stop)) - 1 : ~(uint64_t)0) & ~bs; /* before the first stop, no backslash */
    _mm512_storeu_si512((void *)o, _mm512_maskz_compress_epi8(keep, v));
    o += __builtin_popcountll(keep);
    if (stop) { /* at the end quote, a control character or an escape left to the caller */
      *qp = q + __builtin_ctzll(stop);
      *op = o;
      return;
    }
    q += 64;
    carry = bs >> 63;
  }
  _mm256_zeroupper(); /* as in rtm_push__unescape_avx2 */
  if (carry) *o++ = *q++;
  if (end - q >= 33) rtm_push__unescape_avx2(&q, end, &o);
  else rtm_push__unescape_ssse3(&q, end, &o);
  *qp = q;
  *op = o;
}
#endif
/* rtm_push__scan_str_scalar, 32 bytes at a time (AVX2): long strings (CJK chat, messages of kilobytes) take half
   the blocks; the last 0..31 bytes go to the SSE2 loop. */
RTM_PUSH__TARGET_AVX2 static const uint8_t *rtm_push__scan_str_avx2(const uint8_t *q, const uint8_t *end, unsigned *high) {
  const __m256i quo = _mm256_set1_epi8('"'), bsl = _mm256_set1_epi8('\\'), c1f = _mm256_set1_epi8(0x1F);
  unsigned hi = 0;
  while (end - q >= 32) {
    __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)q);
    __m256i m = _mm256_or_si256(_mm256_or_si256(_mm256_cmpeq_epi8(v, quo), _mm256_cmpeq_epi8(v, bsl)),
                                _mm256_cmpeq_epi8(_mm256_min_epu8(v, c1f), v)); /* v <= 0x1F */
    unsigned bits = (unsigned)_mm256_movemask_epi8(m), h = (unsigned)_mm256_movemask_epi8(v);
    if (bits) {
      *high |= hi | (h & ((bits & (0u - bits)) - 1));
      return q + __builtin_ctz(bits);
    }
    hi |= h;
    q += 32;
  }
  *high |= hi;
  return rtm_push__scan_str_sse2(q, end, high);
}
static const rtm_push__kernels rtm_push__k_ssse3 = {"ssse3", rtm_push__utf8_valid_ssse3, rtm_push__scan_str_sse2,
                                                    rtm_push__unescape_ssse3};
static const rtm_push__kernels rtm_push__k_avx2 = {"avx2", rtm_push__utf8_valid_avx2, rtm_push__scan_str_avx2,
                                                   rtm_push__unescape_avx2};
#ifdef RTM_PUSH__AVX512
/* Strings under 16 bytes: the scalar loop is quicker than setting up the 64-byte registers. */
RTM_PUSH__TARGET_AVX512 static int rtm_push__utf8_valid_avx512_any(const uint8_t *p, size_t n) {
  return n < 16 ? rtm_push__utf8_valid(p, n) : rtm_push__utf8_valid_avx512(p, n);
}
/* rtm_push__scan_str_scalar, 64 bytes at a time (AVX-512 BW); the last block is loaded under a mask (its stop
   bits too: the zeros after it are no control characters), so any length is one loop. */
RTM_PUSH__TARGET_AVX512 static const uint8_t *rtm_push__scan_str_avx512(const uint8_t *q, const uint8_t *end, unsigned *high) {
  const __m512i quo = _mm512_set1_epi8('"'), bsl = _mm512_set1_epi8('\\'), c20 = _mm512_set1_epi8(0x20);
  uint64_t hi = 0;
  while (q < end) {
    size_t rem = (size_t)(end - q);
    uint64_t live = rem >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << rem) - 1, bits, h;
    __m512i v = _mm512_maskz_loadu_epi8(live, (const void *)q);
    bits = (_mm512_cmpeq_epi8_mask(v, quo) | _mm512_cmpeq_epi8_mask(v, bsl) | _mm512_cmplt_epu8_mask(v, c20)) & live;
    h = _mm512_movepi8_mask(v);
    if (bits) {
      *high |= (hi | (h & ((bits & (0u - bits)) - 1))) != 0;
      return q + __builtin_ctzll(bits);
    }
    hi |= h;
    if (rem <= 64) break;
    q += 64;
  }
  *high |= hi != 0;
  return end;
}
static const rtm_push__kernels rtm_push__k_avx512 = {"avx512", rtm_push__utf8_valid_avx512_any,
                                                     rtm_push__scan_str_avx512, rtm_push__unescape_avx512};
#endif
#endif /* RTM_PUSH__SSSE3 */
/* Every tier compiled in, the best first; NULL ends it. */
static const rtm_push__kernels *const rtm_push__k_tiers[] = {
#ifdef RTM_PUSH__AVX512
  &rtm_push__k_avx512,
#endif
#ifdef RTM_PUSH__SSSE3
  &rtm_push__k_avx2, &rtm_push__k_ssse3,
#endif
  &rtm_push__k_scalar, NULL};
/* Can this CPU run the tier? */
static int rtm_push__kernels_usable(const rtm_push__kernels *k) {
#ifdef RTM_PUSH__AVX512
  if (k == &rtm_push__k_avx512) return __builtin_cpu_supports("avx512vbmi2") && __builtin_cpu_supports("avx512bw");
#endif
#ifdef RTM_PUSH__SSSE3
  if (k == &rtm_push__k_avx2) return RTM_PUSH__AVX2 == 2 || __builtin_cpu_supports("avx2");
  if (k == &rtm_push__k_ssse3) return RTM_PUSH__SSSE3 == 2 || __builtin_cpu_supports("ssse3");
#endif
  return k == &rtm_push__k_scalar;
}
/* The best tier this CPU can run. */
static const rtm_push__kernels *rtm_push__kernels_pick(void) {
  int i;
  for (i = 0; !rtm_push__kernels_usable(rtm_push__k_tiers[i]); i++) {}
  return rtm_push__k_tiers[i];
}
/* >>print: one JSON line per event (the rtm-dump / rtm-listen format) --------------------------- */
static void rtm_push__wr(rtm_push__w *w, const char *p, size_t n) {
  if (!n) return;
  if (w->n < w->cap) {
    size_t k = RTM_PUSH__MIN(n, w->cap - 1 - w->n);
    memcpy(w->buf + w->n, p, k);
    w->buf[w->n + k] = 0;
  }
  w->n += n;
}
static void rtm_push__wz(rtm_push__w *w, const char *z) { rtm_push__wr(w, z, strlen(z)); }
static void rtm_push__wi(rtm_push__w *w, int64_t v) {
  char t[24];
  rtm_push__wr(w, t, rtm_push__i64_to_str(v, t));
}
static void rtm_push__wjstr(rtm_push__w *w, const char *p, size_t n) {
  static const char hex[] = "0123456789abcdef";
  size_t i, run = 0;
  if (!p) p = "", n = 0;
  rtm_push__wr(w, "\"", 1);
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)p[i];
    char e[6];
    size_t en = 2;
    if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f && (c != 0xC2 || i + 1 == n || (uint8_t)p[i + 1] >= 0xA0)) {
      run++;
      continue;
    }
    rtm_push__wr(w, p + i - run, run);
    run = 0;
    e[0] = '\\';
    if (c == 0xC2) c = (unsigned char)p[++i]; /* a C1 control (U+0080..U+009F), escaped like DEL and C0 */
    switch (c) {
      case '"': e[1] = '"'; break;
      case '\\': e[1] = '\\'; break;
      case '\b': e[1] = 'b'; break;
      case '\f': e[1] = 'f'; break;
      case '\n': e[1] = 'n'; break;
      case '\r': e[1] = 'r'; break;
      case '\t': e[1] = 't'; break;
      default: e[1] = 'u'; e[2] = '0'; e[3] = '0'; e[4] = hex[c >> 4]; e[5] = hex[c & 15]; en = 6;
    }
    rtm_push__wr(w, e, en);
  }
  if (run) rtm_push__wr(w, p + n - run, run);
  rtm_push__wr(w, "\"", 1);
}
static void rtm_push__wb64(rtm_push__w *w, const uint8_t *p, size_t n) {
  static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t i;
  rtm_push__wr(w, "\"", 1);
  for (i = 0; i + 2 < n; i += 3) {
    char o[4];
    uint32_t v = ((uint32_t)p[i] << 16) | ((uint32_t)p[i + 1] << 8) | p[i + 2];
    o[0] = t[v >> 18]; o[1] = t[(v >> 12) & 63]; o[2] = t[(v >> 6) & 63]; o[3] = t[v & 63];
    rtm_push__wr(w, o, 4);
  }
  if (i < n) {
    char o[4];
    uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0);
    o[0] = t[v >> 18]; o[1] = t[(v >> 12) & 63];
    o[2] = i + 1 < n ? t[(v >> 6) & 63] : '=';
    o[3] = '=';
    rtm_push__wr(w, o, 4);
  }
  rtm_push__wr(w, "\"", 1);
}
/* <sep>"key":"string"  or  <sep>"key_base64":"..." */
static void rtm_push__wfield_sep(rtm_push__w *w, const char *sep, const char *key, const rtm_push_str *v) {
  rtm_push__wz(w, sep);
  rtm_push__wz(w, "\"");
  rtm_push__wz(w, key);
  if (v->binary) {
    rtm_push__wz(w, "_base64\":");
    rtm_push__wb64(w, (const uint8_t *)v->ptr, v->len);
  } else {
    rtm_push__wz(w, "\":");
    rtm_push__wjstr(w, v->ptr, v->len);
  }
}
static void rtm_push__wfield_str(rtm_push__w *w, const char *key, const rtm_push_str *v) {
  rtm_push__wfield_sep(w, ",", key, v);
}
RTM_PUSH_API_IMPL size_t rtm_push_event_to_json(const rtm_push_event *ev, char *buf, size_t cap) {
  rtm_push__w w;
  int bit;
  w.buf = buf;
  w.cap = buf ? cap : 0;
  w.n = 0;
  if (buf && cap) buf[0] = 0;
  if (!ev) return 0;
  switch (ev->type) {
    case RTM_PUSH_EV_ERROR:
      rtm_push__wz(&w, "{\"error\":");
      rtm_push__wjstr(&w, ev->message ? ev->message : "", ev->message ? strlen(ev->message) : 0);
      rtm_push__wz(&w, ",\"code\":");
      rtm_push__wi(&w, ev->error);
      rtm_push__wz(&w, "}");
      return w.n;
    case RTM_PUSH_EV_CATCH_UP: {
      static const char *const names[] = {"\",\"conversations\":", ",\"pages\":", ",\"messages\":", ",\"duplicates\":", ",\"errors\":"};
      const uint32_t v[] = {ev->counts.conversations, ev->counts.pages, ev->counts.messages, ev->counts.duplicates, ev->counts.errors};
      int i;
      rtm_push__wz(&w, "{\"event\":\"catchup\",\"since\":\"");
      rtm_push__wi(&w, ev->counts.since);
      for (i = 0; i < 5; i++) {
        rtm_push__wz(&w, names[i]);
        rtm_push__wi(&w, v[i]);
      }
      rtm_push__wz(&w, "}");
      return w.n;
    }
    case RTM_PUSH_EV_CLOSED:
      rtm_push__wz(&w, "{\"event\":\"closed\",\"code\":");
      rtm_push__wi(&w, ev->error);
      rtm_push__wz(&w, "}");
      return w.n;
    case RTM_PUSH_EV_LOGIN: case RTM_PUSH_EV_ANSWER:
      rtm_push__wz(&w, ev->type == RTM_PUSH_EV_LOGIN ? "{\"event\":\"login\"" : "{\"event\":\"answer\"");
      if (ev->type == RTM_PUSH_EV_ANSWER) {
        rtm_push__wz(&w, ",\"seq\":");
        rtm_push__wi(&w, ev->seq);
        rtm_push__wz(&w, ",\"status\":");
        rtm_push__wi(&w, ev->status);
      }
      if (ev->ok >= 0) rtm_push__wz(&w, ev->ok ? ",\"ok\":true" : ",\"ok\":false");
      if (ev->code || ev->status) {
        rtm_push__wz(&w, ",\"code\":");
        rtm_push__wi(&w, ev->code);
      }
      if (ev->ex.ptr) rtm_push__wfield_str(&w, "ex", &ev->ex);
      if (ev->gate.ptr) rtm_push__wfield_str(&w, "gate", &ev->gate);
      rtm_push__wz(&w, "}");
      return w.n;
    default: break;
  }
  rtm_push__wz(&w, "{\"event\":\"");
  rtm_push__wz(&w, ev->type == RTM_PUSH_EV_UNKNOWN ? "unknown" : ev->name);
  rtm_push__wz(&w, "\"");
  rtm_push__wfield_str(&w, "method", &ev->method);
  if (ev->twoway) {
    rtm_push__wz(&w, ",\"seq\":");
    rtm_push__wi(&w, ev->seq);
  }
  rtm_push__wz(&w, ev->twoway ? ",\"twoway\":true" : ",\"twoway\":false");
  for (bit = 0; bit < RTM_PUSH_FIELD_COUNT; bit++) {
    const char *name = rtm_push__fielddefs[bit].name;
    if (!(ev->fields & (1u << bit))) continue;
    switch (rtm_push__fielddefs[bit].type) {
      case RTM_PUSH__T_INT64:
        rtm_push__wz(&w, ",\"");
        rtm_push__wz(&w, name);
        rtm_push__wz(&w, "\":\"");
        rtm_push__wi(&w, *rtm_push__i64_slot((rtm_push_event *)(uintptr_t)ev, bit));
        rtm_push__wz(&w, "\"");
        break;
      case RTM_PUSH__T_INT32:
        rtm_push__wz(&w, ",\"");
        rtm_push__wz(&w, name);
        rtm_push__wz(&w, "\":");
        rtm_push__wi(&w, ev->mtype);
        break;
      case RTM_PUSH__T_STR: rtm_push__wfield_str(&w, name, &ev->attrs); break;
      default:
        if (ev->msg_is_translation) {
          const rtm_push_translation *t = &ev->translation;
          rtm_push__wz(&w, ",\"msg\":");
          rtm_push__wfield_sep(&w, "{", "source", &t->source);
          rtm_push__wfield_str(&w, "target", &t->target);
          rtm_push__wfield_str(&w, "sourceText", &t->source_text);
          rtm_push__wfield_str(&w, "targetText", &t->target_text);
          rtm_push__wz(&w, "}");
        } else {
          rtm_push__wfield_str(&w, name, &ev->msg);
        }
        break;
    }
  }
  if (ev->caught_up) rtm_push__wz(&w, ",\"caught_up\":true");
  rtm_push__wz(&w, "}");
  return w.n;
}
/* >>public: the session's public functions (the others sit with their layer: strerror and is_fatal
                in >>events, parse_int64 in >>words, tls_verified in >>tls, event_to_json in >>print) --- */

RTM_PUSH_API_IMPL const char *rtm_push_version(void) { return RTM_PUSH_VERSION_STRING; }
static void rtm_push__really_free(rtm_push *s) {
  rtm_push_allocator a = s->cfg.allocator;
  s->state = RTM_PUSH_STATE_CLOSED; /* the last answer callbacks cannot start anything new */
  rtm_push__quests_expire(s, 1);
  rtm_push__dealloc(&a, s->quests);
  rtm_push__dealloc(&a, s->rooms);
  if (s->cu) rtm_push__dealloc(&a, s->cu->convs);
  rtm_push__dealloc(&a, s->cu);
  if (s->wsf) wslay_frame_context_free(s->wsf);
  mbedtls_ctr_drbg_free(&s->drbg);
  if (s->entropy) {
    mbedtls_entropy_free(s->entropy);
    rtm_push__dealloc(&a, s->entropy);
  }
  rtm_push__tls_free(s);
  rtm_push__buf_free(s, &s->out);
  rtm_push__buf_free(s, &s->pout);
  rtm_push__buf_free(s, &s->tls_rbuf);
  rtm_push__buf_free(s, &s->http);
  rtm_push__buf_free(s, &s->pkg);
  rtm_push__buf_free(s, &s->scratch);
  rtm_push__buf_free(s, &s->scratch2);
  rtm_push__buf_free(s, &s->qbuf);
  rtm_push__dealloc(&a, s->dd_ring);
  rtm_push__dealloc(&a, s->dd_idx);
  rtm_push__dealloc(&a, s->dd_ovf);
  rtm_push__dealloc(&a, s->strings);
  rtm_push__dealloc(&a, s);
}
RTM_PUSH_API_IMPL void rtm_push_free(rtm_push *s) {
  if (!s) return;
  if (s->in_cb) { s->free_requested = 1; return; } /* freed when the outermost call returns */
  rtm_push__really_free(s);
}
static int rtm_push__leave(rtm_push *s, int rc) {
  if (!s->free_requested) rtm_push__tls_pump(s);
  if (s->free_requested && !s->in_cb) {
    rtm_push__really_free(s);
    return RTM_PUSH_E_CLOSED;
  }
  return rc;
}
/* Step 1 of rtm_push_new: the configuration checked, and its defaults filled in. */
static int rtm_push__config_defaults(rtm_push_config *cp) {
  rtm_push_config c = *cp;
  if (!c.allocator.alloc_fn != !c.allocator.free_fn) return RTM_PUSH_E_CONFIG;
  if (c.start == RTM_PUSH_START_HTTP && (!c.host || !*c.host)) return RTM_PUSH_E_CONFIG;
  if (c.tls && c.start != RTM_PUSH_START_HTTP) return RTM_PUSH_E_CONFIG;
#ifdef RTM_PUSH_NO_TLS
  if (c.tls) return RTM_PUSH_E_TLS_UNAVAILABLE;
#endif
  if ((unsigned)c.start > RTM_PUSH_START_FPNN) return RTM_PUSH_E_CONFIG;
  if (!c.path) c.path = "/service/websocket";
  if (c.path[0] != '/' || strpbrk(c.path, " \t\r\n") || (c.host && strpbrk(c.host, " \t\r\n/")))
    return RTM_PUSH_E_CONFIG; /* they go into the request line and the Host header */
  if (!c.port) c.port = c.tls ? 443 : 80;
  if (!c.version) c.version = "C-rtm_push-" RTM_PUSH_VERSION_STRING;
  if (!c.quest_encoding) c.quest_encoding = RTM_PUSH_ENC_JSON;
  if (c.quest_encoding != RTM_PUSH_ENC_JSON && c.quest_encoding != RTM_PUSH_ENC_MSGPACK) return RTM_PUSH_E_CONFIG;
  if (!c.ping_timeout_ms) c.ping_timeout_ms = 60000;
  if (!c.login_timeout_ms) c.login_timeout_ms = 30000;
  if (!c.quest_timeout_ms) c.quest_timeout_ms = 5000;
  if (!c.close_timeout_ms) c.close_timeout_ms = 2000;
  if (!c.limits.max_package) c.limits.max_package = 8u << 20;
  if (c.limits.max_package < 16 || c.limits.max_package > SIZE_MAX / 4) return RTM_PUSH_E_CONFIG;
  if (!c.limits.max_frame) c.limits.max_frame = c.limits.max_package + 14;
  if (!c.limits.max_http_header) c.limits.max_http_header = 16u << 10;
  if (c.limits.max_http_header > SIZE_MAX / 4 || c.limits.max_frame > SIZE_MAX / 4) return RTM_PUSH_E_CONFIG;
  if (!c.limits.max_output) c.limits.max_output = 4u << 20;
  if (c.limits.max_output < 512) return RTM_PUSH_E_CONFIG;
  if (!c.limits.max_depth) c.limits.max_depth = 32;
  if (c.limits.max_depth > 256) return RTM_PUSH_E_CONFIG;
  if (!c.limits.dedup_capacity) c.limits.dedup_capacity = 1024;
  if (c.limits.dedup_capacity > (1u << 24)) return RTM_PUSH_E_CONFIG; /* an entry keeps its index slot in 28 bits */
  if (!c.limits.dedup_ttl_ms) c.limits.dedup_ttl_ms = 20u * 60u * 1000u;
  if (!c.limits.max_pending_quests) c.limits.max_pending_quests = 1024;
  if (!c.limits.max_rooms) c.limits.max_rooms = 64;
  if (!c.catch_up_rate) c.catch_up_rate = 2;
  if (c.catch_up_rate > 1000) return RTM_PUSH_E_CONFIG;
  if (!c.catch_up_in_flight) c.catch_up_in_flight = 2;
  if (!c.reconnect.immediate) c.reconnect.immediate = 2;
  if (!c.reconnect.base_ms) c.reconnect.base_ms = 1000;
  if (!c.reconnect.max_ms) c.reconnect.max_ms = 30000;
  if (!c.reconnect.stable_ms) c.reconnect.stable_ms = RTM_PUSH_RECONNECT_STABLE_MS;
  if (c.tls && !c.tls_server_name) c.tls_server_name = c.host;
  /* an empty name would be checked as such: a trusted certificate naming "" would pass for any host */
  if (c.tls && c.tls_server_name && !c.tls_server_name[0]) return RTM_PUSH_E_CONFIG;
  if (c.host && strlen(c.host) > 255) return RTM_PUSH_E_CONFIG;
  *cp = c;
  return 0;
}
/* Step 2: one allocation holds the session's own copies of every string of the configuration (the attrs pairs'
   pointers first). *bytes: its size; *nattrs: the attrs strings. */
static int rtm_push__config_size(const rtm_push_config *c, size_t *bytes, size_t *nattrs) {
  const char *strs[6];
  size_t i, n = 0, na = 0;
  strs[0] = c->host; strs[1] = c->path; strs[2] = c->token; strs[3] = c->lang; strs[4] = c->version;
  strs[5] = c->tls ? c->tls_server_name : NULL;
  for (i = 0; i < 6; i++) if (strs[i]) n += strlen(strs[i]) + 1;
  if (c->attrs) {
    while (c->attrs[na]) {
      if (!c->attrs[na + 1]) return RTM_PUSH_E_CONFIG; /* a key without a value */
      n += strlen(c->attrs[na]) + strlen(c->attrs[na + 1]) + 2;
      na += 2;
    }
  }
  *bytes = n + (na + 2) * sizeof(char *);
  *nattrs = na;
  return 0;
}
static void rtm_push__config_copy(rtm_push *s, const rtm_push_config *c, size_t nattrs) {
  const char **av = (const char **)(void *)s->strings;
  char *sp = s->strings + (nattrs + 2) * sizeof(char *);
  size_t i;
  s->cfg.host = rtm_push__copy_str(&sp, c->host);
  s->cfg.path = rtm_push__copy_str(&sp, c->path);
  s->cfg.token = rtm_push__copy_str(&sp, c->token);
  s->cfg.lang = rtm_push__copy_str(&sp, c->lang);
  s->cfg.version = rtm_push__copy_str(&sp, c->version);
  s->cfg.tls_server_name = c->tls ? rtm_push__copy_str(&sp, c->tls_server_name) : NULL;
  s->cfg.tls_ca_file = s->cfg.tls_ca_path = s->cfg.tls_ca_pem = NULL; /* read once, in rtm_push__tls_setup */
  s->cfg.tls_ca_pem_len = 0;
  if (c->attrs) {
    for (i = 0; i < nattrs; i++) av[i] = rtm_push__copy_str(&sp, c->attrs[i]);
    av[nattrs] = NULL;
    s->cfg.attrs = av;
  }
}
/* Step 3: the DRBG, seeded once from the host's entropy callback, the OS, or mbedTLS's collector. */
static int rtm_push__seed(rtm_push *s, const rtm_push_config *c) {
  static const char pers[] = "rtm_push";
  int (*fn)(void *, unsigned char *, size_t) = c->entropy ? rtm_push__host_entropy : NULL;
  void *arg = s;
  unsigned char probe[1];
  mbedtls_ctr_drbg_init(&s->drbg);
  if (!fn && rtm_push__os_entropy(NULL, probe, 1) == 0) fn = rtm_push__os_entropy;
  if (!fn) { /* no random device: mbedTLS's collector */
    if (!(s->entropy = (mbedtls_entropy_context *)rtm_push__alloc(&c->allocator, sizeof *s->entropy))) return RTM_PUSH_E_NOMEM;
    mbedtls_entropy_init(s->entropy);
    fn = mbedtls_entropy_func;
    arg = s->entropy;
  }
  if (mbedtls_ctr_drbg_seed(&s->drbg, fn, arg, (const unsigned char *)pers, sizeof pers - 1) != 0) return RTM_PUSH_E_RANDOM;
  /* Seeded once, here: no reseed (and so no read of the entropy source) in the middle of a feed. 2^31 requests
     of 256 bytes is far beyond a session's needs and within CTR-DRBG's bounds. */
  mbedtls_ctr_drbg_set_reseed_interval(&s->drbg, 0x7fffffff);
  { /* the duplicate table's hash key */
    unsigned char k[16];
    int j;
    if (mbedtls_ctr_drbg_random(&s->drbg, k, sizeof k) != 0) return RTM_PUSH_E_RANDOM;
    for (j = 0; j < 16; j++) s->dd_key[j >> 3] = s->dd_key[j >> 3] << 8 | k[j];
    mbedtls_platform_zeroize(k, sizeof k);
  }
  return 0;
}
RTM_PUSH_API_IMPL int rtm_push_new(rtm_push **out, const rtm_push_config *config) {
  rtm_push_config c;
  rtm_push *s;
  size_t strbytes, nattrs;
  int rc;
  if (!out || !config) return RTM_PUSH_E_INVALID_ARG;
  *out = NULL;
  c = *config;
  if ((rc = rtm_push__config_defaults(&c)) != 0 || (rc = rtm_push__config_size(&c, &strbytes, &nattrs)) != 0) return rc;
  s = (rtm_push *)rtm_push__alloc(&c.allocator, sizeof *s);
  if (!s) return RTM_PUSH_E_NOMEM;
  memset(s, 0, sizeof *s);
  s->cfg = c;
  memset(s->jnext, -1, sizeof s->jnext);
  s->k = rtm_push__kernels_pick();
  s->strings = (char *)rtm_push__alloc(&c.allocator, strbytes);
  if (!s->strings) { rtm_push__dealloc(&c.allocator, s); return RTM_PUSH_E_NOMEM; }
  rtm_push__config_copy(s, &c, nattrs);
  s->state = RTM_PUSH_STATE_CONNECTING;
  s->next_seq = 1;
  s->login_deadline = s->ping_deadline = s->bye_deadline = s->close_deadline = RTM_PUSH__NO_DEADLINE;
  s->reconnect_at = s->ready_at = RTM_PUSH__NO_DEADLINE;
  s->rnd_pos = sizeof s->rnd;
  if ((rc = rtm_push__seed(s, &c)) != 0 || (c.tls && (rc = rtm_push__tls_setup(s, &c)) != 0)) {
    rtm_push__really_free(s);
    return rc;
  }
  s->cfg.on_event = NULL; /* rtm_push_new reports through its return code only */
  rc = rtm_push__transport_start(s);
  s->cfg.on_event = c.on_event;
  if (rc) { rtm_push__really_free(s); return rc; }
  *out = s;
  return RTM_PUSH_OK;
}

static int rtm_push__enter(rtm_push *s, uint64_t now) {
  if (!s) return RTM_PUSH_E_INVALID_ARG;
  if (s->in_cb) return RTM_PUSH_E_IN_CALLBACK;
  rtm_push__set_now(s, now);
  return 0;
}
RTM_PUSH_API_IMPL int rtm_push_feed(rtm_push *s, const void *data, size_t len, uint64_t now_ms) {
  int rc = rtm_push__enter(s, now_ms);
  if (rc) return rc;
  if (!data && len) return RTM_PUSH_E_INVALID_ARG;
  if (rtm_push__ended(s) || s->eof) return RTM_PUSH_E_CLOSED;
  if (s->tls_on) rtm_push__tls_input(s, (const uint8_t *)data, len);
  else rtm_push__plain_input(s, (const uint8_t *)data, len);
  return rtm_push__leave(s, s->state == RTM_PUSH_STATE_FAILED ? s->err : RTM_PUSH_OK);
}
RTM_PUSH_API_IMPL int rtm_push_feed_eof(rtm_push *s, uint64_t now_ms) {
  int rc = rtm_push__enter(s, now_ms);
  if (rc) return rc;
  if (rtm_push__ended(s) || s->eof) { s->eof = 1; return RTM_PUSH_OK; }
  s->eof = 1;
  if (s->tls_on && !s->tls_ready)
    rtm_push__fail(s, RTM_PUSH_E_TLS_HANDSHAKE, "TLS: the server closed the connection during the handshake");
  else if (s->tls_on && (s->rec_hlen || s->rec_left))
    rtm_push__fail(s, RTM_PUSH_E_TLS_TRUNCATED, "TLS: the connection ended inside a TLS record");
  else rtm_push__plain_eof(s);
  return rtm_push__leave(s, s->state == RTM_PUSH_STATE_FAILED ? s->err : RTM_PUSH_OK);
}
RTM_PUSH_API_IMPL size_t rtm_push_pending_output(rtm_push *s, const uint8_t **data) {
  size_t n;
  if (!s) { if (data) *data = NULL; return 0; }
  n = s->out.len - s->out_off;
  if (data) *data = n ? s->out.p + s->out_off : NULL;
  if (n && s->phase == RTM_PUSH__PH_FPNN) { /* one package at a time: each is one WebSocket message */
    if (!s->out_pkg_left) {
      const uint8_t *h = s->out.p + s->out_off;
      s->out_pkg_left = (size_t)rtm_push__fpnn_size(h);
    }
    n = RTM_PUSH__MIN(n, s->out_pkg_left);
  }
  return n;
}
RTM_PUSH_API_IMPL int rtm_push_consume_output(rtm_push *s, size_t n) {
  if (!s || n > s->out.len - s->out_off) return RTM_PUSH_E_INVALID_ARG;
  if (s->phase == RTM_PUSH__PH_FPNN && n) {
    rtm_push_pending_output(s, NULL);
    if (n > s->out_pkg_left) return RTM_PUSH_E_INVALID_ARG;
    s->out_pkg_left -= n;
  }
  s->out_off += n;
  if (s->out_off == s->out.len) s->out_off = s->out.len = 0;
  if (s->state == RTM_PUSH_STATE_CONNECTING && s->out.len == 0 && !s->tls_on) s->state = RTM_PUSH_STATE_UPGRADING;
  return RTM_PUSH_OK;
}
RTM_PUSH_API_IMPL uint64_t rtm_push_next_deadline(const rtm_push *s) {
  uint64_t d = RTM_PUSH__NO_DEADLINE;
  if (!s) return d;
  if (rtm_push__ended(s)) return d; /* nothing to time: the reconnect advice is rtm_push_reconnect_at */
  if (!s->have_now) return 0; /* no time seen yet: a tick now starts the timers */
  if (s->login_deadline < d) d = s->login_deadline;
  if (s->ping_deadline < d) d = s->ping_deadline;
  if (s->bye_deadline < d) d = s->bye_deadline;
  if (s->close_deadline < d) d = s->close_deadline;
  if (s->nquests && rtm_push__quests_deadline(s) < d) d = rtm_push__quests_deadline(s);
  if (s->cu && rtm_push__cu_deadline(s) < d) d = rtm_push__cu_deadline(s);
  return d;
}
RTM_PUSH_API_IMPL int rtm_push_tick(rtm_push *s, uint64_t now_ms) {
  int rc = rtm_push__enter(s, now_ms);
  if (rc) return rc;
  if (rtm_push__ended(s)) return RTM_PUSH_OK;
  if (now_ms >= s->login_deadline) /* named by the stage that did not end in time */
    rtm_push__fail(s, RTM_PUSH_E_LOGIN_TIMEOUT, "%s within %u ms (state %s)",
                   s->state == RTM_PUSH_STATE_AUTHENTICATING ? "no login answer"
                   : s->state == RTM_PUSH_STATE_UPGRADING  ? "no HTTP 101 response"
                   : s->tls_on                              ? "no TLS handshake"
                                                            : "the upgrade request not written",
                   (unsigned)s->cfg.login_timeout_ms, rtm_push_state_name(s->state));
  else if (now_ms >= s->ping_deadline)
    rtm_push__fail(s, RTM_PUSH_E_PING_TIMEOUT, "no ping from the gate for %u ms", (unsigned)s->cfg.ping_timeout_ms);
  else if (now_ms >= s->bye_deadline) {
    s->bye_pending = 0;
    rtm_push__send_close_now(s);
  } else if (now_ms >= s->close_deadline)
    rtm_push__finish(s, 0);
  if (!rtm_push__ended(s)) rtm_push__quests_expire(s, 0);
  if (s->cu && !rtm_push__stopped(s)) rtm_push__cu_pump(s); /* catch-up quests the pacing lets go now */
  return rtm_push__leave(s, s->state == RTM_PUSH_STATE_FAILED ? s->err : RTM_PUSH_OK);
}
RTM_PUSH_API_IMPL int rtm_push_close(rtm_push *s, uint64_t now_ms) {
  int rc;
  if (!s) return RTM_PUSH_E_INVALID_ARG;
  rtm_push__set_now(s, now_ms);
  if (rtm_push__ended(s) || s->state == RTM_PUSH_STATE_CLOSING) return RTM_PUSH_OK;
  if (s->state < RTM_PUSH_STATE_AUTHENTICATING) { /* nothing established: just end, nothing to write */
    s->out.len = s->out_off = s->pout.len = s->pout_off = 0;
    s->closed_by_us = 1;
    rtm_push__finish(s, 0);
    return rtm_push__leave(s, RTM_PUSH_OK);
  }
  s->state = RTM_PUSH_STATE_CLOSING;
  s->closed_by_us = 1;
  s->login_deadline = s->ping_deadline = RTM_PUSH__NO_DEADLINE; /* an auth answer still due is dropped */
  s->bye_seq = s->next_seq++;
  s->bye_pending = 1;
  s->bye_deadline = now_ms + s->cfg.quest_timeout_ms;
  rc = s->cfg.quest_encoding == RTM_PUSH_ENC_MSGPACK
           ? rtm_push__send_package(s, RTM_PUSH__FPNN_TWOWAY, RTM_PUSH_ENC_MSGPACK, s->bye_seq, "bye", "\x80", 1)
           : rtm_push__send_package(s, RTM_PUSH__FPNN_TWOWAY, RTM_PUSH_ENC_JSON, s->bye_seq, "bye", "{}", 2);
  if (rc) {
    if (rtm_push__send_or_fail(s, rc) && rtm_push__ended(s)) return rtm_push__leave(s, rc);
    rtm_push__send_close_now(s);
  }
  return rtm_push__leave(s, RTM_PUSH_OK);
}
RTM_PUSH_API_IMPL rtm_push_state rtm_push_current_state(const rtm_push *s) {
  return s ? s->state : RTM_PUSH_STATE_INVALID;
}
RTM_PUSH_API_IMPL int rtm_push_want_read(const rtm_push *s) {
  return s && !rtm_push__ended(s) && !s->eof;
}
RTM_PUSH_API_IMPL int rtm_push_want_write(const rtm_push *s) {
  return s && s->out.len > s->out_off;
}
RTM_PUSH_API_IMPL int rtm_push_last_error(const rtm_push *s, const char **message) {
  if (!s) { if (message) *message = rtm_push_strerror(RTM_PUSH_E_INVALID_ARG); return RTM_PUSH_E_INVALID_ARG; }
  if (message) *message = s->err ? s->errmsg : "no error";
  return s->err;
}
RTM_PUSH_API_IMPL const rtm_push_config *rtm_push_current_config(const rtm_push *s) { return s ? &s->cfg : NULL; }
RTM_PUSH_API_IMPL const char *rtm_push_state_name(rtm_push_state st) {
  switch (st) {
    case RTM_PUSH_STATE_CONNECTING: return "connecting";
    case RTM_PUSH_STATE_UPGRADING: return "upgrading";
    case RTM_PUSH_STATE_AUTHENTICATING: return "authenticating";
    case RTM_PUSH_STATE_READY: return "ready";
    case RTM_PUSH_STATE_CLOSING: return "closing";
    case RTM_PUSH_STATE_CLOSED: return "closed";
    case RTM_PUSH_STATE_FAILED: return "failed";
    default: return "invalid";
  }
}
RTM_PUSH_API_IMPL int rtm_push_quest(rtm_push *s, const rtm_push_quest_desc *quest, uint32_t *seq_out) {
  rtm_push_quest_desc d;
  if (!s || !quest) return RTM_PUSH_E_INVALID_ARG;
  d = *quest;
  if (!d.json) return rtm_push__quest_done(s, rtm_push__quest_send(s, &d, 0, 0, 0, seq_out));
#ifdef RTM_PUSH_NO_CJSON
  return RTM_PUSH_E_INVALID_ARG; /* quest.json needs cJSON: this build has RTM_PUSH_NO_CJSON */
#else
  {
    char *txt;
    int rc;
    if (d.payload || d.payload_len || (d.encoding && d.encoding != RTM_PUSH_ENC_JSON) || !cJSON_IsObject(d.json))
      return RTM_PUSH_E_INVALID_ARG;
    if (!(txt = cJSON_PrintUnformatted(d.json))) return RTM_PUSH_E_NOMEM;
    d.payload = txt;
    d.payload_len = strlen(txt);
    rc = rtm_push__quest_send(s, &d, 0, 0, 0, seq_out);
    cJSON_free(txt);
    return rtm_push__quest_done(s, rc);
  }
#endif
}
#ifndef RTM_PUSH_NO_CJSON
RTM_PUSH_API_IMPL struct cJSON *rtm_push_cjson_int64(int64_t value) {
  char num[24];
  num[rtm_push__i64_to_str(value, num)] = 0;
  return cJSON_CreateRaw(num); /* a number node printed exactly: a double would round beyond 2^53 */
}
#endif
RTM_PUSH_API_IMPL int rtm_push_enterroom(rtm_push *s, int64_t rid, rtm_push_answer_fn on_answer, void *user_data) {
  return rtm_push__quest_done(s, rtm_push__room_quest(s, "enterroom", rid, on_answer, user_data, RTM_PUSH__ROOM_ENTER));
}
RTM_PUSH_API_IMPL int rtm_push_leaveroom(rtm_push *s, int64_t rid, rtm_push_answer_fn on_answer, void *user_data) {
  return rtm_push__quest_done(s, rtm_push__room_quest(s, "leaveroom", rid, on_answer, user_data, RTM_PUSH__ROOM_LEAVE));
}
RTM_PUSH_API_IMPL int rtm_push_send(rtm_push *s, const rtm_push_message *m, uint32_t *seq_out) {
  static const char *const methods[] = {"sendmsg", "sendgroupmsg", "sendroommsg"}, *const keys[] = {"to", "gid", "rid"};
  rtm_push__kv kv[5];
  int i;
  if (!s || !m || m->mid == 0 || (!m->msg && m->msg_len) || m->target < RTM_PUSH_TO_USER || m->target > RTM_PUSH_TO_ROOM)
    return RTM_PUSH_E_INVALID_ARG;
  i = (int)m->target - RTM_PUSH_TO_USER;
  memset(kv, 0, sizeof kv);
  kv[0].key = keys[i], kv[0].i = m->to;
  kv[1].key = "mid", kv[1].i = m->mid;
  kv[2].key = "mtype", kv[2].i = m->mtype;
  kv[3].key = "msg", kv[3].type = RTM_PUSH__KV_STR, kv[3].str = m->msg ? m->msg : "";
  kv[3].n = m->msg_len || !m->msg ? m->msg_len : strlen(m->msg);
  kv[4].key = "attrs", kv[4].type = RTM_PUSH__KV_STR, kv[4].str = m->attrs ? m->attrs : "", kv[4].n = m->attrs ? strlen(m->attrs) : 0;
  return rtm_push__quest_done(s, rtm_push__kv_quest(s, methods[i], kv, 5, m->mid, m->timeout_ms, m->on_answer, m->user_data,
                                                    RTM_PUSH__ROOM_NONE, seq_out));
}
RTM_PUSH_API_IMPL uint64_t rtm_push_reconnect_at(const rtm_push *s) {
  return s && rtm_push__ended(s) ? s->reconnect_at : RTM_PUSH__NO_DEADLINE;
}
RTM_PUSH_API_IMPL int rtm_push_reconnect(rtm_push *s, uint64_t now_ms) {
  int rc = rtm_push__enter(s, now_ms);
  if (rc) return rc;
  if (!rtm_push__ended(s)) return RTM_PUSH_E_STATE;
  rtm_push__transport_reset(s);
  s->closed_by_us = s->stop_code = 0;
  if ((rc = rtm_push__transport_start(s)) != 0) {
    if (!rtm_push__ended(s)) rtm_push__fail(s, rc, NULL);
    return rtm_push__leave(s, rc);
  }
  return rtm_push__leave(s, RTM_PUSH_OK);
}
/* The official SDKs' message ids: the wall-clock milliseconds, times 1000, plus a counter 0..999. */
RTM_PUSH_API_IMPL int64_t rtm_push_make_mid(rtm_push *s, uint64_t unix_ms) {
  uint32_t c;
  if (!s || unix_ms > (uint64_t)(INT64_MAX / 1000 - 1)) return 0;
  c = s->mid_counter;
  s->mid_counter = (s->mid_counter + 1) % 1000;
  return (int64_t)unix_ms * 1000 + c;
}

#endif /* RTM_PUSH__IMPLEMENTED */
#endif /* RTM_PUSH_IMPLEMENTATION */

/*
   LICENSE (MIT)
   Copyright (c) 2026 the rtm_push.h authors
   Permission is hereby granted, free of charge, to any person obtaining a copy of this software and
   associated documentation files (the "Software"), to deal in the Software without restriction,
   including without limitation the rights to use, copy, modify, merge, publish, distribute,
   sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is
   furnished to do so, subject to the following conditions: The above copyright notice and this
   permission notice shall be included in all copies or substantial portions of the Software.
   THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT
   NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
   NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES
   OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN
   CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
*/
