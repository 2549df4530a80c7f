# rtm_push.h -- build, demo, tests.
#   make          build the tools into build/ (never installs anything: `make deps` does, as root)
#   make demo     start the local gate simulator and listen to it with build/rtm-listen
#   make demo-tls the same over wss://, with a test CA and certificate made at start (openssl)
#   make test     every test (unit, golden vectors, simulator over loopback, compile checks)
#   make test-sanitize  the tests again under ASan+UBSan;  make test-valgrind  under valgrind
#   make test-stress    the tests STRESS_RUNS times (default 3) beside two busy-looping CPU hogs
#   make test-cross     the unit tests and the vectors as i386 (-m32) and s390x (big-endian, qemu-user)
#   make test-mbedtls3  make test against Debian 13's mbedTLS 3.6 (fetched into build/mbedtls3, not installed)
CC      ?= cc
CXX     ?= c++
CFLAGS  ?= -O2 -g
# Another mbedTLS than the system's: MBEDTLS_CFLAGS=-I<dir> MBEDTLS_LIBS="-L<dir> -Wl,-rpath,<dir>" (make test-mbedtls3)
MBEDTLS_CFLAGS ?=
MBEDTLS_LIBS ?=
WARN    := -std=c99 -Wall -Wextra -Wpedantic $(MBEDTLS_CFLAGS)
LIBS    := -lwslay -lcjson $(MBEDTLS_LIBS) -lmbedtls -lmbedx509 -lmbedcrypto
BUILD   := build
SIM     := tests/sim
NODE_MODULES := $(SIM)/node_modules/ws/package.json
SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer

TOOLS := $(BUILD)/rtm-dump $(BUILD)/rtm-listen $(BUILD)/minimal \
         $(BUILD)/uv_listen $(BUILD)/epoll_listen $(BUILD)/game_loop $(BUILD)/cpp_listen
FUZZ_TARGETS := session fpnn upgrade json msgpack
REPLAYS := $(patsubst %,$(BUILD)/replay_%,$(FUZZ_TARGETS))
# the unit tests: one program per layer (tests/test_LAYER.c over tests/harness.h), each also built on the portable
# code alone (-DRTM_PUSH_NO_SIMD: no SSE2 scans, no SSSE3/AVX2/AVX-512 UTF-8 validators)
LAYERS := upgrade websocket fpnn decode schema dedup session quests catchup kernels
UNIT_TESTS := $(patsubst %,$(BUILD)/test_%,$(LAYERS)) $(patsubst %,$(BUILD)/test_%_nosimd,$(LAYERS))
TESTS := $(UNIT_TESTS) $(BUILD)/tls_events $(BUILD)/schema_table $(BUILD)/live_quests $(BUILD)/hostile \
         $(REPLAYS)

PREFIX  ?= /usr/local
VERSION := $(shell sed -n 's/^\#define RTM_PUSH_VERSION_STRING "\(.*\)"/\1/p' rtm_push.h)

.PHONY: all deps npm demo demo-tls test test-run test-sanitize test-valgrind test-mbedtls3 compile-checks lint install clean
all: $(TOOLS)

# Debian packages. A plain `make` never runs the package manager: it checks that the three libraries are there
# ($(BUILD)/.deps) and says how to get them. `make deps` installs what is missing of the libraries, `make deps-test`
# also the tools of the checks (openssl, pkg-config, cmake, cppcheck, clang, libuv, GNU time); as root (as on CI), else they
# print the exact apt-get line and stop. `make demo` and `make test` run them first.
# Each entry is PACKAGE=FILE (a path that must exist) or PACKAGE=COMMAND (a command that must be found).
LIB_PKGS  := libwslay-dev=/usr/include/wslay/wslay.h libcjson-dev=/usr/include/cjson/cJSON.h \
             libmbedtls-dev=/usr/include/mbedtls/ssl.h
