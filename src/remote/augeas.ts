// Augeas through augtool, the one way this tool edits structured config files on a host
// (puppet.conf, yum repo files, rsyslog.conf, /etc/group).
//
// augtool parses its own command line: it joins its arguments into one line and splits
// that into words with its own quoting rules. So a value goes through two layers: first
// augtool's double-quote syntax (augtoolString), then the POSIX shell quote of cmd().
// Neither layer expands `$`, so `$ModLoad` arrives as `$ModLoad`; the original tool
// passed values bare and its scripts needed five backslashes to get a `$` through.
import { NotFoundError, RemoteCommandError, UsageError } from '../engine/errors.js';
import { cmd } from '../ssh/quote.js';
import type { ExecResult, RemoteHost } from '../ssh/types.js';
import { augeasPath } from './validate.js';

/**
 * A value in augtool's double-quote syntax. Inside "…" augtool turns \\ into \, \" into ",
 * \t and \n into tab and newline, and keeps everything else (including $, ' and \r) as is.
 */
export function augtoolString(value: string): string {
  let depth = 0;
  for (const c of value) {
    // augtool counts brackets even inside quotes and rejects a ] without an open [.
    if (c === '[') depth++;
    else if (c === ']' && --depth < 0) throw new UsageError(`augtool cannot take a value with a ] that closes no [: ${value}`);
  }
  // A raw newline would end augtool's command line; a raw tab is kept inside quotes but
  // is written as \t for readability in logs.
  const escaped = value.replace(/[\\"\t\n]/g, (c) => (c === '\\' ? '\\\\' : c === '"' ? '\\"' : c === '\t' ? '\\t' : '\\n'));
  return `"${escaped}"`;
}

/** Checks a value before anything runs (for ArgSpec.validate). */
export const augeasValue = (v: string) => {
  try {
    augtoolString(v);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
};

/** The command that sets PATH to VALUE and saves the file. */
export function augtoolSetCommand(path: string, value: string) {
  checkPath(path);
  return cmd('augtool', '-s', 'set', path, augtoolString(value));
}

export function augtoolGetCommand(path: string) {
  checkPath(path);
  return cmd('augtool', 'get', path);
}

export function augtoolMatchCommand(path: string) {
  checkPath(path);
  return cmd('augtool', 'match', path);
}

function checkPath(path: string): void {
  const problem = augeasPath(path);
  if (problem) throw new UsageError(`augeas path ${path}: ${problem}`);
}

export type AugeasGet = { found: false } | { found: true; value: string | null };

/**
 * Reads `augtool get` output: `PATH = VALUE`, `PATH (none)` for a node without a value,
 * `PATH (o)` for a missing node. The value is everything after the path and ` = `, so a
 * value with `=` in it stays whole, and a multi-line value keeps its lines.
 */
export function parseAugtoolGet(path: string, stdout: readonly string[]): AugeasGet {
  const text = stdout.join('\n');
  // augtool echoes the path without a trailing slash.
  const printed = path.replace(/\/+$/, '');
  let rest: string;
  if (text.startsWith(printed)) rest = text.slice(printed.length);
  else {
    const eq = text.indexOf(' = ');
    rest = eq >= 0 ? text.slice(eq) : text.slice(text.lastIndexOf(' '));
  }
  if (rest.startsWith(' = ')) return { found: true, value: rest.slice(3) };
  if (rest.trim() === '(none)') return { found: true, value: null };
  if (rest.trim() === '(o)') return { found: false };
  throw new Error(`unexpected augtool output: ${text}`);
}

/** Reads `augtool match` output: one `PATH = VALUE` per node, or `(no matches)`. */
export function parseAugtoolMatch(stdout: readonly string[]): string[] {
  return stdout
    .map((l) => l.trim())
    .filter((l) => l !== '' && l !== '(no matches)')
    .map((l) => {
      const eq = l.indexOf(' = ');
      return eq >= 0 ? l.slice(0, eq) : l;
    });
}

// augtool reads every lens and file, some readable only by root, so it runs as root.
const AS_ROOT = { sudo: true } as const;

async function augtool(host: RemoteHost, command: ReturnType<typeof cmd>, readOnly: boolean): Promise<ExecResult> {
  try {
    return await host.run(command, { ...AS_ROOT, readOnly });
  } catch (e) {
    if (e instanceof RemoteCommandError && (e.code === 127 || e.outputTail.some((l) => /augtool.*(not found|No such file)/.test(l)))) {
      throw new RemoteCommandError(e.host, e.command, e.code, e.outputTail, {
        hint: `augtool is not installed on ${host.name}; install it with: origin-setup remote:pkg:install ${host.name} augeas (augeas-tools on Debian/Ubuntu)`,
      });
    }
    throw e;
  }
}

/** The value at PATH; NotFoundError when no node matches (null for a node without a value). */
export async function augeasGet(host: RemoteHost, path: string): Promise<string | null> {
  const result = await augtool(host, augtoolGetCommand(path), true);
  const got = parseAugtoolGet(path, result.stdout);
  if (!got.found) {
    throw new NotFoundError(`${host.name}: no augeas node at ${path}`, {
      hint: 'check the path with `augtool print` on the host; files under /files/ exist only when a lens handles them',
    });
  }
  return got.value;
}

/** Sets PATH to VALUE and saves; augtool creates the node when it is missing. */
export async function augeasSet(host: RemoteHost, path: string, value: string): Promise<void> {
  await augtool(host, augtoolSetCommand(path, value), false);
}

/** The concrete paths a path expression matches (may be empty). */
export async function augeasMatch(host: RemoteHost, path: string): Promise<string[]> {
  const result = await augtool(host, augtoolMatchCommand(path), true);
  return parseAugtoolMatch(result.stdout);
}
