// Sandboxed code execution through a real coordinator and a real node
// (`potluck node --exec --backend none`): every language, stdin and args,
// compile errors, and the sandbox's walls and limits: time, processes,
// memory, the file system, the network, the node's own files, output size,
// and two jobs that must not see each other. Also the API's refusals and
// the usage events, and `potluck exec` end to end.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { useHarness, expectErrorEnvelope, readSse } from '../lib/harness.mjs';

const h = useHarness('exec');
let coord, node, key;

// A language is tested when its toolchain is installed here (the node offers
// exactly those).
function installed(tool) {
  try {
    execFileSync('sh', ['-c', `PATH=/usr/local/bin:/usr/bin:/bin command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const HELLO = {
  python3: { tool: 'python3', source: 'print("hello from python3")' },
  node: { tool: 'node', source: 'console.log("hello from node")' },
  bash: { tool: 'bash', source: 'echo "hello from bash"' },
  c: { tool: 'gcc', source: '#include <stdio.h>\nint main(void){ puts("hello from c"); return 0; }\n' },
  'c++': { tool: 'g++', source: '#include <iostream>\nint main(){ std::cout << "hello from c++" << std::endl; }\n' },
};

before(h.wrap(async () => {
  coord = await h.startCoordinator();
  key = await coord.adminKey();
  // Before any node: a known language nobody offers is 503 with Retry-After.
  const none = await coord.post('/v1/exec', { language: 'bash', source: 'true' }, key);
  expectErrorEnvelope(assert, none, 503);
  assert.ok(Number(none.headers.get('retry-after')) > 0, 'Retry-After is set');

  node = await h.startNode({ coordinator: coord, backend: 'none', maxJobs: 4, args: ['--exec'] });
  await coord.waitForExec(key, 'bash');
}));

const run = (body) => coord.post('/v1/exec', body, key);
const py = (source, extra = {}) => run({ language: 'python3', source, ...extra });

describe('languages', () => {
  for (const [language, { tool, source }] of Object.entries(HELLO)) {
    test(`hello world in ${language}`, { skip: !installed(tool) && `${tool} is not installed` }, h.wrap(async () => {
      const r = await run({ language, source });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.stdout, `hello from ${language}\n`);
      assert.equal(r.json.exit_code, 0);
      assert.equal(r.json.signal, 0);
      assert.equal(r.json.timed_out, false);
      assert.equal(r.json.truncated, false);
      assert.equal(r.json.compile_error, false);
      for (const field of ['duration_ms', 'cpu_ms', 'max_rss_kb']) assert.equal(typeof r.json[field], 'number', field);
      assert.ok(r.json.max_rss_kb > 0, 'the memory high-water mark is measured');
    }));
  }

  test('stdin, args and the exit code reach the program', h.wrap(async () => {
    const r = await py('import sys\nprint(sys.argv[1:])\nprint(sys.stdin.read().upper(), end="")\nsys.exit(7)', {
      stdin: 'some input\n',
      args: ['one', 'two words'],
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.stdout, "['one', 'two words']\nSOME INPUT\n");
    assert.equal(r.json.exit_code, 7);
  }));

  test('extra files are written beside the source', h.wrap(async () => {
    const r = await py('import helper\nprint(helper.greet(), open("data/x.txt").read())', {
      files: [{ path: 'helper.py', content: 'def greet():\n    return "hi"\n' }, { path: 'data/x.txt', content: 'x' }],
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.stdout, 'hi x\n');
  }));

  test('a compile error is reported as such', { skip: !installed('gcc') }, h.wrap(async () => {
    const r = await run({ language: 'c', source: 'int main(void) { return undeclared_thing; }\n' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.compile_error, true);
    assert.notEqual(r.json.exit_code, 0);
    assert.match(r.json.stderr, /undeclared_thing/);
    assert.equal(r.json.stdout, '');
  }));

  test('output streams as SSE events, then the result', h.wrap(async () => {
    const res = await coord.fetch('/v1/exec', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        language: 'python3',
        source: 'import sys\nprint("out", flush=True)\nprint("err", file=sys.stderr, flush=True)\nsys.exit(3)',
        stream: true,
      }),
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /text\/event-stream/);
    const { events, done } = await readSse(res);
    assert.ok(done, 'the stream ends with [DONE]');
    const outputs = events.filter((e) => e.json?.type === 'output');
    assert.equal(outputs.filter((e) => e.json.stream === 'stdout').map((e) => e.json.data).join(''), 'out\n');
    assert.equal(outputs.filter((e) => e.json.stream === 'stderr').map((e) => e.json.data).join(''), 'err\n');
    const result = events.find((e) => e.json?.type === 'result');
    assert.ok(result, 'a result event');
    assert.equal(result.json.exit_code, 3);
    assert.equal(events.indexOf(result), events.length - 2, 'the result is the last event before [DONE]');
  }));
});

describe('the sandbox', () => {
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
    const port = new URL(coord.url).port;
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

describe('the API', () => {
  test('malformed requests are 400 with the field named', h.wrap(async () => {
    expectErrorEnvelope(assert, await run({ source: 'x' }), 400);
    const unknown = await run({ language: 'cobol', source: 'x' });
    expectErrorEnvelope(assert, unknown, 400, { code: 'unknown_language' });
    const badTimeout = await run({ language: 'python3', source: 'pass', timeout_ms: -5 });
    assert.match(expectErrorEnvelope(assert, badTimeout, 400).message, /timeout_ms/);
    const badPath = await run({ language: 'python3', source: 'pass', files: [{ path: '../x', content: '' }] });
    assert.match(expectErrorEnvelope(assert, badPath, 400).message, /path/);
    const notJson = await coord.request('POST', '/v1/exec', { key, rawBody: '{"language":', headers: { 'content-type': 'application/json' } });
    expectErrorEnvelope(assert, notJson, 400);
  }));

  test('a key without the exec scope is refused with 403', h.wrap(async () => {
    const made = await coord.post('/api/keys', { name: 'inference only', scopes: 'inference' }, key);
    assert.equal(made.status, 201, made.text);
    const r = await coord.post('/v1/exec', { language: 'python3', source: 'print(1)' }, made.json.key);
    expectErrorEnvelope(assert, r, 403);
    expectErrorEnvelope(assert, await coord.post('/v1/exec', { language: 'python3', source: 'print(1)' }), 401);
  }));

  test('each exec job leaves one usage event: language, CPU time, exit status', h.wrap(async () => {
    const last = await coord.settle();
    const r = await py('import sys\nx = sum(range(10**6))\nsys.exit(4)');
    assert.equal(r.status, 200, r.text);
    await coord.settle();
    const rows = await coord.usageEvents(`id > ${last}`);
    assert.equal(rows.length, 1);
    const [e] = rows;
    assert.equal(e.kind, 'exec');
    assert.equal(e.language, 'python3');
    assert.equal(e.status, 'ok');
    assert.equal(e.exit_code, 4);
    assert.equal(typeof e.cpu_ms, 'number');
    assert.ok(e.latency_ms >= 0);
    assert.equal(e.node_id.startsWith('node_'), true);
  }));
});

describe('potluck exec (CLI)', () => {
  test('streams the output and exits with the program\'s exit code', h.wrap(async () => {
    const dir = h.dir('cli-exec');
    const file = path.join(dir, 'prog.py');
    const input = path.join(dir, 'input.txt');
    writeFileSync(file, 'import sys\nprint("args", sys.argv[1:])\nprint(sys.stdin.read().strip())\nprint("oops", file=sys.stderr)\nsys.exit(9)\n');
    writeFileSync(input, 'from stdin\n');
    const r = await h.potluck(['exec', file, '--stdin', input, '--coordinator', coord.url, '--key', key, '--', 'a1']);
    assert.equal(r.code, 9, r.stderr);
    assert.equal(r.stdout, "args ['a1']\nfrom stdin\n");
    assert.match(r.stderr, /oops/);
  }));

  test('guesses the language from the extension or takes --language', h.wrap(async () => {
    const dir = h.dir('cli-exec');
    const sh = path.join(dir, 'x.sh');
    writeFileSync(sh, 'echo from bash\n');
    let r = await h.potluck(['exec', sh, '--coordinator', coord.url, '--key', key]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'from bash\n');
    const noExt = path.join(dir, 'script');
    writeFileSync(noExt, 'print("from python")\n');
    r = await h.potluck(['exec', noExt, '--coordinator', coord.url, '--key', key]);
    assert.equal(r.code, 2);
    r = await h.potluck(['exec', noExt, '--language', 'python3', '--coordinator', coord.url, '--key', key]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'from python\n');
  }));
});
