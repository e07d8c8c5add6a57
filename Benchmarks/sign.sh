#!/usr/bin/env bash
# Compares `danectl sign` with ldns-signzone and dnssec-signzone (-j 2) on generated
# mail-hosting zones (ECDSAP256SHA256; NSEC and NSEC3), all in the same run, and prints each
# one's time against the floor: RRSIGs made / this machine's `openssl speed -multi N` signs/s.
#
#   Benchmarks/sign.sh [RRSETS...]        default: 10000 100000
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("${@:-10000 100000}")
[[ $# -gt 0 ]] || sizes=(10000 100000)
for tool in ldns-signzone dnssec-signzone openssl python3 /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "benchmark needs $tool" >&2; exit 1; }
done
swift build -c release --product danectl >&2
danectl=$PWD/.build/release/danectl
cores=$(nproc)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

speed=$(openssl speed -multi "$cores" -seconds 3 ecdsap256 2>/dev/null | awk '/ecdsa \(nistp256\)/ {print $(NF-1)}')
echo "openssl speed -multi $cores ecdsap256: $speed signs/s"

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

measure() {  # label, output file, command...
    local label=$1 out=$2; shift 2
    /usr/bin/time -f "%e %M" -o time.txt "$@" >/dev/null 2>err.txt || { echo "$label failed:"; cat err.txt; return 1; }
    read -r seconds kib < time.txt
    local sigs
    # Count signatures on a normalised copy (one record per line; NSEC bitmaps also say RRSIG).
    sigs=$(ldns-read-zone "$out" 2>/dev/null | awk '$4 == "RRSIG"' | wc -l)
    local floor
    floor=$(python3 -c "print(f'{$sigs / $speed:.2f}')")
    printf "%-34s %7.2f s  %6d MiB  %7d RRSIGs  floor %5.2f s  %5.2fx floor\n" \
        "$label" "$seconds" $((kib / 1024)) "$sigs" "$floor" "$(python3 -c "print($seconds / max($floor, 0.001))")"
}

for size in "${sizes[@]}"; do
    make_zone "$size" > zone
    (cat zone; echo "\$INCLUDE $ksk.key"; echo "\$INCLUDE $zsk.key") > zone.bind
    for denial in nsec nsec3; do
        echo "== $size RRsets, $denial"
        dflag=(); lflag=(); bflag=()
        if [[ $denial == nsec3 ]]; then dflag=(--nsec3); lflag=(-n -t 0); bflag=(-3 -); fi
        measure "danectl sign" ours.signed "$danectl" sign zone --key "$ksk" --key "$zsk" "${dflag[@]}" -o ours.signed
        measure "ldns-signzone" zone.signed ldns-signzone "${lflag[@]}" -o mail.example. zone "$ksk" "$zsk"
        measure "dnssec-signzone -j 2" bind.signed dnssec-signzone -j 2 "${bflag[@]}" -o mail.example -f bind.signed zone.bind "$ksk" "$zsk"
    done
done
