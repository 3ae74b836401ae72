import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/engine/errors.js';
import { SANDBOX_FORMAT } from '../../../src/sandbox/model.js';
import { LOCK_FILE, newState, readState, resetState, sandboxDir, STATE_FILE, withState } from '../../../src/sandbox/store.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sandbox-store-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const stateFile = () => join(dir, STATE_FILE);

/** The ConfigError a promise rejects with (the test fails if it resolves or throws another kind). */
async function configError(p: Promise<unknown>): Promise<ConfigError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  return err as ConfigError;
}

describe('sandboxDir', () => {
  const home = '/home/op';
  it('takes the flag first, resolved, with ~ for the home', () => {
    expect(sandboxDir('/srv/sb', { ORIGIN_SETUP_SANDBOX_DIR: '/x' }, home)).toBe('/srv/sb');
    expect(sandboxDir('~/sb', {}, home)).toBe('/home/op/sb');
    expect(sandboxDir('rel', {}, home)).toBe(join(process.cwd(), 'rel'));
  });
  it('then ORIGIN_SETUP_SANDBOX_DIR, then XDG_STATE_HOME, then ~/.local/state', () => {
    expect(sandboxDir(undefined, { ORIGIN_SETUP_SANDBOX_DIR: '/x/sb', XDG_STATE_HOME: '/xdg' }, home)).toBe('/x/sb');
    expect(sandboxDir(undefined, { XDG_STATE_HOME: '/xdg' }, home)).toBe('/xdg/origin-setup/sandbox');
    expect(sandboxDir(undefined, {}, home)).toBe('/home/op/.local/state/origin-setup/sandbox');
  });
  it('ignores a relative XDG_STATE_HOME and empty values, as the XDG spec says', () => {
    expect(sandboxDir('', { ORIGIN_SETUP_SANDBOX_DIR: '', XDG_STATE_HOME: 'state' }, home)).toBe('/home/op/.local/state/origin-setup/sandbox');
  });
});

describe('newState', () => {
  it('is of the current format, with the example.test. zone and its SOA and NS records', () => {
    const s = newState();
    expect(s.format).toBe(SANDBOX_FORMAT);
    expect(s.route53.zones.map((z) => z.name)).toEqual(['example.test.']);
    expect(s.route53.zones[0]!.records.map((r) => r.type).sort()).toEqual(['NS', 'SOA']);
    expect(s.route53.zones[0]!.id).toMatch(/^Z[0-9A-F]{20}$/);
  });
});

