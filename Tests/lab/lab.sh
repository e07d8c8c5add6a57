#!/usr/bin/env bash
# The DANE test lab: a small DNSSEC world and real MX servers, all on loopback.
#
#   Tests/lab/lab.sh up DIR     build and start everything under DIR; prints KEY=VALUE facts
#   Tests/lab/lab.sh down DIR   stop everything started under DIR (by PID)
#
# up: NSD (127.53.0.1:53) serves a signed root, a signed TLD "test." and scenario zones below
# it; unbound (127.53.0.2:53) validates from the root's trust anchor; Postfix's smtpd listens
# on 127.25.0.x:25, each listener with its own certificate (one without STARTTLS).
# Zones are signed with danectl itself (DANECTL=path/to/danectl; default: this checkout's debug
# build). Needs root: the daemons bind port 53 and 25 on 127.x addresses and Postfix runs as its
# own user. A missing component is an error, never a skip.
set -euo pipefail
action=${1:?usage: lab.sh up|down DIR}
lab=${2:?usage: lab.sh up|down DIR}
here=$(cd "$(dirname "$0")" && pwd)
source "$here/processes.sh"
DANECTL=${DANECTL:-$here/../../.build/debug/danectl}
export DANECTL
if [[ $(id -u) -ne 0 ]]; then echo "lab: must run as root (binds ports 25 and 53, runs Postfix)" >&2; exit 77; fi

