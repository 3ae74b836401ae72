// The sandbox's state on disk: one JSON file, changed only under a lock and replaced
// atomically, so two origin-setup processes sharing a sandbox never lose a change or
// leave half a file. A file this version cannot read is refused, never overwritten:
// it may hold someone's instances, or have been written by a newer origin-setup.
import { randomBytes } from 'node:crypto';
import { promises as fs, constants as fsc } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { ConfigError } from '../engine/errors.js';
import { seedEc2 } from './ec2/seed.js';
import { SANDBOX_FORMAT, type SandboxState } from './model.js';
import { seedRoute53 } from './route53/seed.js';

export const STATE_FILE = 'state.json';
export const LOCK_FILE = 'state.lock';

/** How long withState waits for another process's lock before it gives up. */
const LOCK_WAIT_MS = 10_000;
/**
 * A request holds the lock for milliseconds, so a lock this old was left by a process
 * that died or whose pid now belongs to another program (pids repeat, in containers
 * especially); it is taken over.
 */
const LOCK_ABANDONED_MS = 30_000;

/**
 * Where the sandbox lives: the flag (--sandbox-dir), else ORIGIN_SETUP_SANDBOX_DIR, else
 * $XDG_STATE_HOME/origin-setup/sandbox, else ~/.local/state/origin-setup/sandbox.
 */
export function sandboxDir(flag: string | undefined, env: NodeJS.ProcessEnv, home: string): string {
  const tilde = (p: string) => (p === '~' || p.startsWith('~/') ? join(home, p.slice(1)) : p);
  if (flag) return resolve(tilde(flag));
  if (env.ORIGIN_SETUP_SANDBOX_DIR) return resolve(tilde(env.ORIGIN_SETUP_SANDBOX_DIR));
  // The XDG spec says a relative XDG_STATE_HOME is invalid and must be ignored.
  const xdg = env.XDG_STATE_HOME;
  const base = xdg && isAbsolute(xdg) ? xdg : join(home, '.local', 'state');
  return join(base, 'origin-setup', 'sandbox');
}

/** A new sandbox: its account, region, base images, key pair, default VPC and hosted zone. */
export function newState(): SandboxState {
  const state: SandboxState = {
    format: SANDBOX_FORMAT,
    accountId: '123456789012',
    region: 'us-east-1',
    serial: 0,
    ec2: { images: [], instances: [], addresses: [], securityGroups: [], volumes: [], snapshots: [], keyPairs: [] },
    route53: { zones: [], changes: [] },
  };
  seedEc2(state);
  seedRoute53(state);
  return state;
}

export interface WithStateOptions {
  /** How long to wait for another process's lock (default 10 s). */
  lockWaitMs?: number;
}

/**
 * Runs `work` on the state with the sandbox locked against every other process (and
 * every other call in this one), and writes the state back if `work` changed it. The
 * state is created, seeded, when the file does not exist yet. `work` must be quick: a
 * lock held for more than 30 s is taken to be abandoned.
 */
export async function withState<T>(dir: string, work: (state: SandboxState) => T | Promise<T>, options: WithStateOptions = {}): Promise<T> {
  return inProcess(dir, async () => {
    await ensureDir(dir);
    const lock = await acquire(dir, options.lockWaitMs ?? LOCK_WAIT_MS);
    try {
      const file = join(dir, STATE_FILE);
      const text = await readText(file);
      const state = text === undefined ? newState() : parseState(file, text);
      const before = text === undefined ? undefined : JSON.stringify(state);
      const result = await work(state);
      const after = JSON.stringify(state);
      if (after !== before) await writeAtomically(dir, file, after);
      return result;
    } finally {
      await lock.release();
    }
  });
}

/**
 * The state as it is now, without the lock: the file is only ever replaced whole (by a
 * rename), so a reader sees the old or the new state, never a mix. A sandbox without a
 * file reads as a new one (nothing is written).
 */
export async function readState(dir: string): Promise<SandboxState> {
  const file = join(dir, STATE_FILE);
  const text = await readText(file);
  return text === undefined ? newState() : parseState(file, text);
}

/**
 * Starts the sandbox afresh: a new seeded state replaces whatever is there, even a file
 * this version could not read (that is what a reset is for).
 */
export async function resetState(dir: string, options: WithStateOptions = {}): Promise<SandboxState> {
  return inProcess(dir, async () => {
    await ensureDir(dir);
    const lock = await acquire(dir, options.lockWaitMs ?? LOCK_WAIT_MS);
    try {
      const state = newState();
      await writeAtomically(dir, join(dir, STATE_FILE), JSON.stringify(state));
      return state;
    } finally {
      await lock.release();
    }
  });
}

async function ensureDir(dir: string): Promise<void> {
  try {
    // Only the owner: the state holds the sandbox's (fake) key material and user data.
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new ConfigError(`the sandbox directory ${dir} cannot be made: ${(err as Error).message}`, { cause: err });
  }
}

// --- reading and checking ---------------------------------------------------------