describe('withState', () => {
  it('creates a seeded state on first use and keeps what work changes', async () => {
    const id = await withState(dir, (s) => {
      s.route53.zones[0]!.comment = 'changed';
      return s.route53.zones[0]!.id;
    });
    const again = await readState(dir);
    expect(again.route53.zones[0]).toMatchObject({ id, comment: 'changed' });
    expect(JSON.parse(readFileSync(stateFile(), 'utf8')).format).toBe(SANDBOX_FORMAT);
    // Only the state file is left: no temporary file, no lock.
    expect(readdirSync(dir)).toEqual([STATE_FILE]);
  });

  it('does not rewrite the file when work changes nothing', async () => {
    await withState(dir, () => undefined);
    const before = statSync(stateFile());
    const seen = await withState(dir, (s) => s.serial);
    const after = statSync(stateFile());
    expect(seen).toBeGreaterThan(0);
    expect(after.ino).toBe(before.ino);
    expect(after.mtimeMs).toBe(before.mtimeMs);
  });

  it('replaces the file by a rename, so a reader never sees half of it', async () => {
    await withState(dir, () => undefined);
    const before = statSync(stateFile()).ino;
    await withState(dir, (s) => {
      s.serial += 1;
    });
    expect(statSync(stateFile()).ino).not.toBe(before);
  });

  it('runs calls in one process one after another, losing none', async () => {
    const start = (await readState(dir)).serial;
    await Promise.all(
      Array.from({ length: 40 }, () =>
        withState(dir, async (s) => {
          const seen = s.serial;
          await new Promise((r) => setImmediate(r));
          s.serial = seen + 1;
        }),
      ),
    );
    expect((await readState(dir)).serial).toBe(start + 40);
  });

  it('releases the lock when work throws, and writes nothing', async () => {
    await withState(dir, () => undefined);
    const text = readFileSync(stateFile(), 'utf8');
    await expect(
      withState(dir, (s) => {
        s.serial = 999;
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(readFileSync(stateFile(), 'utf8')).toBe(text);
    expect(readdirSync(dir)).toEqual([STATE_FILE]);
  });
});

describe('a state file that cannot be used', () => {
  it('refuses a file that is not JSON, naming it, and leaves it alone', async () => {
    writeFileSync(stateFile(), '{"format": 1, "accountId": x\n}');
    const err = await configError(withState(dir, () => undefined));
    expect(err.message).toContain(stateFile());
    expect(err.message).toContain('is not JSON');
    expect(err.message).not.toContain('\n');
    expect(err.exitCode).toBe(2);
    expect(readFileSync(stateFile(), 'utf8')).toBe('{"format": 1, "accountId": x\n}');
    await configError(readState(dir));
  });

  it('refuses JSON of another shape, saying what is missing', async () => {
    const s = newState() as unknown as Record<string, unknown>;
    delete (s.route53 as Record<string, unknown>).changes;
    writeFileSync(stateFile(), JSON.stringify(s));
    const err = await configError(readState(dir));
    expect(err.message).toBe(`sandbox state ${stateFile()} is not a sandbox state: route53.changes is missing`);

    const t = newState();
    (t.route53.zones[0]!.records[0] as unknown as Record<string, unknown>).ttl = '300';
    writeFileSync(stateFile(), JSON.stringify(t));
    expect((await configError(readState(dir))).message).toContain('route53.zones[0].records[0].ttl is not a number');

    writeFileSync(stateFile(), '[]');
    expect((await configError(readState(dir))).message).toContain('not a JSON object');
  });

  it('refuses a file of a newer format: a newer origin-setup wrote it', async () => {
    const text = JSON.stringify({ ...newState(), format: SANDBOX_FORMAT + 1, somethingNew: [] });
    writeFileSync(stateFile(), text);
    const err = await configError(withState(dir, (s) => void (s.serial += 1)));
    expect(err.message).toBe(
      `sandbox state ${stateFile()} has format ${SANDBOX_FORMAT + 1}: a newer origin-setup wrote it (this one reads format ${SANDBOX_FORMAT})`,
    );
    expect(readFileSync(stateFile(), 'utf8')).toBe(text);
  });

  it('refuses a sandbox directory that cannot be made, naming it', async () => {
    writeFileSync(join(dir, 'plain-file'), '');
    const err = await configError(withState(join(dir, 'plain-file', 'sandbox'), () => undefined));
    expect(err.message).toContain(`the sandbox directory ${join(dir, 'plain-file', 'sandbox')} cannot be made`);
  });

  it('is replaced by resetState', async () => {
    writeFileSync(stateFile(), 'garbage');
    const fresh = await resetState(dir);
    expect(await readState(dir)).toEqual(fresh);
  });
});

describe('the lock', () => {
  const lockFile = () => join(dir, LOCK_FILE);

  /** A pid that is certainly not running: a child that has exited. */
  async function deadPid(): Promise<number> {
    const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    const pid = child.pid!;
    await new Promise((r) => child.on('exit', r));
    return pid;
  }

  it('takes over a lock whose process is gone', async () => {
    writeFileSync(lockFile(), JSON.stringify({ pid: await deadPid(), time: Date.now(), token: 'old' }));
    await withState(dir, (s) => void (s.serial += 1), { lockWaitMs: 2000 });
    expect(readdirSync(dir)).toEqual([STATE_FILE]);
  });

  it('takes over a lock naming this process that this process does not hold (a pid reused)', async () => {
    writeFileSync(lockFile(), JSON.stringify({ pid: process.pid, time: Date.now(), token: 'not-ours' }));
    await withState(dir, () => undefined, { lockWaitMs: 2000 });
    expect(readdirSync(dir)).toEqual([STATE_FILE]);
  });

  it('takes over a lock held far longer than any request', async () => {
    writeFileSync(lockFile(), JSON.stringify({ pid: process.ppid, time: Date.now() - 120_000, token: 'ancient' }));
    await withState(dir, () => undefined, { lockWaitMs: 2000 });
    expect(readdirSync(dir)).toEqual([STATE_FILE]);
  });

  it('waits for a live holder, then gives up naming the process and the lock file', async () => {
    const holder = { pid: process.ppid, time: Date.now(), token: 'theirs' };
    writeFileSync(lockFile(), JSON.stringify(holder));
    const err = await configError(withState(dir, () => undefined, { lockWaitMs: 300 }));
    expect(err.message).toContain(`the sandbox ${dir} is locked: process ${process.ppid} has held it since`);
    expect(err.hint).toContain(lockFile());
    // Still theirs.
    expect(JSON.parse(readFileSync(lockFile(), 'utf8'))).toEqual(holder);
  });
});
