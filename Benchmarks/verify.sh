#!/usr/bin/env bash
# Times `danectl verify` on the test lab (Tests/lab/lab.sh, started and stopped here):
#  1. a domain with 4 MX hosts whose servers never answer (each probe runs to its 2 s
#     timeout): total time against the sum of its probes, which shows the probes overlap;
#  2. a domain with 4 working MX hosts, total against the sum of verifying each host alone;
#  3. a batch of 200 domains in one run.
# Needs root (the lab binds port 25 and 53 on 127.0.0.0/8), nsd, unbound, postfix, python3.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product danectl >&2
danectl=$PWD/.build/release/danectl
lab=$(mktemp -d)
trap 'Tests/lab/lab.sh down "$lab" >/dev/null 2>&1; rm -rf "$lab"' EXIT
DANECTL=$danectl Tests/lab/lab.sh up "$lab" >/dev/null
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
