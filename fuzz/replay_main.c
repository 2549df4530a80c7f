/* Replays files through a fuzz target without libFuzzer: `make test` runs every target over its
   committed corpus and every crash reproducer in fuzz/regressions (under ASan+UBSan and valgrind too).
   usage: replay_TARGET FILE...  -> prints "replayed N inputs" */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv) {
  int i, n = 0;
  for (i = 1; i < argc; i++) {
    FILE *f = fopen(argv[i], "rb");
    uint8_t *buf;
    long len;
    if (!f) { fprintf(stderr, "replay: cannot open %s\n", argv[i]); return 2; }
    fseek(f, 0, SEEK_END);
    len = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = (uint8_t *)malloc((size_t)len + 1); /* exactly len bytes are passed: ASan sees any over-read */
    if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len) { fprintf(stderr, "replay: cannot read %s\n", argv[i]); return 2; }
    fclose(f);
    LLVMFuzzerTestOneInput(buf, (size_t)len);
    free(buf);
    n++;
  }
  printf("replayed %d inputs\n", n);
  return 0;
}
