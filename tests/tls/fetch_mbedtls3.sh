#!/bin/sh
# Fetches Debian 13 (trixie)'s mbedTLS 3.6 packages WITHOUT installing them (they would replace the system's
# 2.28) and unpacks them into DIR:
#   sh tests/tls/fetch_mbedtls3.sh DIR   ->  DIR/root/usr/include/mbedtls/..., DIR/root/usr/lib/<triplet>/...
# apt-get download runs with a private sources list, state and cache under DIR (Dir::Etc::sourceparts,
# Dir::State::Lists, Dir::Cache): the machine's own apt state is not touched. The mirror is the one the
# machine's apt configuration names for the Debian release it runs; the suite is trixie.
# Prints the include and library directories as the last two lines ("INC ..." and "LIB ...").
set -e
D=${1:?usage: fetch_mbedtls3.sh DIR}
SUITE=${MBEDTLS3_SUITE:-trixie}
PKGS="libmbedtls-dev libmbedtls21 libmbedx509-7 libmbedcrypto16"
mkdir -p "$D/apt/lists/partial" "$D/apt/cache/archives/partial" "$D/apt/sources.list.d" "$D/debs" "$D/root"
D=$(cd "$D" && pwd)

# The mirror: the first URI of a deb822 (*.sources) stanza or a one-line entry serving this release's suite.
. /etc/os-release
CODENAME=${VERSION_CODENAME:?no VERSION_CODENAME in /etc/os-release}
MIRROR=
for f in /etc/apt/sources.list.d/*.sources; do
  [ -f "$f" ] || continue
  MIRROR=$(awk -v want="$CODENAME" '
    /^[ \t]*$/ { if (uri != "" && hit && deb) { print uri; exit } uri = ""; hit = 0; deb = 0; next }
    /^URIs:/ { uri = $2 }
    /^Types:/ { for (i = 2; i <= NF; i++) if ($i == "deb") deb = 1 }
    /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == want) hit = 1 }
    END { if (uri != "" && hit && deb) print uri }' "$f" | head -1)
  [ -n "$MIRROR" ] && break
done
if [ -z "$MIRROR" ]; then
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    MIRROR=$(awk -v want="$CODENAME" '$1 == "deb" { i = 2; if ($i ~ /^\[/) while ($i !~ /\]$/) i++; if ($i ~ /\]$/ && $2 ~ /^\[/) i++;
      if ($(i + 1) == want) { print $i; exit } }' "$f")
    [ -n "$MIRROR" ] && break
  done
fi
[ -n "$MIRROR" ] || { echo "fetch_mbedtls3: no apt source for '$CODENAME' found in /etc/apt/sources.list*" >&2; exit 1; }
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: %s\n' "$MIRROR" "$SUITE" "$KEYRING" \
  >"$D/apt/sources.list.d/mbedtls3.sources"

APT="-o Dir::Etc::sourcelist=/dev/null -o Dir::Etc::sourceparts=$D/apt/sources.list.d -o Dir::State::Lists=$D/apt/lists
     -o Dir::Cache=$D/apt/cache -o Dir::State::status=/var/lib/dpkg/status -o APT::Architecture=$(dpkg --print-architecture)
     -o Debug::NoLocking=1 -o Acquire::Languages=none"
# apt-get download as root drops privileges to _apt for the download: the directories must be its to write.
id _apt >/dev/null 2>&1 && chown -R _apt "$D/apt/lists" "$D/apt/cache" "$D/debs" 2>/dev/null || true
# shellcheck disable=SC2086
apt-get $APT -qq update || { echo "fetch_mbedtls3: apt-get update of the $SUITE suite failed" >&2; exit 1; }
rm -f "$D/debs"/*.deb # a later run: only what the suite has now
# shellcheck disable=SC2086
(cd "$D/debs" && apt-get $APT -qq download $PKGS) || { echo "fetch_mbedtls3: apt-get download failed" >&2; exit 1; }
for p in $PKGS; do
  deb=$(ls "$D/debs/${p}_"*.deb | head -1)
  dpkg-deb -x "$deb" "$D/root"
done
INC=$D/root/usr/include
LIB=$(dirname "$(ls "$D/root"/usr/lib/*/libmbedtls.so | head -1)")
# -dev's libmbedtls.so etc. are symlinks to the runtime packages' .so.N: check that they resolve.
for l in mbedtls mbedx509 mbedcrypto; do [ -e "$LIB/lib$l.so" ] || { echo "fetch_mbedtls3: $LIB/lib$l.so dangles" >&2; exit 1; }; done
echo "INC $INC"
echo "LIB $LIB"
