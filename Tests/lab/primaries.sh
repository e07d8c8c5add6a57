#!/usr/bin/env bash
# Two primaries that take RFC 2136 updates with TSIG, on loopback, for `danectl publish` and
# octoDNS's RFC 2136 provider: BIND named on 127.53.1.1, Knot knotd on 127.53.1.2. Each serves
#   dyn.test, race.test, script.test   unsigned, dynamic
#   auto.test  dynamic, signed by the server itself (BIND dnssec-policy, Knot dnssec-signing)
#   static.test  no updates allowed (REFUSED)
#   octo.test  like auto.test, for octoDNS's RFC 2136 provider
# and accepts updates signed with the key in FOLDER/tsig.key (BIND syntax) or
# FOLDER/tsig.knot (Knot syntax), the same secret.
#
# Usage: primaries.sh up FOLDER | down FOLDER
set -euo pipefail
command=${1:?usage: primaries.sh up|down FOLDER}
dir=${2:?usage: primaries.sh up|down FOLDER}
source "$(dirname "$0")/processes.sh"

down() {
    for pidfile in "$dir/bind/named.pid" "$dir/knot/knot.pid"; do
        [[ -s $pidfile ]] || continue
        stop_pid "$(cat "$pidfile")"
        rm -f "$pidfile"
    done
}

current=/tmp/danectl-primaries.current
if [[ $command == down ]]; then down; [[ $(cut -d' ' -f1 "$current" 2>/dev/null) == "$dir" ]] && rm -f "$current"; exit 0; fi
[[ $command == up ]] || { echo "usage: primaries.sh up|down FOLDER" >&2; exit 64; }
for tool in named knotd tsig-keygen; do
    command -v "$tool" >/dev/null || { echo "primaries.sh: $tool is missing (scripts/install-deps installs bind9 and knot)" >&2; exit 69; }
done

# One set of primaries at a time (Tests/lab/addresses.sh).
source "$(dirname "$0")/addresses.sh"
take_addresses "$current" "$dir" "$0"
mkdir -p "$dir/bind/keys" "$dir/knot"
ip addr add 127.53.1.1/8 dev lo 2>/dev/null || true
ip addr add 127.53.1.2/8 dev lo 2>/dev/null || true
tsig-keygen -a hmac-sha256 danectl-key > "$dir/tsig.key"
secret=$(sed -n 's/.*secret "\(.*\)";/\1/p' "$dir/tsig.key")
printf 'key:\n  - id: danectl-key\n    algorithm: hmac-sha256\n    secret: %s\n' "$secret" > "$dir/tsig.knot"
# Same name, another secret (BADSIG); another name (BADKEY).
tsig-keygen -a hmac-sha256 danectl-key > "$dir/wrong-secret.key"
tsig-keygen -a hmac-sha256 nobody-key > "$dir/unknown.key"

zone() {  # name
    cat <<Z
\$ORIGIN $1.
\$TTL 300
@ IN SOA ns.$1. hostmaster.$1. 1 3600 600 86400 60
@ IN NS ns.$1.
ns IN A 127.53.1.1
@ IN MX 10 mx.$1.
mx IN A 127.25.0.1
keep IN TXT "not danectl's: publish must leave this alone"
Z
}
for z in dyn.test race.test script.test auto.test octo.test static.test; do
    zone "$z" > "$dir/bind/$z.zone"
    zone "$z" > "$dir/knot/$z.zone"
done

cat > "$dir/bind/named.conf" <<C
options {
    directory "$dir/bind";
    pid-file "$dir/bind/named.pid";
    session-keyfile "$dir/bind/session.key";
    key-directory "$dir/bind/keys";
    listen-on port 53 { 127.53.1.1; };
    listen-on-v6 { none; };
    recursion no;
    dnssec-validation no;
    allow-transfer { any; };
    notify no;
};
controls { };
$(cat "$dir/tsig.key")
zone "dyn.test" { type primary; file "dyn.test.zone"; allow-update { key danectl-key; }; };
zone "race.test" { type primary; file "race.test.zone"; allow-update { key danectl-key; }; };
zone "script.test" { type primary; file "script.test.zone"; allow-update { key danectl-key; }; };
zone "auto.test" { type primary; file "auto.test.zone"; allow-update { key danectl-key; }; dnssec-policy default; };
zone "octo.test" { type primary; file "octo.test.zone"; allow-update { key danectl-key; }; dnssec-policy default; };
zone "static.test" { type primary; file "static.test.zone"; };
C
named -c "$dir/bind/named.conf" > "$dir/bind/named.log" 2>&1

cat > "$dir/knot/knot.conf" <<C
server:
    listen: 127.53.1.2@53
    rundir: $dir/knot
log:
  - target: $dir/knot/knot.log
    any: info
database:
    storage: $dir/knot
$(sed 's/^/  /;s/^  key:/key:/' "$dir/tsig.knot")
acl:
  - id: update
    key: danectl-key
    action: [update, transfer]
  - id: transfer
    address: 127.0.0.0/8
    action: transfer
template:
  - id: default
    storage: $dir/knot
    file: "%s.zone"
    acl: [update, transfer]
zone:
  - domain: dyn.test
  - domain: race.test
  - domain: script.test
  - domain: auto.test
    dnssec-signing: on
  - domain: octo.test
    dnssec-signing: on
  - domain: static.test
    acl: [transfer]
C
knotd -c "$dir/knot/knot.conf" -d

# Up when both of ours run and answer, and both signed zones carry their DNSKEY.
for _ in $(seq 1 100); do
    if [[ -s $dir/bind/named.pid && -s $dir/knot/knot.pid ]] && kill -0 "$(cat "$dir/bind/named.pid")" "$(cat "$dir/knot/knot.pid")" 2>/dev/null \
        && dig +short +time=1 +tries=1 @127.53.1.1 auto.test DNSKEY | grep -q . \
        && dig +short +time=1 +tries=1 @127.53.1.2 auto.test DNSKEY | grep -q . \
        && dig +short +time=1 +tries=1 @127.53.1.1 octo.test DNSKEY | grep -q . \
        && dig +short +time=1 +tries=1 @127.53.1.2 octo.test DNSKEY | grep -q . \
        && dig +short +time=1 +tries=1 @127.53.1.1 dyn.test SOA | grep -q . \
        && dig +short +time=1 +tries=1 @127.53.1.2 dyn.test SOA | grep -q .; then
        exit 0
    fi
    sleep 0.2
done
echo "primaries.sh: named or knotd did not come up; logs:" >&2
cat "$dir/bind/named.log" "$dir/knot/knot.log" >&2 2>/dev/null || true
down
exit 69
