// User data with --enrol: the operator's file and the enrolment script as one MIME
// multipart/mixed message. Python's email parser (the one cloud-init reads user data
// with) checks that every part comes back byte for byte, with the type cloud-init acts on.
import { execFileSync, spawnSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/engine/errors.js';
import { composeUserData, USER_DATA_LIMIT, userDataKind } from '../../../src/aws/user-data.js';

const ENROL = { content: '#!/bin/sh\necho enrol\n', filename: 'zz-origin-setup-enrol.sh' };
const file = (text: string | Buffer, name = 'boot.txt') => ({ name, data: Buffer.isBuffer(text) ? text : Buffer.from(text) });

const PYTHON = spawnSync('python3', ['-c', 'import email'], { stdio: 'ignore' }).status === 0;

/**
 * What cloud-init's reader sees: it parses the blob as MIME when "mime-version:" is in its
 * first 4096 bytes and walks the leaves; each comes back as type, file name, payload.
 */
function walk(data: Buffer): { type: string; filename: string | null; payload: string }[] {
  const script = `
import email, json, sys, base64
data = sys.stdin.buffer.read()
assert b"mime-version:" in data[:4096].lower()
msg = email.message_from_string(data.decode("utf-8"))
out = []
for part in msg.walk():
    if part.get_content_maintype() == "multipart":
        continue
    out.append({"type": part.get_content_type(), "filename": part.get_filename(), "payload": base64.b64encode(part.get_payload(decode=True)).decode()})
print(json.dumps(out))
`;
  const parts = JSON.parse(execFileSync('python3', ['-c', script], { input: data, encoding: 'utf8' })) as {
    type: string;
    filename: string | null;
    payload: string;
  }[];
  return parts.map((p) => ({ ...p, payload: Buffer.from(p.payload, 'base64').toString('latin1') }));
}

describe('userDataKind: what cloud-init takes a blob for', () => {
  it.each([
    ['#!/bin/bash\n', 'text/x-shellscript'],
    ['  #cloud-config\npackages: [git]\n', 'text/cloud-config'],
    ['#Cloud-Config-Archive\n- x\n', 'text/cloud-config-archive'],
    ['#include-once\nhttps://example.com/a\n', 'text/x-include-once-url'],
    ['#include\nhttps://example.com/a\n', 'text/x-include-url'],
    ['#cloud-boothook\n#!/bin/sh\n', 'text/cloud-boothook'],
    ['## template: jinja\n#cloud-config\n', 'text/jinja2'],
  ])('%j → %s', (text, type) => {
    expect(userDataKind(Buffer.from(text))).toEqual({ kind: 'format', type });
  });
  it('MIME, gzip and anything else', () => {
    expect(userDataKind(Buffer.from('Content-Type: multipart/mixed; boundary="b"\nMIME-Version: 1.0\n\n'))).toEqual({ kind: 'mime' });
    expect(userDataKind(gzipSync('#!/bin/sh\n'))).toEqual({ kind: 'gzip' });
    expect(userDataKind(Buffer.from('hello\n'))).toEqual({ kind: 'unknown' });
  });
});

describe('composeUserData', () => {
  it('passes one of them through unchanged', () => {
    expect(composeUserData(undefined, undefined)).toBeUndefined();
    expect(composeUserData(file('anything at all'), undefined)?.toString()).toBe('anything at all');
    expect(composeUserData(undefined, ENROL)?.toString()).toBe(ENROL.content);
  });

  it('makes a script and the enrolment one multipart/mixed message, the operator first', () => {
    const data = composeUserData(file('#!/bin/bash\necho mine\n'), ENROL)!;
    expect(data.toString()).toBe(
      [
        'Content-Type: multipart/mixed; boundary="==origin-setup-part=="',
        'MIME-Version: 1.0',
        '',
        '--==origin-setup-part==',
        'Content-Type: text/x-shellscript; charset="us-ascii"',
        'MIME-Version: 1.0',
        'Content-Transfer-Encoding: 7bit',
        '',
        '#!/bin/bash',
        'echo mine',
        '',
        '--==origin-setup-part==',
        'Content-Type: text/x-shellscript; charset="us-ascii"',
        'MIME-Version: 1.0',
        'Content-Transfer-Encoding: 7bit',
        'Content-Disposition: attachment; filename="zz-origin-setup-enrol.sh"',
        '',
        '#!/bin/sh',
        'echo enrol',
        '',
        '--==origin-setup-part==--',
        '',
      ].join('\n'),
    );
  });

  it.skipIf(!PYTHON)('every part comes back whole from the email parser cloud-init uses: cloud-config, UTF-8, gzip, nested MIME', () => {
    const cloudConfig = '#cloud-config\npackages:\n  - git\n';
    expect(walk(composeUserData(file(cloudConfig), ENROL)!)).toEqual([
      { type: 'text/cloud-config', filename: null, payload: cloudConfig },
      { type: 'text/x-shellscript', filename: 'zz-origin-setup-enrol.sh', payload: ENROL.content },
    ]);

    const utf8 = Buffer.from('#!/bin/sh\necho "grüße aus Köln"\n');
    expect(walk(composeUserData(file(utf8), ENROL)!)[0]).toEqual({ type: 'text/x-shellscript', filename: null, payload: utf8.toString('latin1') });

    const gz = gzipSync('#!/bin/sh\necho zipped\n');
    expect(walk(composeUserData(file(gz), ENROL)!)[0]).toEqual({ type: 'application/x-gzip', filename: null, payload: gz.toString('latin1') });

    const nested = [
      'Content-Type: multipart/mixed; boundary="inner"',
      'MIME-Version: 1.0',
      '',
      '--inner',
      'Content-Type: text/cloud-config',
      '',
      '#cloud-config',
      'runcmd: [true]',
      '',
      '--inner',
      'Content-Type: text/x-shellscript',
      'Content-Disposition: attachment; filename="mine.sh"',
      '',
      '#!/bin/sh',
      'true',
      '',
      '--inner--',
      '',
    ].join('\n');
    expect(walk(composeUserData(file(nested), ENROL)!)).toEqual([
      { type: 'text/cloud-config', filename: null, payload: '#cloud-config\nruncmd: [true]\n' },
      { type: 'text/x-shellscript', filename: 'mine.sh', payload: '#!/bin/sh\ntrue\n' },
      { type: 'text/x-shellscript', filename: 'zz-origin-setup-enrol.sh', payload: ENROL.content },
    ]);
  });

  it('chooses another boundary when a part contains it', () => {
    const data = composeUserData(file('#!/bin/sh\n# --==origin-setup-part==\n'), ENROL)!.toString();
    expect(data.split('\n')[0]).toBe('Content-Type: multipart/mixed; boundary="===origin-setup-part==="');
    if (PYTHON) expect(walk(Buffer.from(data)).map((p) => p.payload)).toEqual(['#!/bin/sh\n# --==origin-setup-part==\n', ENROL.content]);
  });

  it('refuses (exit 2) a file cloud-init would ignore, and a message over 16 KiB naming both sizes', () => {
    expect(() => composeUserData(file('just some notes\n', 'notes.txt'), ENROL)).toThrow(UsageError);
    expect(() => composeUserData(file('just some notes\n', 'notes.txt'), ENROL)).toThrow(
      '--userdata notes.txt: cloud-init would ignore it beside --enrol: it does not begin with #!, #cloud-config or another cloud-init format, nor is it MIME or gzip',
    );
    const big = `#!/bin/sh\n${'#'.repeat(USER_DATA_LIMIT - 200)}\n`;
    expect(() => composeUserData(file(big, 'big.sh'), ENROL)).toThrow(
      new RegExp(
        `^--userdata big\\.sh \\(${big.length} bytes\\) with the --enrol script \\(${ENROL.content.length} bytes\\): \\d+ bytes of user data; EC2 accepts at most 16384$`,
      ),
    );
  });
});
