#!/usr/bin/env bash
# Times `danectl generate` on a provider-sized description (1,000 domains over 50 MX hosts)
# against the same records made by looping the anchor tools, in the same run. Prints ratios.
#
#   Benchmarks/generate.sh [RUNS]        (needs hyperfine, ldnsutils, openssl)
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