async function readText(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(`sandbox state ${file} cannot be read: ${(err as Error).message}`, { cause: err });
  }
}

const keepIt = 'it is left as it is; move it aside (or use another --sandbox-dir) to start a new sandbox';

/** The file's text as a state, or a ConfigError naming the file and what is wrong. */
export function parseState(file: string, text: string): SandboxState {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    // V8 quotes the text around the fault, line breaks included: keep the error one line.
    const why = (err as Error).message.replace(/\s+/g, ' ');
    throw new ConfigError(`sandbox state ${file} is not JSON (${why})`, { hint: keepIt, cause: err });
  }
  if (!isObject(data)) throw new ConfigError(`sandbox state ${file} is not a sandbox state: not a JSON object`, { hint: keepIt });
  const format = data.format;
  if (typeof format !== 'number' || !Number.isInteger(format)) {
    throw new ConfigError(`sandbox state ${file} is not a sandbox state: no format number`, { hint: keepIt });
  }
  if (format > SANDBOX_FORMAT) {
    throw new ConfigError(`sandbox state ${file} has format ${format}: a newer origin-setup wrote it (this one reads format ${SANDBOX_FORMAT})`, {
      hint: 'use that newer origin-setup, or another --sandbox-dir; the file is left as it is',
    });
  }
  if (format !== SANDBOX_FORMAT) {
    throw new ConfigError(`sandbox state ${file} has format ${format}, which this origin-setup does not know (it reads ${SANDBOX_FORMAT})`, {
      hint: keepIt,
    });
  }
  const problem = shapeProblem(data);
  if (problem !== undefined || !hasStateShape(data)) {
    throw new ConfigError(`sandbox state ${file} is not a sandbox state: ${problem ?? 'its shape'}`, { hint: keepIt });
  }
  return data;
}

