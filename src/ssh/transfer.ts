// Files over SFTP on the host's pooled connection (ssh2's own client.sftp()).
// ssh2-sftp-client always opens a connection of its own and cannot adopt an existing
// one, which would cost a second handshake per host.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import type { Client, SFTPWrapper } from 'ssh2';
import { InterruptedError, OriginError, UsageError } from '../engine/errors.js';
import { SshError } from './errors.js';
import { cmd, type ShellCommand } from './quote.js';
import type { ExecResult, RunOptions, SshLog, SshSettings, UploadOptions } from './types.js';

/** What moving files needs from the host: its connection, and commands for chown and the sudo install. */
export interface TransferHost {
  readonly alias: string;
  readonly settings: SshSettings;
  connection(log: SshLog): Promise<Client>;
  run(command: ShellCommand, options: RunOptions, log: SshLog): Promise<ExecResult>;
}

export class FileTransfer {
  /** One SFTP session per connection, opened on the first transfer. */
  private sftpSession?: { client: Client; session: Promise<SFTPWrapper> };

  constructor(private readonly host: TransferHost) {}

  /** The connection is closing: its session goes with it. */
  forget(): void {
    this.sftpSession = undefined;
  }

  private async sftp(log: SshLog): Promise<SFTPWrapper> {
    // A stopping run starts no transfer (one under way is small and left to finish).
    if (this.host.settings.signal?.aborted) throw new InterruptedError();
    const client = await this.host.connection(log);
    if (this.sftpSession?.client !== client) {
      const session = new Promise<SFTPWrapper>((resolve, reject) => {
        client.sftp((err, sftp) => {
          if (err) return reject(new SshError('other', this.host.alias, `${this.host.alias}: cannot start SFTP: ${err.message}`));
          sftp.on('error', () => {});
          resolve(sftp);
        });
      });
      session.catch(() => {
        if (this.sftpSession?.session === session) this.sftpSession = undefined;
      });
      this.sftpSession = { client, session };
    }
    return this.sftpSession.session;
  }

  async upload(content: string | Buffer, remotePath: string, options: UploadOptions, log: SshLog): Promise<void> {
    const data = typeof content === 'string' ? Buffer.from(content) : content;
    const mode = checkMode(options.mode);
    for (const [what, v] of [
      ['owner', options.owner],
      ['group', options.group],
    ] as const) {
      if (v !== undefined && !/^[A-Za-z_][A-Za-z0-9_.-]*\$?$|^\d+$/.test(v)) throw new UsageError(`bad ${what} ${JSON.stringify(v)}`);
    }
    if (this.host.settings.dryRun) {
      const how = [mode && `mode ${mode}`, options.owner && `owner ${options.owner}`, options.group && `group ${options.group}`, options.sudo && 'as root']
        .filter(Boolean)
        .join(', ');
      log.info(`would upload ${data.length} bytes to ${this.host.alias}:${remotePath}${how ? ` (${how})` : ''}`);
      return;
    }
    const sftp = await this.sftp(log);
    const started = Date.now();
    if (!options.sudo) {
      await sftpCall(this.host.alias, 'write', remotePath, (cb) => sftp.writeFile(remotePath, data, mode ? { mode: parseInt(mode, 8) } : {}, cb));
      if (mode) await sftpCall(this.host.alias, 'chmod', remotePath, (cb) => sftp.chmod(remotePath, parseInt(mode, 8), cb));
      if (options.owner || options.group) {
        const who = options.owner ? `${options.owner}${options.group ? `:${options.group}` : ''}` : `:${options.group}`;
        await this.host.run(cmd('chown', who, remotePath), {}, log);
      }
      log.verbose(`${this.host.alias}: uploaded ${data.length} bytes to ${remotePath} in ${Date.now() - started} ms`);
      return;
    }
    // A root-owned destination: the login user writes a private temporary file in its
    // home, then root installs it with the right mode and owner in one step.
    const home = await sftpCall(this.host.alias, 'resolve', '.', (cb: (err: Error | undefined, p: string) => void) => sftp.realpath('.', cb));
    const tmp = posix.join(home, `.origin-setup-${randomBytes(8).toString('hex')}.tmp`);
    try {
      await sftpCall(this.host.alias, 'write', tmp, (cb) => sftp.writeFile(tmp, data, { mode: 0o600, flag: 'wx' }, cb));
      const owner = options.owner ?? 'root';
      const group = options.group ?? (owner === 'root' ? 'root' : undefined);
      await this.host.run(cmd('install', '-m', mode ?? '0644', '-o', owner, ...(group ? ['-g', group] : []), tmp, remotePath), { sudo: true }, log);
      log.verbose(`${this.host.alias}: installed ${data.length} bytes as ${remotePath} in ${Date.now() - started} ms`);
    } finally {
      try {
        await sftpCall(this.host.alias, 'remove', tmp, (cb) => sftp.unlink(tmp, cb));
      } catch (err) {
        if (!(err instanceof SftpNoSuchFile)) log.info(`${this.host.alias}: could not remove the temporary file ${tmp}: ${(err as Error).message}`);
      }
    }
  }

  async uploadFile(localPath: string, remotePath: string, options: UploadOptions, log: SshLog): Promise<void> {
    let data: Buffer;
    try {
      data = readFileSync(localPath);
    } catch (err) {
      throw new OriginError(`cannot read ${localPath}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    return this.upload(data, remotePath, options, log);
  }

  async download(remotePath: string, localPath: string, log: SshLog): Promise<void> {
    const sftp = await this.sftp(log);
    const started = Date.now();
    await sftpCall(this.host.alias, 'read', remotePath, (cb) => sftp.fastGet(remotePath, localPath, cb));
    log.verbose(`${this.host.alias}: downloaded ${remotePath} to ${localPath} in ${Date.now() - started} ms`);
  }
}

class SftpNoSuchFile extends OriginError {}

function checkMode(mode: string | undefined): string | undefined {
  if (mode === undefined) return undefined;
  if (!/^[0-7]{3,4}$/.test(mode)) throw new UsageError(`bad file mode ${JSON.stringify(mode)}: expected octal such as 0644`);
  return mode.length === 3 ? `0${mode}` : mode;
}

function sftpCall<T = void>(host: string, what: string, path: string, call: (cb: (err: Error | undefined | null, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    call((err, value) => {
      if (!err) return resolve(value);
      const code = (err as Error & { code?: number | string }).code;
      if (code === 2 || code === 'ENOENT') {
        return reject(new SftpNoSuchFile(`${host}: cannot ${what} ${path}: no such file or directory`));
      }
      if (code === 3) {
        return reject(
          new OriginError(`${host}: cannot ${what} ${path}: permission denied`, {
            hint: "the login user may not touch that path; a root-owned destination needs the task's --sudo",
          }),
        );
      }
      reject(new OriginError(`${host}: cannot ${what} ${path}: ${err.message}`));
    });
  });
}
