#!/usr/bin/env bash
# Compares `danectl sign` with ldns-signzone and dnssec-signzone (-j 2) on generated
# mail-hosting zones (ECDSAP256SHA256; NSEC and NSEC3), all in the same run, and prints each
# one's time against the floor: RRSIGs made / this machine's `openssl speed -multi N` signs/s
# (measured before and after, averaged). Each command runs RUNS times (default 3): the median
# time and the largest peak memory are shown, because this kind of machine is noisy.
#
# danectl is measured as installed (README: a release build with the Swift runtime linked in,
# --static-swift-stdlib) and, for memory, also as the development build, which maps the Swift
# runtime's shared libraries (about 8 MiB more at any zone size).
#
#   Benchmarks/sign.sh [RRSETS...]        default: 10000 100000;  RUNS=N to change the repeats
#   BASELINE=path/to/older/danectl        adds that build as a row, for before/after in one run
#   ANCHORS=no                            leaves out ldns-signzone, dnssec-signzone and the
#                                         development build (a quicker before/after)
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("${@:-10000 100000}")
[[ $# -gt 0 ]] || sizes=(10000 100000)
for tool in ldns-signzone dnssec-signzone openssl python3 /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "benchmark needs $tool" >&2; exit 1; }
done
swift build -c release --product danectl --static-swift-stdlib --scratch-path .build/static >&2
swift build -c release --product danectl >&2
danectl=$PWD/.build/static/release/danectl
danectl_dynamic=$PWD/.build/release/danectl
runs=${RUNS:-3}
cores=$(nproc)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

signs_per_second() { openssl speed -multi "$cores" -seconds 3 ecdsap256 2>/dev/null | awk '/ecdsa \(nistp256\)/ {print $(NF-1)}'; }
speed_before=$(signs_per_second)

ksk=$("$danectl" keygen mail.example --ksk)
zsk=$("$danectl" keygen mail.example)

make_zone() {  # $1 = number of RRsets besides the apex
    python3 - "$1" <<'PY'
import hashlib, sys
n = int(sys.argv[1])
print("$ORIGIN mail.example.\n$TTL 3600")
print("@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ IN NS ns1\n@ IN NS ns2\nns1 IN A 192.0.2.1\nns2 IN A 192.0.2.2")
for i in range(n // 4):
    h = hashlib.sha256(str(i).encode()).hexdigest()
    print(f"d{i} IN MX 10 mx{i % 50}.mail.example.")
    print(f'd{i} IN TXT "v=spf1 include:mail.example -all"')
    print(f'_smtp._tls.d{i} IN TXT "v=TLSRPTv1; rua=mailto:tlsrpt@mail.example"')
    print(f"_25._tcp.mx{i} IN TLSA 3 1 1 {h}")
PY
}

results=()
measure() {  # label, output file, command...
    local label=$1 out=$2; shift 2
    local times=() kib=0
    for ((run = 0; run < runs; run++)); do
        /usr/bin/time -f "%e %M" -o time.txt "$@" >/dev/null 2>err.txt || { echo "$label failed:"; cat err.txt; return 1; }
        read -r t k < time.txt
        times+=("$t")
        ((k > kib)) && kib=$k
    done
    local seconds
    seconds=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((runs + 1) / 2))p")
    local sigs
    # Count signatures on a normalised copy (one record per line; NSEC bitmaps also say RRSIG).
    sigs=$(ldns-read-zone "$out" 2>/dev/null | awk '$4 == "RRSIG"' | wc -l)
    results+=("$label|$seconds|$kib|$sigs")
    printf "%-34s %7.2f s  %6.1f MiB  %7d RRSIGs\n" "$label" "$seconds" "$(python3 -c "print($kib / 1024)")" "$sigs"
}

for size in "${sizes[@]}"; do
    make_zone "$size" > zone
    (cat zone; echo "\$INCLUDE $ksk.key"; echo "\$INCLUDE $zsk.key") > zone.bind
    for denial in nsec nsec3; do
        echo "== $size RRsets, $denial"
        dflag=(); lflag=(); bflag=()
        if [[ $denial == nsec3 ]]; then dflag=(--nsec3); lflag=(-n -t 0); bflag=(-3 -); fi
        results+=("== $size RRsets, $denial")
        measure "danectl sign" ours.signed "$danectl" sign zone --key "$ksk" --key "$zsk" "${dflag[@]}" -o ours.signed
        if [[ -n ${BASELINE:-} ]]; then
            measure "danectl sign (baseline)" base.signed "$BASELINE" sign zone --key "$ksk" --key "$zsk" "${dflag[@]}" -o base.signed
        fi
        [[ ${ANCHORS:-yes} == no ]] && continue
        measure "danectl sign (development build)" ours.signed "$danectl_dynamic" sign zone --key "$ksk" --key "$zsk" "${dflag[@]}" -o ours.signed
        measure "ldns-signzone" zone.signed ldns-signzone "${lflag[@]}" -o mail.example. zone "$ksk" "$zsk"
        measure "dnssec-signzone -j 2" bind.signed dnssec-signzone -j 2 "${bflag[@]}" -o mail.example -f bind.signed zone.bind "$ksk" "$zsk"
    done
done

speed_after=$(signs_per_second)
speed=$(python3 -c "print(($speed_before + $speed_after) / 2)")
echo
echo "openssl speed -multi $cores ecdsap256: $speed_before before, $speed_after after; floor uses $speed signs/s"
for line in "${results[@]}"; do
    if [[ $line == "=="* ]]; then echo "$line"; continue; fi
    IFS='|' read -r label seconds kib sigs <<<"$line"
    python3 - "$label" "$seconds" "$kib" "$sigs" "$speed" <<'PY'
import sys
label, seconds, kib, sigs, speed = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
floor = sigs / speed
print(f"{label:<34} {seconds:7.2f} s  {kib / 1024:6.1f} MiB  {sigs:7d} RRSIGs  floor {floor:5.2f} s  {seconds / floor:5.2f}x floor")
PY
done
