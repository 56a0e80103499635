"""Sections of docs/benchmarks.md that a separate script owns: kept between
marker comments so that each generator rewrites only its own part, and
bench/summarise.py (which writes the whole page) carries them over."""
import argparse
import json
import os
from collections import defaultdict


def markers(name):
    return f"<!-- section {name}: begin -->", f"<!-- section {name}: end -->"


def extract(text, name):
    """The marked section `name` of `text`, markers included; '' if absent."""
    begin, end = markers(name)
    i = text.find(begin)
    j = text.find(end, i)
    return text[i:j + len(end)] if i >= 0 and j >= 0 else ""


def sections(text, names):
    return [s for s in (extract(text, n) for n in names) if s]


def replace(text, name, body):
    """`text` with section `name` set to `body` (appended when absent)."""
    begin, end = markers(name)
    block = f"{begin}\n{body.rstrip()}\n{end}"
    old = extract(text, name)
    if old:
        return text.replace(old, block)
    return text.rstrip("\n") + "\n\n" + block + "\n"


def read(path):
    if not os.path.exists(path):
        return ""
    with open(path) as f:
        return f.read()


def write(path, name, lines):
    """Sets section `name` of the page at `path` to `lines` (joined), leaving the rest."""
    text = read(path)
    with open(path, "w") as f:
        f.write(replace(text, name, "\n".join(lines)))


# The sections other scripts own, in page order.
OWNED = ("scheduling", "memory", "ledger", "flow", "tls", "comparison")


def span(values, fmt):
    """The range of `values` formatted with `fmt`: one figure when both ends read the same."""
    lo, hi = min(values), max(values)
    return fmt.format(lo) if fmt.format(lo) == fmt.format(hi) else f"{fmt.format(lo)}–{fmt.format(hi)}"


def run_args():
    """The arguments every section script takes: its results file, the page, and the machine's description."""
    p = argparse.ArgumentParser()
    for name in ("results", "out", "date", "commit", "nproc", "cpu", "loadavg"):
        p.add_argument("--" + name, required=True)
    return p.parse_args()


def runs_by(path, key):
    """The JSON lines of `path` (one per run and point), grouped by their field `key`."""
    groups = defaultdict(list)
    with open(path) as f:
        for line in f:
            if line.strip():
                r = json.loads(line)
                groups[r[key]].append(r)
    return groups
