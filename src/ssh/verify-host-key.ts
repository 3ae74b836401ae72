// The host key check of one login, against the known_hosts files ssh_config names:
// a known key passes, a revoked or changed one fails, an unknown one is recorded
// unless strict checking is asked for.
import { expandPath } from './config.js';
import { changedKeyError } from './connect-errors.js';
import { SshError } from './errors.js';
import { algorithmsForKeyType, blobKeyType, checkHostKey, fingerprint, hostToken, keyTypeLabel, knownKeyTypes, recordHostKey } from './knownhosts.js';
import { pathTokens, type LoginTarget } from './login-target.js';
import type { SshLog } from './types.js';

/** ssh2's own preference order; the types already in known_hosts are moved to the front. */
const HOST_KEY_ALGORITHMS = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];

export class HostKeyCheck {
  /** Why verify() refused the key: ssh2 then fails with a generic error, and this is the real reason. */
  failure?: SshError;
  private readonly files: { user: string[]; all: string[] };
  private readonly token: string;

  constructor(
    private readonly target: LoginTarget,
    private readonly log: SshLog,
  ) {
    this.files = knownHostsFiles(target);
    const { hostKeyAlias, hostName, port } = target.config;
    this.token = hostKeyAlias ? hostKeyAlias.toLowerCase() : hostToken(hostName, port);
  }

  /** Host key algorithms with the types known for this host first, so a known key is what the server shows; undefined: none known. */
  serverHostKeyAlgorithms(): string[] | undefined {
    const preferred = knownKeyTypes(this.files.all, this.token).flatMap(algorithmsForKeyType);
    if (!preferred.length) return undefined;
    return [...preferred, ...HOST_KEY_ALGORITHMS.filter((a) => !preferred.includes(a))];
  }

  /** ssh2's hostVerifier. */
  readonly verify = (blob: Buffer): boolean => {
    const { alias, config, settings } = this.target;
    const { token, files } = this;
    const verdict = checkHostKey(files.all, token, blob);
    const shown = `${keyTypeLabel(blobKeyType(blob))} ${fingerprint(blob)}`;
    switch (verdict.status) {
      case 'known':
        this.log.debug(`${alias}: host key ${shown} matches line ${verdict.entry.line} of ${verdict.entry.path}`);
        return true;
      case 'revoked':
        this.failure = new SshError(
          'host-key-revoked',
          alias,
          `host key for ${token} (${shown}) is revoked: line ${verdict.entry.line} of ${verdict.entry.path}`,
        );
        return false;
      case 'changed':
        this.failure = changedKeyError(alias, token, shown, blobKeyType(blob), verdict.entries);
        return false;
      case 'unknown': {
        const file = files.user[0]!;
        if (settings.strictHostKeys || config.strictHostKeyChecking === 'yes') {
          const why = settings.strictHostKeys ? '--strict-host-keys is set' : 'StrictHostKeyChecking is yes in ~/.ssh/config';
          this.failure = new SshError('host-key-unknown', alias, `host key for ${token} is not known (${shown}) and ${why}`, {
            hint: `check the fingerprint on the host (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub), then record it: ssh-keyscan -p ${config.port} ${config.hostName} >> ${file}`,
          });
          return false;
        }
        const line = recordHostKey(file, token, blob, config.hashKnownHosts);
        this.log.info(`${alias}: new host key for ${token} (${shown}) recorded in ${file} line ${line}`);
        return true;
      }
    }
  };
}

/** UserKnownHostsFile and GlobalKnownHostsFile, or ssh's defaults; new keys go to the first user file. */
function knownHostsFiles(target: LoginTarget): { user: string[]; all: string[] } {
  const { config } = target;
  const t = pathTokens(target);
  const userFiles = config.userKnownHostsFiles.length ? config.userKnownHostsFiles : ['~/.ssh/known_hosts', '~/.ssh/known_hosts2'];
  const globalFiles = config.globalKnownHostsFiles.length ? config.globalKnownHostsFiles : ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'];
  const user = userFiles.map((f) => expandPath(f, t));
  return { user, all: [...user, ...globalFiles.map((f) => expandPath(f, t))] };
}
