// The built binary, given argv bytes that are not UTF-8 (as a shell passes them from a
// Latin-1 file or a broken terminal): refused with exit 2 and the argument named, nothing
// sent to AWS, and no altered value (U+FFFD) written anywhere.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../support/bin.js';
import { testEnv } from '../support/cli.js';
import { startFakeRoute53, type FakeRoute53 } from '../support/fake-route53.js';

let route53: FakeRoute53;
beforeAll(async () => {
  route53 = await startFakeRoute53();
});
afterAll(() => route53.close());

/**
 * Runs the binary with `args`, where each `\xHH` in an argument becomes that raw byte: Node
 * can only pass strings (encoded as UTF-8) to a child, so /bin/sh's printf makes the bytes.
 */
function runWithBytes(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: Buffer; stderr: Buffer }> {
  const octal = (s: string) => s.replace(/'/g, `'\\''`).replace(/\\x([0-9a-f]{2})/gi, (_m, h: string) => `\\${parseInt(h, 16).toString(8).padStart(3, '0')}`);
  const quoted = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
  const script = `exec "$0" "$1" ${args.map((a) => (/\\x/.test(a) ? `"$(printf '${octal(a).replace(/%/g, '%%')}')"` : quoted(a))).join(' ')}`;
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', script, process.execPath, BIN], { env, cwd: env.HOME, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err) }));
  });
}

describe('argv bytes that are not UTF-8', () => {
  it('are refused, named, and never sent or printed altered', async () => {
    const env = testEnv();
    const base = ['route53:record:create', 'infra.example.com', 'sectxt', 'TXT'];
    const cases: [string[], string][] = [
      [[...base, 'v\\xff\\xfeal', '--endpoint-url', route53.url], 'VALUE'],
      [[...base, 'ok', '--ttl', '3\\xff', '--endpoint-url', route53.url], 'the value of --ttl'],
      [['--region', 'eu\\xfe', ...base, 'ok', '--endpoint-url', route53.url], 'the value of --region'],
    ];
    for (const [args, what] of cases) {
      const r = await runWithBytes(args, env);
      const stderr = r.stderr.toString('utf8');
      expect(r.code, stderr).toBe(2);
      expect(r.stdout.length).toBe(0);
      expect(stderr.split('\n')[0]).toMatch(new RegExp(`^error: ${what} is not valid UTF-8 text`));
      expect(stderr).not.toContain('\uFFFD');
      expect(r.stderr.includes(0xff) || r.stderr.includes(0xfe)).toBe(false);
    }
    expect(route53.requests).toHaveLength(0);
    // The same run with UTF-8 bytes goes through.
    const ok = await runWithBytes([...base, 'caf\\xc3\\xa9', '--endpoint-url', route53.url], env);
    expect(ok.code, ok.stderr.toString()).toBe(0);
    expect(ok.stderr.toString('utf8')).toContain('task: route53:record:create infra.example.com sectxt TXT café');
    expect(route53.requests.some((q) => q.method === 'POST' && q.body.includes('café'))).toBe(true);
  });
});
