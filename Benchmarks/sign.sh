#!/usr/bin/env bash
# Compares `danectl sign` with ldns-signzone, dnssec-signzone (-j 2) and Knot's offline signer
# kzonesign (knotd's signing code, 2 signing threads) on generated mail-hosting zones, all in
# the same run, and prints each one's time against the floor: RRSIGs made / this machine's
# `openssl speed -multi N` signs/s for the algorithm (measured before and after, averaged).
# Each command runs RUNS times (default 3): the median time and the largest peak memory are
# shown, because this kind of machine is noisy. Every output is checked with ldns-verify-zone.
#
# Then the re-sign case (RESIGN=yes, the default): the zone signed, 10 TLSA RRsets changed,
# re-signed. It reports how many lines differ between the two signed outputs (the target:
# only the changed RRsets, their signatures and the SOA's) and the re-sign time beside a full
# sign and beside dnssec-signzone re-signing its own signed zone with the same change.
#
# danectl is measured as installed (README: a release build with the Swift runtime linked in,
# --static-swift-stdlib) and, for memory, also as the development build, which maps the Swift
# runtime's shared libraries (about 8 MiB more at any zone size).
#
#   Benchmarks/sign.sh [RRSETS...]        default: 10000 100000 (1000000 works: allow ~30 min)
#   ALGORITHMS="13 15"                    13 ECDSAP256SHA256 (default), 15 ED25519
#   DENIALS="nsec nsec3"                  the default
#   RUNS=N                                repeats (default 3)
#   BASELINE=path/to/older/danectl        adds that build as a row, for before/after in one run
#   ANCHORS=no                            leaves out the other signers and the development build
#   RESIGN=no                             leaves out the re-sign case
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[[ $# -gt 0 ]] || sizes=(10000 100000)
algorithms=(${ALGORITHMS:-13})
denials=(${DENIALS:-nsec nsec3})
for tool in ldns-signzone ldns-verify-zone dnssec-signzone kzonesign keymgr openssl python3 /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "benchmark needs $tool (scripts/install-deps; kzonesign is in knot-dnssecutils)" >&2; exit 1; }
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

speed_name() { [[ $1 == 15 ]] && echo ed25519 || echo ecdsap256; }
speed_pattern() { [[ $1 == 15 ]] && echo 'Ed25519' || echo 'nistp256'; }
signs_per_second() {  # algorithm
    openssl speed -multi "$cores" -seconds 3 "$(speed_name "$1")" 2>/dev/null | awk -v p="$(speed_pattern "$1")" '$0 ~ p && $1 !~ /^Got/ {print $(NF-1)}'
}
declare -A speed_before speed
for algorithm in "${algorithms[@]}"; do speed_before[$algorithm]=$(signs_per_second "$algorithm"); done

make_zone() {  # $1 = number of RRsets besides the apex; $2 = "changed" to alter 10 TLSA RRsets
    python3 - "$1" "${2:-}" <<'PY'
import hashlib, sys
n, changed = int(sys.argv[1]), sys.argv[2] == "changed"
print("$ORIGIN mail.example.\n$TTL 3600")
print("@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ IN NS ns1\n@ IN NS ns2\nns1 IN A 192.0.2.1\nns2 IN A 192.0.2.2")
step = max(1, (n // 4) // 10)
for i in range(n // 4):
    h = hashlib.sha256(str(i).encode()).hexdigest()
    if changed and i % step == 0 and i // step < 10:
        h = hashlib.sha256(("renewed %d" % i).encode()).hexdigest()
    print(f"d{i} IN MX 10 mx{i % 50}.mail.example.")
    print(f'd{i} IN TXT "v=spf1 include:mail.example -all"')
    print(f'_smtp._tls.d{i} IN TXT "v=TLSRPTv1; rua=mailto:tlsrpt@mail.example"')
    print(f"_25._tcp.mx{i} IN TLSA 3 1 1 {h}")
PY
}

# A signed zone ($1) with the TLSA records that zone file $2 changed put in, one record per
# line (whitespace-separated, as danectl and dnssec-signzone -O full write them).
edit_tlsa() {
    python3 - "$1" "$2" <<'PY'
import sys
new = {}
for line in open(sys.argv[2]):
    f = line.split()
    if len(f) >= 4 and f[2] == "TLSA":
        new[f[0] + ".mail.example."] = " ".join(f[3:])
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) >= 5 and f[3] == "TLSA" and f[0] in new:
        line = f"{f[0]}\t{f[1]}\tIN\tTLSA\t{new[f[0]]}\n"
    sys.stdout.write(line)
PY
}

# RRSIG records in a signed zone file, whatever the writer's layout (with or without class).
count_rrsigs() { awk '{for (i = 2; i <= 4; i++) if ($i == "RRSIG") {c++; break}} END {print c + 0}' "$1"; }

results=()
measure() {  # label, output file, algorithm, command...
    local label=$1 out=$2 algorithm=$3; shift 3
    local times=() kib=0
    for ((run = 0; run < runs; run++)); do
        /usr/bin/time -f "%e %M" -o time.txt "$@" >/dev/null 2>err.txt || { echo "$label failed:"; cat err.txt; return 1; }
        read -r t k < time.txt
        times+=("$t")
        ((k > kib)) && kib=$k
    done
    ldns-verify-zone "$out" >/dev/null 2>verify.txt || { echo "$label: ldns-verify-zone failed:"; head -3 verify.txt; return 1; }
    local seconds sigs
    seconds=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((runs + 1) / 2))p")
    sigs=$(count_rrsigs "$out")
    results+=("$label|$seconds|$kib|$sigs|$algorithm")
    printf "%-36s %7.2f s  %7.1f MiB  %8d RRSIGs\n" "$label" "$seconds" "$(python3 -c "print($kib / 1024)")" "$sigs"
}

# Knot's offline signer reads its keys from a KASP database: import danectl's BIND keys there.
knot_setup() {  # algorithm, nsec|nsec3, ksk, zsk
    local name; name=$([[ $1 == 15 ]] && echo ed25519 || echo ecdsap256sha256)
    rm -rf knot && mkdir -p knot/db knot/out
    cat > knot/knot.conf <<EOF
server:
    rundir: $work/knot
database:
    storage: $work/knot/db
policy:
  - id: bench
    algorithm: $name
    manual: on
    signing-threads: 2
    nsec3: $([[ $2 == nsec3 ]] && echo on || echo off)
    nsec3-iterations: 0
    nsec3-salt-length: 0
template:
  - id: default
    storage: $work/knot
    file: "%s.zone"
zone:
  - domain: mail.example
    dnssec-signing: on
    dnssec-policy: bench
EOF
    keymgr -c knot/knot.conf mail.example import-bind "$3" >/dev/null
    keymgr -c knot/knot.conf mail.example import-bind "$4" >/dev/null
}

for algorithm in "${algorithms[@]}"; do
    ksk=$("$danectl" keygen mail.example --ksk --algorithm "$algorithm")
    zsk=$("$danectl" keygen mail.example --algorithm "$algorithm")
    for size in "${sizes[@]}"; do
        make_zone "$size" > zone
        (cat zone; echo "\$INCLUDE $ksk.key"; echo "\$INCLUDE $zsk.key") > zone.bind
        for denial in "${denials[@]}"; do
            echo "== $size RRsets, $denial, algorithm $algorithm"
            dflag=(); lflag=(); bflag=()
            if [[ $denial == nsec3 ]]; then dflag=(--nsec3); lflag=(-n -t 0); bflag=(-3 -); fi
            results+=("== $size RRsets, $denial, algorithm $algorithm")
            measure "danectl sign" ours.signed "$algorithm" "$danectl" sign zone --key "$ksk" --key "$zsk" "${dflag[@]}" -o ours.signed
            if [[ -n ${BASELINE:-} ]]; then
                measure "danectl sign (baseline)" base.signed "$algorithm" "$BASELINE" sign zone --key "$ksk" --key "$zsk" "${dflag[@]}" -o base.signed
            fi
            [[ ${ANCHORS:-yes} == no ]] && continue
            measure "danectl sign (development build)" ours.signed "$algorithm" "$danectl_dynamic" sign zone --key "$ksk" --key "$zsk" "${dflag[@]}" -o ours.signed
            measure "ldns-signzone" zone.signed "$algorithm" ldns-signzone "${lflag[@]}" -o mail.example. zone "$ksk" "$zsk"
            measure "dnssec-signzone -j 2" bind.signed "$algorithm" dnssec-signzone -j 2 "${bflag[@]}" -o mail.example -f bind.signed zone.bind "$ksk" "$zsk"
            knot_setup "$algorithm" "$denial" "$ksk" "$zsk"
            cp zone knot/mail.example.zone
            measure "kzonesign (knotd, 2 threads)" knot/out/mail.example.zone "$algorithm" kzonesign -c knot/knot.conf -o knot/out mail.example
        done

        [[ ${RESIGN:-yes} == no ]] && continue
        # The re-sign case (NSEC): sign, change 10 TLSA RRsets, re-sign the signed zone.
        echo "== re-sign: $size RRsets, 10 TLSA RRsets changed, NSEC, algorithm $algorithm"
        make_zone "$size" changed > changed
        "$danectl" sign zone --key "$ksk" --key "$zsk" -o first.signed 2>/dev/null
        # The signed zone with the same 10 RRsets edited, as an operator's pipeline would.
        edit_tlsa first.signed changed > edited.signed
        /usr/bin/time -f "%e %M" -o time.txt "$danectl" sign changed --key "$ksk" --key "$zsk" -o full.signed 2>/dev/null
        read -r full_s full_k < time.txt
        /usr/bin/time -f "%e %M" -o time.txt "$danectl" sign edited.signed --key "$ksk" --key "$zsk" -o second.signed 2>note.txt
        read -r resign_s resign_k < time.txt
        ldns-verify-zone second.signed >/dev/null
        differing=$(diff <(sort first.signed) <(sort second.signed) | grep -c '^[<>]' || true)
        # dnssec-signzone re-signing its own signed zone with the same change.
        dnssec-signzone -O full -j 2 -o mail.example -f bind-first.signed zone.bind "$ksk" "$zsk" >/dev/null 2>&1
        edit_tlsa bind-first.signed changed > bind-edited.signed
        /usr/bin/time -f "%e %M" -o time.txt dnssec-signzone -O full -j 2 -o mail.example -f bind-second.signed bind-edited.signed "$ksk" "$zsk" >/dev/null 2>&1
        read -r bind_s bind_k < time.txt
        bind_differing=$(diff <(ldns-read-zone bind-first.signed | sort) <(ldns-read-zone bind-second.signed | sort) | grep -c '^[<>]' || true)
        ratios=$(python3 -c "print(f'{$resign_s / $full_s:.2f}x the time, {$resign_k / $full_k:.2f}x the memory')")
        line="re-sign $size RRsets (alg $algorithm): danectl ${resign_s} s (${resign_k} KiB), $(sed -n 's/.*signatures (\(.*\)).*/\1/p' note.txt); "
        line+="full sign ${full_s} s (${full_k} KiB): re-sign is ${ratios} of a full sign; "
        line+="dnssec-signzone -j 2 re-sign ${bind_s} s (${bind_k} KiB); lines differing: danectl ${differing}, dnssec-signzone ${bind_differing}"
        echo "$line"
        results+=("## $line")
    done
done

echo
for algorithm in "${algorithms[@]}"; do
    after=$(signs_per_second "$algorithm")
    speed[$algorithm]=$(python3 -c "print((${speed_before[$algorithm]} + $after) / 2)")
    echo "openssl speed -multi $cores $(speed_name "$algorithm"): ${speed_before[$algorithm]} before, $after after; floor uses ${speed[$algorithm]} signs/s"
done
for line in "${results[@]}"; do
    if [[ $line == "=="* || $line == "##"* ]]; then echo "$line"; continue; fi
    IFS='|' read -r label seconds kib sigs algorithm <<<"$line"
    python3 - "$label" "$seconds" "$kib" "$sigs" "${speed[$algorithm]}" <<'PY'
import sys
label, seconds, kib, sigs, speed = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
floor = sigs / speed
print(f"{label:<36} {seconds:7.2f} s  {kib / 1024:7.1f} MiB  {sigs:8d} RRSIGs  floor {floor:6.2f} s  {seconds / floor:5.2f}x floor")
PY
done
