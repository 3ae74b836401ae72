// The global flags of a plain run (no --verbose, no --json, …), for tests that build
// Settings or a Runner themselves; `over` changes what a test is about.
import type { GlobalFlags } from '../../src/config/settings.js';

export function plainFlags(over: Partial<GlobalFlags> = {}): GlobalFlags {
  return { verbose: false, quiet: false, debug: false, json: false, dryRun: false, color: false, strictHostKeys: false, keepOnFailure: false, ...over };
}
