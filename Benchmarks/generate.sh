#!/usr/bin/env bash
# Times `danectl generate` on a provider-sized description (1,000 domains over 50 MX hosts)
# against the same records made by looping the anchor tools, in the same run. Prints ratios.
#
#   Benchmarks/generate.sh [RUNS]        (needs hyperfine, ldnsutils, openssl)
#
# Then the provider case: LARGE (default 100000) domains over 100 MX hosts, danectl generate in
# each format (bind, json, octodns) beside a plain Python writer of the same records (the floor
# for formatting ~300,000 lines; for octoDNS, the same writer making one file per zone): time and
# peak memory of each, and the ratios. LARGE=0 skips it.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
for tool in hyperfine ldns-dane openssl python3; do
    command -v "$tool" >/dev/null || { echo "benchmark needs $tool (scripts/install-deps installs it)" >&2; exit 1; }
done
swift build -c release --product danectl >&2
danectl=$PWD/.build/release/danectl

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/certs"
echo "making 50 MX certificates in $work" >&2
for i in $(seq 1 50); do
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout /dev/null \
        -out "$work/certs/mx$i.pem" -days 30 -subj "/CN=mx$i.mail.provider.example" 2>/dev/null
done

python3 - "$work" <<'PY'
import sys
work = sys.argv[1]
with open(f"{work}/provider.yaml", "w") as y, open(f"{work}/pairs.txt", "w") as pairs:
    y.write("ttl: 3600\ntlsrpt: {rua: [\"mailto:tlsrpt@provider.example\"]}\nhosts:\n")
    for i in range(1, 51):
        y.write(f"  - {{host: mx{i}.mail.provider.example, zone: provider.example, certificate: certs/mx{i}.pem}}\n")
    y.write("domains:\n")
    for d in range(1, 1001):
        a, b = d % 50 + 1, (d + 25) % 50 + 1
        y.write(f"  - domain: customer{d}.example\n    mx:\n")
        y.write(f"      - {{host: mx{a}.mail.provider.example, priority: 10}}\n")
        y.write(f"      - {{host: mx{b}.mail.provider.example, priority: 20}}\n")
        pairs.write(f"customer{d}.example mx{a} mx{b}\n")
PY

# The anchor-tool equivalent: what an operator's shell loop does without danectl. For each
# domain, each MX host's TLSA by ldns-dane, plus the MX and TLS-RPT lines by printf.
cat > "$work/anchor-loop.sh" <<'SH'
#!/usr/bin/env bash
set -eu
cd "$1"
while read -r domain a b; do
    printf '%s. 3600 IN MX 10 %s.mail.provider.example.\n' "$domain" "$a"
    printf '%s. 3600 IN MX 20 %s.mail.provider.example.\n' "$domain" "$b"
    printf '_smtp._tls.%s. 3600 IN TXT "v=TLSRPTv1; rua=mailto:tlsrpt@provider.example"\n' "$domain"
    ldns-dane -c "certs/$a.pem" create "$a.mail.provider.example" 25 3 1 1
    ldns-dane -c "certs/$b.pem" create "$b.mail.provider.example" 25 3 1 1
done < pairs.txt | sort -u
SH
# The careful operator's loop: each MX host's TLSA once (50 ldns-dane runs).
cat > "$work/anchor-per-host.sh" <<'SH'
#!/usr/bin/env bash
set -eu
cd "$1"
while read -r domain a b; do
    printf '%s. 3600 IN MX 10 %s.mail.provider.example.\n' "$domain" "$a"
    printf '%s. 3600 IN MX 20 %s.mail.provider.example.\n' "$domain" "$b"
    printf '_smtp._tls.%s. 3600 IN TXT "v=TLSRPTv1; rua=mailto:tlsrpt@provider.example"\n' "$domain"
