// Live wait lines, seen the way a person sees them: the built binary in a pseudo-terminal
// (util-linux `script`), and the same command piped.
import { spawn, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runBin } from '../support/bin.js';
import { testEnv } from '../support/cli.js';
import { startFakeRoute53, type FakeRoute53 } from '../support/fake-route53.js';

const HAS_SCRIPT = spawnSync('script', ['--version']).status === 0;

let route53: FakeRoute53;
beforeAll(async () => {
  route53 = await startFakeRoute53('example.com.');
});
afterAll(() => route53.close());

const args = () => ['route53:record:create', 'example.com', 'www', 'A', '203.0.113.5', '--wait', '--endpoint-url', route53.url];
// Polls every 0.15 s instead of 3 s; the live line still waits for 2 s of real time.
const env = () => testEnv({ ORIGIN_SETUP_TIME_SCALE: '0.05', TERM: 'xterm', COLUMNS: '100' });

describe.skipIf(!HAS_SCRIPT)('progress at a terminal', () => {
  it('shows a live line for a wait of more than 2 s, with its phase and time, and clears it', async () => {
    route53.changePending = true;
    const quoted = [process.execPath, BIN, ...args()].map((a) => `'${a}'`).join(' ');
    const child = spawn('script', ['-qfec', quoted, '/dev/null'], { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    let screen = '';
    child.stdout.on('data', (d: Buffer) => {
      screen += d.toString();
      // Route53 answers INSYNC once the line has been seen: no timer races the process.
      if (/waiting for change \/change\/C1 to be INSYNC: PENDING → INSYNC\s+\d+s/.test(screen)) route53.changePending = false;
    });
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect(code, JSON.stringify(screen)).toBe(0);
    expect(screen).toMatch(/waiting for change \/change\/C1 to be INSYNC: PENDING → INSYNC {2}[2-9]s/);
    // The line is taken away again (cursor up, clear to the end of the screen) before the end.
    // eslint-disable-next-line no-control-regex -- the escape sequences are what is checked
    expect(screen).toMatch(/\u001b\[1A\r\u001b\[0J/);
    // The result comes after the cleared line, on stdout (the same terminal here).
    // eslint-disable-next-line no-control-regex -- as above
    expect(screen.slice(screen.lastIndexOf('\u001b[0J'))).toMatch(/^\u001b\[0J\/change\/C1 INSYNC\r?\n$/);
  }, 30_000);

  it('shows nothing of it when stderr is not a terminal, or with --quiet', async () => {
    route53.changePending = false;
    const piped = await runBin(args(), env());
    expect(piped.code).toBe(0);
    expect(piped.stderr).not.toContain('waiting for change');
    expect(piped.stderr).not.toContain('\u001b[');
  });
});
