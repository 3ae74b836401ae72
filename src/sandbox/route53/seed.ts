// What a new sandbox's Route53 holds: one public hosted zone, example.test. (a name
// reserved for testing, so nothing in it can be mistaken for a real host), with the SOA
// and NS record sets Route53 gives every new zone.
import type { SandboxState } from '../model.js';
import { addZone } from './index.js';

export const SANDBOX_ZONE = 'example.test.';

export function seedRoute53(state: SandboxState): void {
  addZone(state, { name: SANDBOX_ZONE, callerReference: 'origin-setup-sandbox-seed', comment: "the sandbox's own zone" });
}
