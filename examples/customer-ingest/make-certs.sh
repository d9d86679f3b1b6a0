#!/usr/bin/env bash
# Certificates for the HTTPS variant, made with openssl into DIR (default ./certs):
#   ca.pem / ca.key                  the CA that signed the service's own certificate
#   server.pem / server.key          the service's certificate, for 127.0.0.1 and localhost
#   devices-ca.pem / devices-ca.key  the CA the service trusts for device certificates;
#                                    fleetsim mints one certificate per device from it
set -euo pipefail
dir=${1:-certs}
mkdir -p "$dir"
cd "$dir"
ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
openssl req -x509 "${ec[@]}" -keyout ca.key -out ca.pem -days 30 -subj "/O=Acme/CN=Acme server CA" 2>/dev/null
openssl req -x509 "${ec[@]}" -keyout devices-ca.key -out devices-ca.pem -days 30 -subj "/O=Acme/CN=Acme device CA" 2>/dev/null
openssl req -new "${ec[@]}" -keyout server.key -out server.csr -subj "/CN=localhost" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' > server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 30 -extfile server.ext 2>/dev/null
rm -f server.csr server.ext ca.srl
echo "certificates in $(pwd)"