TEST_PKGS := openssl=openssl pkg-config=pkg-config cmake=cmake cppcheck=cppcheck clang=clang \
             libuv1-dev=/usr/include/uv.h time=/usr/bin/time
# $(call missing,ENTRIES): a shell snippet that sets $$missing to the packages not there
missing = missing=; for d in $(1); do p=$${d%%=*}; f=$${d\#*=}; \
  case $$f in /*) [ -e "$$f" ] ;; *) command -v "$$f" >/dev/null 2>&1 ;; esac || missing="$$missing $$p"; done
# $(call install,ENTRIES): installs the missing ones (root), or prints the line and fails
install_missing = $(call missing,$(1)); \
  if [ -n "$$missing" ]; then \
    if [ "$$(id -u)" != 0 ]; then echo "missing Debian packages:$$missing -- as root: apt-get install -y$$missing" >&2; exit 1; fi; \
    echo "installing$$missing"; \
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || exit 1; \
  fi
.PHONY: deps-test
deps:
	@$(call install_missing,$(LIB_PKGS))
deps-test: deps
	@$(call install_missing,$(TEST_PKGS))
# The build's own check: the libraries are there (it never installs anything).
$(BUILD)/.deps:
	@mkdir -p $(BUILD)
	@$(call missing,$(LIB_PKGS)); if [ -n "$$missing" ]; then \
	  echo "rtm_push.h needs wslay, cJSON and mbedTLS. Missing Debian packages:$$missing -- run 'make deps' (as root) to install them" >&2; \
	  exit 1; fi
	@touch $@

$(NODE_MODULES): $(SIM)/package-lock.json
	cd $(SIM) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@
npm: $(NODE_MODULES)

$(BUILD)/%: examples/%.c rtm_push.h $(BUILD)/.deps
	$(CC) $(WARN) $(CFLAGS) -o $@ $< $(LIBS)
$(BUILD)/uv_listen: examples/uv_listen.c rtm_push.h $(BUILD)/.deps
	$(CC) $(WARN) $(CFLAGS) -o $@ $< $(LIBS) -luv
$(BUILD)/cpp_listen: examples/cpp_listen.cpp rtm_push.h $(BUILD)/.deps
	$(CXX) -std=c++11 -Wall -Wextra -Wpedantic $(MBEDTLS_CFLAGS) $(CFLAGS) -o $@ $< $(LIBS)
$(BUILD)/rtm-dump: examples/rtm_dump.c examples/cli.h rtm_push.h $(BUILD)/.deps
	$(CC) $(WARN) $(CFLAGS) -o $@ $< $(LIBS)
$(BUILD)/rtm-listen: examples/rtm_listen.c examples/cli.h rtm_push.h $(BUILD)/.deps
	$(CC) $(WARN) $(CFLAGS) -o $@ $< $(LIBS)
# the C test programs: tests/NAME.c -> $(BUILD)/NAME
$(BUILD)/%: tests/%.c rtm_push.h $(BUILD)/.deps
	$(CC) $(WARN) $(CFLAGS) -o $@ $< $(LIBS)
# the unit tests, and again on the portable code
$(BUILD)/test_%: tests/test_%.c tests/harness.h rtm_push.h $(BUILD)/.deps
	$(CC) $(WARN) $(CFLAGS) -o $@ $< $(LIBS)
$(BUILD)/test_%_nosimd: tests/test_%.c tests/harness.h rtm_push.h $(BUILD)/.deps
	$(CC) $(WARN) $(CFLAGS) -DRTM_PUSH_NO_SIMD -o $@ $< $(LIBS)
# the other C test programs on the harness (built by the tests/NAME.c rule above)
$(BUILD)/hostile $(BUILD)/live_quests: tests/harness.h
# the fuzz targets without libFuzzer: make test replays their corpora and crash reproducers
$(BUILD)/replay_%: fuzz/fuzz_%.c fuzz/fuzz_common.h fuzz/replay_main.c rtm_push.h $(BUILD)/.deps
	$(CC) -std=c99 -Wall -Wextra -Wno-unused-function $(MBEDTLS_CFLAGS) $(CFLAGS) -o $@ $< fuzz/replay_main.c $(LIBS)

# libFuzzer runs (clang): make fuzz FUZZ_SECONDS=600 for a longer campaign; fuzz/README.md for more.
FUZZ_SECONDS ?= 10
.PHONY: fuzz
fuzz: deps-test
	@$(MAKE) --no-print-directory $(BUILD)/.deps
	JOBS=2 FUZZ_FLAGS="$(FUZZ_FLAGS)" sh fuzz/run.sh $(FUZZ_SECONDS) $(BUILD)/fuzz

# demo and test: the packages first (deps, deps-test), then a make of their own that builds and runs.
# The demos need rtm-listen only (not the examples' libuv); demo-tls also the openssl command, to make its certificates.
demo: deps npm
	@$(MAKE) -s --no-print-directory $(BUILD)/rtm-listen
	@sh tests/demo.sh $(BUILD)
demo-tls: deps npm
	@$(call install_missing,openssl=openssl)
	@$(MAKE) -s --no-print-directory $(BUILD)/rtm-listen
	@sh tests/demo.sh --tls $(BUILD)

test: deps-test npm
	@$(MAKE) --no-print-directory test-run
test-run: $(TOOLS) $(TESTS) compile-checks
	@sh tests/run.sh $(BUILD)

# The unit test programs by name (tests/NAME.c): make test-cross builds the same LAYERS for other CPUs.
UNIT_PROGS := $(patsubst %,test_%,$(LAYERS))

# i386 (gcc -m32) and s390x (cross gcc, qemu-user) builds of UNIT_PROGS and rtm-dump, against Debian's
# multiarch libraries, which it installs when missing (root; tests/cross.sh says how, and why so).
.PHONY: test-cross
test-cross:
	@mkdir -p $(BUILD)/cross
	@sh tests/cross.sh $(BUILD)/cross "$(UNIT_PROGS)"

# The suite STRESS_RUNS times in a row beside two busy-looping CPU hogs (killed on exit): no test may depend on timing.
STRESS_RUNS ?= 3
.PHONY: test-stress
test-stress: $(TOOLS) $(TESTS) $(NODE_MODULES)
	@sh tests/stress.sh $(BUILD) $(STRESS_RUNS)

# The same tests with the tools and unit tests built under ASan+UBSan, then under valgrind.
test-sanitize: deps-test npm
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/san CFLAGS="-O1 -g $(SAN)" $(BUILD)/san/.deps $(BUILD)/san/rtm-dump $(BUILD)/san/rtm-listen $(patsubst $(BUILD)/%,$(BUILD)/san/%,$(UNIT_TESTS)) $(BUILD)/san/tls_events $(BUILD)/san/schema_table $(BUILD)/san/live_quests $(BUILD)/san/hostile $(patsubst %,$(BUILD)/san/replay_%,$(FUZZ_TARGETS)) $(BUILD)/san/minimal \
	  $(BUILD)/san/uv_listen $(BUILD)/san/epoll_listen $(BUILD)/san/game_loop $(BUILD)/san/cpp_listen
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 sh tests/run.sh $(BUILD)/san
test-valgrind: deps-test npm
	@$(MAKE) --no-print-directory $(TOOLS) $(TESTS)
	@UNIT_QUICK=1 RTM_TEST_WRAP="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect" sh tests/run.sh $(BUILD)

# The whole of `make test` again against Debian 13's mbedTLS 3.6 (TLS 1.3 on), fetched with apt-get download and
# unpacked into $(BUILD)/mbedtls3/pkgs, not installed (it would replace the system's 2.28): tests/tls/fetch_mbedtls3.sh.
# The tests check with ldd and mbedtls_version_get_string that the programs run that copy.
MBEDTLS3 := $(BUILD)/mbedtls3
test-mbedtls3: deps-test npm
	@mkdir -p $(MBEDTLS3)
	@sh tests/tls/fetch_mbedtls3.sh $(MBEDTLS3)/pkgs >$(MBEDTLS3)/fetch.log 2>&1 || { cat $(MBEDTLS3)/fetch.log; exit 1; }
	@inc=$$(sed -n 's/^INC //p' $(MBEDTLS3)/fetch.log); lib=$$(sed -n 's/^LIB //p' $(MBEDTLS3)/fetch.log); \
	  echo "mbedTLS 3: $$(ls $(MBEDTLS3)/pkgs/debs)"; \
	  $(MAKE) --no-print-directory BUILD=$(MBEDTLS3) MBEDTLS_CFLAGS="-I$$inc" MBEDTLS_LIBS="-L$$lib -Wl,-rpath,$$lib" \
	    RTM_TEST_MBEDTLS_LIB="$$lib" test

# The header compiles warning-free as C99 (gcc, clang) and as C++, with and without the implementation,
# and the declarations alone need none of the dependencies' headers.
compile-checks: $(BUILD)/.deps
	@mkdir -p $(BUILD)/cc
	@for cc in gcc clang; do \
	  $$cc $(WARN) -Werror -Wshadow -Wstrict-prototypes -c tests/compile/impl.c -o $(BUILD)/cc/impl-$$cc.o || exit 1; \
	  $$cc $(WARN) -Werror -O2 -DRTM_PUSH_NO_AVX512 -c tests/compile/impl.c -o $(BUILD)/cc/impl-no512-$$cc.o || exit 1; \
	  $$cc $(WARN) -Werror -DRTM_PUSH_NO_CJSON -DRTM_PUSH_NO_TLS -c tests/compile/impl.c -o $(BUILD)/cc/impl-nocjson-$$cc.o || exit 1; \
	  $$cc $(WARN) -Werror -H -c tests/compile/decl_only.c -o $(BUILD)/cc/decl-$$cc.o 2>$(BUILD)/cc/decl-$$cc.h || { cat $(BUILD)/cc/decl-$$cc.h; exit 1; }; \
	  if grep -E 'wslay|cjson|cJSON|mbedtls' $(BUILD)/cc/decl-$$cc.h; then echo "declarations pull in a dependency header"; exit 1; fi; \
	done
	@for cxx in g++ clang++; do \
	  $$cxx -std=c++11 $(MBEDTLS_CFLAGS) -Wall -Wextra -Wpedantic -Werror -x c++ -c tests/compile/impl.c -o $(BUILD)/cc/impl-$$cxx.o || exit 1; \
	  $$cxx -std=c++11 $(MBEDTLS_CFLAGS) -O2 -Wall -Wextra -Wpedantic -Werror -x c++ -c tests/compile/impl.c -o $(BUILD)/cc/impl-O2-$$cxx.o || exit 1; \
	  $$cxx -std=c++11 $(MBEDTLS_CFLAGS) -Wall -Wextra -Wpedantic -Werror -x c++ -c tests/compile/decl_only.c -o $(BUILD)/cc/decl-$$cxx.o || exit 1; \
	done
	@$(CC) $(WARN) -Werror -DRTM_PUSH_NO_TLS -O1 -o $(BUILD)/cc/rtm-dump-notls examples/rtm_dump.c -lwslay -lcjson $(MBEDTLS_LIBS) -lmbedcrypto
	@$(BUILD)/cc/rtm-dump-notls tests/vectors/public-json.bin | cmp - tests/vectors/public-json.dump.jsonl
	@$(CC) $(WARN) -Werror -DRTM_PUSH_NO_TLS -DRTM_PUSH_NO_CJSON -O1 -o $(BUILD)/cc/rtm-dump-nocjson examples/rtm_dump.c -lwslay $(MBEDTLS_LIBS) -lmbedcrypto
	@$(BUILD)/cc/rtm-dump-nocjson tests/vectors/public-json.bin | cmp - tests/vectors/public-json.dump.jsonl
	@sh tests/api_check.sh rtm_push.h
	@$(CC) $(WARN) -Werror -o $(BUILD)/cc/static tests/compile/static_a.c tests/compile/static_b.c $(LIBS) && $(BUILD)/cc/static
	@echo "compile checks: C99 gcc/clang (also -O2 -DRTM_PUSH_NO_AVX512), C++11 g++/clang++ (-O0, -O2), declarations alone, RTM_PUSH_NO_TLS linked without mbedtls/mbedx509, RTM_PUSH_NO_CJSON without cjson, RTM_PUSH_STATIC twice in one program: ok"
	@$(MAKE) --no-print-directory lint

# Stricter warnings, clang's static analyzer and cppcheck, all on the whole implementation.
lint: $(BUILD)/.deps
	@for cc in gcc clang; do \
	  $$cc $(WARN) -Werror -Wconversion -Wsign-conversion -Wshadow -Wstrict-prototypes -c tests/compile/impl.c -o $(BUILD)/cc/lint-$$cc.o || exit 1; \
	done
	@clang --analyze $(MBEDTLS_CFLAGS) -Xanalyzer -analyzer-werror tests/compile/impl.c -o $(BUILD)/cc/analyze.plist
	@cppcheck --std=c99 --enable=warning,portability,performance --error-exitcode=1 -q --inline-suppr \
	  -DRTM_PUSH_IMPLEMENTATION --suppress=missingIncludeSystem tests/compile/impl.c
	@echo "lint: -Wconversion -Wsign-conversion -Wshadow -Wstrict-prototypes (gcc, clang), clang --analyze, cppcheck: clean"

# make install PREFIX=...: the header, a pkg-config file and a CMake package (target rtm_push::rtm_push).
# rtm_push.pc names the dependencies: in Requires where the system has their .pc files, else in Libs.
install:
	@mkdir -p $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/lib/cmake/rtm_push
	cp rtm_push.h $(DESTDIR)$(PREFIX)/include/rtm_push.h
	@req=; libs=; \
	for d in "libwslay:-lwslay" "libcjson:-lcjson" "mbedtls mbedx509 mbedcrypto:-lmbedtls -lmbedx509 -lmbedcrypto"; do \
	  if pkg-config --exists $${d%%:*} 2>/dev/null; then req="$$req $${d%%:*}"; else libs="$$libs $${d#*:}"; fi; \
	done; \
	{ echo "# rtm_push.h $(VERSION): depends on wslay, cJSON and mbedTLS"; \
	  echo "prefix=$(PREFIX)"; echo 'includedir=$${prefix}/include'; echo; \
	  echo "Name: rtm_push"; echo "Description: single-header sans-I/O client for RTM gate pushes (FPNN over WebSocket)"; \
	  echo "Version: $(VERSION)"; echo "Requires:$$req"; echo 'Cflags: -I$${includedir}'; echo "Libs:$$libs"; \
	} >$(DESTDIR)$(PREFIX)/lib/pkgconfig/rtm_push.pc
	sed 's|@PREFIX@|$(PREFIX)|g; s|@VERSION@|$(VERSION)|g' cmake/rtm_push-config.cmake.in >$(DESTDIR)$(PREFIX)/lib/cmake/rtm_push/rtm_push-config.cmake
	sed 's|@VERSION@|$(VERSION)|g' cmake/rtm_push-config-version.cmake.in >$(DESTDIR)$(PREFIX)/lib/cmake/rtm_push/rtm_push-config-version.cmake
	@echo "installed rtm_push.h $(VERSION) into $(DESTDIR)$(PREFIX)"

# The benchmark (bench/README.md): make bench BENCH_MIXES=escape BENCH_ARGS="--events 200000 --only json,msgpack" narrows it;
# make bench-callgrind CG_PATHS="json msgpack msgpackc naive tls decrypt" counts those paths' instructions per event
# (simdjson too where it is built for AVX2: valgrind has no AVX-512).
# simdjson and msgpack-c (Debian libsimdjson-dev, libmsgpack-dev) are the benchmark's own baselines, not dependencies
# of rtm_push.h; simdjson's On Demand front end is compiled for one instruction set, so its file is built for this
# machine's (bench.c checks the CPU).
.PHONY: bench bench-callgrind bench-decode
BENCH_PKGS := libsimdjson-dev=/usr/include/simdjson.h libmsgpack-dev=/usr/include/msgpack.h
.PHONY: deps-bench
deps-bench: deps
	@$(call install_missing,$(BENCH_PKGS))
$(BUILD)/.bench-deps: $(BUILD)/.deps Makefile
	@$(call missing,$(BENCH_PKGS)); if [ -n "$$missing" ]; then \
	  echo "the benchmark's baselines need:$$missing. Run 'make deps-bench' (as root), or: apt-get install -y$$missing" >&2; \
	  exit 1; fi
	@touch $@
# Its AVX-512 "icelake" kernel where this CPU has what that kernel needs (the library then decodes escapes with
# AVX-512 too), else the AVX2 "haswell" one.
SIMDJSON_AVX512 := $(shell grep -m1 '^flags' /proc/cpuinfo 2>/dev/null | tr ' ' '\n' | \
  grep -cxE 'avx512f|avx512dq|avx512cd|avx512bw|avx512vl|avx512_vbmi2')
SIMDJSON_ARCH := -march=haswell $(if $(filter 6,$(SIMDJSON_AVX512)),-mavx512f -mavx512dq -mavx512cd -mavx512bw -mavx512vl -mavx512vbmi2)
$(BUILD)/simdjson_path.o: bench/simdjson_path.cpp bench/frames.h rtm_push.h $(BUILD)/.bench-deps
	$(CXX) -std=c++17 -Wall -Wextra -O2 -g $(SIMDJSON_ARCH) -c -o $@ bench/simdjson_path.cpp
$(BUILD)/bench: bench/bench.c bench/msgpackc_path.c bench/frames.h $(BUILD)/simdjson_path.o rtm_push.h $(BUILD)/.deps
	$(CC) $(WARN) -O2 -g $(BENCH_CFLAGS) -o $@ bench/bench.c bench/msgpackc_path.c $(BUILD)/simdjson_path.o $(LIBS) \
	  -lsimdjson -lmsgpackc -lstdc++
# every mix of issue #21 (BENCH_MIXES), each with the baselines timed in the same run, then a summary table
bench: deps-bench
	@$(MAKE) --no-print-directory $(BUILD)/bench
	BENCH_MIXES="$(BENCH_MIXES)" BENCH_ARGS="$(BENCH_ARGS)" sh bench/mixes.sh $(BUILD)/bench $(BUILD)/bench-mixes
# the field decoder alone over 20,000 payloads of the bench's streams: the low-noise figure for a decoding change
$(BUILD)/bench-decode: bench/decode.c rtm_push.h $(BUILD)/.deps
	$(CC) $(WARN) -O2 -g $(BENCH_CFLAGS) -o $@ bench/decode.c $(LIBS)
bench-decode: $(BUILD)/bench $(BUILD)/bench-decode
	$(BUILD)/bench --write-streams $(BUILD)/streams --events 20000 >/dev/null
	$(BUILD)/bench-decode $(BUILD)/streams.json.bin $(BUILD)/streams.msgpack.bin
bench-callgrind: $(BUILD)/bench
	CG_MIXES="$(CG_MIXES)" CG_PATHS="$(CG_PATHS)" CG_EVENTS="$(CG_EVENTS)" CG_TOP="$(CG_TOP)" CG_ARGS="$(CG_ARGS)" \
	  sh bench/callgrind.sh $(BUILD)/bench $(BUILD)/callgrind

clean:
	rm -rf $(BUILD)
