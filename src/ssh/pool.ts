// Placeholder until the SSH layer lands (issue 3): the contract the runner relies on.
import type { RemoteHost, SshLog, SshSettings } from './types.js';
import { OriginError } from '../engine/errors.js';

export class SshPool {
  handshakes = 0;
  constructor(readonly settings: SshSettings) {}
  async host(name: string, _log: SshLog): Promise<RemoteHost> {
    throw new OriginError(`ssh to ${name}: the SSH layer is not built yet`);
  }
  async close(): Promise<void> {}
}
