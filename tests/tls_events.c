/* TLS against mbedTLS's own behaviour, over a real socket (tests/run.sh drives it):
     tls_events version                  "mbedTLS 3.6.6 (built against 3.6.6)": exit 1 when the two differ
     tls_events plain FRAMES             the events of a recorded session's WebSocket frames, fed in one call
     tls_events ticket PORT CAFILE [--early-return] [--psa-ours-only | --psa-none]
         connects to tests/tls/ticket_server.js, feeds the handshake as it comes, then reads everything the server
         sends after it (TLS 1.3: its NewSessionTickets, then the application data, then close_notify) until EOF
         and feeds it in ONE call. Prints the events as "plain" does; on stderr, "records N" (the records of that
         one call) and "end: ..." (how the session ended).
         --early-return   mbedtls_ssl_read returns WANT_READ before reading, every other call, as mbedTLS 3.6.0
                          does after a NewSessionTicket: no ciphertext may be dropped for it
         --psa-ours-only  (mbedTLS 3.x) psa_crypto_init() from the libraries does nothing, as in 3.6.0, whose
                          handshake never called it; only this program's own call (rtm_push.h's) initialises PSA
         --psa-none       no call initialises PSA: the 3.6.0 failure itself (the ClientHello fails)
   Exit 0 when the session ended cleanly (the recorded session ends with a kickout). */
#define _GNU_SOURCE
#define RTM_PUSH_IMPLEMENTATION
#include "../rtm_push.h"
#include <arpa/inet.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int early_return, psa_mode, psa_ours; /* psa_mode: 0 as is, 1 ours only, 2 none */
static void *real_fn(const char *name) {
  void *p = dlsym(RTLD_NEXT, name);
  if (!p) { fprintf(stderr, "dlsym %s failed\n", name); exit(2); }
  return p;
}
/* This program's definition wins over the library's for rtm_push.h's calls (and the libraries'). */
int mbedtls_ssl_read(mbedtls_ssl_context *ssl, unsigned char *buf, size_t len) {
  static int flip;
  int (*real)(mbedtls_ssl_context *, unsigned char *, size_t);
  void *p = real_fn("mbedtls_ssl_read");
  memcpy(&real, &p, sizeof real);
  if (early_return && (flip ^= 1)) return MBEDTLS_ERR_SSL_WANT_READ;
  return real(ssl, buf, len);
}
#if MBEDTLS_VERSION_NUMBER >= 0x03000000 && defined(MBEDTLS_PSA_CRYPTO_C)
extern char __executable_start, etext; /* this program's code: [__executable_start, etext) */
psa_status_t psa_crypto_init(void) {
  psa_status_t (*real)(void);
  const char *from = (const char *)__builtin_return_address(0);
  int ours = from >= &__executable_start && from < &etext;
  void *p = real_fn("psa_crypto_init");
  memcpy(&real, &p, sizeof real);
  psa_ours += ours;
  if (psa_mode == 2 || (psa_mode == 1 && !ours)) return PSA_SUCCESS; /* says done, does nothing */
  return real();
}
#define HAVE_PSA 1
#else
#define HAVE_PSA 0
#endif

static void on_event(rtm_push *cb_s, const rtm_push_event *ev, void *u) {
  (void)cb_s;
  (void)u;
  if (ev->type == RTM_PUSH_EV_CLOSED) return; /* how it ended: on stderr */
  printf("%s", ev->name);
  if (ev->fields & RTM_PUSH_F_MID) printf(" mid=%lld", (long long)ev->mid);
  if (ev->fields & RTM_PUSH_F_FROM) printf(" from=%lld", (long long)ev->from);
  if (ev->message) printf(" message=%s", ev->message);
  printf("\n");
}
static int ended_cleanly(rtm_push *s) {
  const char *msg;
  int err = rtm_push_last_error(s, &msg);
  fprintf(stderr, "end: %s: %s\n", rtm_push_state_name(rtm_push_current_state(s)), err ? msg : "no error");
  return rtm_push_current_state(s) == RTM_PUSH_STATE_CLOSED && (!err || err == RTM_PUSH_E_KICKED_OUT);
}
static unsigned char *read_file(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  unsigned char *p = NULL;
  long len;
  if (!f || fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) exit(2);
  p = (unsigned char *)malloc((size_t)len + 1);
  if (!p || fread(p, 1, (size_t)len, f) != (size_t)len) exit(2);
  fclose(f);
  *n = (size_t)len;
  return p;
}
static int drain(rtm_push *s, int fd) {
  const uint8_t *out;
  size_t n;
  while ((n = rtm_push_pending_output(s, &out)) > 0) {
    ssize_t w = send(fd, out, n, 0);
    if (w <= 0) return -1;
    rtm_push_consume_output(s, (size_t)w);
  }
  return 0;
}