down() {
    for pidfile in "$lab"/run/*.pid; do
        [[ -f $pidfile ]] || continue
        stop_pid "$(cat "$pidfile")"
        rm -f "$pidfile"
    done
    if [[ -d $lab/postfix ]]; then
        postfix -c "$lab/postfix" stop >/dev/null 2>&1 || true
        if [[ -f $lab/postfix/spool/pid/master.pid ]]; then
            pid=$(tr -d ' ' < "$lab/postfix/spool/pid/master.pid")
            kill -9 "$pid" 2>/dev/null || true
        fi
    fi
}

current=/tmp/danectl-lab.current
if [[ $action == down ]]; then down; [[ $(cut -d' ' -f1 "$current" 2>/dev/null) == "$lab" ]] && rm -f "$current"; exit 0; fi

# lab.sh publish DIR ZONE DESCRIPTION: merge the description's records for ZONE into its zone,
# re-sign with the zone's keys (danectl sign), reload NSD and flush unbound's cache for it.
if [[ $action == publish ]]; then
    zone=${3:?zone}; description=${4:?description}
    read -r k z < "$lab/keys/$zone.keys"
    file=$lab/zones/$zone.zone.signed
    old=$(dig +short @127.53.0.1 "$zone" SOA | awk '{print $3}')
    "$DANECTL" sign "$file" --key "$k" --key "$z" --validity 40 --include "$description" -o "$file" 2>/dev/null
    kill -HUP "$(cat "$lab/run/nsd.pid")"
    for _ in $(seq 100); do
        [[ $(dig +short @127.53.0.1 "$zone" SOA | awk '{print $3}') != "$old" ]] && break
        sleep 0.1
    done
    unbound-control -c "$lab/unbound.conf" flush_zone "$zone" >/dev/null
    unbound-control -c "$lab/unbound.conf" flush_negative >/dev/null
    exit 0
fi

# lab.sh reload DIR: Postfix re-reads its certificates (after rollover deploy swapped acme.test's).
if [[ $action == reload ]]; then
    postfix -c "$lab/postfix" reload >/dev/null 2>&1
    exit 0
fi

# lab.sh swap DIR CERT: the rollover listener (127.25.0.6) starts serving CERT.pem.
if [[ $action == swap ]]; then
    cert=${3:?certificate name}
    sed -i "/^127.25.0.6:25 /{n;s|.*|  -o smtpd_tls_chain_files=$lab/certs/$cert.key,$lab/certs/$cert.pem|}" "$lab/postfix/master.cf"
    postfix -c "$lab/postfix" reload >/dev/null 2>&1
    sleep 1
    exit 0
fi
[[ $action == up ]] || { echo "usage: lab.sh up|down|publish|swap|reload DIR ..." >&2; exit 64; }
# The addresses are one lab's at a time (Tests/lab/addresses.sh).
source "$here/addresses.sh"
take_addresses "$current" "$lab" "$0"

for tool in nsd unbound postfix openssl pebble "${DANECTL:?set DANECTL to the danectl binary}"; do
    command -v "$tool" >/dev/null || { echo "lab: required tool $tool is missing (scripts/install-deps installs it)" >&2; exit 1; }
done
mkdir -p "$lab"/{run,zones,certs,keys,acme}
chmod 755 "$lab"   # Postfix runs as its own user and must reach its data folder
trap 'echo "lab: setup failed; stopping what started" >&2; down' ERR

# ---------------------------------------------------------------- certificates
cd "$lab/certs"
cert() {  # name, subject CN, SAN list, days-offset args...
    local name=$1 cn=$2 san=$3; shift 3
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$name.key" 2>/dev/null
    openssl req -new -key "$name.key" -subj "/CN=$cn" -out "$name.csr" 2>/dev/null
    printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\n' "$san" > "$name.ext"
    "$@" -in "$name.csr" -out "$name.pem" -extfile "$name.ext" 2>/dev/null
}
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem -days 3650 \
    -subj "/CN=Lab Root CA" -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout int.key -out int.csr -subj "/CN=Lab Issuing CA" 2>/dev/null
printf 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n' > int.ext
openssl x509 -req -in int.csr -CA ca.pem -CAkey ca.key -set_serial 100 -days 3650 -out int.pem -extfile int.ext 2>/dev/null
selfsigned() { openssl x509 -req -signkey "$1.key" -days 365 "${@:2}"; }
cert ee "mx.lab" "DNS:mx.lab" selfsigned ee
openssl req -x509 -newkey rsa:2048 -nodes -keyout rsa.key -out rsa.pem -days 365 -subj "/CN=mx.lab" 2>/dev/null
cert next "mx.lab" "DNS:mx.lab" selfsigned next            # a key not yet deployed
cert other "other.lab" "DNS:other.lab" selfsigned other     # a key nobody serves
cert tagood "mx.valid-211.test" "DNS:mx.valid-211.test" openssl x509 -req -CA int.pem -CAkey int.key -set_serial 201 -days 365
cert tabad "wrong.example" "DNS:wrong.example" openssl x509 -req -CA int.pem -CAkey int.key -set_serial 202 -days 365
# An expired certificate: valid for a day, a year ago (openssl x509 has no backdating, so use ca).
mkdir -p ca/newcerts && : > ca/index.txt && echo 1000 > ca/serial
cat > ca/ca.cnf <<CNF
[ca]
default_ca = lab
[lab]
dir = $lab/certs/ca
database = \$dir/index.txt
new_certs_dir = \$dir/newcerts
serial = \$dir/serial
default_md = sha256
policy = any
copy_extensions = copy
[any]
commonName = supplied
CNF
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out expired.key 2>/dev/null
openssl req -new -key expired.key -subj "/CN=mx.expired.test" -addext subjectAltName=DNS:mx.expired.test -out expired.csr 2>/dev/null
openssl ca -batch -config ca/ca.cnf -selfsign -keyfile expired.key -in expired.csr -out expired.pem \
    -startdate 20250101000000Z -enddate 20250102000000Z -notext 2>/dev/null
# acme.test's MX starts with a self-signed certificate; ACME clients and rollover deploy replace it.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$lab/acme/served.key" 2>/dev/null
openssl req -x509 -key "$lab/acme/served.key" -subj /CN=mx.acme.test -days 30 -out "$lab/acme/served.pem" 2>/dev/null
chmod 600 "$lab/acme/served.key"
# Pebble's HTTPS listener, issued by the lab CA (ACME clients are told to trust ca.pem).
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout pebble.key -out pebble.csr -subj /CN=localhost 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' > pebble.ext
openssl x509 -req -in pebble.csr -CA ca.pem -CAkey ca.key -set_serial 300 -days 30 -out pebble.pem -extfile pebble.ext 2>/dev/null
# MTA-STS: mx.sts-good.test's certificate from the lab CA (valid under WebPKI with ca.pem);
# the policy host names every mta-sts.sts-*.test but one, which gets a certificate for another name.
cert stsmx "mx.sts-good.test" "DNS:mx.sts-good.test" openssl x509 -req -CA int.pem -CAkey int.key -set_serial 203 -days 365
cat stsmx.pem int.pem > stsmx-chain.pem
sts_domains=(sts-good sts-webpki sts-testing sts-nofetch sts-badpolicy sts-uncovered sts-redirect sts-badcert sts-wrongtype sts-badlength)
cert policyhost0 "mta-sts.sts-good.test" "$(printf 'DNS:mta-sts.%s.test,' "${sts_domains[@]}" | sed 's/DNS:mta-sts.sts-badcert.test,//; s/,$//')" \
    openssl x509 -req -CA int.pem -CAkey int.key -set_serial 204 -days 365
cat policyhost0.pem int.pem > policyhost.pem && cp policyhost0.key policyhost.key
cert policyhost-mta-sts.sts-badcert.test "wrong.example" "DNS:wrong.example" openssl x509 -req -CA int.pem -CAkey int.key -set_serial 205 -days 365
cat int.pem >> policyhost-mta-sts.sts-badcert.test.pem
# sts-served.test's policy is served by `danectl serve --description` behind nginx (the
# MTA-STS lab test starts both on 127.54.0.2:443), with this certificate from the lab CA.
cert stsserved "mta-sts.sts-served.test" "DNS:mta-sts.sts-served.test" openssl x509 -req -CA int.pem -CAkey int.key -set_serial 206 -days 365
cat stsserved.pem int.pem > stsserved-chain.pem
cat tagood.pem int.pem > tagood-chain.pem
cat tabad.pem int.pem > tabad-chain.pem

spki() { openssl x509 -in "$1" -noout -pubkey | openssl pkey -pubin -outform DER | openssl dgst "-$2" -r | cut -d' ' -f1; }
EE311=$(spki ee.pem sha256); EE312=$(spki ee.pem sha512); NEXT311=$(spki next.pem sha256); NEXT312=$(spki next.pem sha512)
OTHER311=$(spki other.pem sha256); INT211=$(spki int.pem sha256); EXPIRED311=$(spki expired.pem sha256)
ACME311=$(spki "$lab/acme/served.pem" sha256); STSMX311=$(spki stsmx.pem sha256)

# ---------------------------------------------------------------- zones
cd "$lab/zones"
soa() { printf '$ORIGIN %s\n$TTL 300\n@ IN SOA ns.test. hostmaster.test. 1 3600 600 86400 60\n@ IN NS ns.test.\n' "$1"; }
mx() { printf '@ IN MX %s %s\n' "$1" "$2"; }

# Listener addresses (Postfix, below): .1 ee, .2 DANE-TA good name, .3 expired, .4 no STARTTLS,
# .5 DANE-TA wrong name.
scenario() {  # zone-name; reads records from stdin
    { soa "$1."; cat; } > "$1.zone"
}
scenario valid-311.test <<Z
$(mx 10 mx.valid-311.test.)
mx IN A 127.25.0.1
_25._tcp.mx IN TLSA 3 1 1 $EE311
_smtp._tls IN TXT "v=TLSRPTv1; rua=mailto:tlsrpt@valid-311.test"
Z
scenario valid-312.test <<Z
$(mx 10 mx.valid-312.test.)
mx IN A 127.25.0.1
_25._tcp.mx IN TLSA 3 1 2 $EE312
_smtp._tls IN TXT "v=TLSRPTv1; rua=mailto:tlsrpt@valid-312.test,gopher://reports.valid-312.test"
Z
scenario rollover.test <<Z
$(mx 10 mx.rollover.test.)
mx IN A 127.25.0.1
_25._tcp.mx IN TLSA 3 1 1 $EE311
_25._tcp.mx IN TLSA 3 1 1 $NEXT311
Z
scenario valid-211.test <<Z
$(mx 10 mx.valid-211.test.)
mx IN A 127.25.0.2
_25._tcp.mx IN TLSA 2 1 1 $INT211
Z
scenario ta-badname.test <<Z
$(mx 10 mx.ta-badname.test.)
mx IN A 127.25.0.5
_25._tcp.mx IN TLSA 2 1 1 $INT211
Z
scenario mismatch.test <<Z
$(mx 10 mx.mismatch.test.)
mx IN A 127.25.0.1
_25._tcp.mx IN TLSA 3 1 1 $OTHER311
Z
scenario expired.test <<Z
$(mx 10 mx.expired.test.)
mx IN A 127.25.0.3
_25._tcp.mx IN TLSA 3 1 1 $EXPIRED311
Z
scenario nostarttls.test <<Z
$(mx 10 mx.nostarttls.test.)
mx IN A 127.25.0.4
_25._tcp.mx IN TLSA 3 1 1 $EE311
Z
scenario pkix-only.test <<Z
$(mx 10 mx.pkix-only.test.)
mx IN A 127.25.0.1
_25._tcp.mx IN TLSA 1 1 1 $EE311
_25._tcp.mx IN TLSA 0 1 1 $INT211
Z
scenario cname-mx.test <<Z
$(mx 10 mx.cname-mx.test.)
mx IN CNAME real.cname-mx.test.
real IN A 127.25.0.1
_25._tcp.real IN TLSA 3 1 1 $EE311
Z
scenario two-mx.test <<Z
$(mx 10 good.two-mx.test.)
$(mx 20 bad.two-mx.test.)
good IN A 127.25.0.1
_25._tcp.good IN TLSA 3 1 1 $EE311
bad IN A 127.25.0.1
_25._tcp.bad IN TLSA 3 1 1 $OTHER311
Z
scenario implicit-mx.test <<Z
@ IN A 127.25.0.1
_25._tcp IN TLSA 3 1 1 $EE311
Z
scenario no-tlsa.test <<Z
$(mx 10 mx.no-tlsa.test.)
mx IN A 127.25.0.1
Z
scenario unsigned.test <<Z
$(mx 10 mx.unsigned.test.)
mx IN A 127.25.0.1
_25._tcp.mx IN TLSA 3 1 1 $OTHER311
Z
# Unsigned, with a TLSA record that matches what the MX serves: signing would make DANE pass.
scenario unsigned-ok.test <<Z
$(mx 10 mx.unsigned-ok.test.)
mx IN A 127.25.0.1
_25._tcp.mx IN TLSA 3 1 1 $EE311
Z
# One host, two addresses: 127.25.0.1 serves the key the TLSA names, 127.25.0.5 another.
scenario two-addr.test <<Z
$(mx 10 mx.two-addr.test.)
mx IN A 127.25.0.1
mx IN A 127.25.0.5
_25._tcp.mx IN TLSA 3 1 1 $EE311
Z
# DNSSEC failures each with one broken link: signatures not valid until 2030; a KSK the DS
# names that signs nothing (the ZSK signs the DNSKEY RRset); a TLSA RRset whose RRSIG is gone.
for zone in future ksk-unused nosig; do
scenario $zone.test <<Z
$(mx 10 mx.$zone.test.)
mx IN A 127.25.0.1
_25._tcp.mx IN TLSA 3 1 1 $EE311
Z
done
# No MX (the domain is its own mail host), its NSEC records removed after signing: the
# denial of the MX RRset has no proof.
scenario nodenial.test <<Z
@ IN A 127.25.0.1
_25._tcp IN TLSA 3 1 1 $EE311
Z
# Signed, then the TLSA data altered after signing: only the TLSA RRset is bogus.
scenario bogus-tlsa.test <<Z
$(mx 10 mx.bogus-tlsa.test.)
mx IN A 127.25.0.1
_25._tcp.mx IN TLSA 3 1 1 $EE311
Z
scenario bogus.test <<Z
$(mx 10 mx.bogus.test.)
mx IN A 127.25.0.1
_25._tcp.mx IN TLSA 3 1 1 $EE311
Z
scenario bad-ds.test <<Z
$(mx 10 mx.bad-ds.test.)
mx IN A 127.25.0.1
_25._tcp.mx IN TLSA 3 1 1 $EE311
Z
for mode in silent:1 drip:2 huge:3 garbage:4 dropper:5 chatty:6 slowtls:7; do
    scenario "${mode%%:*}.test" <<Z
$(mx 10 "mx.${mode%%:*}.test.")
mx IN A 127.25.1.${mode##*:}
_25._tcp.mx IN TLSA 3 1 1 $EE311
Z
done
scenario short-digest.test <<Z
$(mx 10 mx.short-digest.test.)
mx IN A 127.25.0.1
_25._tcp.mx IN TLSA 3 1 1 c0ffee
Z
scenario four-mx.test <<Z
$(mx 10 mx1.four-mx.test.)
$(mx 20 mx2.four-mx.test.)
$(mx 30 mx3.four-mx.test.)
$(mx 40 mx4.four-mx.test.)
mx1 IN A 127.25.0.1
mx2 IN A 127.25.0.2
mx3 IN A 127.25.0.3
mx4 IN A 127.25.0.5
_25._tcp.mx1 IN TLSA 3 1 1 $EE311
_25._tcp.mx2 IN TLSA 2 1 1 $INT211
_25._tcp.mx3 IN TLSA 3 1 1 $EXPIRED311
_25._tcp.mx4 IN TLSA 3 1 1 $EE311
Z
scenario slow-four.test <<Z
$(for i in 1 2 3 4; do mx $((i * 10)) "mx$i.slow-four.test."; echo; echo "mx$i IN A 127.25.1.1"; echo "_25._tcp.mx$i IN TLSA 3 1 1 $EE311"; done)
Z
{
    echo "mx IN A 127.25.0.1"
    echo "_25._tcp.mx IN TLSA 3 1 1 $EE311"
    for i in $(seq 1 200); do echo "d$i IN MX 10 mx.bulk.test."; done
} | scenario bulk.test
scenario walk.test <<Z
$(mx 10 mx.walk.test.)
mx IN A 127.25.0.6
_25._tcp.mx IN TLSA 3 1 1 $EE311
Z
scenario preflight.test <<Z
$(mx 10 mx.preflight.test.)
mx IN A 127.25.0.1
_25._tcp.mx IN TLSA 3 1 1 $EE311
_25._tcp.mx IN TLSA 3 1 1 $NEXT311
_25._tcp.mx IN TLSA 3 1 2 $NEXT312
Z
scenario null-mx.test <<Z
@ IN MX 0 .
Z
scenario acme.test <<Z
$(mx 10 mx.acme.test.)
mx IN A 127.25.0.9
_25._tcp.mx IN TLSA 3 1 1 $ACME311
Z
scenario ccert.test <<Z
$(mx 10 mx.ccert.test.)
mx IN A 127.25.0.10
_25._tcp.mx IN TLSA 3 1 1 $EE311
Z
scenario port.test <<Z
$(mx 10 mx.port.test.)
mx IN A 127.25.0.8
_2525._tcp.mx IN TLSA 3 1 1 $EE311
_2525._tcp.mx IN TLSA 3 1 1 $NEXT311
Z
scenario dual.test <<Z
$(mx 10 mx.dual.test.)
mx IN A 127.25.0.7
_25._tcp.mx IN TLSA 3 1 1 $EE311
_25._tcp.mx IN TLSA 3 1 1 $NEXT311
Z
# MTA-STS scenarios: the policy host 127.54.0.1 (mta-sts-https.py) serves $lab/mta-sts/<host>.txt.
mkdir -p "$lab/mta-sts"
policy() {  # domain, file text (with \r\n), extra: redirect URL or content type
    printf '%b' "$2" > "$lab/mta-sts/mta-sts.$1.txt"
}
sts_scenario() {  # domain, MX host, MX address, TLSA, policy id
    scenario "$1" <<Z
$(mx 10 "$2.")
_mta-sts IN TXT "v=STSv1; id=$5"
mta-sts IN A ${6:-127.54.0.1}
$( [[ $2 == mx.$1 ]] && printf 'mx IN A %s\n_25._tcp.mx IN TLSA 3 1 1 %s\n' "$3" "$4" || true )
Z
}
sts_scenario sts-good.test mx.sts-good.test 127.25.0.11 "$STSMX311" 20261129
# The policy, its _mta-sts id and the served file all come from this description (generate's id).
cat > "$lab/sts-served.yaml" <<Y
domain: sts-served.test
mx:
  - host: mx.sts-good.test
    priority: 10
    zone: sts-good.test
    certificate: $lab/certs/stsmx-chain.pem
mta_sts:
  mode: enforce
  max_age: 604800
Y
served_id=$("$DANECTL" generate "$lab/sts-served.yaml" 2>/dev/null | sed -n 's/^_mta-sts\.sts-served\.test\..*"v=STSv1; id=\([A-Za-z0-9]*\)".*/\1/p')
[[ -n $served_id ]] || { echo "lab: danectl generate gave no _mta-sts id for sts-served.test" >&2; exit 1; }
sts_scenario sts-served.test mx.sts-good.test - - "$served_id" 127.54.0.2
policy sts-good.test 'version: STSv1\r\nmode: enforce\r\nmx: mx.sts-good.test\r\nmax_age: 604800\r\n'
sts_scenario sts-webpki.test mx.sts-webpki.test 127.25.0.1 "$EE311" 1
policy sts-webpki.test 'version: STSv1\r\nmode: enforce\r\nmx: mx.sts-webpki.test\r\nmax_age: 604800\r\n'
sts_scenario sts-testing.test mx.sts-testing.test 127.25.0.1 "$EE311" 1
policy sts-testing.test 'version: STSv1\r\nmode: testing\r\nmx: mx.sts-testing.test\r\nmax_age: 604800\r\n'
sts_scenario sts-nofetch.test mx.sts-nofetch.test 127.25.0.1 "$EE311" 1 127.54.0.9
sts_scenario sts-badpolicy.test mx.sts-badpolicy.test 127.25.0.1 "$EE311" 1
policy sts-badpolicy.test 'version: STSv1\r\nmode: strict\r\nmx: mx.sts-badpolicy.test\r\nmax_age: 604800\r\n'
sts_scenario sts-uncovered.test mx.sts-good.test - - 1
policy sts-uncovered.test 'version: STSv1\r\nmode: enforce\r\nmx: *.example.net\r\nmax_age: 604800\r\n'
sts_scenario sts-redirect.test mx.sts-redirect.test 127.25.0.1 "$EE311" 1
echo "https://elsewhere.example/.well-known/mta-sts.txt" > "$lab/mta-sts/mta-sts.sts-redirect.test.redirect"
sts_scenario sts-badcert.test mx.sts-badcert.test 127.25.0.1 "$EE311" 1
policy sts-badcert.test 'version: STSv1\r\nmode: enforce\r\nmx: mx.sts-badcert.test\r\nmax_age: 604800\r\n'
sts_scenario sts-wrongtype.test mx.sts-wrongtype.test 127.25.0.1 "$EE311" 1
policy sts-wrongtype.test 'version: STSv1\r\nmode: enforce\r\nmx: mx.sts-wrongtype.test\r\nmax_age: 604800\r\n'
echo "text/html" > "$lab/mta-sts/mta-sts.sts-wrongtype.test.type"
sts_scenario sts-badlength.test mx.sts-badlength.test 127.25.0.1 "$EE311" 1
policy sts-badlength.test 'version: STSv1\r\nmode: enforce\r\nmx: mx.sts-badlength.test\r\nmax_age: 604800\r\n'
echo "-5" > "$lab/mta-sts/mta-sts.sts-badlength.test.length"    # a hostile length

# A provider for Benchmarks/verify.sh (only when LAB_PROVIDER_DOMAINS is set): that many
# domains, each with its MX on one of 50 hosts, each host on its own Postfix address 127.25.2.N.
provider_domains=${LAB_PROVIDER_DOMAINS:-0}
if (( provider_domains > 0 )); then
    {
        for n in $(seq 1 50); do echo "mx$n IN A 127.25.2.$n"; echo "_25._tcp.mx$n IN TLSA 3 1 1 $EE311"; done
        for i in $(seq 1 "$provider_domains"); do echo "d$i IN MX 10 mx$(( i % 50 + 1 )).provider.test."; done
    } | scenario provider.test
fi
provider_zone=()
if (( provider_domains > 0 )); then provider_zone=(provider); fi
signed_zones=("${sts_domains[@]}" sts-served "${provider_zone[@]}" nodenial two-addr bogus-tlsa future ksk-unused nosig null-mx acme port ccert chatty slowtls dual preflight walk bulk slow-four silent drip huge garbage dropper short-digest four-mx valid-311 valid-312 rollover valid-211 ta-badname mismatch expired nostarttls pkix-only cname-mx two-mx implicit-mx no-tlsa bogus bad-ds)

# Keys and signatures: every zone gets a KSK and a ZSK from danectl keygen and is signed by
# danectl sign; the parent carries the DS from danectl ds. bogus.test is signed with
# signatures that expired in 2020; bad-ds.test's DS in the parent matches no key.
keys() {
    local k z
    k=$("$DANECTL" keygen "$1" --ksk --directory "$lab/keys"); z=$("$DANECTL" keygen "$1" --directory "$lab/keys")
    echo "$lab/keys/$k $lab/keys/$z" | tee "$lab/keys/${1%.}.keys"
}
sign() {  # zone, file, extra args
    local zone=$1 file=$2; shift 2
    read -r k z <<<"$(keys "$zone")"
    "$DANECTL" sign "$file" --key "$k" --key "$z" --validity 40 -o "$file.signed" "$@" 2>/dev/null
    echo "$k"
}
: > test.ds
for name in "${signed_zones[@]}"; do
    extra=()
    [[ $name == bogus ]] && extra=(--now 2020-01-01T00:00:00Z)
    [[ $name == future ]] && extra=(--now 2030-01-01T00:00:00Z)
    if [[ $name == ksk-unused ]]; then
        read -r ksk zsk <<<"$(keys ksk-unused.test)"
        grep -v '^;' "$ksk.key" >> ksk-unused.test.zone    # published, but it signs nothing
        "$DANECTL" sign ksk-unused.test.zone --key "$zsk" --validity 40 -o ksk-unused.test.zone.signed 2>/dev/null
    else
        ksk=$(sign "$name.test" "$name.test.zone" "${extra[@]}")
    fi
    if [[ $name == bad-ds ]]; then
        stranger=$("$DANECTL" keygen bad-ds.test --ksk --directory "$lab/keys")
        "$DANECTL" ds "$lab/keys/$stranger" >> test.ds
    else
        "$DANECTL" ds "$ksk" >> test.ds
    fi
done
cp unsigned.test.zone unsigned.test.zone.signed
cp unsigned-ok.test.zone unsigned-ok.test.zone.signed
python3 - bogus-tlsa.test.zone.signed <<'PY'
import re, sys
path = sys.argv[1]
text = open(path).read()
def flip(m):
    return m.group(1) + ("0" if m.group(2) != "0" else "1")
text = re.sub(r"(\tTLSA\t3 1 1 )(.)", flip, text, count=1)
open(path, "w").write(text)
PY
grep -v -P '\tRRSIG\tTLSA ' nosig.test.zone.signed > nosig.test.zone.stripped && mv nosig.test.zone.stripped nosig.test.zone.signed
grep -v -P '\tNSEC\t|\tRRSIG\tNSEC ' nodenial.test.zone.signed > nodenial.test.zone.stripped && mv nodenial.test.zone.stripped nodenial.test.zone.signed

{
    soa "test."
    echo "ns IN A 127.53.0.1"
    for name in "${signed_zones[@]}" unsigned unsigned-ok; do echo "$name IN NS ns.test."; done
    echo "lame IN NS ns.lame.test."
    echo "ns.lame IN A 127.53.0.9"
    cat test.ds
} > test.zone
ksk=$(sign test. test.zone)
"$DANECTL" ds "$ksk" > root.ds

{
    printf '$ORIGIN .\n$TTL 300\n. IN SOA ns.root. hostmaster.root. 1 3600 600 86400 60\n. IN NS ns.root.\n'
    echo "ns.root. IN A 127.53.0.1"
    echo "test. IN NS ns.test."
    echo "ns.test. IN A 127.53.0.1"
    cat root.ds
} > root.zone
ksk=$(sign . root.zone)
"$DANECTL" ds "$ksk" > trust-anchor.ds
grep -h "DNSKEY" root.zone.signed | grep -v RRSIG | awk '$5 == 257' > trust-anchor.key

# ---------------------------------------------------------------- NSD
cat > "$lab/nsd.conf" <<CONF
server:
    ip-address: 127.53.0.1
    port: 53
    username: ""
    chroot: ""
    zonesdir: "$lab/zones"
    database: ""
    pidfile: "$lab/run/nsd.pid"
    xfrdfile: "$lab/run/xfrd.state"
    zonelistfile: "$lab/run/zone.list"
    logfile: "$lab/run/nsd.log"
    hide-version: yes
    server-count: 1
remote-control:
    control-enable: no
zone:
    name: "."
    zonefile: "root.zone.signed"
zone:
    name: "test."
    zonefile: "test.zone.signed"
CONF
for name in "${signed_zones[@]}" unsigned unsigned-ok; do
    printf 'zone:\n    name: "%s.test."\n    zonefile: "%s.test.zone.signed"\n' "$name" "$name" >> "$lab/nsd.conf"
done
nsd-checkconf "$lab/nsd.conf"
nsd -c "$lab/nsd.conf"

# ---------------------------------------------------------------- unbound
cat > "$lab/root.hints" <<HINTS
. 3600000 IN NS ns.root.
ns.root. 3600000 IN A 127.53.0.1
HINTS
cat > "$lab/unbound.conf" <<CONF
server:
    interface: 127.53.0.2
    port: 53
    do-ip6: no
    username: ""
    chroot: ""
    directory: "$lab"
    pidfile: "$lab/run/unbound.pid"
    logfile: "$lab/run/unbound.log"
    use-syslog: no
    do-daemonize: yes
    do-not-query-localhost: no
    root-hints: "$lab/root.hints"
    trust-anchor-file: "$lab/zones/trust-anchor.ds"
    module-config: "validator iterator"
    harden-dnssec-stripped: yes
    val-log-level: 2
    access-control: 127.0.0.0/8 allow
    cache-max-ttl: 5
    cache-max-negative-ttl: 5
    infra-host-ttl: 5
    qname-minimisation: no
    ede: yes
    num-threads: 1
    local-zone: "test." nodefault
remote-control:
    control-enable: yes
    control-interface: "$lab/run/unbound.ctl"
    control-use-cert: no
CONF
unbound-checkconf "$lab/unbound.conf" >/dev/null
unbound -c "$lab/unbound.conf"
# A recursive resolver that does not validate (like many cloud and systemd-resolved set-ups):
# the same data, never an AD bit.
sed -e 's/127.53.0.2/127.53.0.4/' -e 's/unbound.pid/unbound-plain.pid/' -e 's/unbound.log/unbound-plain.log/' \
    -e 's/"validator iterator"/"iterator"/' -e '/trust-anchor-file/d' -e 's/control-enable: yes/control-enable: no/' \
    "$lab/unbound.conf" > "$lab/unbound-plain.conf"
unbound-checkconf "$lab/unbound-plain.conf" >/dev/null
unbound -c "$lab/unbound-plain.conf"

# ---------------------------------------------------------------- Postfix smtpd, hostile servers
"$here/postfix.sh" "$lab"
python3 "$here/hostile-smtp.py" "$lab/run/hostile.pid" > "$lab/run/hostile.log" 2>&1 &
python3 "$here/tampering-resolver.py" "$lab/run/tampering.pid" > "$lab/run/tampering.log" 2>&1 &
python3 "$here/mta-sts-https.py" "$lab/run/mta-sts.pid" "$lab/certs" "$lab/mta-sts" > "$lab/run/mta-sts.log" 2>&1 &

# ---------------------------------------------------------------- Pebble (ACME test CA)
# Challenges always pass (PEBBLE_VA_ALWAYS_VALID): the lab tests what happens after issuance.
cat > "$lab/pebble.json" <<CONF
{"pebble": {"listenAddress": "127.0.0.1:14000", "managementListenAddress": "127.0.0.1:15000",
  "certificate": "$lab/certs/pebble.pem", "privateKey": "$lab/certs/pebble.key",
  "httpPort": 5402, "tlsPort": 5401, "ocspResponderURL": "", "externalAccountBindingRequired": false}}
CONF
PEBBLE_VA_ALWAYS_VALID=1 PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0 \
    pebble -config "$lab/pebble.json" -dnsserver 127.53.0.2:53 > "$lab/run/pebble.log" 2>&1 &
echo $! > "$lab/run/pebble.pid"
for _ in $(seq 50); do grep -q "Listening on" "$lab/run/pebble.log" && break; sleep 0.1; done

for _ in $(seq 50); do
    [[ -f $lab/run/nsd.pid && -f $lab/run/unbound.pid && -f $lab/run/hostile.pid && -f $lab/run/tampering.pid && -f $lab/run/mta-sts.pid ]] && break
    sleep 0.1
done
echo "RESOLVER=127.53.0.2"
echo "AUTHORITATIVE=127.53.0.1"
echo "TRUST_ANCHOR=$lab/zones/trust-anchor.ds"
echo "CERTS=$lab/certs"
echo "ACME_DIRECTORY=https://127.0.0.1:14000/dir"
