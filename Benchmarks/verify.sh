#!/usr/bin/env bash
# Times `danectl verify` on the test lab (Tests/lab/lab.sh, started and stopped here):
#  1. a domain with 4 MX hosts whose servers never answer (each probe runs to its 2 s
#     timeout): total time against the sum of its probes, which shows the probes overlap;
#  2. a domain with 4 working MX hosts, total against the sum of verifying each host alone;
#  3. a batch of 200 domains in one run;
#  4. a provider: PROVIDER_DOMAINS (default 10,000) domains over 50 MX hosts, each host on its own
#     Postfix address: verify's total time beside the same DNS queries alone (dig -f, in as many
#     parallel streams as verify's --jobs, through the same resolver, in the same run), peak
#     memory, and the SMTP sessions Postfix logged (one per address means probes were shared).
#  BASELINE=path/to/older/danectl adds that build's provider run right after ours, on the same
#  lab (before/after in one run).
# Needs root (the lab binds port 25 and 53 on 127.0.0.0/8), nsd, unbound, postfix, python3.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product danectl >&2
danectl=$PWD/.build/release/danectl
lab=$(mktemp -d)
trap 'Tests/lab/lab.sh down "$lab" >/dev/null 2>&1; rm -rf "$lab"' EXIT
provider=${PROVIDER_DOMAINS:-10000}
DANECTL=$danectl LAB_PROVIDER_DOMAINS=$provider Tests/lab/lab.sh up "$lab" >/dev/null
v() { "$danectl" verify --resolver 127.53.0.2 "$@" >/dev/null || true; }
now() { date +%s.%N; }
elapsed() { python3 -c "print(f'{$2 - $1:.2f}')"; }

start=$(now); v --timeout 2 slow-four.test; end=$(now)
total=$(elapsed "$start" "$end")
echo "4 silent MX hosts, 2 s timeout each: ${total} s total; the probes alone sum to 8.00 s -> $(python3 -c "print(f'{8/$total:.1f}')")x overlap"

v four-mx.test  # warm the resolver cache
start=$(now); v four-mx.test; end=$(now); together=$(elapsed "$start" "$end")
sum=0
for host in mx1 mx2 mx3 mx4; do
    start=$(now); "$danectl" verify --resolver 127.53.0.2 "$host.four-mx.test" >/dev/null 2>&1 || true; end=$(now)
    sum=$(python3 -c "print($sum + $end - $start)")
done
echo "4 working MX hosts: ${together} s together; one at a time they take $(python3 -c "print(f'{$sum:.2f}')") s"

domains=$(for i in $(seq 1 200); do echo "d$i.bulk.test"; done)
v $domains  # warm
start=$(now); v $domains; end=$(now)
echo "200 domains in one run: $(elapsed "$start" "$end") s"

# ---- 4. a provider's domains
jobs=16
domains=$(seq 1 "$provider" | sed 's/.*/d&.provider.test/')
# The queries verify asks per domain (MX, the MTA-STS and TLS-RPT TXT records) and per host
# (A, AAAA, TLSA), in $jobs parallel dig streams.
queries=$lab/queries
mkdir -p "$queries"
for d in $domains; do printf '%s MX\n_mta-sts.%s TXT\n_smtp._tls.%s TXT\n' "$d" "$d" "$d"; done > "$queries/all"
for n in $(seq 1 50); do printf 'mx%s.provider.test A\nmx%s.provider.test AAAA\n_25._tcp.mx%s.provider.test TLSA\n' "$n" "$n" "$n"; done >> "$queries/all"
split -n "l/$jobs" "$queries/all" "$queries/part."
dig_all() { for part in "$queries"/part.*; do dig @127.53.0.2 +dnssec +noall +answer +tries=1 +time=2 -f "$part" > /dev/null & done; wait; }
dig_all  # warm the resolver's cache like the runs below
start=$(now); dig_all; end=$(now); dns_alone=$(elapsed "$start" "$end")
connects() { grep -c ': connect from' "$lab/postfix/maillog" || true; }
before=$(connects)
/usr/bin/time -f "%e %M" -o "$lab/time" "$danectl" verify --resolver 127.53.0.2 --jobs "$jobs" --quiet --timeout 10 $domains > "$lab/verify.out" || true
read -r verify_s verify_kib < "$lab/time"
sleep 1
sessions=$(( $(connects) - before ))
tail -1 "$lab/verify.out"
echo "$provider domains over 50 MX hosts: verify ${verify_s} s (peak $((verify_kib / 1024)) MiB); the same $(wc -l < "$queries/all") DNS queries alone (dig, $jobs streams): ${dns_alone} s -> $(python3 -c "print(f'{$verify_s / $dns_alone:.2f}')")x; SMTP sessions at Postfix: $sessions for 50 addresses"
if [[ -n ${BASELINE:-} ]]; then
    /usr/bin/time -f "%e %M" -o "$lab/time" "$BASELINE" verify --resolver 127.53.0.2 --jobs "$jobs" --quiet --timeout 10 $domains > "$lab/baseline.out" || true
    read -r base_s base_kib < "$lab/time"
    tail -1 "$lab/baseline.out"
    echo "baseline $BASELINE: ${base_s} s (peak $((base_kib / 1024)) MiB) -> this build is $(python3 -c "print(f'{$verify_s / $base_s:.2f}')")x the baseline's time"
fi