static int ticket(int argc, char **argv) {
  rtm_push_config cfg;
  rtm_push *s;
  struct sockaddr_in a;
  unsigned char *all = NULL, buf[65536];
  size_t len = 0, cap = 0, i, records = 0;
  int fd, rc, k;
  memset(&cfg, 0, sizeof cfg);
  for (k = 4; k < argc; k++) {
    if (!strcmp(argv[k], "--early-return")) early_return = 1;
    else if (!strcmp(argv[k], "--psa-ours-only")) psa_mode = 1;
    else if (!strcmp(argv[k], "--psa-none")) psa_mode = 2;
    else return 2;
  }
  cfg.host = "localhost";
  cfg.port = (uint16_t)atoi(argv[2]);
  cfg.tls = 1;
  cfg.tls_ca_file = argv[3];
  cfg.no_login = 1;
  cfg.on_event = on_event;
  fd = socket(AF_INET, SOCK_STREAM, 0);
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons(cfg.port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) { perror("connect"); return 2; }
  rc = rtm_push_new(&s, &cfg);
  if (psa_mode) fprintf(stderr, "psa_crypto_init calls from rtm_push.h: %d\n", psa_ours);
  if (rc != RTM_PUSH_OK) {
    fprintf(stderr, "rtm_push_new: %d (%s)\n", rc, rtm_push_strerror(rc));
    close(fd);
    return 1;
  }
  /* the handshake, fed as it comes */
  while (rtm_push_current_state(s) == RTM_PUSH_STATE_CONNECTING) {
    ssize_t n;
    if (drain(s, fd) || (n = recv(fd, buf, sizeof buf, 0)) <= 0) break;
    rtm_push_feed(s, buf, (size_t)n, 0);
  }
  if (drain(s, fd) == 0) { /* our Finished and the upgrade request; then all the server sends, to its EOF */
    for (;;) {
      ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      if (len + (size_t)n > cap) {
        cap = (len + (size_t)n) * 2;
        if (!(all = (unsigned char *)realloc(all, cap))) return 2;
      }
      memcpy(all + len, buf, (size_t)n);
      len += (size_t)n;
    }
  }
  for (i = 0; i + 5 <= len; i += 5 + (size_t)(all[i + 3] << 8 | all[i + 4])) records++;
  fprintf(stderr, "records %lu (%lu bytes in one feed)\n", (unsigned long)records, (unsigned long)len);
  if (len) rtm_push_feed(s, all, len, 0);
  rtm_push_feed_eof(s, 0);
  rc = ended_cleanly(s) ? 0 : 1;
  drain(s, fd);
  rtm_push_free(s);
  free(all);
  close(fd);
  return rc;
}

int main(int argc, char **argv) {
  if (argc >= 2 && !strcmp(argv[1], "version")) {
    char run[32] = "?";
#ifdef MBEDTLS_VERSION_C
    mbedtls_version_get_string(run);
#endif
    printf("mbedTLS %s (built against %s)%s\n", run, MBEDTLS_VERSION_STRING, HAVE_PSA ? ", PSA" : "");
    return strcmp(run, MBEDTLS_VERSION_STRING) != 0;
  }
  if (argc == 3 && !strcmp(argv[1], "plain")) {
    rtm_push_config cfg;
    rtm_push *s;
    size_t n;
    unsigned char *p = read_file(argv[2], &n);
    int rc;
    memset(&cfg, 0, sizeof cfg);
    cfg.start = RTM_PUSH_START_WS;
    cfg.no_login = 1;
    cfg.on_event = on_event;
    if (rtm_push_new(&s, &cfg) != RTM_PUSH_OK) return 2;
    rtm_push_feed(s, p, n, 0);
    rtm_push_feed_eof(s, 0);
    rc = ended_cleanly(s) ? 0 : 1;
    rtm_push_free(s);
    free(p);
    return rc;
  }
  if (argc >= 4 && !strcmp(argv[1], "ticket")) {
    if (!HAVE_PSA && argc >= 5 && !strncmp(argv[argc - 1], "--psa", 5)) { printf("no PSA in this mbedTLS\n"); return 3; }
    return ticket(argc, argv);
  }
  fprintf(stderr, "usage: see tests/tls_events.c\n");
  return 2;
}
