// Any error as the one line a person reads: an OriginError's message and hint, a
// service's error in the words of the describer the composition root hands in (AWS's,
// from src/aws/errors.ts, loaded only when one occurs), anything else by its message.
// The single-host error printer, each host of a many-host run and the --json error
// envelope use the same words.
import { exitCodeFor, OriginError } from './errors.js';

export interface ErrorLine {
  /** The whole line: message, then the hint in parentheses. */
  message: string;
  /** The two parts, for the --json envelope. */
  text: string;
  hint?: string;
  /** A stable word: usage, not-found, timeout, ssh-refused, … or AWS's error name. */
  code: string;
  exitCode: number;
  /** AWS's request id, shown with --debug. */
  requestId?: string;
}

/** A service's own failure (an AWS SDK error) in plain words; undefined when it is not one. */
export type FailureDescriber = (err: unknown) => Promise<{ message: string; hint?: string; code: string; requestId?: string } | undefined>;

export async function errorLine(err: unknown, describe?: FailureDescriber): Promise<ErrorLine> {
  const exitCode = exitCodeFor(err);
  const line = (text: string, hint: string | undefined, code: string, requestId?: string): ErrorLine => ({
    message: text + (hint ? ` (${hint})` : ''),
    text,
    ...(hint ? { hint } : {}),
    code,
    exitCode,
    ...(requestId ? { requestId } : {}),
  });
  if (err instanceof OriginError) return line(err.message, err.hint, err.errorCode);
  const d = await describe?.(err);
  if (d) return line(d.message, d.hint, d.code, d.requestId);
  return line(err instanceof Error ? err.message : String(err), undefined, 'error');
}

/** `{"ok": false, "error": {…}}`: a failure as --json prints it on stdout. */
export function errorEnvelope(e: ErrorLine): { ok: false; error: { message: string; hint?: string; code: string; exitCode: number } } {
  return { ok: false, error: { message: e.text, ...(e.hint ? { hint: e.hint } : {}), code: e.code, exitCode: e.exitCode } };
}

/**
 * The stack for --debug without its first line, which repeats the message already printed
 * (and a remote command's output with it).
 */
export function stackOf(err: unknown): string | undefined {
  if (!(err instanceof Error) || !err.stack) return undefined;
  const frames = err.stack.split('\n').filter((l) => /^\s+at /.test(l));
  return frames.length ? `${err.name} at:\n${frames.join('\n')}` : undefined;
}
