#!/usr/bin/env python3
"""Two Postfix sending sites reporting with sys4's tlsrpt-reporter (what Postfix 3.10 uses):
for each site, tlsrpt-collectd (run a day in the past under libfaketime, so its sessions are
"yesterday's") is fed TLS sessions over its unix socket in the datagram format libtlsrpt
sends, then tlsrpt-reportd (at the real time) builds the daily reports and delivers them three
ways: as files (debug copies), as e-mails piped to `danectl reports ingest -`, and as HTTP
POSTs to `danectl reports serve`.

Usage: tlsrpt-sites.py VENV_BIN WORKDIR DANECTL MAIL_DB POST_URL
Prints one JSON line: the sessions fed per (domain, policy type, successful/failed).
"""
import atexit
import glob
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import time

venv, work, danectl, mail_db, post_url = sys.argv[1:6]

# What each site sees in a day: (recipient domain, datagram policy, successes, failures).
# example.com publishes DANE for mx1; Postfix files DANE policies under the MX host's name,
# and reports sessions to an MX without TLSA as no-policy-found without a policy-domain
# (sys4/tlsrpt-reporter#51). example.org's policy names the domain itself.
TLSA = {"policy-type": 1, "policy-string": ["3 1 1 0a1b2c3d"], "policy-domain": "mx1.example.com", "mx-host": ["mx1.example.com"]}
NOPOLICY = {"policy-type": 9}
ORG = {"policy-type": 1, "policy-string": ["3 1 1 0a1b2c3d"], "policy-domain": "example.org", "mx-host": ["mx.example.org"]}
SITES = {
    "Example Hosting, Inc.": [("example.com", TLSA, 750, 3), ("example.com", NOPOLICY, 40, 0), ("example.org", ORG, 120, 0)],
    "Second Site GmbH": [("example.com", TLSA, 250, 2), ("example.com", NOPOLICY, 10, 1)],
}
RECORD = "v=TLSRPTv1; rua=mailto:tlsrpt@example.com,https://reports.example.com/tlsrpt"


def datagram(domain, policy, failed):
    body = dict(policy)
    body["f"] = 1 if failed else 0
    details = []
    if failed:
        details = [{"c": 205 if policy["policy-type"] == 9 else 304, "s": "192.0.2.25", "n": ("mx2." if policy["policy-type"] == 9 else "mx1.") + domain,
                    "r": "198.51.100.7",
                    "f": "X509_V_ERR_DANE_NO_MATCH"}]
    body["t"] = len(details)
    body["failure-details"] = details
    return json.dumps({"dpv": "1", "d": domain, "pr": RECORD, "policies": [body]}).encode()


def wait_for(path, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline and not os.path.exists(path):
        time.sleep(0.05)
    return os.path.exists(path)


def quiet(site, name):
    return open(os.path.join(site, name + ".stderr"), "w")


# collectd and reportd (which starts fetchers) each run in their own process
# group, stopped whole, so no daemon of this lab outlives it (and no other lab's is touched).
started = []


def stop_group(process):
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=20)
            # The group leader is gone; what it left in the group goes too.
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            continue
        return


atexit.register(lambda: [stop_group(p) for p in started])


# Each site's collectd runs on a clock that reaches midnight UTC a few seconds after it starts,
# so the sessions fed now are "yesterday's" when the real day's reportd asks for them, and the
# midnight rollover (what hands the day to the fetcher) happens for real.
yesterday = time.gmtime(time.time() - 86400)
start = time.strftime("%Y-%m-%d 23:59:48", yesterday)
# libfaketime preloaded directly rather than through the faketime wrapper: the wrapper keeps
# its clock in /dev/shm and, stopped by a signal with the group, left it there (two files per
# site per run). One process needs no shared clock.
faketime_library = next(iter(glob.glob("/usr/lib/*/faketime/libfaketime.so.1")), None)
if faketime_library is None:
    sys.exit("libfaketime is missing (scripts/install-deps installs faketime)")