done < pairs.txt
for i in $(seq 1 50); do ldns-dane -c "certs/mx$i.pem" create "mx$i.mail.provider.example" 25 3 1 1; done
SH
chmod +x "$work"/*.sh

# Same records? (TLSA data must agree before timing means anything.)
"$danectl" generate "$work/provider.yaml" --format json > "$work/ours.json"
ours=$(grep -c '"type" : "TLSA"' "$work/ours.json")
theirs=$("$work/anchor-per-host.sh" "$work" | grep -c TLSA)
echo "TLSA records: danectl $ours, anchor loop $theirs" >&2
[[ "$ours" == "$theirs" ]] || { echo "record counts differ; not timing" >&2; exit 1; }

hyperfine --runs "$runs" --warmup 1 --export-json "$work/times.json" \
    -n danectl "$danectl generate $work/provider.yaml --output $work/out.zone" \
    -n "ldns-dane per host" "$work/anchor-per-host.sh $work" >&2
# The naive loop runs 2,000 ldns-dane processes (about a minute and a half here): time it once.
hyperfine --runs 1 --export-json "$work/naive.json" -n "ldns-dane per domain" "$work/anchor-loop.sh $work" >&2
python3 -c "import json,sys; a=json.load(open(sys.argv[1])); a['results']+=json.load(open(sys.argv[2]))['results']; json.dump(a,open(sys.argv[1],'w'))" \
    "$work/times.json" "$work/naive.json"

python3 - "$work/times.json" <<'PY'
import json, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
ours = results["danectl"]["mean"]
print(f"danectl generate, 1,000 domains / 50 MX hosts: {ours*1000:.1f} ms (mean)")
for name in ("ldns-dane per host", "ldns-dane per domain"):
    t = results[name]["mean"]
    print(f"{name:>22}: {t*1000:.1f} ms  -> danectl is {t/ours:.1f}x faster")
PY

large=${LARGE:-100000}
(( large > 0 )) || exit 0
echo "making the $large-domain provider (100 MX hosts) in $work/large" >&2
mkdir -p "$work/large/certs"
for i in $(seq 1 100); do
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout /dev/null \
        -out "$work/large/certs/mx$i.pem" -days 30 -subj "/CN=mx$i.mail.provider.example" 2>/dev/null
    printf 'mx%s %s\n' "$i" "$(openssl x509 -in "$work/large/certs/mx$i.pem" -noout -pubkey \
        | openssl pkey -pubin -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1)"
done > "$work/large/spki.txt"
python3 - "$work/large" "$large" <<'PY'
import sys
work, count = sys.argv[1], int(sys.argv[2])
with open(f"{work}/provider.yaml", "w") as y:
    y.write("ttl: 3600\ntlsrpt: {rua: [\"mailto:tlsrpt@provider.example\"]}\nhosts:\n")
    for i in range(1, 101):
        y.write(f"  - {{host: mx{i}.mail.provider.example, zone: provider.example, certificate: certs/mx{i}.pem}}\n")
    y.write("domains:\n")
    for d in range(1, count + 1):
        a, b = d % 100 + 1, (d + 50) % 100 + 1
        y.write(f"  - domain: customer{d}.example\n    mx:\n")
        y.write(f"      - {{host: mx{a}.mail.provider.example, priority: 10}}\n")
        y.write(f"      - {{host: mx{b}.mail.provider.example, priority: 20}}\n")
PY
# The floor: the same records written by a Python loop that knows them already (no YAML, no
# certificates, no checks): what formatting ~300,000 lines costs on this machine.
cat > "$work/large/floor.py" <<'PY'
import sys
work, count = sys.argv[1], int(sys.argv[2])
spki = dict(line.split() for line in open(f"{work}/spki.txt"))
out = sys.stdout
for i in range(1, 101):
    out.write(f"_25._tcp.mx{i}.mail.provider.example. 3600 IN TLSA 3 1 1 {spki[f'mx{i}']}\n")
for d in range(1, count + 1):
    a, b = d % 100 + 1, (d + 50) % 100 + 1
    out.write(f"customer{d}.example. 3600 IN MX 10 mx{a}.mail.provider.example.\n")
    out.write(f"customer{d}.example. 3600 IN MX 20 mx{b}.mail.provider.example.\n")
    out.write(f'_smtp._tls.customer{d}.example. 3600 IN TXT "v=TLSRPTv1; rua=mailto:tlsrpt@provider.example"\n')
PY
# The floor for octoDNS's layout: the same records as one file per zone (100,001 files), each
# written to a temporary name and renamed into place, by a Python loop that knows them already.
# Creating that many files is mostly the filesystem's work (inode allocation), not formatting.
cat > "$work/large/files-floor.py" <<'PY'
import os, sys
work, count, folder = sys.argv[1], int(sys.argv[2]), sys.argv[3]
spki = dict(line.split() for line in open(f"{work}/spki.txt"))
os.makedirs(folder)
def put(name, text):
    temporary = f"{folder}/.{name}.tmp"
    with open(temporary, "w") as f:
        f.write(text)
    os.rename(temporary, f"{folder}/{name}")
header = "# SMTP DANE records generated by danectl from provider.yaml, for octoDNS's YamlProvider.\n" \
    "# Regenerate rather than edit: the next run replaces this file.\n"
put("provider.example.yaml", header + "".join(
    f"_25._tcp.mx{i}.mail: {{type: TLSA, ttl: 3600, value: {{certificate_usage: 3, selector: 1, matching_type: 1, "
    f"certificate_association_data: {spki[f'mx{i}']}}}}}\n" for i in range(1, 101)))
for d in range(1, count + 1):
    a, b = d % 100 + 1, (d + 50) % 100 + 1
    put(f"customer{d}.example.yaml", header +
        f"'':\n  ttl: 3600\n  type: MX\n  values:\n  - exchange: mx{a}.mail.provider.example.\n    preference: 10\n"
        f"  - exchange: mx{b}.mail.provider.example.\n    preference: 20\n"
        f"_smtp._tls:\n  ttl: 3600\n  type: TXT\n  value: v=TLSRPTv1\\; rua=mailto:tlsrpt@provider.example\n")
PY
measure_large() {  # label, command...: appends "label seconds KiB lines"
    local label=$1; shift
    /usr/bin/time -f "%e %M" -o "$work/large/time" "$@" > "$work/large/$label.out" 2> "$work/large/$label.err" \
        || { cat "$work/large/$label.err" >&2; exit 1; }
    echo "$label $(cat "$work/large/time") $(wc -l < "$work/large/$label.out")" >> "$work/large/results"
}
: > "$work/large/results"
measure_large python-floor python3 "$work/large/floor.py" "$work/large" "$large"
measure_large python-files python3 "$work/large/files-floor.py" "$work/large" "$large" "$work/large/files-floor"
sed -i "\$s/ 0\$/ $(find "$work/large/files-floor" -name "*.yaml" -exec cat {} + | wc -l)/" "$work/large/results"
for format in bind json octodns; do
    if [[ $format == octodns ]]; then  # one YAML file per zone, as octoDNS's YamlProvider reads them
        measure_large "danectl-$format" "$danectl" generate "$work/large/provider.yaml" --format octodns \
            --output "$work/large/octodns/"
        find "$work/large/octodns" -name "*.yaml" -exec cat {} + > "$work/large/danectl-octodns.out"
        sed -i "\$s/ 0\$/ $(wc -l < "$work/large/danectl-octodns.out")/" "$work/large/results"
    else
        measure_large "danectl-$format" "$danectl" generate "$work/large/provider.yaml" --format "$format"
    fi
done
python3 - "$work/large/results" "$large" <<'PY'
import sys
rows = [line.split() for line in open(sys.argv[1])]
floors = {label: float(seconds) for label, seconds, _, _ in rows if label.startswith("python-")}
print(f"danectl generate, {int(sys.argv[2]):,} domains / 100 MX hosts (one run each):")
for label, seconds, kib, lines in rows:
    # octoDNS writes a file per zone: its floor is the same files written by Python.
    floor = "python-files" if label.endswith("octodns") else "python-floor"
    ratio = "" if label.startswith("python-") else f"  = {float(seconds) / floors[floor]:.1f}x {floor}"
    print(f"  {label:>16}: {float(seconds):6.2f} s, peak {int(kib) / 1024:5.0f} MiB, {int(lines):,} lines{ratio}")
PY
