#!/usr/bin/env bash
# Times `danectl reports ingest` and `reports summary` on generated TLS-RPT reports, beside
# parsedmarc's parse-only API (PyPI; parse_report_file on every file, nothing stored) and a
# Python loop that only opens, gunzips and parses the same files with json+gzip (no storing,
# no checking): the floor any reader pays. Prints reports per second, the ratios, and peak
# memory of each (GNU time). Every failure has its own receiving IP, the worst case for a
# summary. The same files go into a PostgreSQL store too, on a private cluster this script
# starts on loopback and stops (Debian's postgresql; as the postgres user when run as root).
# Usage: Benchmarks/reports.sh [COUNT]   (default 10000; 100000 for a provider)
#        DANECTL=PATH Benchmarks/reports.sh   times that binary instead of building this tree
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-10000}
venv=${DANECTL_BENCH_VENV:-$PWD/.venv-bench}
if ! "$venv/bin/python" -c 'import parsedmarc' 2>/dev/null; then
    echo "reports.sh: installing parsedmarc into $venv" >&2
    python3 -m venv "$venv" && "$venv/bin/pip" install -q parsedmarc
fi
if [[ -z ${DANECTL:-} ]]; then swift build -c release --product danectl >&2; fi
danectl=${DANECTL:-$PWD/.build/release/danectl}
work=$(mktemp -d)
chmod 755 "$work"
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
as_pg() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
stop_pg() { [[ -f "$work/pg/data/postmaster.pid" ]] && as_pg "$pgbin/pg_ctl" -D "$work/pg/data" -m immediate -w stop >/dev/null 2>&1 || true; }
# KEEP_STORE=PATH keeps the SQLite store the run filled (to look at its queries afterwards).
trap 'stop_pg; [[ -z ${KEEP_STORE:-} ]] || cp "$work/bench.sqlite" "$KEEP_STORE"; rm -rf "$work"' EXIT
mkdir -p "$work/pg"
[[ $(id -u) -eq 0 ]] && chown postgres "$work/pg"
pgport=$(python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])")
as_pg "$pgbin/initdb" -D "$work/pg/data" -U danectl --auth=trust -E UTF8 --locale=C >/dev/null
as_pg "$pgbin/pg_ctl" -D "$work/pg/data" -l "$work/pg/log" -w \
    -o "-p $pgport -k $work/pg -c listen_addresses=127.0.0.1" start >/dev/null
pgurl="postgres://danectl@127.0.0.1:$pgport/postgres"

# Reports shaped like a large sender's: 1-3 policies, a few failure details each, over 50
# domains; a tenth sent as whole e-mails (multipart/report with a base64 gzip part).
python3 - "$work/in" "$count" <<'PY'
import base64, gzip, json, os, random, sys
out, count = sys.argv[1], int(sys.argv[2])
os.makedirs(out)
random.seed(8460)
types = ["starttls-not-supported", "certificate-expired", "validation-failure", "tlsa-invalid", "dnssec-invalid", "sts-policy-fetch-error"]
for i in range(count):
    policies = []
    for p in range(random.randint(1, 3)):
        domain = f"d{random.randint(1, 50)}.example"
        details = [{"result-type": random.choice(types), "sending-mta-ip": f"192.0.2.{random.randint(1, 254)}",
                    "receiving-mx-hostname": f"mx{random.randint(1, 2)}.{domain}", "receiving-ip": f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}",
                    "failed-session-count": random.randint(1, 20), "additional-information": "x" * random.randint(0, 200)}
                   for _ in range(random.randint(0, 4))]
        policies.append({"policy": {"policy-type": random.choice(["tlsa", "sts", "no-policy-found"]), "policy-domain": domain,
                                    "policy-string": ["3 1 1 " + "ab" * 32], "mx-host": [f"mx1.{domain}", f"mx2.{domain}"]},
                         "summary": {"total-successful-session-count": random.randint(0, 5000),
                                     "total-failure-session-count": sum(d["failed-session-count"] for d in details)},
                         "failure-details": details})
    day = 1 + i % 28
    report = {"organization-name": random.choice(["Microsoft Corporation", "Google Inc.", "Example Mail"]),
              "date-range": {"start-datetime": f"2026-11-{day:02d}T00:00:00Z", "end-datetime": f"2026-11-{day:02d}T23:59:59Z"},
              "contact-info": "tlsrpt@example.org", "report-id": f"bench-{i}", "policies": policies}
    body = gzip.compress(json.dumps(report).encode())
    if i % 10 == 0:
        b64 = base64.encodebytes(body).decode()
        mail = ("From: tlsrpt@example.org\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=tlsrpt; boundary=\"b\"\r\n\r\n"
                "--b\r\nContent-Type: text/plain\r\n\r\nreport\r\n--b\r\nContent-Type: application/tlsrpt+gzip\r\n"
                f"Content-Transfer-Encoding: base64\r\n\r\n{b64}\r\n--b--\r\n")
        open(f"{out}/r{i:06d}.eml", "w").write(mail)
    else:
        open(f"{out}/r{i:06d}.json.gz", "wb").write(body)
PY