yesterdays_clock = dict(os.environ, LD_PRELOAD=faketime_library, FAKETIME="@" + start)
fed = {}
sites = []
for index, (organization, traffic) in enumerate(SITES.items()):
    site = os.path.join(work, f"site{index}")
    os.makedirs(os.path.join(site, "files"), exist_ok=True)
    collectd_db = os.path.join(site, "collectd.sqlite")
    sock = os.path.join(site, "collectd.socket")
    collectd = subprocess.Popen([os.path.join(venv, "tlsrpt-collectd"), "--storage", f"sqlite://{collectd_db}",
                                 "--socketname", sock, "--logfilename", os.path.join(site, "collectd.log"), "--log_level", "info",
                                 "--sockettimeout", "1"], stdout=subprocess.DEVNULL, stderr=quiet(site, "collectd"),
                                start_new_session=True, env=yesterdays_clock)
    started.append(collectd)
    sites.append((index, organization, traffic, site, collectd_db, sock, collectd))
for index, organization, traffic, site, collectd_db, sock, collectd in sites:
    if not wait_for(sock, 8):
        sys.exit(f"tlsrpt-collectd did not make {sock}")
    sender = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    for domain, policy, successes, failures in traffic:
        kind = {1: "tlsa", 2: "sts", 9: "no-policy-found"}[policy["policy-type"]]
        key = f"{domain}|{kind}"
        fed.setdefault(key, [0, 0])
        for n in range(successes + failures):
            sender.sendto(datagram(domain, policy, n >= successes), sock)
            if n % 100 == 0:
                time.sleep(0.01)  # a datagram socket drops what a busy reader has no room for
        fed[key][0] += successes
        fed[key][1] += failures
# Past the sites' midnight, each rolls its day over.
for index, organization, traffic, site, collectd_db, sock, collectd in sites:
    # Seconds here; the deadline only bounds a stuck lab on a loaded machine, and missing it is
    # said as such (a day never rolled over would otherwise show up as sessions "lost").
    deadline = time.time() + 150
    while "database rollover" not in open(os.path.join(site, "collectd.log")).read().split("FOR INITIALIZATION", 1)[-1]:
        if time.time() > deadline:
            sys.exit(f"site{index}: tlsrpt-collectd did not roll its day over within 150 s (see {site}/collectd.log)")
        time.sleep(0.2)
# collectd keeps running while reportd's fetcher reads its day (stopping it at once made a
# loaded machine lose a site's day); all of them stop at the end.

reportds = []
for index, organization, traffic, site, collectd_db, sock, collectd in sites:
    reportd = subprocess.Popen([
        os.path.join(venv, "tlsrpt-reportd"), "--dbname", os.path.join(site, "reportd.sqlite"),
        "--fetchers", f"{os.path.join(venv, 'tlsrpt-fetcher')} --storage sqlite://{collectd_db}",
        "--organization_name", organization, "--contact_info", f"tlsrpt@site{index}.example", "--sender_address", f"noreply@site{index}.example",
        "--logfilename", os.path.join(site, "reportd.log"), "--log_level", "info",
        "--sendmail_script", f"{shlex.quote(danectl)} reports ingest --quiet --db {shlex.quote(mail_db)} -",
        "--http_script", "curl --silent --fail --noproxy '*' --header 'Content-Type: application/tlsrpt+gzip' --data-binary @-",
        "--debug_send_http_dest", post_url, "--debug_send_file_dest", os.path.join(site, "files"),
        "--interval_main_loop", "1", "--spread_out_delivery", "1", "--min_wait_domainlist", "0", "--max_wait_domainlist", "1",
        "--min_wait_domaindetails", "0", "--max_wait_domaindetails", "1", "--min_wait_delivery", "1", "--max_wait_delivery", "2",
        ], stdout=subprocess.DEVNULL, stderr=quiet(site, "reportd"), start_new_session=True)
    # Each report is written as a JSON file and, for its mailto: rua, as an e-mail file.
    started.append(reportd)
    reportds.append((site, reportd, 2 * len({domain for domain, _, _, _ in traffic})))
deadline = time.time() + 240
while any(len(os.listdir(os.path.join(site, "files"))) < expected for site, _, expected in reportds):
    if time.time() > deadline:
        short = [f"{site}: {len(os.listdir(os.path.join(site, 'files')))} of {expected} report files" for site, _, expected in reportds]
        sys.exit("tlsrpt-reportd did not deliver within 240 s: " + "; ".join(short) + " (see reportd.log)")
    time.sleep(0.5)
time.sleep(3)  # the HTTP delivery follows the mail one
for process in started:
    stop_group(process)

print(json.dumps(fed, sort_keys=True))