/** A parsed file in which shapeProblem() found nothing wrong is a sandbox state. */
function hasStateShape(data: Record<string, unknown>): data is Record<string, unknown> & SandboxState {
  return shapeProblem(data) === undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

type Check = 'string' | 'number' | 'boolean' | 'array' | 'object';

function is(v: unknown, kind: Check): boolean {
  if (kind === 'array') return Array.isArray(v);
  if (kind === 'object') return isObject(v);
  return typeof v === kind;
}

function fields(v: unknown, at: string, spec: Record<string, Check>): string | undefined {
  if (!isObject(v)) return `${at} is not an object`;
  for (const [key, kind] of Object.entries(spec)) {
    if (!is(v[key], kind)) return `${at}.${key} is ${v[key] === undefined ? 'missing' : `not a${kind === 'array' ? ' list' : ` ${kind}`}`}`;
  }
  return undefined;
}

function each(list: unknown[], at: string, check: (item: unknown, at: string) => string | undefined): string | undefined {
  for (let i = 0; i < list.length; i++) {
    const problem = check(list[i], `${at}[${i}]`);
    if (problem) return problem;
  }
  return undefined;
}

/**
 * What is wrong with the file's shape, first problem only, as a path (`route53.zones[0].records
 * is missing`). The top levels and everything the Route53 half reads are checked; EC2's
 * lists are checked to be lists of objects with an id, which is what every handler keys on.
 */
function shapeProblem(data: Record<string, unknown>): string | undefined {
  const top = fields(data, 'state', { accountId: 'string', region: 'string', serial: 'number', ec2: 'object', route53: 'object' });
  if (top) return top.replace(/^state\./, '');
  const ec2 = data.ec2 as Record<string, unknown>;
  const ec2Lists = ['images', 'instances', 'addresses', 'securityGroups', 'volumes', 'snapshots', 'keyPairs'] as const;
  const lists = fields(ec2, 'ec2', Object.fromEntries(ec2Lists.map((k) => [k, 'array' as const])));
  if (lists) return lists;
  for (const key of ec2Lists) {
    const idKey = key === 'addresses' ? 'allocationId' : key === 'keyPairs' ? 'name' : 'id';
    const problem = each(ec2[key] as unknown[], `ec2.${key}`, (item, at) => fields(item, at, { [idKey]: 'string' }));
    if (problem) return problem;
  }
  const r53 = data.route53 as Record<string, unknown>;
  const r53Lists = fields(r53, 'route53', { zones: 'array', changes: 'array' });
  if (r53Lists) return r53Lists;
  const zones = each(r53.zones as unknown[], 'route53.zones', (zone, at) => {
    const z = fields(zone, at, { id: 'string', name: 'string', callerReference: 'string', privateZone: 'boolean', records: 'array' });
    if (z) return z;
    return each((zone as { records: unknown[] }).records, `${at}.records`, (rec, rat) => {
      const r = fields(rec, rat, { name: 'string', type: 'string', ttl: 'number', values: 'array' });
      if (r) return r;
      return (rec as { values: unknown[] }).values.every((v) => typeof v === 'string') ? undefined : `${rat}.values holds a non-string`;
    });
  });
  if (zones) return zones;
  return each(r53.changes as unknown[], 'route53.changes', (c, at) => fields(c, at, { id: 'string', submittedAt: 'string', insyncAt: 'number' }));
}

// --- writing ----------------------------------------------------------------------

/** Write to a temporary file beside it, flush it to disk, then rename it over the old one. */
async function writeAtomically(dir: string, file: string, text: string): Promise<void> {
  const tmp = join(dir, `.${STATE_FILE}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await fs.open(tmp, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, 0o600);
  try {
    try {
      await handle.writeFile(`${text}\n`, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  // The rename itself is durable only once the directory is flushed too.
  try {
    const d = await fs.open(dir, fsc.O_RDONLY);
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  } catch {
    // Some file systems refuse to sync a directory; the data file itself is already flushed.
  }
}

// --- locking ----------------------------------------------------------------------

// Calls in this process queue here first, so they wait on a promise rather than polling
// the lock file against themselves.
const queues = new Map<string, Promise<unknown>>();

function inProcess<T>(dir: string, run: () => Promise<T>): Promise<T> {
  const key = resolve(dir);
  const prev = queues.get(key) ?? Promise.resolve();
  const next = prev.then(run, run);
  const tail = next.catch(() => undefined);
  queues.set(key, tail);
  void tail.then(() => {
    if (queues.get(key) === tail) queues.delete(key);
  });
  return next;
}

interface LockContent {
  pid: number;
  time: number;
  token: string;
}

/** Tokens of the locks this process holds, so a lock file naming our own pid but not one of these is someone else's leftover. */
const heldTokens = new Set<string>();

function readLock(text: string): LockContent | undefined {
  try {
    const v = JSON.parse(text) as Partial<LockContent>;
    if (typeof v.pid === 'number' && typeof v.time === 'number' && typeof v.token === 'string') return v as LockContent;
  } catch {
    // A lock file being written this very moment (created, not yet filled) reads empty.
  }
  return undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function abandoned(lock: LockContent, now: number): boolean {
  if (lock.pid === process.pid) return !heldTokens.has(lock.token);
  return !alive(lock.pid) || now - lock.time > LOCK_ABANDONED_MS;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function acquire(dir: string, waitMs: number): Promise<{ release(): Promise<void> }> {
  const path = join(dir, LOCK_FILE);
  const token = randomBytes(8).toString('hex');
  const started = Date.now();
  let delay = 2;
  let holder: LockContent | undefined;
  // A lock file that stays unreadable (empty, garbage) for this long is a crashed writer's.
  let unreadableSince: number | undefined;
  for (;;) {
    try {
      const handle = await fs.open(path, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, 0o600);
      try {
        await handle.writeFile(JSON.stringify({ pid: process.pid, time: Date.now(), token } satisfies LockContent));
      } finally {
        await handle.close();
      }
      heldTokens.add(token);
      return {
        release: async () => {
          heldTokens.delete(token);
          // Remove it only if it is still ours: after a takeover (we were too slow) it is not.
          const now = readLock(await fs.readFile(path, 'utf8').catch(() => ''));
          if (now?.token === token) await fs.rm(path, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new ConfigError(`cannot lock the sandbox ${dir}: ${(err as Error).message}`, { cause: err });
      }
    }
    const text = await fs.readFile(path, 'utf8').catch(() => undefined);
    if (text !== undefined) {
      const now = Date.now();
      holder = readLock(text);
      if (holder) unreadableSince = undefined;
      else unreadableSince ??= now;
      const stale = holder ? abandoned(holder, now) : now - unreadableSince! > 1000;
      if (stale && (await breakLock(path, text))) continue;
    }
    if (Date.now() - started >= waitMs) {
      const who = holder ? `process ${holder.pid} has held it since ${new Date(holder.time).toISOString()}` : 'another process holds it';
      throw new ConfigError(`the sandbox ${dir} is locked: ${who}; waited ${Math.round(waitMs / 1000)} s`, {
        hint: `if no origin-setup is running on this sandbox, remove ${path}`,
      });
    }
    await sleep(delay * (0.5 + Math.random()));
    delay = Math.min(delay * 2, 100);
  }
}

/**
 * Removes an abandoned lock, but only the one we judged: it is first renamed to a name of
 * our own (one rename wins among processes racing to break it), and if what we moved is not
 * what we read (a live process took the lock in between) it is put back.
 */
async function breakLock(path: string, seen: string): Promise<boolean> {
  const aside = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.stale`;
  try {
    await fs.rename(path, aside);
  } catch {
    return false; // someone else broke it first, or its owner released it
  }
  const moved = await fs.readFile(aside, 'utf8').catch(() => undefined);
  if (moved !== seen) {
    // Put it back unless a new lock appeared meanwhile (link fails then, and the newer lock stands).
    await fs.link(aside, path).catch(() => undefined);
    await fs.rm(aside, { force: true });
    return false;
  }
  await fs.rm(aside, { force: true });
  return true;
}
