#!/usr/bin/env python3
"""Validates JSON (or YAML) documents against one of danectl's JSON Schemas.

Usage: schema-check.py SCHEMA DOCUMENT...   (a document ending in .yaml/.yml is read as YAML)
Prints one line per problem, naming the document and the path inside it; exits 1 on any.
"""
import json
import sys

import jsonschema

schema = json.load(open(sys.argv[1]))
validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
problems = 0
for path in sys.argv[2:]:
    if path.endswith((".yaml", ".yml")):
        import yaml
        document = yaml.safe_load(open(path))
    else:
        document = json.load(open(path))
    for error in validator.iter_errors(document):
        problems += 1
        print(f"{path}: {'/'.join(map(str, error.absolute_path)) or '(top)'}: {error.message}")
sys.exit(1 if problems else 0)
