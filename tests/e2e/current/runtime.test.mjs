// The suites beside this file are meant to run on the Node that
// package.json pins (the `node` package: node_modules/.bin/node, as
// scripts/test runs them) against the library versions it pins: a run on
// another Node, or over a node_modules older than the lock, would pass
// without testing what the docs say it tests.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

const here = new URL('.', import.meta.url);
const readJson = (relative) => JSON.parse(readFileSync(new URL(relative, here), 'utf8'));
const pins = readJson('package.json').devDependencies;

test('runs on the pinned Node, with the pinned libraries installed', () => {
  assert.equal(process.versions.node, pins.node, `run these with ${new URL('node_modules/.bin/node', here).pathname}`);
  assert.ok(Number(process.versions.node.split('.')[0]) >= 22);
  for (const [name, version] of Object.entries(pins)) {
    assert.equal(readJson(`node_modules/${name}/package.json`).version, version,
                 `${name} in node_modules: run scripts/setup`);
  }
});
