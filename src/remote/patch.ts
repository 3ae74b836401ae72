// Applying a local unified diff to one file on a host.
import { cmd, type ShellCommand } from '../ssh/quote.js';
import type { RemoteHost } from '../ssh/types.js';

export const patchCommands = {
  /** Exit 0 when the patch reverses cleanly, i.e. it is already applied. Changes nothing. */
  isApplied: (dest: string, patchFile: string): ShellCommand => cmd('patch', '--dry-run', '--reverse', '--force', '--silent', '--', dest, patchFile),
  /** --forward never reverses by guessing; --backup keeps DEST.orig. */
  apply: (dest: string, patchFile: string): ShellCommand => cmd('patch', '--forward', '--backup', '--', dest, patchFile),
  cleanup: (patchFile: string): ShellCommand => cmd('rm', '-f', '--', patchFile),
};

export interface PatchResult {
  dest: string;
  /** False when the patch was already applied and nothing changed. */
  applied: boolean;
}

/**
 * Uploads the patch to a temporary file in the login directory, applies it to DEST
 * (as root with sudo), and removes the temporary file whatever happened. A patch that
 * is already in place counts as success, so a setup can be re-run.
 */
export async function applyPatch(host: RemoteHost, patch: string | Buffer, dest: string, o: { sudo?: boolean } = {}): Promise<PatchResult> {
  // The global Web Crypto keeps node:crypto out of startup (task files load with `list`).
  const suffix = Buffer.from(crypto.getRandomValues(new Uint8Array(6))).toString('hex');
  const temp = `.origin-setup-patch-${suffix}.diff`;
  await host.upload(patch, temp, { mode: '0600' });
  let result: PatchResult;
  try {
    const probe = await host.run(patchCommands.isApplied(dest, temp), { sudo: o.sudo, readOnly: true, allowExit: 'any' });
    if (probe.code === 0) result = { dest, applied: false };
    else {
      await host.run(patchCommands.apply(dest, temp), { sudo: o.sudo });
      result = { dest, applied: true };
    }
  } catch (e) {
    // The patch's own failure is the one worth reporting, not a failed clean-up after it.
    await host.run(patchCommands.cleanup(temp)).catch(() => undefined);
    throw e;
  }
  await host.run(patchCommands.cleanup(temp));
  return result;
}
