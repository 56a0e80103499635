// What an operator deploys (docs/deploy.md): log files with a bounded
// retention (--log-file, --log-retention-days), and the Debian package built
// by CPack from this build tree, unpacked into a scratch root with
// `dpkg-deb -x` and run from there.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { POTLUCK_BIN, useHarness, waitFor } from '../lib/harness.mjs';
import { filesContaining, makeCanary } from '../lib/canary.mjs';

const h = useHarness('deploy');
const BUILD_DIR = path.dirname(path.dirname(POTLUCK_BIN));
// Debian's cmake, dpkg and systemd (scripts/setup); the harness runs programs by path.
const CPACK = process.env.CPACK_BIN ?? '/usr/bin/cpack';
const DPKG_DEB = '/usr/bin/dpkg-deb';
const SYSTEMD_ANALYZE = '/usr/bin/systemd-analyze';

const day = (offsetDays) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

describe('--log-file', () => {
  let coord, logs;

  before(h.wrap(async () => {
    logs = h.dir('logs');
    for (const d of [-30, -8, -3]) writeFileSync(path.join(logs, `serve_${day(d)}.log`), 'an old line\n');
    writeFileSync(path.join(logs, 'unrelated_2000-01-01.log'), 'not ours\n');
    coord = await h.startCoordinator({
      name: 'logged',
      logLevel: 'trace',
      args: ['--log-file', path.join(logs, 'serve.log'), '--log-retention-days', '7'],
    });
  }));

  test('lines go to the day\'s file, not stderr, and days past the retention are deleted', h.wrap(async () => {
    const today = path.join(logs, `serve_${day(0)}.log`);
    await waitFor(() => existsSync(today) && readFileSync(today, 'utf8').includes('[serve] [info]'), {
      what: "a log line in today's file",
    });
    assert.doesNotMatch(readFileSync(coord.proc.stderrPath, 'utf8'), /\[info\]/);
    const names = readdirSync(logs).sort();
    assert.ok(!names.includes(`serve_${day(-30)}.log`), names.join(' '));
    assert.ok(!names.includes(`serve_${day(-8)}.log`), names.join(' '));
    assert.ok(names.includes(`serve_${day(-3)}.log`), names.join(' '));
    assert.ok(names.includes('unrelated_2000-01-01.log'), names.join(' '));
  }));

  test('a node logs to its own file, and no prompt or completion reaches either file', h.wrap(async () => {
    const key = await coord.adminKey();
    const node = await h.startNode({
      coordinator: coord,
      models: ['mock-model'],
      logLevel: 'trace',
      args: ['--log-file', path.join(logs, 'node.log')],
    });
    await coord.waitForModel(key, 'mock-model');
    const { CANARY, NEEDLES } = makeCanary();
    for (const stream of [false, true]) {
      const res = await coord.request('POST', '/v1/chat/completions', {
        key,
        body: { model: 'mock-model', stream, messages: [{ role: 'user', content: `say ${CANARY}` }] },
      });
      assert.equal(res.status, 200, res.text);
      assert.ok(res.text.length > 0);
    }
    const nodeLog = path.join(logs, `node_${day(0)}.log`);
    await waitFor(() => existsSync(nodeLog) && readFileSync(nodeLog, 'utf8').includes('[node] [info]'), {
      what: "a line in the node's file",
    });
    assert.deepEqual(filesContaining(logs, NEEDLES), []);
    await node.stop();
  }));

  test('a log path that cannot be opened stops start-up with a clear error', h.wrap(async () => {
    const blocker = path.join(h.dir('bad-logs'), 'a-file');
    writeFileSync(blocker, '');
    const r = await h.potluck(['serve', '--listen', '127.0.0.1:0', '--data-dir', h.dir('bad-data'),
      '--log-file', path.join(blocker, 'serve.log')]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /potluck serve: cannot open the log file/);
    const days = await h.potluck(['serve', '--log-retention-days', '0']);
    assert.notEqual(days.code, 0);
    assert.match(days.stderr, /--log-retention-days/);
  }));
});

