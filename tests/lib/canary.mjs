// The privacy canary: a random string that is found nowhere by chance, and a
// scanner that reports every file under a directory that contains it (raw
// bytes, so binary files such as the SQLite db count too).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { listFiles, randomToken } from './harness.mjs';

/**
 * A fresh canary: {SECRET, CANARY, NEEDLES}. NEEDLES are the whole canary,
 * its random part alone, and the first half of that, each also upper-cased
 * (so a truncated, re-cased or partly logged canary is caught too).
 */
export function makeCanary() {
  const SECRET = randomToken(16); // 32 hex chars
  const CANARY = `canary${SECRET}`;
  const NEEDLES = [CANARY, SECRET, SECRET.toUpperCase(), SECRET.slice(0, 16), SECRET.slice(0, 16).toUpperCase()].map(
    (s) => Buffer.from(s),
  );
  return { SECRET, CANARY, NEEDLES };
}

/** Files under `root` containing any of `needles`, with some context each. */
export function filesContaining(root, needles) {
  const hits = [];
  for (const file of listFiles(root)) {
    let bytes;
    try {
      bytes = readFileSync(file);
    } catch {
      continue; // removed while we looked (e.g. a -wal file at shutdown)
    }
    for (const needle of needles) {
      const at = bytes.indexOf(needle);
      if (at >= 0) {
        const context = bytes.subarray(Math.max(0, at - 80), at + needle.length + 80).toString('latin1');
        hits.push(`${path.relative(root, file)} @${at}: ...${JSON.stringify(context)}...`);
        break;
      }
    }
  }
  return hits;
}
