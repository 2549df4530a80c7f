/* cli.h -- what rtm-dump and rtm-listen share on their command lines: --help and --version, one stderr line per
   usage error naming the argument (exit 2), and strict numbers (all digits, range-checked, nothing after them).
   Include after rtm_push.h; set cli_name first. */
#ifndef RTM_PUSH_CLI_H
#define RTM_PUSH_CLI_H
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *cli_name = "rtm-push";

/* A usage error: "NAME: <what> (see NAME --help)" on stderr, exit 2. */
static void cli_usage_error(const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "%s: ", cli_name);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, " (see %s --help)\n", cli_name);
  exit(2);
}
/* --help (the text on stdout, exit 0) and --version; any other argument: 0. */
static int cli_help_version(const char *arg, const char *help) {
  if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
    fputs(help, stdout);
    exit(0);
  }
  if (!strcmp(arg, "--version")) {
    printf("%s (rtm_push.h %s)\n", cli_name, rtm_push_version());
    exit(0);
  }
  return 0;
}
/* The value of option argv[*i] (moving *i past it), or a usage error naming the option. */
static const char *cli_value(int argc, char **argv, int *i) {
  if (*i + 1 >= argc) cli_usage_error("%s: missing value", argv[*i]);
  return argv[++*i];
}
/* An integer from lo to hi, all of text (an optional '-' and digits only), or a usage error naming opt. */
static int64_t cli_int(const char *opt, const char *text, int64_t lo, int64_t hi) {
  int64_t v;
  int rc = rtm_push_parse_int64(text, strlen(text), &v);
  if (rc == RTM_PUSH_OK && v >= lo && v <= hi) return v;
  if (lo == 1 && rc != RTM_PUSH_OK) cli_usage_error("%s: expected a positive integer, got '%s'", opt, text);
  cli_usage_error("%s: expected an integer from %lld to %lld, got '%s'", opt, (long long)lo, (long long)hi, text);
  return 0;
}
#endif
