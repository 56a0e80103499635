// The harness turns a sanitizer report from any process it started into a
// test failure (make test-asan relies on it). Checked with a stand-in process
// that writes a report the way ASan/UBSan do, so it holds in every build.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Harness, sanitizerReport } from '../lib/harness.mjs';

const SH = '/bin/sh';
const ASAN_REPORT =
  '==4242==ERROR: AddressSanitizer: heap-use-after-free on address 0x602000000010\\n' +
  '    #0 0x55 in potluck::net::HttpServer::serve src/net/http_server.cpp:120\\n' +
  'SUMMARY: AddressSanitizer: heap-use-after-free src/net/http_server.cpp:120\\n';
const UBSAN_REPORT = 'src/protocol/frames.cpp:212:9: runtime error: signed integer overflow\\n';

test('a spawned process that printed a sanitizer report fails close()', async () => {
  const h = new Harness('sanitizer-spawn');
  const proc = h.spawn('victim', SH, ['-c', `printf '${ASAN_REPORT}' >&2; exit 1`]);
  await proc.exited;
  await assert.rejects(h.close(), /sanitizer report:[\s\S]*victim[\s\S]*heap-use-after-free/);
});

test('a short command that printed a UBSan report fails close()', async () => {
  const h = new Harness('sanitizer-run');
  const r = await h.run(SH, ['-c', `printf '${UBSAN_REPORT}' >&2; exit 0`]);
  assert.equal(r.code, 0);
  await assert.rejects(h.close(), /sanitizer report:[\s\S]*runtime error: signed integer overflow/);
});

test('processes without reports close cleanly', async () => {
  const h = new Harness('sanitizer-clean');
  const proc = h.spawn('quiet', SH, ['-c', "echo 'ERROR: upstream answered 500' >&2"]);
  await proc.exited;
  await h.run(SH, ['-c', 'echo fine >&2']);
  await h.close();
});

test('sanitizerReport finds the report among other log lines', () => {
  const log = `2024-01-01 info started\n${ASAN_REPORT.replaceAll('\\n', '\n')}more\n`;
  assert.match(sanitizerReport(log), /^==4242==ERROR: AddressSanitizer/);
  assert.equal(sanitizerReport('[warn] runtime error budget exceeded\n'), null);
});
