// Builds the dashboard: `node build.mjs --outdir DIR [--watch]` writes
// DIR/index.html, DIR/assets/app.js and DIR/assets/app.css. Everything the
// page needs is in those three files: no CDN, no web fonts, no requests
// anywhere but the coordinator's own API.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = path.dirname(fileURLToPath(import.meta.url));

function options() {
  const { values } = parseArgs({
    options: { outdir: { type: 'string' }, watch: { type: 'boolean', default: false } },
  });
  if (!values.outdir) {
    console.error('usage: node build.mjs --outdir DIR [--watch]');
    process.exit(2);
  }
  return { outdir: path.resolve(values.outdir), watch: values.watch };
}

async function main() {
  const { outdir, watch } = options();
  const assets = path.join(outdir, 'assets');
  mkdirSync(assets, { recursive: true });
  copyFileSync(path.join(here, 'src', 'index.html'), path.join(outdir, 'index.html'));
  const config = {
    absWorkingDir: here,
    entryPoints: { app: 'src/main.js' },
    bundle: true,
    format: 'esm',
    target: ['es2022'],
    minify: !watch,
    sourcemap: watch ? 'inline' : false,
    outdir: assets,
    logLevel: 'warning',
    legalComments: 'none',
  };
  if (watch) {
    const context = await esbuild.context(config);
    await context.watch();
    console.log(`watching web/src, writing ${outdir}`);
    return;
  }
  await esbuild.build(config);
  console.log(`dashboard built in ${outdir}`);
}

main().catch((err) => {
  console.error(err.message);
  process.exit(1);
});
