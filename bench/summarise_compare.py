"""The "Comparison" section of docs/benchmarks.md (scripts/bench-compare):
the same bench points run with two potluck binaries, alternated, and each
side's range over the rounds. Reads the pages scripts/bench wrote for each
run (<side>-<round>.md) by their column headers."""
import argparse
import os
import statistics

import doc_sections


def table(text, heading):
    """The rows of the first table after `heading`, as dicts by header."""
    lines = text.splitlines()
    block = []
    for line in lines[lines.index(heading) + 1:]:
        if line.startswith("|"):
            block.append(line)
        elif block:
            break  # the table ends at the first other line after it began
    cells = [[c.strip() for c in line.strip("|").split("|")] for line in block]
    header, body = cells[0], cells[2:]  # cells[1] is the alignment row
    return [dict(zip(header, row)) for row in body]


def number(text):
    return float(text.replace(",", ""))


def figures(path):
    with open(path) as f:
        text = f.read()
    rows = {r["clients"]: r for r in table(text, "## Non-streamed requests")}
    stream = {r["clients"]: r for r in table(text, "## Streamed responses")}
    return {
        "added_p50_c1": number(rows["1"]["added p50 ms"]),
        "rps_c64": number(rows["64"]["through req/s"]),
        "chunks_c16": number(stream["16"]["through chunks/s"]),
    }


def span(values, fmt):
    return f"{fmt.format(min(values))} – {fmt.format(max(values))} (median {fmt.format(statistics.median(values))})"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--rounds", type=int, required=True)
    p.add_argument("--before", required=True)
    p.add_argument("--after", required=True)
    p.add_argument("--out", required=True)
    a = p.parse_args()
    runs = {side: [figures(os.path.join(a.dir, f"{side}-{r}.md")) for r in range(1, a.rounds + 1)]
            for side in ("before", "after")}
    metrics = [("added_p50_c1", "added p50 at 1 client, ms", "{:.3f}"),
               ("rps_c64", "non-streamed req/s at 64 clients", "{:,.0f}"),
               ("chunks_c16", "streamed chunks/s at 16 clients", "{:,.0f}")]
    out = []
    w = out.append
    w("## Comparison")
    w("")
    w(f"`make bench-compare BEFORE={a.before}`: the same points (non-streamed at 1 and 64 clients,")
    w("streamed at 16) with the `potluck` binary of each commit, the same load generator and fake")
    w(f"upstream, run alternately ({a.rounds} rounds of before then after) on this machine.")
    w("")
    w("| round | side | added p50 c=1 ms | req/s c=64 | chunks/s c=16 |")
    w("| ---: | --- | ---: | ---: | ---: |")
    for r in range(a.rounds):
        for side, label in (("before", a.before), ("after", a.after)):
            f = runs[side][r]
            w(f"| {r + 1} | {side} ({label}) | {f['added_p50_c1']:.3f} | {f['rps_c64']:,.0f} | {f['chunks_c16']:,.0f} |")
    w("")
    w("| figure | before | after |")
    w("| --- | ---: | ---: |")
    for key, name, fmt in metrics:
        w(f"| {name} | {span([f[key] for f in runs['before']], fmt)} | {span([f[key] for f in runs['after']], fmt)} |")
    w("")
    w("Ranges, not the best run: a difference is within noise when the two sides' ranges overlap.")
    for key, name, _ in metrics:
        b = [f[key] for f in runs["before"]]
        c = [f[key] for f in runs["after"]]
        overlap = max(min(b), min(c)) <= min(max(b), max(c))
        w(f"- {name}: the ranges {'overlap' if overlap else 'do not overlap'}.")
    doc_sections.write(a.out, "comparison", out)


if __name__ == "__main__":
    main()
