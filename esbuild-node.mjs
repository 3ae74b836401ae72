// How this repository bundles its TypeScript for Node with esbuild, written once: the build
// (build.mjs), the benches (bench/*.mjs) and tests that run sources in a child process.
import { build } from 'esbuild';

/** ESM for Node 20 and later; packages stay external, so each loads from node_modules as the tool loads it. */
export const NODE_BUNDLE = { bundle: true, format: 'esm', platform: 'node', target: 'node20', packages: 'external', logLevel: 'warning' };

/** Bundles TypeScript source text (its imports resolved from `root`) into `outfile`, and returns `outfile`. */
export async function bundleSource(root, contents, outfile) {
  await build({ ...NODE_BUNDLE, stdin: { contents, resolveDir: root, loader: 'ts' }, outfile });
  return outfile;
}