cat > "$work/floor.py" <<'PY'
import base64, email, gzip, json, os, sys
folder = sys.argv[1]
n = 0
for name in sorted(os.listdir(folder)):
    data = open(os.path.join(folder, name), "rb").read()
    if name.endswith(".eml"):
        message = email.message_from_bytes(data)
        data = next(p.get_payload(decode=True) for p in message.walk() if p.get_content_type() == "application/tlsrpt+gzip")
    json.loads(gzip.decompress(data))
    n += 1
print(n)
PY

cat > "$work/with_parsedmarc.py" <<'PY'
import os, sys
import parsedmarc
folder = sys.argv[1]
n = 0
for name in sorted(os.listdir(folder)):
    parsed = parsedmarc.parse_report_file(os.path.join(folder, name), offline=True)
    assert parsed["report_type"] == "smtp_tls", parsed["report_type"]
    n += 1
print(n)
PY

measure() {  # label, command...: prints "seconds peak-KiB"
    local label=$1; shift
    /usr/bin/time -f "%e %M" -o "$work/time" "$@" > "$work/$label.out" 2> "$work/$label.err" || { cat "$work/$label.err" >&2; exit 1; }
    cat "$work/time"
}
read -r ingest_s ingest_kib <<<"$(measure ingest "$danectl" reports ingest --quiet --db "$work/bench.sqlite" "$work/in")"
read -r summary_s summary_kib <<<"$(measure summary "$danectl" reports summary --db "$work/bench.sqlite" --format json)"
read -r again_s _ <<<"$(measure again "$danectl" reports ingest --quiet --db "$work/bench.sqlite" "$work/in")"
read -r pg_s pg_kib <<<"$(measure pgingest "$danectl" reports ingest --quiet --db "$pgurl" "$work/in")"
read -r pgsummary_s _ <<<"$(measure pgsummary "$danectl" reports summary --db "$pgurl" --format json)"
cmp -s "$work/summary.out" "$work/pgsummary.out" || { echo "the PostgreSQL summary differs from the SQLite one" >&2; exit 1; }
read -r floor_s floor_kib <<<"$(measure floor python3 "$work/floor.py" "$work/in")"
read -r pm_s pm_kib <<<"$(measure parsedmarc "$venv/bin/python" "$work/with_parsedmarc.py" "$work/in")"
[[ $(cat "$work/parsedmarc.out") == "$count" ]] || { echo "parsedmarc read $(cat "$work/parsedmarc.out") reports" >&2; exit 1; }
grep -q "^$count stored, 0 already stored, 0 kept aside" "$work/ingest.out" || { echo "ingest did not store every report:" >&2; cat "$work/ingest.out" >&2; exit 1; }
grep -q "^$count stored, 0 already stored, 0 kept aside" "$work/pgingest.out" || { echo "PostgreSQL ingest did not store every report" >&2; exit 1; }
grep -q "^0 stored, $count already stored" "$work/again.out" || { echo "re-ingest stored duplicates" >&2; exit 1; }
[[ $(cat "$work/floor.out") == "$count" ]] || { echo "the Python floor read $(cat "$work/floor.out") reports" >&2; exit 1; }
python3 - "$count" "$ingest_s" "$ingest_kib" "$summary_s" "$summary_kib" "$again_s" "$floor_s" "$floor_kib" "$pm_s" "$pm_kib" \
    "$pg_s" "$pg_kib" "$pgsummary_s" <<'PY'
import sys
n, ingest, ingest_kib, summary, summary_kib, again, floor, floor_kib, pm, pm_kib, pg, pg_kib, pgsummary = sys.argv[1:]
n = int(n); ingest, summary, again, floor, pm, pg, pgsummary = map(float, (ingest, summary, again, floor, pm, pg, pgsummary))
print(f"{n} reports (a tenth as e-mails), same files, same run:")
print(f"  danectl reports ingest (parse, check, store in SQLite): {ingest:.2f} s = {n / ingest:,.0f} reports/s, peak {int(ingest_kib) / 1024:.0f} MiB")
print(f"  danectl reports ingest again (all duplicates):          {again:.2f} s")
print(f"  danectl reports summary (all of them, JSON):            {summary:.2f} s, peak {int(summary_kib) / 1024:.0f} MiB")
print(f"  danectl reports ingest into PostgreSQL (loopback):      {pg:.2f} s = {n / pg:,.0f} reports/s, peak {int(pg_kib) / 1024:.0f} MiB")
print(f"  danectl reports summary from PostgreSQL:                {pgsummary:.2f} s (the same JSON as from SQLite)")
print(f"  python3 json+gzip loop (parse only, no store):          {floor:.2f} s = {n / floor:,.0f} reports/s, peak {int(floor_kib) / 1024:.0f} MiB")
print(f"  parsedmarc parse_report_file (parse only, no store):  {pm:.2f} s = {n / pm:,.0f} reports/s, peak {int(pm_kib) / 1024:.0f} MiB")
print(f"  ingest / parsedmarc: {ingest / pm:.2f}x   ingest / python floor: {ingest / floor:.2f}x   PostgreSQL / SQLite ingest: {pg / ingest:.2f}x")
PY
