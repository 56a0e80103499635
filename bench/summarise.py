#!/usr/bin/env python3
"""Turn scripts/bench's results (one JSON line per loadgen run) into
docs/benchmarks.md. Standard library only. The whole page is generated;
hand-written prose belongs in the NOTES text below."""
import argparse
import json

import doc_sections

# Targets and reference points from issue 2 ("Benchmark").
TARGET_ADDED_P50_MS = 0.2      # added p50 latency at concurrency 1
TARGET_RPS_AT_64 = 10_000      # non-streamed requests/s through, 64 clients
TARGET_CHUNKS_PER_S = 100_000  # streamed chunks/s relayed

NOTES = """\
- All processes share the same two cores: the load generator, the fake
  upstream, the coordinator, the node and nginx. Every request that goes
  through Potluck costs three extra hops (client -> coordinator HTTP,
  coordinator -> node WebSocket frame, node -> upstream HTTP) and two extra
  processes competing for those cores, so "through" figures at high
  concurrency measure CPU cost per request as much as latency. The CPU
  columns show the split (1.00 = one full core, averaged over warmup +
  measurement).
- The nginx columns are the yardstick, measured in the same run: nginx as a
  one-hop reverse proxy (client -> nginx HTTP, nginx -> upstream HTTP over
  kept-alive connections) with one worker process, so like the coordinator's
  single network thread it can use at most one core. It parses and forwards
  HTTP and nothing else: no keys, no accounting, no choice of node.
- "Direct" is the ceiling: the fake upstream answers from memory in a few
  microseconds, so nothing through the relay can beat it.
- The coordinator and node run with their shipped defaults (log level
  `info`: no line per successful job), except that the per-IP connection cap
  and the request-rate limits are lifted because all 256 clients and the
  node's link come from 127.0.0.1. The per-consumer cap on jobs in flight
  stays at its default; the clients are spread over several consumers' keys
  (Method) as they would be on a shared coordinator.
  Each finished job still writes its usage event to SQLite (metering), on the
  store's own thread.
- Streamed responses: the fake upstream coalesces its SSE events into ~64 KiB
  writes; the node relays each event as a `chunk` frame and the coordinator
  writes it as an SSE `data:` event. chunks/s counts SSE events the client
  received (role, content and finish chunks).
- Direct streaming is bounded by the load generator (about one core parsing
  SSE), not by the upstream: it is a floor for what a client can receive, far
  above what the relay reaches.
- Exec: each job starts a sandbox (a helper process, new namespaces or
  bubblewrap, a tmpfs, then the interpreter), so a job costs tens of
  milliseconds of process start-up whichever way it arrives. The sandboxes'
  processes are not the measured processes: their CPU shows under "other"
  (and, partly, under "loadgen" for the direct rows, which run them).
- Figures move between runs on a shared virtual machine, a lot when other work
  runs at the same time (see the "other" column and the load average); read
  them against the targets as orders of magnitude, not to the digit, and rerun
  on a quiet machine before comparing two commits.
"""


def load(path):
    rows = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                d = json.loads(line)
                rows[(d["mode"], d["kind"], int(d["concurrency"]))] = d
    return rows


def ms(x):
    return f"{x:.3f}"


def num(x):
    return f"{x:,.0f}"


def per_unit_us(d, proc):
    """CPU microseconds a process spent per request (non-streamed) or per chunk (streamed)."""
    units = d["chunks_per_s"] if d["kind"] == "stream" else d["rps"]
    cores = d.get("cpu_cores", {}).get(proc, 0.0)
    return f"{cores / units * 1e6:.1f}" if units else "n/a"


# The nginx columns of each table: (title, cell from the nginx row n and the direct row d).
NGINX_PLAIN_COLUMNS = (
    ("nginx req/s", lambda n, d: num(n["rps"])),
    ("nginx p50 ms", lambda n, d: ms(n["p50_ms"])),
    ("nginx added p50 ms", lambda n, d: ms(n["p50_ms"] - d["p50_ms"])),
)
NGINX_STREAM_COLUMNS = (
    ("nginx chunks/s", lambda n, d: num(n["chunks_per_s"])),
    ("nginx p50 ms", lambda n, d: ms(n["p50_ms"])),
    ("nginx first-event p50 ms", lambda n, d: ms(n["ttfb_p50_ms"])),
)


def optional_header(columns):
    """Header cells of columns a table may leave out (empty `columns`: none)."""
    return "".join(f"| {title} " for title, _ in columns)


