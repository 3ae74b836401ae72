// An instance's user data: the operator's own file (--userdata), a part the tool adds
// (the --enrol script), or both as one MIME multipart/mixed message, which is how
// cloud-init takes several formats at once. cloud-init reads a message as MIME when
// "MIME-Version:" is in its first 4096 bytes, walks every leaf part (nested multiparts
// too), and tells a part's format from how its content begins when the part says
// text/plain or text/x-shellscript; a gzip part is decompressed first. Shell-script parts
// are written under their file names and run in name order.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { TaskContext } from '../engine/context.js';
import { UsageError } from '../engine/errors.js';

/** EC2 accepts at most 16 KiB of user data, counted before base64. */
export const USER_DATA_LIMIT = 16 * 1024;

/**
 * cloud-init's formats by how the content begins (its INCLUSION_TYPES_MAP): case and
 * leading blanks ignored, the longest prefix first, so `#cloud-config-archive` is not
 * taken for `#cloud-config` nor `#include-once` for `#include`.
 */
const FORMATS: readonly (readonly [string, string])[] = [
  ['#cloud-config-archive', 'text/cloud-config-archive'],
  ['#cloud-config-jsonp', 'text/cloud-config-jsonp'],
  ['## template: jinja', 'text/jinja2'],
  ['#cloud-boothook', 'text/cloud-boothook'],
  ['#cloud-config', 'text/cloud-config'],
  ['#include-once', 'text/x-include-once-url'],
  ['#part-handler', 'text/part-handler'],
  ['#upstart-job', 'text/upstart-job'],
  ['#include', 'text/x-include-url'],
  ['#!', 'text/x-shellscript'],
];

export type UserDataKind = { kind: 'format'; type: string } | { kind: 'mime' } | { kind: 'gzip' } | { kind: 'unknown' };

/** What cloud-init would take a blob for. */
export function userDataKind(data: Buffer): UserDataKind {
  if (data.length >= 2 && data[0] === 0x1f && data[1] === 0x8b) return { kind: 'gzip' };
  const head = data.subarray(0, 4096).toString('latin1').toLowerCase();
  if (head.includes('mime-version:')) return { kind: 'mime' };
  const start = head.trimStart();
  const found = FORMATS.find(([prefix]) => start.startsWith(prefix));
  return found ? { kind: 'format', type: found[1] } : { kind: 'unknown' };
}

/** Reads --userdata FILE: a usage error (exit 2) when it is missing or too large. */
export async function readUserDataFile(ctx: Pick<TaskContext, 'settings'>, file: string): Promise<Buffer> {
  let data: Buffer;
  try {
    data = await readFile(resolve(ctx.settings.cwd, file));
  } catch (err) {
    throw new UsageError(`--userdata ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  if (data.length > USER_DATA_LIMIT) {
    throw new UsageError(`--userdata ${file}: ${data.length} bytes; EC2 accepts at most ${USER_DATA_LIMIT}`);
  }
  return data;
}

/** A part the tool adds: a text in one of cloud-init's formats, and the name cloud-init files it under. */
export interface AddedPart {
  content: string;
  /** Shell scripts run in the order of these names; the tool's part comes after the operator's. */
  filename: string;
}

export interface UserFile {
  /** For messages: the --userdata argument. */
  name: string;
  data: Buffer;
}

/** The boundary: fixed so the message is reproducible, lengthened until no part contains it. */
function boundaryFor(parts: readonly Buffer[]): string {
  let boundary = '==origin-setup-part==';
  while (parts.some((p) => p.includes(`--${boundary}`))) boundary = `=${boundary}=`;
  return boundary;
}

function isAscii(data: Buffer): boolean {
  return data.every((b) => b < 0x80 && b !== 0);
}

/**
 * The operator's file as a part. A MIME message goes in as it is: its own headers are the
 * part's, and cloud-init walks into it. Text in a known format is marked with that format;
 * anything not 7-bit travels base64-encoded so no byte is changed on the way. gzip goes
 * as application/x-gzip, which cloud-init decompresses and then reads like any part.
 */
function userPart(file: UserFile): Buffer {
  const kind = userDataKind(file.data);
  if (kind.kind === 'mime') return file.data;
  if (kind.kind === 'unknown') {
    throw new UsageError(
      `--userdata ${file.name}: cloud-init would ignore it beside --enrol: it does not begin with #!, #cloud-config or another cloud-init format, nor is it MIME or gzip`,
    );
  }
  const type = kind.kind === 'gzip' ? 'application/x-gzip' : kind.type;
  const base64 = kind.kind === 'gzip' || !isAscii(file.data);
  const headers = [
    `Content-Type: ${type}${kind.kind === 'format' ? `; charset="${base64 ? 'utf-8' : 'us-ascii'}"` : ''}`,
    'MIME-Version: 1.0',
    `Content-Transfer-Encoding: ${base64 ? 'base64' : '7bit'}`,
  ];
  const body = base64 ? `${file.data.toString('base64').replace(/.{1,76}/g, '$&\n')}` : file.data.toString('latin1');
  return Buffer.from(`${headers.join('\n')}\n\n${body}`, 'latin1');
}

/** Refuses (exit 2) an operator's file that cannot be one part of a multipart message. */
export function assertCombinable(file: UserFile): void {
  userPart(file);
}

function addedPart(part: AddedPart): Buffer {
  const type = userDataKind(Buffer.from(part.content));
  if (type.kind !== 'format' || !isAscii(Buffer.from(part.content))) throw new Error(`${part.filename}: not a 7-bit cloud-init part`);
  return Buffer.from(
    [
      `Content-Type: ${type.type}; charset="us-ascii"`,
      'MIME-Version: 1.0',
      'Content-Transfer-Encoding: 7bit',
      `Content-Disposition: attachment; filename="${part.filename}"`,
      '',
      part.content,
    ].join('\n'),
  );
}

/**
 * The user data to launch with: the operator's file alone (as it is), the tool's part
 * alone, or both as multipart/mixed with the operator's first. Refuses (exit 2) what
 * would exceed EC2's limit, naming both sizes.
 */
export function composeUserData(file: UserFile | undefined, added: AddedPart | undefined): Buffer | undefined {
  let data: Buffer | undefined;
  if (!added) data = file?.data;
  else if (!file) data = Buffer.from(added.content);
  else {
    const parts = [userPart(file), addedPart(added)];
    const boundary = boundaryFor(parts);
    const header = `Content-Type: multipart/mixed; boundary="${boundary}"\nMIME-Version: 1.0\n\n`;
    const chunks: Buffer[] = [Buffer.from(header)];
    for (const p of parts) {
      // The line break before a boundary belongs to the boundary: one more keeps the part's last one.
      chunks.push(Buffer.from(`--${boundary}\n`), p, Buffer.from('\n'));
    }
    chunks.push(Buffer.from(`--${boundary}--\n`));
    data = Buffer.concat(chunks);
  }
  if (data && data.length > USER_DATA_LIMIT) {
    const what =
      file && added ? `--userdata ${file.name} (${file.data.length} bytes) with the --enrol script (${added.content.length} bytes)` : 'the --enrol script';
    throw new UsageError(`${what}: ${data.length} bytes of user data; EC2 accepts at most ${USER_DATA_LIMIT}`);
  }
  return data;
}
