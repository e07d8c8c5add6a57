#!/usr/bin/env bash
# Times `danectl verify` on the test lab (Tests/lab/lab.sh, started and stopped here):
#  1. a domain with 4 MX hosts whose servers never answer (each probe runs to its 2 s
#     timeout): total time against the sum of its probes, which shows the probes overlap;
#  2. a domain with 4 working MX hosts, total against the sum of verifying each host alone;
#  3. a batch of 200 domains in one run;
#  4. a provider: PROVIDER_DOMAINS (default 10,000; 100000 works) domains over 50 MX hosts, each
#     host on its own Postfix address: verify beside dnsperf sending exactly the queries verify
#     sends (taken from the resolver's query log), through a resolver that keeps its cache,
#     cold and warm, in the same run; peak memory, and the SMTP sessions Postfix logged (one per
#     address means probes were shared). JOBS=N sets verify's --jobs (default 64, as verify's own).
#  BASELINE=path/to/older/danectl adds that build's provider run right after ours, on the same
#  lab (before/after in one run).
# Needs root (the lab binds port 25 and 53 on 127.0.0.0/8), nsd, unbound, postfix, dnsperf, python3.
set -euo pipefail
cd "$(dirname "$0")/.."
source Tests/lab/processes.sh
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

# ---- 4. a provider's domains, beside dnsperf sending exactly the queries verify sends
# A resolver of the benchmark's own (127.53.9.53) that keeps its cache (the lab's caps it at
# 5 s for the rollover tests), so "warm" is warm. First a pass with query logging gives the
# list of what verify asks; then, each on a freshly started (cold) resolver and again warm:
# verify --dns-only, verify with its SMTP probes, and dnsperf (100 queries in flight) on that
# list. unbound-control's counters check that dnsperf sent as many queries as verify did.
jobs=${JOBS:-64}
# Read from a file (--domains-from), as a provider runs it: ArgumentParser's handling of
# 10,000 positional arguments alone took 3.5 s, and 100,000 would pass the kernel's ARG_MAX.
seq 1 "$provider" | sed 's/.*/d&.provider.test/' > "$lab/domains"
bench_conf() {  # $1 = "log" to log every query
    sed -e 's/127.53.0.2/127.53.9.53/' -e 's/unbound.pid/unbound-bench.pid/' -e 's/unbound.log/unbound-bench.log/' \
        -e 's/unbound.ctl/unbound-bench.ctl/' -e '/cache-max-ttl/d' -e '/cache-max-negative-ttl/d' -e '/infra-host-ttl/d' \
        -e 's/val-log-level: 2/val-log-level: 0/' "$lab/unbound.conf"
    # Caches that hold a provider's answers (unbound's defaults, 4 MiB each, evict them;
    # 100,000 domains' answers need about four times the 10,000 case's).
    if (( provider > 20000 )); then
        printf 'server:\n    msg-cache-size: 1g\n    rrset-cache-size: 2g\n    key-cache-size: 64m\n    neg-cache-size: 256m\n'
    else
        printf 'server:\n    msg-cache-size: 256m\n    rrset-cache-size: 512m\n    key-cache-size: 64m\n    neg-cache-size: 64m\n'
    fi
    # The lab's zones deny with 60-second NSEC TTLs, so at 100,000 domains (a pass longer than a
    # minute) the "warm" pass found the first denials expired and was cold again. Cached for an
    # hour here, warm means warm; the cold passes start from an empty cache either way.
    printf '    cache-min-ttl: 3600\n'
    [[ ${1:-} == log ]] && printf '    log-queries: yes\n'
    true
}
bench_start() {  # a cold resolver; $1 = "log" to log queries
    bench_stop
    bench_conf "${1:-}" > "$lab/unbound-bench.conf"
    : > "$lab/run/unbound-bench.log"
    unbound -c "$lab/unbound-bench.conf"
    for _ in $(seq 1 50); do unbound-control -c "$lab/unbound-bench.conf" status >/dev/null 2>&1 && return; sleep 0.1; done
    echo "verify.sh: the benchmark resolver did not start" >&2; exit 1
}
bench_stop() {
    local pid
    pid=$(cat "$lab/run/unbound-bench.pid" 2>/dev/null) || return 0
    stop_pid "$pid"
    rm -f "$lab/run/unbound-bench.pid"
}
trap 'bench_stop; Tests/lab/lab.sh down "$lab" >/dev/null 2>&1; rm -rf "$lab"' EXIT
queries_answered() { unbound-control -c "$lab/unbound-bench.conf" stats_noreset | sed -n 's/^total.num.queries=//p'; }
timed() {  # label, command...: prints seconds, and the queries the resolver answered meanwhile
    local before after start end
    shift
    before=$(queries_answered); start=$(now)
    "$@" > "$lab/timed.out" 2>&1 || true
    end=$(now); after=$(queries_answered)
    echo "$(elapsed "$start" "$end") $((after - before))"
}
verify_run() { /usr/bin/time -f "%M" -o "$lab/verify.kib" "$danectl" verify --resolver 127.53.9.53 --jobs "$jobs" --quiet --timeout 10 "$@" --domains-from "$lab/domains"; }

