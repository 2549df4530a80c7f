#!/bin/sh
# make test-cross: the unit test programs and the recorded vectors' rtm-dump check, built and run
#   - as i386: gcc -m32 against Debian's i386 libraries (multiarch), run natively;
#   - as s390x (big-endian, 64-bit): the s390x-linux-gnu cross compiler against Debian's s390x libraries
#     (multiarch), run under qemu-user.
#   sh tests/cross.sh BUILD_DIR "PROGRAMS"     PROGRAMS: names of tests/NAME.c (the Makefile's UNIT_PROGS)
# The packages it needs are installed here when missing (root; otherwise it prints the apt-get line and stops).
# Two traps (issue 20):
#   - libwslay-dev is not multi-arch: installing it for another architecture removes the native one. Only the
#     runtime libwslay1:ARCH is installed, and linked through a private symlink libwslay.so -> the .so.1 in
#     BUILD_DIR/ARCH (the headers are the native package's, which are the same on every architecture).
#   - qemu-s390x 7.2 crashes dynamically linked programs ("stack smashing detected") unless they are run
#     through the cross toolchain's own loader (ld64.so.1 from libc6-s390x-cross), called explicitly with
#     --library-path naming the cross and the multiarch s390x library directories.
B=${1:-build/cross}
PROGS=${2:-test_upgrade}
V=tests/vectors
WARN="-std=c99 -Wall -Wextra -Wpedantic -Werror"
CFLAGS=${CROSS_CFLAGS:--O2}
LIBS="-lwslay -lcjson -lmbedtls -lmbedx509 -lmbedcrypto"
GCCV=$(gcc -dumpversion | cut -d. -f1)
S390_GCC=s390x-linux-gnu-gcc
S390_CROSS=/usr/s390x-linux-gnu/lib      # libc6-s390x-cross: the cross toolchain's C library and loader
S390_MA=/usr/lib/s390x-linux-gnu         # the multiarch s390x libraries (libcjson1:s390x, ...)
I386_MA=/usr/lib/i386-linux-gnu

# 1. The packages. libc6-dev-i386 + lib32gcc-N-dev serve gcc -m32 (gcc-multilib would do too, but it removes
#    the cross compilers); the -dev packages of another architecture bring their runtime libraries.
#    linux-libc-dev:i386 has the kernel headers of -m32 (<errno.h> includes <asm/errno.h>: rtm-dump's error messages).
PKGS="libc6-dev-i386 lib32gcc-$GCCV-dev linux-libc-dev:i386 libcjson-dev:i386 libmbedtls-dev:i386 libwslay1:i386
      gcc-s390x-linux-gnu libc6-dev-s390x-cross libc6-s390x-cross libcjson-dev:s390x libmbedtls-dev:s390x libwslay1:s390x
      qemu-user libwslay-dev libcjson-dev libmbedtls-dev"
missing=
for p in $PKGS; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing="$missing $p"
done
if [ -n "$missing" ]; then
  arch_line="dpkg --add-architecture i386 && dpkg --add-architecture s390x && apt-get update"
  apt_line="DEBIAN_FRONTEND=noninteractive apt-get install -y --no-remove$missing"
  if [ "$(id -u)" != 0 ]; then
    echo "test-cross: missing packages:$missing"
    echo "test-cross: as root, run:"
    echo "  $arch_line && $apt_line"
    exit 1
  fi
  echo "test-cross: installing$missing"
  echo "  $arch_line && $apt_line"
  for a in i386 s390x; do
    dpkg --print-foreign-architectures | grep -qx $a || dpkg --add-architecture $a || exit 1
  done
  apt-get update -qq || exit 1
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-remove $missing >"$B.apt.log" 2>&1 \
    || { cat "$B.apt.log"; echo "test-cross: the install failed"; exit 1; }
fi

pass=0 fail=0
ok()  { pass=$((pass+1)); echo "ok   $1"; }
bad() { fail=$((fail+1)); echo "FAIL $1"; [ -n "${2:-}" ] && [ -f "$2" ] && sed 's/^/     /' "$2" | head -30; }

