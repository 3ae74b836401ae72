// Any error as the one line a person reads: an OriginError's message and hint, an AWS
// SDK error described in plain words (src/aws/errors.ts, loaded only when one occurs),
// anything else by its message. The single-host error printer and each host of a
// many-host run use the same words.
import { OriginError } from './errors.js';

export interface ErrorLine {
  message: string;
  /** AWS's request id, shown with --debug. */
  requestId?: string;
}

export async function errorLine(err: unknown): Promise<ErrorLine> {
  if (err instanceof OriginError) return { message: err.message + (err.hint ? ` (${err.hint})` : '') };
  const { isAwsError, describeAwsError } = await import('../aws/errors.js');
  if (isAwsError(err)) {
    const d = describeAwsError(err);
    return { message: d.message + (d.hint ? ` (${d.hint})` : ''), requestId: d.requestId };
  }
  return { message: err instanceof Error ? err.message : String(err) };
}
