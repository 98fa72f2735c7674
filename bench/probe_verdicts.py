#!/usr/bin/python3
"""Verdict counts of the probe comments (tests/probes/), for docs/quality.md.

Runs `spamguardctl check --json --file` over the comments of each probe file and counts the
verdicts of its ham and of its spam. Python's standard library only.

  /usr/bin/python3 bench/probe_verdicts.py tests/probes/*.jsonl
  /usr/bin/python3 bench/probe_verdicts.py --ctl OTHER/spamguardctl --rules OTHER/rules/default.yaml \
      tests/probes/blind-c.jsonl

Prints, per file, "ham HAM/HOLD/SPAM/DISCARD | spam HAM/HOLD/SPAM/DISCARD" and the model and
rule-pack versions that answered.
"""

import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile

VERDICTS = ("ham", "hold", "spam", "discard")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", help="probe files (replay cases, JSONL)")
    parser.add_argument("--ctl", default="build/spamguardctl", help="the spamguardctl to run")
    parser.add_argument("--model", default="models", help="model file or store")
    parser.add_argument("--rules", default="rules/default.yaml", help="rule pack")
    args = parser.parse_args()
    for path in args.files:
        with open(path, encoding="utf-8") as cases:
            probes = [json.loads(line) for line in cases if line.strip()]
        for probe in probes:
            if "\n" in probe["content"] or not probe["content"].strip():
                sys.exit(f"{path}: {probe['name']}: a probe must be one non-blank line")
            if probe["label"] not in ("ham", "spam"):
                sys.exit(f"{path}: {probe['name']}: label must be ham or spam")
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".txt") as lines:
            lines.write("".join(probe["content"] + "\n" for probe in probes))
            lines.flush()
            checked = subprocess.run(
                [args.ctl, "check", "--model", args.model, "--rules", args.rules, "--json",
                 "--file", lines.name],
                capture_output=True, text=True, check=False)
        if checked.returncode != 0:
            sys.exit(f"{path}: spamguardctl check failed: {checked.stderr.strip()}")
        counts = collections.Counter()
        versions = set()
        answered = 0
        for line in checked.stdout.splitlines():
            answer = json.loads(line)
            counts[(probes[answer["line"] - 1]["label"], answer["verdict"])] += 1
            versions.add(f"model {answer['model_version']}, rules {answer['rules_version']}")
            answered += 1
        if answered != len(probes):
            sys.exit(f"{path}: {answered} answers for {len(probes)} probes")
        print(os.path.basename(path), " | ".join(
            label + " " + "/".join(str(counts[(label, verdict)]) for verdict in VERDICTS)
            for label in ("ham", "spam")), "(" + "; ".join(sorted(versions)) + ")")


if __name__ == "__main__":
    main()
