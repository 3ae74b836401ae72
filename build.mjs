// Bundles src/ into dist/cli.js (plus lazily loaded chunks). One file instead of ~200
// modules cuts cold start by about a quarter (bench/startup.mjs). The AWS SDK, ssh2 and
// the other dependencies stay external and are still imported only where they are used.
// Type checking is tsc's job (`tsc --noEmit` runs before this in `npm run build`).
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';
import { NODE_BUNDLE } from './esbuild-node.mjs';

rmSync(new URL('./dist', import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: ['src/cli.ts'],
  ...NODE_BUNDLE,
  outdir: 'dist',
  splitting: true,
  sourcemap: true,
  chunkNames: 'chunks/[name]-[hash]',
  define: { __ORIGIN_SETUP_VERSION__: JSON.stringify(JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')).version) },
});

// The quick entry is one file of its own: every module less to load counts when a shell
// runs it on each Tab.
await build({
  entryPoints: ['src/quick.ts'],
  ...NODE_BUNDLE,
  outfile: 'dist/quick.js',
});

// `list` and shell completion read the registry as data from here (src/quick.ts), so they
// load no task code. It is written from the bundle just built, so it cannot go stale.
const { catalogue } = await import(new URL(`./dist/cli.js?${Date.now()}`, import.meta.url).href);
writeFileSync(new URL('./dist/catalogue.json', import.meta.url), JSON.stringify(catalogue()));