describe('the Debian package', () => {
  let deb, root;

  before(h.wrap(async () => {
    const out = h.dir('package');
    const r = await h.run(CPACK, ['--config', path.join(BUILD_DIR, 'CPackConfig.cmake'), '-B', out],
      { timeoutMs: 300_000, cwd: BUILD_DIR });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    deb = readdirSync(out).filter((f) => f.endsWith('.deb')).map((f) => path.join(out, f))[0];
    assert.ok(deb, `no .deb in ${readdirSync(out)}`);
    root = h.dir('root');
    const x = await h.run(DPKG_DEB, ['-x', deb, root]);
    assert.equal(x.code, 0, x.stderr);
  }));

  test('its control data names the package, its dependencies and the user it creates', h.wrap(async () => {
    const fields = await h.run(DPKG_DEB, ['-f', deb, 'Package', 'Depends', 'Recommends']);
    assert.equal(fields.code, 0, fields.stderr);
    assert.match(fields.stdout, /^Package: potluck$/m);
    assert.match(fields.stdout, /^Depends: .*libsqlite3/m);
    assert.match(fields.stdout, /^Depends: .*libssl3/m);
    assert.match(fields.stdout, /^Recommends: bubblewrap$/m);
    const control = h.dir('control');
    assert.equal((await h.run(DPKG_DEB, ['-e', deb, control])).code, 0);
    const postinst = readFileSync(path.join(control, 'postinst'), 'utf8');
    assert.match(postinst, /useradd --system[^\n]*\\\n[^\n]* potluck\n/);
  }));

  test('it holds the binary, the dashboard, the units and the deployment guide', h.wrap(async () => {
    for (const file of [
      'usr/bin/potluck',
      'usr/share/potluck/web/index.html',
      'usr/lib/systemd/system/potluck-serve.service',
      'usr/lib/systemd/system/potluck-node.service',
      'usr/share/doc/potluck/deploy.md',
      'usr/share/doc/potluck/examples/journald-potluck.conf',
    ])
      assert.ok(existsSync(path.join(root, file)), file);
    const serveUnit = readFileSync(path.join(root, 'usr/lib/systemd/system/potluck-serve.service'), 'utf8');
    for (const line of ['User=potluck', 'StateDirectory=potluck/serve', 'NoNewPrivileges=yes', 'ProtectSystem=strict',
      'ProtectHome=yes', 'PrivateTmp=yes', 'Restart=on-failure', 'ExecReload=/bin/kill -HUP $MAINPID'])
      assert.ok(serveUnit.split('\n').includes(line), line);
    const nodeUnit = readFileSync(path.join(root, 'usr/lib/systemd/system/potluck-node.service'), 'utf8');
    assert.ok(!/^RestrictNamespaces=/m.test(nodeUnit), 'the exec sandbox needs namespaces');
  }));

  test('its units pass systemd-analyze verify (no unknown keys, no bad values)', h.wrap(async () => {
    // verify checks that ExecStart= exists: point it at the unpacked binary.
    const units = h.dir('units');
    for (const unit of ['potluck-serve.service', 'potluck-node.service']) {
      const text = readFileSync(path.join(root, 'usr/lib/systemd/system', unit), 'utf8');
      writeFileSync(path.join(units, unit), text.replaceAll('/usr/bin/potluck', path.join(root, 'usr/bin/potluck')));
    }
    const r = await h.run(SYSTEMD_ANALYZE, ['verify', path.join(units, 'potluck-serve.service'),
      path.join(units, 'potluck-node.service')]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr.trim(), '');
  }));

  test('the unpacked binary runs and serves the dashboard it was packaged with', h.wrap(async () => {
    const bin = path.join(root, 'usr/bin/potluck');
    const version = await h.run(bin, ['--version']);
    assert.equal(version.code, 0, version.stderr);
    assert.match(version.stdout, /\d+\.\d+\.\d+/);
    const help = await h.run(bin, ['serve', '--help']);
    assert.equal(help.code, 0, help.stderr);
    assert.ok(help.stdout.includes(path.join(root, 'usr/share/potluck/web')), help.stdout);
    const proc = h.spawn('packaged', bin, ['serve', '--listen', '127.0.0.1:0', '--data-dir', h.dir('packaged-data')]);
    const m = await proc.waitForStdout(/potluck serve listening on (http:\/\/[\d.]+:\d+)/);
    const page = await fetch(`${m[1]}/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<script/);
    await proc.stop();
  }));
});
