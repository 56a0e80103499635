// The dashboard's pure modules, run in Node (no browser): CSV parsing, the
// usage chart series, the SSE reader on bodies split at awkward places, and
// the Wallet's Lightning helpers.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseCsv } from '../../web/src/csv.js';
import { failureText, formatSats, lightningUri, satsForCredits } from '../../web/src/lightning.js';
import { sseData } from '../../web/src/sse.js';
import { buckets, bucketSeconds, lastHour, latencyPercentiles, percentile, sumByModel, usageEvents } from '../../web/src/usage_series.js';

describe('parseCsv', () => {
  test('quoted fields, doubled quotes, commas and line breaks inside quotes, CRLF', () => {
    const text = 'a,b,c\r\n1,"x, y","say ""hi"""\r\n2,"line\r\nbreak",\r\n';
    assert.deepEqual(parseCsv(text), [
      { a: '1', b: 'x, y', c: 'say "hi"' },
      { a: '2', b: 'line\r\nbreak', c: '' },
    ]);
  });

  test('a last row without a line break, and an empty body', () => {
    assert.deepEqual(parseCsv('a,b\n1,2'), [{ a: '1', b: '2' }]);
    assert.deepEqual(parseCsv(''), []);
    assert.deepEqual(parseCsv('a,b\r\n'), []);
  });

  test("the coordinator's formula guard stays visible text", () => {
    assert.deepEqual(parseCsv('model\r\n"\'=cmd"\r\n'), [{ model: "'=cmd" }]);
  });
});

describe('usage series', () => {
  const day = 86400;
  test('hourly buckets up to two days, daily beyond', () => {
    assert.equal(bucketSeconds(0, 2 * day), 3600);
    assert.equal(bucketSeconds(0, 2 * day + 1), day);
    assert.deepEqual(buckets(day, 3 * day, day), [day, 2 * day]);
    assert.deepEqual(buckets(day + 10, day + 7200, 3600), [day, day + 3600]);
  });

  test('nearest-rank percentiles', () => {
    const sorted = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
    assert.equal(percentile(sorted, 50), 50);
    assert.equal(percentile(sorted, 90), 90);
    assert.equal(percentile(sorted, 99), 100);
    assert.equal(percentile([7], 50), 7);
    assert.equal(percentile([], 50), null);
  });

  test('events summed per model and bucket; latency percentiles per bucket; outside events ignored', () => {
    const events = usageEvents(parseCsv(
      'ts,model,kind,status,prompt_tokens,completion_tokens,latency_ms\r\n' +
      '1970-01-02T00:10:00.000Z,m1,chat,ok,3,5,100\r\n' +
      '1970-01-02T00:20:00.000Z,m1,chat,ok,1,1,300\r\n' +
      '1970-01-02T01:05:00.000Z,m2,chat,error,2,0,50\r\n' +
      '1970-01-02T01:30:00.000Z,,exec,ok,0,0,200\r\n' +
      '1970-01-05T00:00:00.000Z,m1,chat,ok,9,9,9\r\n'));
    const x = buckets(day, day + 7200, 3600);
    assert.deepEqual(sumByModel(events, x, 3600, () => 1), [
      { label: 'exec', values: [0, 1] },
      { label: 'm1', values: [2, 0] },
      { label: 'm2', values: [0, 1] },
    ]);
    assert.deepEqual(sumByModel(events, x, 3600, (e) => e.completion_tokens).find((s) => s.label === 'm1').values, [6, 0]);
    assert.deepEqual(latencyPercentiles(events, x, 3600, [50, 99]), [
      { label: 'p50', values: [100, 50] },
      { label: 'p99', values: [300, 200] },
    ]);
  });
});

test("the Overview's last hour: sixty minutes, missing ones as zeros, older ones dropped", () => {
  const now = 1_000_000_030; // 30 s into a minute
  const current = 1_000_000_020 - (1_000_000_020 % 60);
  const hour = lastHour([
    { minute: current, jobs: 2, tokens_in: 5, tokens_out: 7, errors: 1 },
    { minute: current - 3600, jobs: 9, tokens_in: 9, tokens_out: 9, errors: 9 },
  ], now);
  assert.equal(hour.length, 60);
  assert.equal(hour[0].minute, current - 59 * 60);
  assert.deepEqual(hour.at(-1), { minute: current, jobs: 2, tokens_in: 5, tokens_out: 7, errors: 1 });
  assert.equal(hour.reduce((sum, m) => sum + m.jobs, 0), 2);
});

describe('sseData', () => {
  function body(...pieces) {
    const encoder = new TextEncoder();
    return new Response(new ReadableStream({
      start(controller) {
        for (const piece of pieces) controller.enqueue(encoder.encode(piece));
        controller.close();
      },
    }));
  }

  async function collect(response) {
    const out = [];
    for await (const data of sseData(response)) out.push(data);
    return out;
  }

  test('events split across reads, CRLF, comments and multi-line data; [DONE] ends the stream', async () => {
    const response = body('data: {"a"', ':1}\r\n\r\n: keep-alive\n\n', 'data: line1\ndata: line2\n\nda', 'ta: [DONE]\n\ndata: after\n\n');
    assert.deepEqual(await collect(response), ['{"a":1}', 'line1\nline2']);
  });

  test('a body that ends without [DONE] ends the events', async () => {
    assert.deepEqual(await collect(body('data:x\n\n', 'data: y')), ['x']);
  });
});

describe('lightning helpers', () => {
  test('credits to sats at the coordinator\'s rate, exactly, in decimal', () => {
    assert.deepEqual(satsForCredits('10', '0.01'), { sats: 1000n, exact: true });
    assert.deepEqual(satsForCredits('12.5', '0.01'), { sats: 1250n, exact: true });
    assert.deepEqual(satsForCredits(' 0.3 ', '0.1'), { sats: 3n, exact: true }, 'no binary rounding (0.3 / 0.1)');
    assert.deepEqual(satsForCredits('0.005', '0.01'), { sats: 0n, exact: false });
    assert.deepEqual(satsForCredits('1', '0.000003'), { sats: 333333n, exact: false });
    for (const bad of ['', 'ten', '-1', '1e3', '0', '1.2.3']) assert.equal(satsForCredits(bad, '0.01'), null, bad);
    assert.equal(satsForCredits('1', '0'), null);
    assert.equal(satsForCredits('1', undefined), null);
  });

  test('the QR payload is the lightning: URI upper-cased; sats and failure reasons read as words', () => {
    assert.equal(lightningUri('lnbcrt10u1pabc'), 'LIGHTNING:LNBCRT10U1PABC');
    assert.match(lightningUri('lnbcrt10u1p0xyz'), /^[0-9A-Z $%*+\-./:]*$/, 'QR alphanumeric mode');
    assert.equal(formatSats(1234567), '1,234,567');
    assert.equal(formatSats(1000n), '1,000');
    assert.equal(failureText('FAILURE_REASON_NO_ROUTE'), 'no route');
    assert.equal(failureText('FAILURE_REASON_INSUFFICIENT_BALANCE'), 'insufficient balance');
    assert.equal(failureText(null), '');
    assert.equal(failureText('the node is offline'), 'the node is offline');
  });
});
