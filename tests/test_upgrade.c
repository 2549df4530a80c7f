/* Connecting: the HTTP upgrade request and its answer (accept key, refusals, header limit), the auth quest
   that follows it, and the TLS name check of wss:// to an IP address. */
#include "harness.h"

/* ================================================================================================ */
/* >>TLS: the name check of an IP address                                                           */
/* ================================================================================================ */
/* wss:// to an IP address: the literal parsed exactly (RFC 4291 2.2 for IPv6), and the certificate's iPAddress
   subjectAltNames (not its DNS names or CN) compared with it. */
#ifndef RTM_PUSH_NO_TLS
static void test_ip_literal(void) {
  static const struct { const char *text; int len; const char *bytes; } ok[] = {
    {"127.0.0.1", 4, "\x7f\0\0\x01"}, {"0.0.0.0", 4, "\0\0\0\0"}, {"255.255.255.255", 4, "\xff\xff\xff\xff"},
    {"::", 16, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"}, {"::1", 16, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01"},
    {"[::1]", 16, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01"}, {"1::", 16, "\0\x01\0\0\0\0\0\0\0\0\0\0\0\0\0\0"},
    {"2001:DB8::5", 16, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x05"},
    {"::ffff:192.0.2.7", 16, "\0\0\0\0\0\0\0\0\0\0\xff\xff\xc0\0\x02\x07"},
    {"1:2:3:4:5:6:7:8", 16, "\0\x01\0\x02\0\x03\0\x04\0\x05\0\x06\0\x07\0\x08"},
    {"1:2:3:4:5:6:1.2.3.4", 16, "\0\x01\0\x02\0\x03\0\x04\0\x05\0\x06\x01\x02\x03\x04"},
    {"1:2:3:4:5:6:7::", 16, "\0\x01\0\x02\0\x03\0\x04\0\x05\0\x06\0\x07\0\0"},
    {"::2:3:4:5:6:7:8", 16, "\0\0\0\x02\0\x03\0\x04\0\x05\0\x06\0\x07\0\x08"},
    {"fFfF:0::abcd", 16, "\xff\xff\0\0\0\0\0\0\0\0\0\0\0\0\xab\xcd"}};
  static const char *const no[] = {
    "", "localhost", "256.1.1.1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1..2.3", "1.2.3.4 ", " 1.2.3.4", "1.2.3.-4",
    "1234.1.1.1", "1.2.3.4.", "a.b.c.d", "[1.2.3.4]", ":::", "1:::2", "1::2::3", ":1", "1:", ":", "[]",
    "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7:8::", "1::2:3:4:5:6:7:8", "12345::", "::g", "1:2:3:4:5:6:7:1.2.3.4",
    "::1.2.3", "::1.2.3.4.5", "[::1", "::1]", "::1%eth0", "1:2:3:4:5:6:7", "::01.2.3.4"};
  size_t i;
  for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    uint8_t b[16];
    int n = rtm_push__ip_literal(ok[i].text, b);
    CHECKM(n == ok[i].len && memcmp(b, ok[i].bytes, (size_t)n) == 0, "%s: %d", ok[i].text, n);
  }
  for (i = 0; i < sizeof no / sizeof no[0]; i++) {
    uint8_t b[16];
    CHECKM(rtm_push__ip_literal(no[i], b) == 0, "%s", no[i]);
  }
  { /* SAN: DNS:localhost, DNS:10.9.9.9, IP:::1, IP:127.0.0.1, IP:2001:db8::5, IP:::ffff:192.0.2.7; CN=127.0.0.9 */
    static const char san[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIB3jCCAYOgAwIBAgIUJPe4HONASWet9Q3sTfSLM2xDztEwCgYIKoZIzj0EAwIw\n"
    "FDESMBAGA1UEAwwJMTI3LjAuMC45MCAXDTI2MTEyNjA4MDY1NloYDzIxMjYxMTAy\n"
    "MDgwNjU2WjAUMRIwEAYDVQQDDAkxMjcuMC4wLjkwWTATBgcqhkjOPQIBBggqhkjO\n"
    "PQMBBwNCAAQZ9MQOUalizTmj6yRVBOkCEOqz7eGBBKCIpFDb3ULJduUv9xYezld+\n"
    "jNjELUJI934C0cRYC3lIX3es50UgMtI/o4GwMIGtMB0GA1UdDgQWBBRuc0+Cmp9J\n"
    "YruCFYiK51TPqKL7ADAfBgNVHSMEGDAWgBRuc0+Cmp9JYruCFYiK51TPqKL7ADAP\n"
    "BgNVHRMBAf8EBTADAQH/MFoGA1UdEQRTMFGCCWxvY2FsaG9zdIIIMTAuOS45LjmH\n"
    "EAAAAAAAAAAAAAAAAAAAAAGHBH8AAAGHECABDbgAAAAAAAAAAAAAAAWHEAAAAAAA\n"
    "AAAAAAD//8AAAgcwCgYIKoZIzj0EAwIDSQAwRgIhAJivhy5I8rwJMlAn0IPMN9QG\n"
    "pujMUgPlWUVVYL/itHR4AiEAqVaKN4Wlh8YREubDyolXIffgNm15fCfvdEY9oUJr\n"
    "AKE=\n"
    "-----END CERTIFICATE-----\n";
    static const char nosan[] = /* CN=127.0.0.1, no subjectAltName */
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBfjCCASWgAwIBAgIUR9fsKGS6bEuwhL89ybncsfBaJwYwCgYIKoZIzj0EAwIw\n"
    "FDESMBAGA1UEAwwJMTI3LjAuMC4xMCAXDTI2MTEyNjA4MDY1NloYDzIxMjYxMTAy\n"
    "MDgwNjU2WjAUMRIwEAYDVQQDDAkxMjcuMC4wLjEwWTATBgcqhkjOPQIBBggqhkjO\n"
    "PQMBBwNCAASKc7wuW8QvE9gpOl9qc4I//sHwxyrNPLMoUrJ5MM99x4Kj1FcTC4Su\n"
    "26e1evYFipQADNazzxB1DUgFl6YHQurCo1MwUTAdBgNVHQ4EFgQU/RNYcwg9nAZ3\n"
    "JO1ymsZJh8YFgy8wHwYDVR0jBBgwFoAU/RNYcwg9nAZ3JO1ymsZJh8YFgy8wDwYD\n"
    "VR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNHADBEAiBxCRPUKOh1RzzqF2X5EE+q\n"
    "ZKZ4Gvzl3FDjaqSgo8jOIQIgYIWSZ2qEA/H0JmbyO2brwtUz+j596h/gf9odj0w+\n"
    "Jx8=\n"
    "-----END CERTIFICATE-----\n";
    static const struct { const char *ip; int want; } cases[] = {
      {"::1", 1}, {"127.0.0.1", 1}, {"2001:db8::5", 1}, {"::ffff:192.0.2.7", 1}, {"127.0.0.9", 0}, {"10.9.9.9", 0},
      {"127.0.0.2", 0}, {"::2", 0}, {"192.0.2.7", 0}, {"::7f00:1", 0}};
    mbedtls_x509_crt a, b;
    mbedtls_x509_crt_init(&a);
    mbedtls_x509_crt_init(&b);
    CHECK(mbedtls_x509_crt_parse(&a, (const unsigned char *)san, sizeof san) == 0);
    CHECK(mbedtls_x509_crt_parse(&b, (const unsigned char *)nosan, sizeof nosan) == 0);
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
      uint8_t ip[16];
      int n = rtm_push__ip_literal(cases[i].ip, ip);
      CHECKM(n && rtm_push__san_has_ip(&a, ip, (size_t)n) == cases[i].want, "%s", cases[i].ip);
      CHECKM(n && !rtm_push__san_has_ip(&b, ip, (size_t)n), "%s without a SAN", cases[i].ip);
    }
    { /* the extension's DER cut at every length, and whole with each byte changed three ways, each copy in a
         buffer of its own size (ASan sees any read past it): an answer, never a read outside */
      static const unsigned char flips[3] = {0x01, 0x80, 0xff};
      mbedtls_x509_crt c = a;
      size_t n = a.v3_ext.len, k, j;
      uint8_t ip[16];
      long whole = 0;
      CHECK(n > 100 && rtm_push__ip_literal("2001:db8::5", ip) == 16);
      for (k = 0; k <= n + 3 * n; k++) { /* k <= n: the first k bytes; then byte (k - n - 1) / 3 changed */
        size_t len = k <= n ? k : n;
        unsigned char *d = (unsigned char *)malloc(len ? len : 1);
        if (!d) break;
        memcpy(d, a.v3_ext.p, len);
        if (k > n) d[(k - n - 1) / 3] ^= flips[(k - n - 1) % 3];
        c.v3_ext.p = d;
        c.v3_ext.len = len;
        j = (size_t)rtm_push__san_has_ip(&c, ip, 16);
        if (k == n) whole = (long)j;
        free(d);
      }
      CHECK(whole == 1); /* the whole extension, unchanged, answers yes */
    }
    mbedtls_x509_crt_free(&a);
    mbedtls_x509_crt_free(&b);
  }
}
#endif
/* ================================================================================================ */
/* >>HTTP upgrade                                                                                   */
/* ================================================================================================ */
static rtm_push *mk_http(rec *r, rtm_push_config *c, char key[32]) {
  rtm_push *s;
  bytes req = {0, 0, 0};
  s = mk_cfg(r, c);
  request_key(s, key, &req);
  rtm_push_consume_output(s, req.len);
  b_free(&req);
  return s;
}
static void http_cfg(rtm_push_config *c, rec *r) {
  memset(r, 0, sizeof *r);
  cfg_init(c, r, RTM_PUSH_START_HTTP);
  c->no_login = 0;
}
static void test_http_request(void) {
  rec r;
  rtm_push_config c;
  rtm_push *s;
  bytes req = {0, 0, 0};
  char key[32], want[400];
  unsigned char raw[32];
  size_t rawn = 0;
  http_cfg(&c, &r);
  s = mk_cfg(&r, &c);
  CHECK(rtm_push_current_state(s) == RTM_PUSH_STATE_CONNECTING && rtm_push_want_write(s) && rtm_push_want_read(s));
  request_key(s, key, &req);
  CHECK(strlen(key) == 24 && key[22] == '=' && key[23] == '=');
  CHECK(strcmp(key, "AAAAAAAAAAAAAAAAAAAAAA==") != 0); /* not zero bytes */
  CHECK(mbedtls_base64_decode(raw, sizeof raw, &rawn, (const unsigned char *)key, strlen(key)) == 0 && rawn == 16);
  snprintf(want, sizeof want,
           "GET /service/websocket HTTP/1.1\r\nHost: gate.example:13321\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n", key);
  CHECKM(req.len == strlen(want) && memcmp(req.p, want, req.len) == 0, "%s", (const char *)req.p);
  /* partial writes; UPGRADING once the request is out */
  CHECK(rtm_push_consume_output(s, 10) == RTM_PUSH_OK && rtm_push_current_state(s) == RTM_PUSH_STATE_CONNECTING);
  CHECK(rtm_push_consume_output(s, req.len) == RTM_PUSH_E_INVALID_ARG);
  CHECK(rtm_push_consume_output(s, req.len - 10) == RTM_PUSH_OK);
  CHECK(rtm_push_current_state(s) == RTM_PUSH_STATE_UPGRADING && !rtm_push_want_write(s));
  rtm_push_free(s);
  /* a fresh key per session; IPv6 literal, default port, own path */
  {
    char key2[32];
    c.host = "::1";
    c.port = 0;
    c.path = "/service/other";
    s = mk_cfg(&r, &c);
    request_key(s, key2, &req);
    CHECK(strcmp(key, key2) != 0);
    CHECK(strstr((const char *)req.p, "GET /service/other HTTP/1.1\r\nHost: [::1]:80\r\n") == (const char *)req.p);
    rtm_push_free(s);
  }
  /* the default entropy source (the OS): two sessions, two keys */
  {
    char k1[32], k2[32];
    c.entropy = NULL;
    c.host = "gate.example";
    c.path = NULL;
    s = mk_cfg(&r, &c);
    request_key(s, k1, &req);
    rtm_push_free(s);
    s = mk_cfg(&r, &c);
    request_key(s, k2, &req);
    rtm_push_free(s);
    CHECK(strlen(k1) == 24 && strcmp(k1, k2) != 0);
    c.entropy = test_entropy;
  }
  /* the same seed, the same key (the entropy callback is the only source) */
  {
    char k1[32], k2[32];
    uint32_t seed1 = 7, seed2 = 7;
    c.entropy_user_data = &seed1;
    s = mk_cfg(&r, &c);
    request_key(s, k1, &req);
    rtm_push_free(s);
    c.entropy_user_data = &seed2;
    s = mk_cfg(&r, &c);
    request_key(s, k2, &req);
    rtm_push_free(s);
    CHECK(strcmp(k1, k2) == 0);
    c.entropy_user_data = NULL;
  }
  /* configuration errors */
  c.host = NULL;
  CHECK(rtm_push_new(&s, &c) == RTM_PUSH_E_CONFIG);
  c.host = "";
  CHECK(rtm_push_new(&s, &c) == RTM_PUSH_E_CONFIG);
  c.host = "h";
  c.path = "service";
  CHECK(rtm_push_new(&s, &c) == RTM_PUSH_E_CONFIG);
  c.path = NULL;
  c.entropy = failing_entropy;
  CHECK(rtm_push_new(&s, &c) == RTM_PUSH_E_RANDOM);
  rec_free(&r);
  b_free(&req);
}
static void test_http_upgrade_ok(void) {
  rec r;
  rtm_push_config c;
  rtm_push *s;
  bytes in = {0, 0, 0}, out = {0, 0, 0}, pkg = {0, 0, 0};
  char key[32], acc[64];
  uint32_t seq;
  size_t i;
  http_cfg(&c, &r);
  c.uid = 9007199254740993LL;
  s = mk_http(&r, &c, key);
  accept_for(key, acc);
  switching(&in, acc);
  CHECK(feed_exact(s, in.p, in.len, 100) == RTM_PUSH_OK);
  CHECK(rtm_push_current_state(s) == RTM_PUSH_STATE_AUTHENTICATING && r.n == 0);
  drain(s, &out);
  seq = check_auth_frame(&out, "9007199254740993", 0);
  CHECK(seq == 1);
  /* login answer + a push */
  b_reset(&in);
  pkg_answer(&pkg, 0x40, seq, 0, "{\"ok\":true}", 11);
  pkg_jquest(&pkg, 1, 1, "ping", "{}");
  ws_frame(&in, pkg.p, pkg.len);
  CHECK(feed_exact(s, in.p, in.len, 200) == RTM_PUSH_OK);
  CHECK(rtm_push_current_state(s) == RTM_PUSH_STATE_READY && r.count[RTM_PUSH_EV_LOGIN] == 1 && r.count[RTM_PUSH_EV_PING] == 1);
  rtm_push_free(s);
  rec_free(&r);
  /* the same, byte by byte, with case-insensitive names, a token list and the frames in the same feed */
  http_cfg(&c, &r);
  c.uid = -9223372036854775807LL - 1;
  c.lang = "en";
  {
    static const char *const attrs[] = {"k1", "v1", "k\"2", "v/2", NULL};
    c.attrs = attrs;
    s = mk_http(&r, &c, key);
  }
  accept_for(key, acc);
  b_reset(&in);
  b_str(&in, "HTTP/1.1 101 Switching Protocols\r\nsErVeR: x\r\nUPGRADE:  WebSocket \r\nconnection: keep-alive, upgrade\r\n"
             "SEC-WEBSOCKET-ACCEPT:\t");
  b_str(&in, acc);
  b_str(&in, "\r\n\r\n");
  b_reset(&pkg);
  pkg_answer(&pkg, 0x40, 1, 0, "{\"ok\":true}", 11);
  ws_frame(&in, pkg.p, pkg.len);
  b_reset(&pkg);
  pkg_jquest(&pkg, 1, 1, "ping", "{}");
  ws_frame(&in, pkg.p, pkg.len);
  for (i = 0; i < in.len; i++) CHECK(feed_exact(s, in.p + i, 1, 100) == RTM_PUSH_OK);
  CHECKM(rtm_push_current_state(s) == RTM_PUSH_STATE_READY && r.count[RTM_PUSH_EV_LOGIN] == 1 && r.count[RTM_PUSH_EV_PING] == 1,
         "%s", rec_text(&r));
  b_reset(&out);
  drain(s, &out);
  {
    bytes pl = {0, 0, 0};
    int b0;
    size_t k = ws_client_frame(out.p, out.len, &b0, &pl);
    CHECK(k > 0 && strstr((const char *)pl.p + 20, "\"uid\":-9223372036854775808") != NULL);
    CHECK(k > 0 && strstr((const char *)pl.p + 20, "\"lang\":\"en\"") != NULL);
    CHECKM(k > 0 && strstr((const char *)pl.p + 20, "\"attrs\":{\"k1\":\"v1\",\"k\\\"2\":\"v/2\"}") != NULL, "%s",
           (const char *)pl.p + 20);
    b_free(&pl);
  }
  rtm_push_free(s);
  rec_free(&r);
  b_free(&in);
  b_free(&out);
  b_free(&pkg);
}
static void test_http_auth_msgpack(void) {
  rec r;
  rtm_push_config c;
  rtm_push *s;
  bytes in = {0, 0, 0}, out = {0, 0, 0}, pl = {0, 0, 0};
  char key[32], acc[64];
  int b0 = 0;
  http_cfg(&c, &r);
  c.uid = 9007199254740993LL;
  c.quest_encoding = RTM_PUSH_ENC_MSGPACK;
  s = mk_http(&r, &c, key);
  accept_for(key, acc);
  switching(&in, acc);
  CHECK(feed_exact(s, in.p, in.len, 100) == RTM_PUSH_OK);
  drain(s, &out);
  check_auth_frame(&out, NULL, 1);
  ws_client_frame(out.p, out.len, &b0, &pl);
  {
    static const uint8_t want[] = "\x84\xa3pid\xce\x00\xa7\xd8\xc1\xa3uid\xcf\x00\x20\x00\x00\x00\x00\x00\x01"
                                  "\xa5token\xa5TOKEN\xa7version";
    CHECKM(pl.len > 20 + sizeof want - 1 && memcmp(pl.p + 20, want, sizeof want - 1) == 0, "msgpack auth");
  }
  rtm_push_free(s);
  rec_free(&r);
  b_free(&in);
  b_free(&out);
  b_free(&pl);
}
static void http_fail_case(const char *what, rtm_push_config *c, rec *r, const char *resp, int want, const char *in_msg,
                           int eof) {
  rtm_push *s;
  char key[32], acc[64], buf[2048];
  const char *m = NULL;
  bytes out = {0, 0, 0};
  int rc;
  s = mk_http(r, c, key);
  accept_for(key, acc);
  /* "ACCEPT" in the response is replaced by the right value */
  {
    const char *a = strstr(resp, "ACCEPT");
    if (a) snprintf(buf, sizeof buf, "%.*s%s%s", (int)(a - resp), resp, acc, a + 6);
    else snprintf(buf, sizeof buf, "%s", resp);
  }
  rc = feed_exact(s, buf, strlen(buf), 1);
  if (eof) rc = rtm_push_feed_eof(s, 2);
  CHECKM(rc == want, "%s: rc %d", what, rc);
  CHECKM(rtm_push_current_state(s) == RTM_PUSH_STATE_FAILED, "%s", what);
  CHECK(rtm_push_last_error(s, &m) == want);
  if (in_msg) CHECKM(m && strstr(m, in_msg), "%s: %s", what, m ? m : "");
  CHECK(rec_last(r) && rec_last(r)->ev.type == RTM_PUSH_EV_CLOSED && r->count[RTM_PUSH_EV_ERROR] == 1);
  drain(s, &out);
  CHECKM(out.len == 0, "%s: no output (no WebSocket yet)", what);
  rtm_push_free(s);
  rec_free(r);
  b_free(&out);
}
static void test_http_failures(void) {
  rec r;
  rtm_push_config c;
  http_cfg(&c, &r);
  http_fail_case("500 with body", &c, &r,
                 "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nContent-Length: 45\r\n\r\n"
                 "{\"code\":20004,\"ex\":\"Method 'x' not found\"}...",
                 RTM_PUSH_E_HTTP_STATUS, "HTTP/1.1 500 Internal Server Error: {\"code\":20004,\"ex\":\"Method 'x' not found\"}...", 0);
  http_cfg(&c, &r);
  http_fail_case("404 no body", &c, &r, "HTTP/1.1 404 Not Found\r\n\r\n", RTM_PUSH_E_HTTP_STATUS, "404 Not Found", 0);
  http_cfg(&c, &r);
  http_fail_case("500 body cut by EOF", &c, &r, "HTTP/1.1 500 Oops\r\nContent-Length: 100\r\n\r\n{\"code\":1", RTM_PUSH_E_HTTP_STATUS,
                 "500 Oops: {\"code\":1", 1);
  http_cfg(&c, &r);
  http_fail_case("200", &c, &r, "HTTP/1.0 200 OK\r\ncontent-length: 2\r\n\r\nhi", RTM_PUSH_E_HTTP_STATUS, "200 OK: hi", 0);
  http_cfg(&c, &r);
  http_fail_case("wrong accept", &c, &r,
                 "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 "Sec-WebSocket-Accept: 9dvWgZ9m4XhKJOQ05m4eOPJ105w=\r\n\r\n",
                 RTM_PUSH_E_HTTP_ACCEPT, NULL, 0);
  http_cfg(&c, &r);
  http_fail_case("accept with a suffix", &c, &r,
                 "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 "Sec-WebSocket-Accept: ACCEPTx\r\n\r\n",
                 RTM_PUSH_E_HTTP_ACCEPT, NULL, 0);
  http_cfg(&c, &r);
  http_fail_case("no accept", &c, &r, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
                 RTM_PUSH_E_HTTP_ACCEPT, NULL, 0);
  http_cfg(&c, &r);
  http_fail_case("no upgrade", &c, &r, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ACCEPT\r\n\r\n",
                 RTM_PUSH_E_HTTP_MALFORMED, NULL, 0);
  http_cfg(&c, &r);
  http_fail_case("upgrade: h2c", &c, &r,
                 "HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ACCEPT\r\n\r\n",
                 RTM_PUSH_E_HTTP_MALFORMED, NULL, 0);
  http_cfg(&c, &r);
  http_fail_case("no connection", &c, &r, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: ACCEPT\r\n\r\n",
                 RTM_PUSH_E_HTTP_MALFORMED, NULL, 0);
  http_cfg(&c, &r);
  http_fail_case("bad status line", &c, &r, "HTTP/1.1 abc Switching\r\n\r\n", RTM_PUSH_E_HTTP_MALFORMED, NULL, 0);
  http_cfg(&c, &r);
  http_fail_case("not http", &c, &r, "SSH-2.0-OpenSSH\r\n\r\n", RTM_PUSH_E_HTTP_MALFORMED, NULL, 0);
  http_cfg(&c, &r);
  http_fail_case("header without colon", &c, &r,
                 "HTTP/1.1 101 Switching Protocols\r\nUpgrade websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ACCEPT\r\n\r\n",
                 RTM_PUSH_E_HTTP_MALFORMED, NULL, 0);
  http_cfg(&c, &r);
  http_fail_case("EOF in the header", &c, &r, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n", RTM_PUSH_E_TRUNCATED,
                 NULL, 1);
  http_cfg(&c, &r);
  http_fail_case("EOF before anything", &c, &r, "", RTM_PUSH_E_EOF, NULL, 1);
  /* limits.max_http_header */
  http_cfg(&c, &r);
  c.limits.max_http_header = 256;
  {
    char big[600];
    memset(big, 'a', sizeof big);
    memcpy(big, "HTTP/1.1 101 Switching Protocols\r\nX: ", 37);
    big[sizeof big - 1] = 0;
    http_fail_case("header too large", &c, &r, big, RTM_PUSH_E_HTTP_HEADER_TOO_LARGE, NULL, 0);
  }
}
static void test_http_header_limit_exact(void) {
  /* a 101 of exactly limits.max_http_header bytes is accepted; one byte more is not */
  int extra;
  for (extra = 0; extra < 2; extra++) {
    rec r;
    rtm_push_config c;
    rtm_push *s;
    char key[32], acc[64];
    bytes in = {0, 0, 0};
    size_t target = 300, pad;
    http_cfg(&c, &r);
    c.limits.max_http_header = target;
    s = mk_http(&r, &c, key);
    accept_for(key, acc);
    b_str(&in, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ");
    b_str(&in, acc);
    b_str(&in, "\r\nX-Pad: ");
    pad = target - in.len - 4 + (size_t)extra;
    while (pad--) b_byte(&in, 'p');
    b_str(&in, "\r\n\r\n");
    CHECK(in.len == target + (size_t)extra);
    CHECK(feed_exact(s, in.p, in.len, 1) == (extra ? RTM_PUSH_E_HTTP_HEADER_TOO_LARGE : RTM_PUSH_OK));
    CHECK(rtm_push_current_state(s) == (extra ? RTM_PUSH_STATE_FAILED : RTM_PUSH_STATE_AUTHENTICATING));
    rtm_push_free(s);
    rec_free(&r);
    b_free(&in);
  }
}


/* ================================================================================================ */
/* >>regressions: defects a code review found, each pinned down (the finding's number in brackets)  */
/* ================================================================================================ */
/* Guards [14]: rtm_push_close before the upgrade left the HTTP request pending to be written. */
static void test_fix_close_before_upgrade(void) {
  rtm_push_config c;
  rtm_push *s = NULL;
  memset(&c, 0, sizeof c);
  c.host = "h", c.token = "t", c.entropy = test_entropy;
  CHECK(rtm_push_new(&s, &c) == RTM_PUSH_OK);
  rtm_push_close(s, 0);
  CHECKM(rtm_push_current_state(s) == RTM_PUSH_STATE_CLOSED && !rtm_push_want_write(s), "closed before the upgrade: no request left to send");
  rtm_push_free(s);
}
/* Guards [15]: header injection through config.host or config.path (CR/LF, spaces) into the upgrade request. */
static void test_fix_header_injection_refused(void) {
  rtm_push_config c;
  rtm_push *s = NULL;
  memset(&c, 0, sizeof c);
  c.host = "h\r\nX-Evil: 1", c.entropy = test_entropy;
  CHECKM(rtm_push_new(&s, &c) == RTM_PUSH_E_CONFIG, "a host with CR/LF is refused");
  c.host = "h", c.path = "/service/websocket HTTP/1.0\r\n";
  CHECKM(rtm_push_new(&s, &c) == RTM_PUSH_E_CONFIG, "a path with spaces or CR/LF is refused");
}

/* ================================================================================================ */
/* >>runner                                                                                         */
/* ================================================================================================ */
static void i20_check(int ok, const char *what) { CHECKM(ok, "%s", what); }
/* >>issue 20: what a hostile gate or a man in the middle found at 7ff04e2 --------------------------------
   The 101 status line taken loosely, an empty TLS server name accepted, the peer's bytes (an HTTP status
   line and body, a close reason, a login's ex and gate) raw in rtm_push_last_error and the events' message. */
static char last_msg[512];
static int msg_events;
static void msg_cb(rtm_push *cb_s, const rtm_push_event *ev, void *u) {
  (void)cb_s;
  (void)u;
  if ((ev->type == RTM_PUSH_EV_ERROR || ev->type == RTM_PUSH_EV_CLOSED) && ev->message) {
    snprintf(last_msg, sizeof last_msg, "%s", ev->message);
    msg_events++;
  }
}
/* An HTTP-start session whose upgrade request is drained; acc: the Sec-WebSocket-Accept it expects. */
static rtm_push *http_session(char *acc, size_t accn) {
  rtm_push_config c;
  rtm_push *s = NULL;
  const uint8_t *o;
  size_t n, wn;
  char key[80];
  unsigned char sha[20];
  memset(&c, 0, sizeof c);
  c.host = "gate.example", c.pid = 5, c.uid = 42, c.token = "t", c.entropy = test_entropy, c.on_event = msg_cb;
  if (rtm_push_new(&s, &c) != RTM_PUSH_OK) return NULL;
  rtm_push_tick(s, 1);
  n = rtm_push_pending_output(s, &o);
  snprintf(key, sizeof key, "%.24s" RTM_PUSH__GUID, strstr((const char *)o, "Sec-WebSocket-Key: ") + 19);
  RTM_PUSH__SHA1((const unsigned char *)key, strlen(key), sha);
  mbedtls_base64_encode((unsigned char *)acc, accn, &wn, sha, 20);
  acc[wn] = 0;
  rtm_push_consume_output(s, n);
  return s;
}
/* The upgrade answered with this status line and the right headers: the session's state after it. */
static rtm_push_state upgrade_with(const char *status_line) {
  char acc[64], resp[512];
  rtm_push *s = http_session(acc, sizeof acc);
  rtm_push_state st;
  if (!s) return RTM_PUSH_STATE_FAILED;
  snprintf(resp, sizeof resp, "%s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", status_line, acc);
  rtm_push_feed(s, resp, strlen(resp), 2);
  st = rtm_push_current_state(s);
  rtm_push_free(s);
  return st;
}
/* No byte a terminal acts on (C0, DEL, C1 as UTF-8 or raw), and at most 255 bytes. */
static int clean_text(const char *m) {
  const unsigned char *p = (const unsigned char *)m;
  size_t i, n = strlen(m);
  for (i = 0; i < n; i++)
    if (p[i] < 0x20 || p[i] == 0x7f || (p[i] >= 0x80 && p[i] < 0xA0 && (i == 0 || p[i - 1] == 0xC2))) return 0;
  return n <= 255;
}
static int message_clean(rtm_push *s, const char *must_contain) {
  const char *m = NULL;
  rtm_push_last_error(s, &m);
  return m && clean_text(m) && clean_text(last_msg) && msg_events > 0 && strstr(m, must_contain) && strstr(last_msg, must_contain);
}
#define EVIL "Bad\x1b[31m\r\n2026-01-01 INFO login ok\x1b]0;owned\x07\xc2\x9b" "2J\x7f"
static void test_upgrade_issue20_status_line_name_messages(void) {
  rtm_push *s;
  char acc[64], resp[1024];
  uint8_t b[4096];
  /* f: the 101 status line is exact */
  i20_check(upgrade_with("HTTP/1.1 101 Switching Protocols") == RTM_PUSH_STATE_AUTHENTICATING &&
        upgrade_with("HTTP/1.1 101") == RTM_PUSH_STATE_AUTHENTICATING,
        "20f: 'HTTP/1.1 101 Switching Protocols' and a bare 'HTTP/1.1 101' upgrade");
  i20_check(upgrade_with("HTTP/1.1 1010 Switching Protocols") == RTM_PUSH_STATE_FAILED, "20f: 'HTTP/1.1 1010' is not a 101");
  i20_check(upgrade_with("HTTP/1.9 101 Switching Protocols") == RTM_PUSH_STATE_FAILED, "20f: 'HTTP/1.9 101' is not a 101");
  i20_check(upgrade_with("HTTP/1.1 101x") == RTM_PUSH_STATE_FAILED && upgrade_with("HTTP/1.1 101x Switching") == RTM_PUSH_STATE_FAILED,
        "20f: 'HTTP/1.1 101x' is not a 101");
  i20_check(upgrade_with("HTTP/1.0 101 Switching Protocols") == RTM_PUSH_STATE_FAILED, "20f: a 101 needs HTTP/1.1");
  /* c: an empty TLS server name is refused, not checked as "" */
  {
    rtm_push_config c;
    memset(&c, 0, sizeof c);
    c.host = "gate.example", c.token = "t", c.entropy = test_entropy, c.tls = 1, c.tls_insecure_no_verify = 0;
    c.tls_ca_pem = "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n";
    c.tls_ca_pem_len = strlen(c.tls_ca_pem);
    c.tls_server_name = "";
    s = NULL;
    i20_check(rtm_push_new(&s, &c) == RTM_PUSH_E_CONFIG && s == NULL, "20c: tls_server_name \"\" -> RTM_PUSH_E_CONFIG");
    c.host = "", c.tls_server_name = NULL;
    i20_check(rtm_push_new(&s, &c) == RTM_PUSH_E_CONFIG && s == NULL, "20c: TLS to host \"\" (so server name \"\") -> RTM_PUSH_E_CONFIG");
  }
  /* d: messages built from peer bytes: control bytes escaped, length capped */
  s = http_session(acc, sizeof acc);
  msg_events = 0;
  { /* the status line ends at its first CRLF: the rest of the evil text is a header line; the body has its own */
    const char *body = "x\r\n2026-01-01 INFO login ok\x1b]0;owned\x07\xc2\x9b" "2J\x7f";
    snprintf(resp, sizeof resp, "HTTP/1.1 500 %s\r\nContent-Length: %u\r\n\r\n%s", EVIL, (unsigned)strlen(body), body);
  }
  rtm_push_feed(s, resp, strlen(resp), 2);
  i20_check(message_clean(s, "Bad\\u001b[31m: x\\u000d\\u000a2026-01-01 INFO login ok\\u001b]0;owned\\u0007\\u009b2J\\u007f"), "20d: HTTP status line and refusal body: CR, LF, ESC, BEL, DEL, C1 escaped in last_error and the events");
  rtm_push_free(s);
  s = http_session(acc, sizeof acc);
  msg_events = 0;
  snprintf(resp, sizeof resp, "HTTP/1.1 101 %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", "OK", acc);
  rtm_push_feed(s, resp, strlen(resp), 2);
  { /* a close frame whose reason is the evil text */
    const char *r = EVIL;
    size_t rl = strlen(r);
    b[0] = 0x88, b[1] = (uint8_t)(2 + rl), b[2] = 0x03, b[3] = 0xf0; /* 1008 */
    memcpy(b + 4, r, rl);
    rtm_push_feed(s, b, 4 + rl, 3);
  }
  i20_check(rtm_push_current_state(s) == RTM_PUSH_STATE_FAILED && message_clean(s, "\\u001b[31m"), "20d: close reason: escaped");
  rtm_push_free(s);
  { /* login ex (an error answer) and gate (ok:false), in an FPNN session */
    static const char *answers[2] = {"{\"code\":200010,\"ex\":\"" "Bad\\u001b[31m\\r\\n2026-01-01 INFO login ok\\u001b]0;owned\\u0007\\u009b2J\\u007f" "\"}",
                                     "{\"ok\":false,\"gate\":\"" "h\\u001b[31m\\r\\nfake\\u0085" "\"}"};
    int i;
    for (i = 0; i < 2; i++) {
      rtm_push_config c;
      memset(&c, 0, sizeof c);
      c.start = RTM_PUSH_START_FPNN, c.pid = 5, c.uid = 42, c.token = "t", c.entropy = test_entropy, c.on_event = msg_cb;
      s = NULL;
      rtm_push_new(&s, &c);
      rtm_push_tick(s, 1);
      discard_output(s);
      msg_events = 0;
      { /* answer status: 1 error (ex), 0 ok */
        bytes pk = {0, 0, 0};
        pkg_answer(&pk, 0x40, 1, i == 0 ? 1 : 0, answers[i], strlen(answers[i]));
        rtm_push_feed(s, pk.p, pk.len, 2);
        b_free(&pk);
      }
      i20_check(rtm_push_current_state(s) == RTM_PUSH_STATE_FAILED && message_clean(s, i == 0 ? "\\u001b[31m" : "h\\u001b[31m\\u000d\\u000afake\\u0085"),
            i == 0 ? "20d: login ex: escaped" : "20d: login gate: escaped");
      rtm_push_free(s);
    }
  }
  { /* the length cap: a 4 KiB refusal body of ESC bytes */
    static char big[4200];
    s = http_session(acc, sizeof acc);
    msg_events = 0;
    memcpy(big, "HTTP/1.1 503 x\r\nContent-Length: 4000\r\n\r\n", 40);
    memset(big + 40, 0x1b, 4000);
    rtm_push_feed(s, big, 4040, 2);
    if (!message_clean(s, "\\u001b\\u001b")) h_note("message: %s\n", last_msg);
    i20_check(message_clean(s, "\\u001b\\u001b"), "20d: a body of 4000 ESC bytes: the message escaped and at most 255 bytes");
    rtm_push_free(s);
  }
}


/* config.on_received sees the WebSocket stream exactly: every byte after the 101 (here in the same read as the
   101, then whole or byte by byte), nothing of the HTTP response, and the same bytes however they were split. */
static void capture_cb(rtm_push *s, const uint8_t *p, size_t n, void *user_data) {
  rec *r = (rec *)user_data;
  bytes *cap = (bytes *)r->hook_data;
  (void)s;
  CHECK(rtm_push_feed(s, "x", 1, 0) == RTM_PUSH_E_IN_CALLBACK);
  b_put(cap, p, n);
}
static void test_upgrade_on_received(void) {
  int bytewise;
  for (bytewise = 0; bytewise < 2; bytewise++) {
    rec r;
    rtm_push_config c;
    rtm_push *s;
    bytes req = {0, 0, 0}, in = {0, 0, 0}, stream = {0, 0, 0}, cap = {0, 0, 0}, pkg = {0, 0, 0};
    char key[32], acc[64];
    size_t i, head;
    memset(&r, 0, sizeof r);
    cfg_init(&c, &r, RTM_PUSH_START_HTTP);
    c.on_received = capture_cb;
    r.hook_data = &cap;
    s = mk_cfg(&r, &c);
    request_key(s, key, &req);
    discard_output(s);
    accept_for(key, acc);
    switching(&in, acc);
    head = in.len;
    pkg_jquest(&pkg, 1, 3, "ping", "{}");
    ws_frame(&stream, pkg.p, pkg.len);
    ws_frame_form(&stream, 0x89, "hi", 2, 0);
    b_reset(&pkg);
    pkg_jquest(&pkg, 0, 0, "kickoutroom", "{\"rid\":42}");
    ws_frame(&stream, pkg.p, pkg.len);
    b_put(&in, stream.p, stream.len);
    if (!bytewise) CHECK(feed_exact(s, in.p, in.len, 1) == RTM_PUSH_OK);
    else
      for (i = 0; i < in.len; i++) CHECK(feed_exact(s, in.p + i, 1, 1) == RTM_PUSH_OK);
    CHECKM(cap.len == stream.len && memcmp(cap.p, stream.p, stream.len) == 0, "%s: captured %u bytes of %u (101: %u)",
           bytewise ? "byte by byte" : "whole", (unsigned)cap.len, (unsigned)stream.len, (unsigned)head);
    CHECK(r.count[RTM_PUSH_EV_PING] == 1 && r.count[RTM_PUSH_EV_KICKOUTROOM] == 1);
    rtm_push_free(s);
    rec_free(&r);
    b_free(&req), b_free(&in), b_free(&stream), b_free(&cap), b_free(&pkg);
  }
}
static const test_def g_tests[] = {
  T(test_upgrade_on_received),
  T(test_upgrade_issue20_status_line_name_messages),
#ifndef RTM_PUSH_NO_TLS
  T(test_ip_literal),
#endif
  T(test_http_request),
  T(test_fix_close_before_upgrade),
  T(test_fix_header_injection_refused),
  T(test_http_upgrade_ok),
  T(test_http_auth_msgpack),
  T(test_http_failures),
  T(test_http_header_limit_exact),
};
TEST_MAIN(g_tests)
