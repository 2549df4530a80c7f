#!/bin/sh
# Makes the test PKI with the openssl command line, at test time, into DIR:
#   ca.pem            a test certificate authority
#   server.pem/.key   signed by it, for localhost and 127.0.0.1
#   expired.pem/.key  signed by it, for localhost, already expired
#   other.pem/.key    signed by it, for other.example only (name mismatch)
#   self.pem/.key     self-signed, for localhost (unknown CA)
#   ipname.pem/.key   signed by it, for 127.0.0.2 only: "127.0.0.1" appears as its CN and a DNS name, which
#                     must not count for an IP address
#   ip6.pem/.key      signed by it, for ::1 only (an iPAddress SAN)
set -e
D=${1:?usage: make_certs.sh DIR}
mkdir -p "$D"
cd "$D"
q() { "$@" >/dev/null 2>&1 || { echo "make_certs: failed: $*" >&2; "$@"; exit 1; }; }
q openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 30 -subj "/CN=rtm_push test CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
leaf() { # name days san
  q openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "/CN=$4"
  printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' "$3" >"$1.ext"
  q openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -out "$1.pem" -days "$2" -extfile "$1.ext"
}
leaf server 30 "DNS:localhost,IP:127.0.0.1" localhost
leaf expired -1 "DNS:localhost,IP:127.0.0.1" localhost
leaf other 30 "DNS:other.example" other.example
leaf ipname 30 "DNS:127.0.0.1,IP:127.0.0.2" 127.0.0.1
leaf ip6 30 "IP:::1" ip6
q openssl req -x509 -newkey rsa:2048 -nodes -keyout self.key -out self.pem -days 30 -subj "/CN=localhost" \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1"
rm -f ./*.csr ./*.ext ca.srl
