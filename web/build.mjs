// Builds the dashboard: `node build.mjs --outdir DIR` writes DIR/index.html,
// DIR/assets/app.js and DIR/assets/app.css (fixed names, see
// /work/notes/dashboard-contract.md). Everything is bundled: no request
// leaves the coordinator at run time.
import { build } from 'esbuild';
import { mkdir, copyFile } from 'node:fs/promises';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({ options: { outdir: { type: 'string' } } });
if (!values.outdir) {
  console.error('usage: node build.mjs --outdir DIR');
  process.exit(2);
}
const outdir = values.outdir;
await mkdir(join(outdir, 'assets'), { recursive: true });
await build({
  entryPoints: { app: join(here, 'src/main.js') },
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2022',
  outdir: join(outdir, 'assets'),
  logLevel: 'warning',
});
await copyFile(join(here, 'src/index.html'), join(outdir, 'index.html'));
