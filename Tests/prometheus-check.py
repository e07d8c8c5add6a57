#!/usr/bin/env python3
"""Parses Prometheus text exposition with Prometheus's own Python client and prints each
sample as `name{label=value,...} value`, sorted; exits 1 (naming the problem) if it does not parse.

Usage: prometheus-check.py FILE   (run with the tests' venv python, which has prometheus-client)
"""
import sys

from prometheus_client.parser import text_string_to_metric_families

try:
    samples = []
    for family in text_string_to_metric_families(open(sys.argv[1]).read()):
        for sample in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
            samples.append(f"{sample.name}{{{labels}}} {sample.value:g}")
except Exception as error:
    print(f"{sys.argv[1]}: not Prometheus text format: {error}")
    sys.exit(1)
print("\n".join(sorted(samples)))
