// Display formats shared by the pages. Times are shown in the browser's
// locale; the API speaks Unix seconds (audit rows: milliseconds).

export function dateTime(unixSeconds) {
  if (unixSeconds === null || unixSeconds === undefined) return '—';
  return new Date(unixSeconds * 1000).toLocaleString();
}

export function clockTime(date) {
  return date.toLocaleTimeString();
}

export function ago(unixSeconds, now = Date.now() / 1000) {
  if (!unixSeconds) return '—';
  const s = Math.max(0, Math.round(now - unixSeconds));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

export function integer(n) {
  return Number(n ?? 0).toLocaleString();
}

export function milliseconds(ms) {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return '—';
  return `${Math.round(ms).toLocaleString()} ms`;
}

export function percent(fraction) {
  return `${(Number(fraction ?? 0) * 100).toFixed(1)} %`;
}

/** "YYYY-MM-DD" of a Date, in UTC (the API's date parameters are UTC days). */
export function utcDay(date) {
  return date.toISOString().slice(0, 10);
}