# The query list: what verify asks, as the resolver saw it (name and type, in order).
bench_start log
verify_run > /dev/null 2>&1 || true
sed -n 's/.* info: 127\.[0-9.]* \([^ ]*\) \([A-Z0-9]*\) IN$/\1 \2/p' "$lab/run/unbound-bench.log" > "$lab/queries"
listed=$(wc -l < "$lab/queries")
[[ $listed -gt 0 ]] || { echo "verify.sh: no queries logged" >&2; exit 1; }
perf() { dnsperf -s 127.53.9.53 -d "$lab/queries" -D -n 1 -q 100 -t 5 > "$lab/dnsperf.out" 2>&1; }

bench_start; read -r dns_cold dns_cold_q <<<"$(timed dns-only verify_run --dns-only)"
read -r dns_warm dns_warm_q <<<"$(timed dns-only verify_run --dns-only)"
dns_kib=$(cat "$lab/verify.kib")
connects() { grep -c ': connect from' "$lab/postfix/maillog" || true; }
bench_start; before=$(connects)
read -r full_cold _ <<<"$(timed full verify_run)"
tail -1 "$lab/timed.out"
read -r full_warm _ <<<"$(timed full verify_run)"
full_kib=$(cat "$lab/verify.kib")
sleep 1; sessions=$(( ($(connects) - before) / 2 ))
bench_start; read -r perf_cold perf_cold_q <<<"$(timed dnsperf perf)"
grep -q "Queries completed: *$listed " "$lab/dnsperf.out" || { echo "verify.sh: dnsperf did not complete every query:" >&2; cat "$lab/dnsperf.out" >&2; exit 1; }
read -r perf_warm perf_warm_q <<<"$(timed dnsperf perf)"
bench_stop
ratio() { python3 -c "print(f'{$1 / $2:.2f}')"; }
echo "$provider domains over 50 MX hosts, $(nproc) cores; verify --jobs $jobs; dnsperf 100 in flight; a resolver that keeps its cache:"
echo "  queries verify sends: $listed (resolver counted $dns_cold_q cold, $dns_warm_q warm; dnsperf sent $perf_cold_q, $perf_warm_q)"
echo "  cold: verify --dns-only ${dns_cold} s, dnsperf ${perf_cold} s -> $(ratio "$dns_cold" "$perf_cold")x;  verify with SMTP probes ${full_cold} s"
echo "  warm: verify --dns-only ${dns_warm} s, dnsperf ${perf_warm} s -> $(ratio "$dns_warm" "$perf_warm")x;  verify with SMTP probes ${full_warm} s"
echo "  peak memory: verify --dns-only $((dns_kib / 1024)) MiB, with probes $((full_kib / 1024)) MiB; SMTP sessions at Postfix per run: $sessions for 50 addresses"
if [[ -n ${BASELINE:-} ]]; then
    bench_start
    read -r base_cold _ <<<"$(timed baseline "$BASELINE" verify --resolver 127.53.9.53 --jobs "$jobs" --quiet --timeout 10 --dns-only --domains-from "$lab/domains")"
    read -r base_warm _ <<<"$(timed baseline "$BASELINE" verify --resolver 127.53.9.53 --jobs "$jobs" --quiet --timeout 10 --dns-only --domains-from "$lab/domains")"
    bench_stop
    echo "  baseline $BASELINE --dns-only: cold ${base_cold} s, warm ${base_warm} s -> this build $(ratio "$dns_cold" "$base_cold")x cold, $(ratio "$dns_warm" "$base_warm")x warm"
fi