# build ARCH NAME SOURCE CC-and-flags...: BUILD_DIR/ARCH/NAME, the compiler's output in BUILD_DIR/ARCH/NAME.log
build() {
  arch=$1 name=$2 src=$3; shift 3
  if "$@" $WARN $CFLAGS -o "$B/$arch/$name" "$src" -L"$B/$arch" $LIBS >"$B/$arch/$name.log" 2>&1; then return 0; fi
  bad "$arch: $src does not build" "$B/$arch/$name.log"; return 1
}
# check ARCH RUNNER...: runs every program and the vectors through RUNNER (empty: natively)
check() {
  arch=$1; shift
  for p in $PROGS; do
    [ -x "$B/$arch/$p" ] || continue
    if "$@" "$B/$arch/$p" >"$B/$arch/$p.out" 2>&1; then ok "$arch: $p ($(tail -1 "$B/$arch/$p.out"))"
    else bad "$arch: $p (exit $?)" "$B/$arch/$p.out"; fi
  done
  [ -x "$B/$arch/rtm-dump" ] || return
  for n in public-json public-msgpack authfail autherror; do
    r=ok
    for c in 0 1 7 4096; do
      if [ $c = 0 ]; then "$@" "$B/$arch/rtm-dump" $V/$n.bin >"$B/$arch/$n.out" 2>&1
      else "$@" "$B/$arch/rtm-dump" --chunk $c $V/$n.bin >"$B/$arch/$n.out" 2>&1; fi
      cmp -s "$B/$arch/$n.out" $V/$n.dump.jsonl || { r="--chunk $c"; break; }
    done
    if [ "$r" = ok ]; then ok "$arch: rtm-dump $n.bin byte-identical to $n.dump.jsonl (whole, --chunk 1, 7, 4096)"
    else { diff $V/$n.dump.jsonl "$B/$arch/$n.out" | head -20; } >"$B/$arch/$n.diff"; bad "$arch: rtm-dump $n.bin ($r) differs" "$B/$arch/$n.diff"; fi
  done
  if "$@" "$B/$arch/rtm-dump" --uid 4242 $V/public-json.bin 2>&1 | cmp -s - $V/public-json.uid4242.dump.jsonl; then
    ok "$arch: rtm-dump --uid 4242 public-json.bin byte-identical"
  else bad "$arch: rtm-dump --uid 4242 public-json.bin differs"; fi
}

# elf_is ARCH CLASS DATA: BUILD_DIR/ARCH/rtm-dump's ELF header says so (EI_CLASS 1: 32-bit, 2: 64-bit;
# EI_DATA 1: little-endian, 2: big-endian), so that a silently native build cannot pass for a cross one.
elf_is() {
  h=$(od -An -tx1 -j4 -N2 "$B/$1/rtm-dump" 2>/dev/null | tr -d ' ')
  if [ "$h" = "0$20$3" ]; then ok "$1: the programs are ELF class $2, data encoding $3 (e_ident bytes 4-5: $h)"
  else bad "$1: rtm-dump's ELF e_ident bytes 4-5 are '$h', not 0$20$3"; fi
}

# 2. i386: gcc -m32; the i386 libraries are found by the native loader (multiarch).
mkdir -p "$B/i386" "$B/s390x"
ln -sf $I386_MA/libwslay.so.1 "$B/i386/libwslay.so"
for p in $PROGS; do build i386 $p tests/$p.c gcc -m32; done
build i386 rtm-dump examples/rtm_dump.c gcc -m32
elf_is i386 1 1 # 32-bit, little-endian
check i386

# 3. s390x: the cross compiler, the multiarch s390x libraries; run under qemu-s390x through the cross loader.
ln -sf $S390_MA/libwslay.so.1 "$B/s390x/libwslay.so"
S390_LINK="-idirafter /usr/include -L$S390_MA -Wl,-rpath-link=$S390_MA"
for p in $PROGS; do build s390x $p tests/$p.c $S390_GCC $S390_LINK; done
build s390x rtm-dump examples/rtm_dump.c $S390_GCC $S390_LINK
elf_is s390x 2 2 # 64-bit, big-endian
check s390x qemu-s390x $S390_CROSS/ld64.so.1 --library-path $S390_CROSS:$S390_MA

echo "test-cross: $pass passed, $fail failed"
[ $fail = 0 ]
