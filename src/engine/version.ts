// The tool's version: put in at bundle time (build.mjs), so startup reads no file; when
// run from source (tests), read from package.json.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from './package-root.js';

declare const __ORIGIN_SETUP_VERSION__: string | undefined;

export function version(): string {
  if (typeof __ORIGIN_SETUP_VERSION__ === 'string') return __ORIGIN_SETUP_VERSION__;
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}
