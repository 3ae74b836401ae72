// Runs the CLI in-process like runCli, but hands back what it prints while it runs, so a
// test can act at a moment the CLI itself reports ("try 2: …") instead of guessing one
// with a timer: a timer races the CLI, and on a loaded machine the CLI may not have got
// there yet (or may be long past it).
import { PassThrough } from 'node:stream';
import { main } from '../../src/cli.js';
import type { CliResult } from './cli.js';

export interface RunningCli {
  /** Resolves with the exit code and everything printed, as runCli does. */
  result: Promise<CliResult>;
  /** stderr so far. */
  stderr(): string;
  /**
   * Resolves as soon as stderr matches `pattern` (checked on every write, so in the same
   * turn of the event loop the CLI logged it, before any timer of the CLI fires); rejects
   * when the CLI exits without printing it.
   */
  stderrMatches(pattern: RegExp): Promise<void>;
}

export function startCli(argv: string[], env: NodeJS.ProcessEnv, cwd?: string): RunningCli {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  const check = () => {
    for (const w of [...waiters]) {
      if (w.pattern.test(err)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => {
    err += d;
    check();
  });
  let finished = false;
  const result = main(argv, { stdout, stderr, env, cwd: cwd ?? env.HOME! }).then((code) => ({ code, stdout: out, stderr: err }));
  const ended = result.then(
    () => void (finished = true),
    () => void (finished = true),
  );
  return {
    result,
    stderr: () => err,
    stderrMatches(pattern) {
      if (pattern.test(err)) return Promise.resolve();
      if (finished) return Promise.reject(new Error(`the CLI exited without printing ${pattern}; stderr:\n${err}`));
      return new Promise<void>((resolve, reject) => {
        const w = { pattern, resolve };
        waiters.push(w);
        void ended.then(() => {
          if (!waiters.includes(w)) return;
          waiters.splice(waiters.indexOf(w), 1);
          reject(new Error(`the CLI exited without printing ${pattern}; stderr:\n${err}`));
        });
      });
    },
  };
}
