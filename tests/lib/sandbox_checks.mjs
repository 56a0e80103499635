// The walls and limits of the exec sandbox, as a consumer's program sees
// them through a real coordinator and node: time, processes, memory, the file
// system, the network, the node's own files, system calls, output size, and
// two jobs that must not see each other. Registered by the exec tests for
// each isolation (bubblewrap or the node's own namespaces).
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';

/**
 * Registers the sandbox tests. `world()` returns {coord, node, key} once the
 * file's before() has started them; `h` is the file's harness.
 */
export function describeSandbox(h, world, title = 'the sandbox') {
  const py = (source, extra = {}) => {
    const { coord, key } = world();
    return coord.post('/v1/exec', { language: 'python3', source, ...extra }, key);
  };
  describe(title, () => {
    test('an infinite loop is stopped at its timeout', h.wrap(async () => {
      const r = await py('while True:\n    pass', { timeout_ms: 1000 });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.timed_out, true);
      assert.notEqual(r.json.signal, 0, 'killed by a signal');
    }));

    test('a fork bomb is contained by the process limit', h.wrap(async () => {
      const r = await py(
        [
          'import os, time',
          'n = 0',
          'try:',
          '    while True:',
          '        if os.fork() == 0:',
          '            time.sleep(30)',
          '            os._exit(0)',
          '        n += 1',
          'except OSError as e:',
          '    print("refused after", n, "forks:", e.strerror)',
        ].join('\n'),
        { timeout_ms: 5000 },
      );
      assert.equal(r.status, 200, r.text);
      const m = r.json.stdout.match(/refused after (\d+) forks/);
      assert.ok(m, `the fork was refused: ${r.json.stdout} ${r.json.stderr}`);
      assert.ok(Number(m[1]) < 64, 'no more processes than the limit');
      assert.equal(r.json.timed_out, false, 'the program ended without waiting for its children');
      const after = await py('print("still here")');
      assert.equal(after.json.stdout, 'still here\n', 'the node runs the next job');
    }));

    test('a memory bomb is stopped at its memory limit', h.wrap(async () => {
      const r = await py('chunks = []\nwhile True:\n    chunks.append(bytearray(8 * 1024 * 1024))', { memory_mb: 64 });
      assert.equal(r.status, 200, r.text);
      assert.notEqual(r.json.exit_code, 0);
      assert.match(r.json.stderr, /MemoryError/);
      // Under ASan (make test-asan) the program is forked from the
      // instrumented helper, whose shadow memory counts in the child's peak
      // RSS before exec: the figure says nothing about the program there.
      if (!process.env.POTLUCK_SANITIZER_BUILD)
        assert.ok(r.json.max_rss_kb < 128 * 1024, `it never held much more than its limit (${r.json.max_rss_kb} kB)`);
    }));

    test('writing outside the work directory is refused', h.wrap(async () => {
      const r = await py(
        [
          'import os',
          'for p in ["/usr/evil", "/etc/evil", "/evil", "/work/../evil", "/proc/evil"]:',
          '    try:',
          '        open(p, "w").write("x")',
          '        print(p, "WRITTEN")',
          '    except OSError as e:',
          '        print(p, "refused")',
          'open("mine.txt", "w").write("ok")',
          'open("/tmp/scratch", "w").write("ok")',
          'print("work dir", open("mine.txt").read(), os.getcwd())',
        ].join('\n'),
      );
      assert.equal(r.status, 200, r.text);
      assert.doesNotMatch(r.json.stdout, /WRITTEN/);
      assert.equal((r.json.stdout.match(/refused/g) ?? []).length, 5);
      assert.match(r.json.stdout, /work dir ok \/work/);
    }));

    test('a network connection is refused', h.wrap(async () => {
      const port = new URL(world().coord.url).port;
      const r = await py(
        [
          'import socket',
          `for host, port in [("127.0.0.1", ${port}), ("1.1.1.1", 53), ("::1", ${port})]:`,
          '    try:',
          '        socket.create_connection((host, port), timeout=3)',
          '        print(host, "CONNECTED")',
          '    except OSError as e:',
          '        print(host, "refused")',
        ].join('\n'),
      );
      assert.equal(r.status, 200, r.text);
      assert.doesNotMatch(r.json.stdout, /CONNECTED/);
      assert.equal((r.json.stdout.match(/refused/g) ?? []).length, 3);
    }));

    test("the node's state dir, token and home are out of reach", h.wrap(async () => {
      const { node } = world();
      const targets = [
        path.join(node.stateDir, 'node_id'),
        node.stateDir,
        h.root,
        path.join(h.root, 'home'),
        `/proc/${node.pid}/cmdline`,
        `/proc/${node.pid}/environ`,
      ];
      const r = await py(
        [
          'import os, json',
          `for p in ${JSON.stringify(targets)}:`,
          '    try:',
          '        print(p, "READ", os.listdir(p) if os.path.isdir(p) else open(p, "rb").read()[:40])',
          '    except OSError:',
          '        print(p, "refused")',
          `print("token seen" if any(${JSON.stringify(node.token)}.encode() in open(f"/proc/{p}/cmdline", "rb").read() for p in os.listdir("/proc") if p.isdigit()) else "token unseen")`,
        ].join('\n'),
      );
      assert.equal(r.status, 200, r.text);
      assert.doesNotMatch(r.json.stdout, /READ/, r.json.stdout);
      assert.equal((r.json.stdout.match(/refused/g) ?? []).length, targets.length);
      assert.match(r.json.stdout, /token unseen/);
    }));

    test('dangerous system calls are refused', h.wrap(async () => {
      const r = await py(
        [
          'import ctypes, os',
          'libc = ctypes.CDLL(None, use_errno=True)',
          'print("ptrace", libc.ptrace(16, 1, 0, 0), ctypes.get_errno())',  // PTRACE_ATTACH to pid 1
          'print("unshare", libc.unshare(0x10000000), ctypes.get_errno())',  // CLONE_NEWUSER
          'print("mount", libc.mount(b"none", b"/tmp", b"tmpfs", 0, None), ctypes.get_errno())',
        ].join('\n'),
      );
      assert.equal(r.status, 200, r.text);
      for (const call of ['ptrace', 'unshare', 'mount']) assert.match(r.json.stdout, new RegExp(`${call} -1 1\\n`), r.json.stdout);
    }));

    test('an output flood is truncated and flagged', h.wrap(async () => {
      const r = await py('import sys\nwhile True:\n    sys.stdout.write("x" * 4096)');
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.truncated, true);
      assert.equal(r.json.stdout.length, 1 << 20, 'exactly the node limit is kept');
      assert.match(r.json.stdout, /^x+$/);
    }));

    test('two jobs at once do not see each other\'s files', h.wrap(async () => {
      const program = (name) =>
        py(
          [
            'import os, sys, time',
            `open("${name}.txt", "w").write("${name}")`,
            `open("/tmp/${name}.tmp", "w").write("${name}")`,
            'time.sleep(1.5)',
            'print(sorted(os.listdir(".")), sorted(os.listdir("/tmp")))',
          ].join('\n'),
        );
      const [a, b] = await Promise.all([program('alpha'), program('beta')]);
      assert.equal(a.status, 200, a.text);
      assert.equal(b.status, 200, b.text);
      assert.equal(a.json.stdout, "['alpha.txt', 'main.py'] ['alpha.tmp']\n");
      assert.equal(b.json.stdout, "['beta.txt', 'main.py'] ['beta.tmp']\n");
    }));
  });
}
