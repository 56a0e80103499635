// Turns raw usage events (from /api/usage.csv) into chart series: per time
// bucket and model, requests and tokens; latency percentiles per bucket.
// Also fills the Overview's per-minute counts into a whole hour.

export function bucketSeconds(fromS, toS) {
  return toS - fromS <= 2 * 86400 ? 3600 : 86400;
}

/** Bucket start times covering [fromS, toS). */
export function buckets(fromS, toS, step) {
  const out = [];
  for (let t = Math.floor(fromS / step) * step; t < toS; t += step) out.push(t);
  return out;
}

export function percentile(sorted, p) {
  if (!sorted.length) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

function indexOf(x, step, ts) {
  return Math.floor((ts - x[0]) / step);
}

/** [{label: model, values}] of `measure(event)` summed per bucket. */
export function sumByModel(events, x, step, measure) {
  const byModel = new Map();
  for (const e of events) {
    const i = indexOf(x, step, e.ts);
    if (i < 0 || i >= x.length) continue;
    if (!byModel.has(e.model)) byModel.set(e.model, new Array(x.length).fill(0));
    byModel.get(e.model)[i] += measure(e);
  }
  return [...byModel.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([label, values]) => ({ label, values }));
}

/** p50/p90/p99 of latency_ms per bucket (null where no event). */
export function latencyPercentiles(events, x, step, ps = [50, 90, 99]) {
  const perBucket = x.map(() => []);
  for (const e of events) {
    const i = indexOf(x, step, e.ts);
    if (i >= 0 && i < x.length) perBucket[i].push(e.latency_ms);
  }
  for (const list of perBucket) list.sort((a, b) => a - b);
  return ps.map((p) => ({ label: `p${p}`, values: perBucket.map((list) => percentile(list, p)) }));
}

/** CSV rows -> events with numbers and Unix-second timestamps. */
export function usageEvents(rows) {
  return rows.map((r) => ({
    ts: Date.parse(r.ts) / 1000,
    model: r.model || r.kind, // exec events name no model: shown as "exec"
    status: r.status,
    prompt_tokens: Number(r.prompt_tokens),
    completion_tokens: Number(r.completion_tokens),
    latency_ms: Number(r.latency_ms),
  }));
}

// The last hour minute by minute, with the minutes the coordinator did not
// list (nothing happened) as zeros.
export function lastHour(perMinute, nowS = Date.now() / 1000) {
  const byMinute = new Map(perMinute.map((m) => [m.minute, m]));
  const current = Math.floor(nowS / 60) * 60;
  const hour = [];
  for (let minute = current - 59 * 60; minute <= current; minute += 60)
    hour.push(byMinute.get(minute) ?? { minute, jobs: 0, tokens_in: 0, tokens_out: 0, errors: 0 });
  return hour;
}
