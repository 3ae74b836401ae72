// Why a connection could not be made, as a kind a caller can act on: remote:available
// --wait retries the transient kinds and gives up at once on the others.
import { OriginError } from '../engine/errors.js';

export type SshFailureKind =
  | 'dns'
  | 'refused'
  | 'unreachable'
  | 'timeout'
  /** The connection closed or reset before login completed. */
  | 'closed'
  | 'auth'
  | 'no-keys'
  | 'host-key-changed'
  | 'host-key-unknown'
  | 'host-key-revoked'
  | 'sudo-password'
  | 'other';

export class SshError extends OriginError {
  constructor(
    readonly kind: SshFailureKind,
    readonly host: string,
    message: string,
    options: { hint?: string; cause?: unknown } = {},
  ) {
    super(message, options);
  }

  override get errorCode(): string {
    return `ssh-${this.kind}`;
  }

  /** Worth another try while a host boots: nothing answers yet, or sshd/cloud-init is not ready. */
  get transient(): boolean {
    return ['refused', 'unreachable', 'timeout', 'closed', 'dns'].includes(this.kind);
  }
}
