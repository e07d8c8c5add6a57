#!/usr/bin/env bash
# Starts a private Postfix instance for the lab: smtpd listeners on 127.25.0.1-5 port 25, each
# with its own certificate (127.25.0.4 offers no STARTTLS). Usage: postfix.sh LAB-DIR
set -euo pipefail
lab=${1:?usage: postfix.sh LAB-DIR}
certs=$lab/certs
conf=$lab/postfix
mkdir -p "$conf" "$conf/spool" "$conf/data"
chown postfix "$conf/data"

cat > "$conf/main.cf" <<CONF
compatibility_level = 3.6
queue_directory = $conf/spool
data_directory = $conf/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.lab
mydomain = lab
myorigin = lab
mydestination =
relay_domains =
local_recipient_maps =
smtpd_relay_restrictions = reject
smtpd_recipient_restrictions = reject
inet_interfaces = all
inet_protocols = ipv4
maillog_file = $conf/maillog
maillog_file_prefixes = $conf
smtpd_banner = \$myhostname ESMTP danectl-lab
smtpd_tls_security_level = may
smtpd_tls_loglevel = 1
tls_random_source = dev:/dev/urandom
smtpd_tls_session_cache_database =
biff = no
alias_maps =
alias_database =
shlib_directory = /usr/lib/postfix
CONF

listener() {  # address, key, chain, extra -o options...
    local address=$1 key=$2 chain=$3; shift 3
    printf '%s:25 inet n - n - - smtpd\n  -o smtpd_tls_chain_files=%s,%s\n' "$address" "$certs/$key" "$certs/$chain"
    for option in "$@"; do printf '  -o %s\n' "$option"; done
}
{
    listener 127.25.0.1 ee.key ee.pem
    listener 127.25.0.2 tagood.key tagood-chain.pem
    listener 127.25.0.3 expired.key expired.pem
    printf '127.25.0.4:25 inet n - n - - smtpd\n  -o smtpd_tls_security_level=none\n'
    listener 127.25.0.5 tabad.key tabad-chain.pem
    listener 127.25.0.6 ee.key ee.pem   # the rollover listener: lab.sh swap changes its certificate
    listener 127.25.0.7 ee.key "ee.pem,$certs/rsa.key,$certs/rsa.pem"   # an ECDSA and an RSA certificate
    # acme.test's MX serves the files `rollover deploy` replaces (lab.sh reload after a swap)
    printf '127.25.0.9:25 inet n - n - - smtpd\n  -o smtpd_tls_chain_files=%s,%s\n' "$lab/acme/served.key" "$lab/acme/served.pem"
    # ccert.test's MX demands a client certificate (senders have none): the session fails
    listener 127.25.0.10 ee.key ee.pem smtpd_tls_security_level=encrypt smtpd_tls_ask_ccert=yes smtpd_tls_req_ccert=yes \
        "smtpd_tls_CAfile=$certs/ca.pem"
    # sts-good.test's MX: a certificate from the lab CA, valid under WebPKI for its name
    listener 127.25.0.11 stsmx.key stsmx-chain.pem
    # Benchmarks/verify.sh's provider: 50 MX hosts, one address each
    if (( ${LAB_PROVIDER_DOMAINS:-0} > 0 )); then
        for n in $(seq 1 50); do listener "127.25.2.$n" ee.key ee.pem; done
    fi
    # port.test's MX listens on port 2525 only (TLSA at _2525._tcp)
    printf '127.25.0.8:2525 inet n - n - - smtpd\n  -o smtpd_tls_chain_files=%s,%s\n' "$certs/ee.key" "$certs/ee.pem"
    for service in "pickup unix n - n 60 1 pickup" "cleanup unix n - n - 0 cleanup" "qmgr unix n - n 300 1 qmgr" \
        "tlsmgr unix - - n 1000? 1 tlsmgr" "rewrite unix - - n - - trivial-rewrite" "bounce unix - - n - 0 bounce" \
        "defer unix - - n - 0 bounce" "trace unix - - n - 0 bounce" "verify unix - - n - 1 verify" \
        "flush unix n - n 1000? 0 flush" "proxymap unix - - n - - proxymap" "proxywrite unix - - n - 1 proxymap" \
        "smtp unix - - n - - smtp" "relay unix - - n - - smtp" "showq unix n - n - - showq" "error unix - - n - - error" \
        "retry unix - - n - - error" "discard unix - - n - - discard" "local unix - n n - - local" \
        "anvil unix - - n - 1 anvil" "scache unix - - n - 1 scache" "postlog unix-dgram n - n - 1 postlogd"; do
        echo "$service"
    done
} > "$conf/master.cf"

postfix -c "$conf" check 2>&1 | grep -v "warning: /etc/postfix" >&2 || true
postfix -c "$conf" start >/dev/null 2>&1 || { echo "lab: postfix did not start; see $conf/maillog" >&2; cat "$conf/maillog" >&2 2>/dev/null; exit 1; }
for _ in $(seq 50); do
    [[ -f $conf/spool/pid/master.pid ]] && break
    sleep 0.1
done