def optional_cells(columns, row, direct):
    """Their cells at one point: n/a when that path has no row there."""
    return "".join(f"| {cell(row, direct) if row else 'n/a'} " for _, cell in columns)


def header(w, line, first_columns=0):
    """A table's header row and its alignment row: the first (label) columns left, the figures right."""
    w(line)
    cells = line.count("|") - 1
    w("|" + " --- |" * first_columns + " ---: |" * (cells - first_columns))


def errors(rows, modes, kind, c):
    """The error counts of each path at one point, "a/b/c" in the order of `modes`."""
    return "/".join(str(rows[(m, kind, c)]["errors"]) if (m, kind, c) in rows else "n/a" for m in modes)


def verdict(ok):
    return "**met**" if ok else "**not met**"


def main():
    p = argparse.ArgumentParser()
    for name in ("results", "out", "nproc", "cpu", "date", "commit", "loadavg-before",
                 "loadavg-after", "duration", "warmup",
                 "stream-chunks", "loadgen-threads", "upstream-threads", "log-level",
                 "plain-body", "stream-body"):
        p.add_argument("--" + name, required=True)
    p.add_argument("--exec-body", default="")
    p.add_argument("--consumers", default="1")
    p.add_argument("--exec-isolation", default="")
    p.add_argument("--nginx-version", default="", help="empty: nginx was not measured")
    a = p.parse_args()
    rows = load(a.results)

    plain_cs = sorted({c for (m, k, c) in rows if k == "plain"})
    stream_cs = sorted({c for (m, k, c) in rows if k == "stream"})
    has_nginx = any(m == "nginx" for (m, k, c) in rows)
    modes = ("direct", "nginx", "through") if has_nginx else ("direct", "through")

    out = []
    w = out.append
    w("# Benchmarks")
    w("")
    w("<!-- Generated by `make bench` (scripts/bench + bench/summarise.py). Edit those, not this file. -->")
    w("")
    w("What the relay costs: the same requests sent by `potluck-loadgen` (a) straight to a fake")
    w("OpenAI-compatible upstream, (b) through `potluck serve` (coordinator) and `potluck node`")
    w("(`--backend openai`) to that same upstream and (c), as a yardstick, through nginx as a one-hop")
    w("reverse proxy to that same upstream.")
    w("")
    if not has_nginx:
        w("**nginx was not installed when this page was generated (`scripts/setup` installs it), so the "
          "nginx columns are missing.**")
        w("")
    w(f"- Machine: {a.nproc} CPUs ({a.cpu}); **everything runs on it**, load generator included.")
    w(f"- Date: {a.date}")
    w(f"- Commit: {a.commit}")
    w(f"- Load average (1, 5, 15 min) before the run: {a.loadavg_before}; after: {a.loadavg_after}. "
      "The machine is shared: the \"other\" CPU column below shows work that was not ours.")
    w("")
    w("## Method")
    w("")
    w("- Upstream: `build/tests/support/fake-upstream` "
      f"(`--threads {a.upstream_threads}`), answering from memory.")
    w("- Load: `build/bench/potluck-loadgen`, one keep-alive connection per client, "
      f"`--threads {a.loadgen_threads}`, {a.warmup} s warmup (discarded) then {a.duration} s measured per point.")
    w("- Direct: `POST http://127.0.0.1:UPSTREAM/v1/chat/completions`. Through: "
      "`POST http://127.0.0.1:COORDINATOR/v1/chat/completions`; "
      "one node, `--max-jobs 512`, connected over loopback.")
    version = a.nginx_version or "(not measured: not installed)"
    w(f"- nginx {version}: `POST http://127.0.0.1:NGINX/v1/chat/completions`; the bench starts its own nginx (`nginx -p TMP -c TMP/nginx.conf -g "
      "'daemon off;'`, no system service) with `worker_processes 1`, `access_log off`, "
      "`proxy_pass` to an `upstream` block with `keepalive 1024`, `proxy_http_version 1.1` and "
      "`proxy_set_header Connection \"\"` (kept-alive connections to the upstream), "
      "`keepalive_requests` lifted on both sides; otherwise nginx's defaults (response buffering on). "
      "Streamed requests go to `/stream/v1/chat/completions`, a location with `proxy_buffering off` "
      "that passes on each read at once, as the relay does.")
    w(f"- Consumers: the clients are spread over {a.consumers} users, client *c* sending the key of user "
      f"*c* mod {a.consumers} (`--client-header 'Authorization: Bearer <key>'`); the direct and nginx "
      "requests carry the same headers. One user may have `--max-jobs-per-consumer` (default 32) jobs in flight; with "
      "fewer users than clients / 32 the rest would wait in the dispatch line.")
    w(f"- Coordinator and node: `--log-level {a.log_level}`; coordinator `--max-connections-per-ip 4096 "
      "--rate-per-key 0 --rate-per-ip 0` (every client comes from 127.0.0.1 and the point is throughput, "
      "not rate limits); otherwise defaults (SQLite store in a temp dir).")
    w(f"- Non-streamed body: `{a.plain_body}`")
    w(f"- Streamed body: `{a.stream_body}`")
    w("- Latency is per request, from send to the last byte of the response; percentiles are nearest-rank.")
    w("- Added p50 = through p50 − direct p50 at the same concurrency; nginx added p50 = nginx p50 − "
      "direct p50.")
    w("")

    w("## Non-streamed requests")
    w("")
    nginx = NGINX_PLAIN_COLUMNS if has_nginx else ()
    header(w, "| clients | direct req/s | direct p50 ms | direct p99 ms " + optional_header(nginx)
           + "| through req/s | through p50 ms | through p99 ms | added p50 ms "
           f"| errors ({'/'.join(modes)}) |")
    for c in plain_cs:
        d, t = rows.get(("direct", "plain", c)), rows.get(("through", "plain", c))
        if not d or not t:
            continue
        nginx_cells = optional_cells(nginx, rows.get(("nginx", "plain", c)), d)
        w(f"| {c} | {num(d['rps'])} | {ms(d['p50_ms'])} | {ms(d['p99_ms'])} {nginx_cells}| {num(t['rps'])} "
          f"| {ms(t['p50_ms'])} | {ms(t['p99_ms'])} | {ms(t['p50_ms'] - d['p50_ms'])} "
          f"| {errors(rows, modes, 'plain', c)} |")
    w("")

    w("## Streamed responses")
    w("")
    w(f"Each response is {a.stream_chunks} content tokens plus role and finish chunks.")
    w("")
    nginx = NGINX_STREAM_COLUMNS if has_nginx else ()
    header(w, "| clients | direct chunks/s | direct streams/s | direct p50 ms " + optional_header(nginx)
           + "| through chunks/s | through streams/s | through p50 ms | through first-event p50 ms "
           f"| errors ({'/'.join(modes)}) |")
    for c in stream_cs:
        d, t = rows.get(("direct", "stream", c)), rows.get(("through", "stream", c))
        if not d or not t:
            continue
        nginx_cells = optional_cells(nginx, rows.get(("nginx", "stream", c)), d)
        w(f"| {c} | {num(d['chunks_per_s'])} | {num(d['rps'])} | {ms(d['p50_ms'])} {nginx_cells}"
          f"| {num(t['chunks_per_s'])} | {num(t['rps'])} | {ms(t['p50_ms'])} "
          f"| {ms(t['ttfb_p50_ms'])} | {errors(rows, modes, 'stream', c)} |")
    w("")

    exec_cs = sorted({c for (m, k, c) in rows if k == "exec"})
    if exec_cs:
        w("## Code execution")
        w("")
        w("A trivial python3 program (`" + a.exec_body + "`) run (a) directly in this machine's exec sandbox "
          "by `build/bench/potluck-exec-direct` (the node's own `ExecRunner`: same isolation, limits and "
          f"helper process; isolation here: {a.exec_isolation or 'unknown'}) and (b) through "
          "`POST /v1/exec` on the coordinator and the node (`--exec --exec-languages python3`), "
          "non-streamed. The difference is what the network path adds to each job.")
        w("")
        w("| clients | direct jobs/s | direct p50 ms | direct p99 ms | through jobs/s | through p50 ms "
          "| through p99 ms | added p50 ms | errors (direct/through) |")
        w("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for c in exec_cs:
            d, t = rows.get(("direct", "exec", c)), rows.get(("through", "exec", c))
            if not d or not t:
                continue
            w(f"| {c} | {d['rps']:,.1f} | {ms(d['p50_ms'])} | {ms(d['p99_ms'])} | {t['rps']:,.1f} "
              f"| {ms(t['p50_ms'])} | {ms(t['p99_ms'])} | {ms(t['p50_ms'] - d['p50_ms'])} "
              f"| {d['errors']}/{t['errors']} |")
        w("")

    w("## Where the CPU goes")
    w("")
    w("Cores each process used during the point, warmup included (1.00 = one full core; the machine has "
      f"{a.nproc}). \"other\" is everything else that kept the CPUs busy meanwhile (other users' work, "
      "kernel threads). The µs/unit columns divide a proxy's CPU by the work done: microseconds of "
      "CPU per request (non-streamed) or per chunk (streamed)"
      + (", for the relay (coordinator, node) and for nginx (its worker process)." if has_nginx else "."))
    w("")
    procs = ("loadgen", "upstream") + (("nginx",) if has_nginx else ()) + ("coordinator", "node", "other")
    per_unit = ("coordinator", "node") + (("nginx",) if has_nginx else ())
    header(w, "| point | path | " + " | ".join(procs) + " | "
           + " | ".join(f"{p} µs/unit" for p in per_unit) + " |", first_columns=2)
    for kind, cs in (("plain", plain_cs), ("stream", stream_cs), ("exec", exec_cs)):
        for c in cs:
            for mode in modes:
                d = rows.get((mode, kind, c))
                if not d:
                    continue
                cc = d.get("cpu_cores", {})
                label = f"{ {'plain': 'non-streamed', 'stream': 'streamed', 'exec': 'exec'}[kind]}, c={c}"
                # Each path's own proxies: the relay's two processes, or nginx.
                own = {"through": ("coordinator", "node"), "nginx": ("nginx",)}.get(mode, ())
                units = " | ".join(per_unit_us(d, p) if p in own else "" for p in per_unit)
                w(f"| {label} | {mode} | " + " | ".join(f"{cc.get(k, 0):.2f}" for k in procs)
                  + f" | {units} |")
    w("")

    errs = [r for r in rows.values() if r.get("errors")]
    if errs:
        w("Errors seen (first message of each run):")
        w("")
        for r in errs:
            w(f"- {r['mode']} {r['kind']} c={r['concurrency']}: {r['errors']} errors; "
              f"`{r.get('first_error') or 'n/a'}`")
        w("")

    w("## Targets (issue 2)")
    w("")
    w("| target | measured | |")
    w("| --- | --- | --- |")
    d1, t1 = rows.get(("direct", "plain", 1)), rows.get(("through", "plain", 1))
    if d1 and t1:
        added = t1["p50_ms"] - d1["p50_ms"]
        w(f"| added p50 latency < {TARGET_ADDED_P50_MS} ms at 1 client | {added:.3f} ms "
          f"| {verdict(added < TARGET_ADDED_P50_MS)} |")
    t64 = rows.get(("through", "plain", 64))
    if t64:
        w(f"| ≥ {TARGET_RPS_AT_64:,} req/s at 64 clients | {num(t64['rps'])} req/s "
          f"| {verdict(t64['rps'] >= TARGET_RPS_AT_64 and t64['errors'] == 0)} |")
    streams = [r for (m, k, c), r in rows.items() if m == "through" and k == "stream"]
    if streams:
        best = max(streams, key=lambda r: r["chunks_per_s"])
        w(f"| ≥ {TARGET_CHUNKS_PER_S:,} streamed chunks/s relayed | {num(best['chunks_per_s'])} chunks/s "
          f"(best point, c={best['concurrency']}) | {verdict(best['chunks_per_s'] >= TARGET_CHUNKS_PER_S)} |")
    w("")
    if has_nginx:
        w("For scale, nginx as a one-hop reverse proxy, measured in the same run: the \"nginx added p50\" "
          "and \"nginx req/s\" columns of the non-streamed table, and \"nginx chunks/s\" of the streamed one.")
    else:
        w("For scale, nginx as a one-hop reverse proxy would be measured in the same run, but it was not "
          "installed this time (`scripts/setup` installs it).")
    w("Issue 2 also quotes a popular Node.js AI gateway (not re-measured here) at about 1.3 ms added and "
      "about 800 req/s.")
    w("")
    w("## Notes")
    w("")
    w(NOTES.rstrip())
    w("")

    # Sections that other scripts write (scripts/bench-scheduling) stay.
    for kept in doc_sections.sections(doc_sections.read(a.out), doc_sections.OWNED):
        w(kept)
        w("")

    with open(a.out, "w") as f:
        f.write("\n".join(out))


if __name__ == "__main__":
    main()
