// Pure parts of the augeas service: what augtool's own parser makes of the words we send,
// and how its answers are read.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { type Sshd } from '../support/sshd.js';
import { useTestSshd } from '../support/with-sshd.js';
import { augeasSet, augeasValue, augtoolSetCommand, augtoolString, parseAugtoolGet, parseAugtoolMatch } from '../../src/remote/augeas.js';
import { augeasPath } from '../../src/remote/validate.js';
import { augtoolWords } from './augeas-tokenizer.js';

/** The argv a real /bin/sh passes to the program for a command line we built. */
function shellArgv(command: string): string[] {
  const out = execFileSync('/bin/sh', ['-c', `set -- ${command}; shift; for a in "$@"; do printf '%s\\0' "$a"; done`], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

const tricky = [
  '$ModLoad imtcp',
  'imtcp',
  'a value with  two spaces',
  'x=y=z',
  'say "hi"',
  "it's",
  'back\\slash and \\$',
  'tab\there',
  'two\nlines',
  '$(touch /tmp/pwned)',
  '`id`; rm -rf /',
  '[main]',
  '#comment',
  '',
];

describe('augtoolString', () => {
  it.each(tricky)('round-trips %j through the shell and augtool parser unchanged', (value) => {
    const command = augtoolSetCommand('/files/etc/rsyslog.conf/$ModLoad[last()+1]', value);
    const argv = shellArgv(command.text);
    expect(argv.slice(0, 3)).toEqual(['-s', 'set', '/files/etc/rsyslog.conf/$ModLoad[last()+1]']);
    expect(argv).toHaveLength(4);
    // getopt takes -s (autosave); augtool joins the rest into one command line and parses it.
    expect(augtoolWords(argv.slice(1))).toEqual([['set', '/files/etc/rsyslog.conf/$ModLoad[last()+1]', value]]);
  });

  it('writes the value in augtool double quotes with only \\ " tab and newline escaped', () => {
    expect(augtoolString('$ModLoad imtcp')).toBe('"$ModLoad imtcp"');
    expect(augtoolString('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(augtoolString("it's")).toBe('"it\'s"');
    expect(augtoolString('l1\nl2\tx')).toBe('"l1\\nl2\\tx"');
  });

  it('refuses a ] that closes no [, which augtool cannot take in any quoting', () => {
    expect(augeasValue('a]b')).toMatch(/closes no \[/);
    expect(() => augtoolString('a]b')).toThrow(/closes no \[/);
    expect(augeasValue('[ok]')).toBeUndefined();
  });
});

describe('augeasPath', () => {
  it('accepts absolute paths with predicates, $ in labels and blanks inside predicates', () => {
    expect(augeasPath('/files/etc/puppet/puppet.conf/main/server')).toBeUndefined();
    expect(augeasPath('/files/etc/rsyslog.conf/$ModLoad[last()+1]')).toBeUndefined();
    expect(augeasPath("/files/etc/hosts/*[canonical = 'puppet']/ipaddr")).toBeUndefined();
  });
  it.each([
    ['files/etc/x', /starts with \//],
    ['/files/etc/x y', /only inside \[predicates\]/],
    ['/files/etc/"x"', /only inside/],
    ['/files/etc/x[1', /unbalanced \[/],
    ['/files/etc/x]', /unbalanced \]/],
    ['/files/etc/x\nset /y z', /control characters/],
  ])('refuses %j', (path, message) => {
    expect(augeasPath(path)).toMatch(message);
  });
});

describe('parseAugtoolGet', () => {
  const path = '/files/etc/puppet/puppet.conf/main/server';
  it('keeps a value with = in it whole', () => {
    expect(parseAugtoolGet(path, [`${path} = a=b = c`])).toEqual({ found: true, value: 'a=b = c' });
  });
  it('keeps the lines of a multi-line value', () => {
    expect(parseAugtoolGet(path, [`${path} = first`, 'second'])).toEqual({ found: true, value: 'first\nsecond' });
  });
  it('tells a missing node from a node without a value', () => {
    expect(parseAugtoolGet(path, [`${path} (o)`])).toEqual({ found: false });
    expect(parseAugtoolGet(path, [`${path} (none)`])).toEqual({ found: true, value: null });
  });
  it('is not fooled by " = " inside a predicate of the path', () => {
    const p = "/files/etc/hosts/*[canonical = 'puppet']/ipaddr";
    expect(parseAugtoolGet(p, [`${p} = 10.0.0.5`])).toEqual({ found: true, value: '10.0.0.5' });
  });
  it('matches the path augtool echoes without a trailing slash', () => {
    expect(parseAugtoolGet(`${path}/`, [`${path} = puppet`])).toEqual({ found: true, value: 'puppet' });
  });
  it('rejects output it does not understand', () => {
    expect(() => parseAugtoolGet(path, ['something else'])).toThrow(/unexpected augtool output/);
  });
});

describe('parseAugtoolMatch', () => {
  it('returns the matched paths, and nothing for (no matches)', () => {
    expect(
      parseAugtoolMatch([
        '/files/etc/yum.repos.d/fedora-updates-testing.repo/updates-testing = (none)',
        '/files/etc/yum.repos.d/other.repo/updates-testing = (none)',
      ]),
    ).toEqual(['/files/etc/yum.repos.d/fedora-updates-testing.repo/updates-testing', '/files/etc/yum.repos.d/other.repo/updates-testing']);
    expect(parseAugtoolMatch(['  (no matches)'])).toEqual([]);
  });
});

describe('remote:augeas tasks against a real sshd (augtool is a recording stand-in)', () => {
  let sshd: Sshd;
  let env: NodeJS.ProcessEnv;
  useTestSshd((s, e) => {
    sshd = s;
    env = e;
  });
  const augtoolCalls = () =>
    sshd
      .calls()
      .filter((c) => c.name === 'augtool')
      .map((c) => c.args);

  it('set makes $ModLoad and a value with $ and spaces arrive literally, as root, in one augtool word', async () => {
    const path = '/files/etc/rsyslog.conf/$ModLoad[last()+1]';
    const r = await runCli(['remote:augeas:set', 'testhost', path, 'imtcp'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`task: remote:augeas:set testhost ${path} imtcp\n`);
    const r2 = await runCli(['remote:augeas:set', 'testhost', '/files/etc/rsyslog.conf/$InputTCPServerRun', '$HOME 514 "x" \\n `id`'], env);
    expect(r2.code).toBe(0);
    const calls = augtoolCalls();
    expect(calls).toEqual([
      ['-s', 'set', path, '"imtcp"'],
      ['-s', 'set', '/files/etc/rsyslog.conf/$InputTCPServerRun', '"$HOME 514 \\"x\\" \\\\n `id`"'],
    ]);
    // What augtool's own parser makes of those words is exactly what was typed.
    expect(augtoolWords(calls[1]!.slice(1))).toEqual([['set', '/files/etc/rsyslog.conf/$InputTCPServerRun', '$HOME 514 "x" \\n `id`']]);
    expect(
      sshd
        .calls()
        .filter((c) => c.name === 'sudo')
        .map((c) => c.args.slice(0, 3)),
    ).toEqual([
      ['-n', 'sh', '-c'],
      ['-n', 'sh', '-c'],
    ]);
  });

  it('get prints the whole value, = signs included', async () => {
    const path = '/files/etc/puppet/puppet.conf/main/dbconnections';
    sshd.standIn('augtool', { stdout: `${path} = adapter=mysql host=db = 1\n` });
    const r = await runCli(['remote:augeas:get', 'testhost', path], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('adapter=mysql host=db = 1\n');
    expect(augtoolCalls()).toEqual([['get', path]]);
    const json = await runCli(['remote:augeas:get', 'testhost', path, '--json'], env);
    expect(JSON.parse(json.stdout)).toEqual({ host: 'testhost', path, value: 'adapter=mysql host=db = 1' });
  });

  it('get of a missing node exits 1 with NotFound; a node without a value prints nothing', async () => {
    const path = '/files/etc/puppet/puppet.conf/main/nosuch';
    sshd.standIn('augtool', { stdout: `${path} (o)\n` });
    const r = await runCli(['remote:augeas:get', 'testhost', path], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: testhost: no augeas node at \/files\/etc\/puppet\/puppet\.conf\/main\/nosuch/);
    sshd.standIn('augtool', { stdout: '/files/etc/puppet/puppet.conf/main (none)\n' });
    const none = await runCli(['remote:augeas:get', 'testhost', '/files/etc/puppet/puppet.conf/main'], env);
    expect(none.code).toBe(0);
    expect(none.stdout).toBe('');
  });

  it('refuses bad paths and impossible values with exit 2 before connecting', async () => {
    const before = sshd.logins();
    for (const argv of [
      ['remote:augeas:set', 'testhost', 'files/etc/x', 'v'],
      ['remote:augeas:set', 'testhost', '/files/etc/x y', 'v'],
      ['remote:augeas:set', 'testhost', '/files/etc/x\nset /files/etc/shadow/root/password x', 'v'],
      ['remote:augeas:set', 'testhost', '/files/etc/x', 'a]b'],
      ['remote:augeas:get', 'testhost', "/files/etc/x'"],
    ]) {
      expect((await runCli(argv, env)).code, JSON.stringify(argv)).toBe(2);
    }
    expect(sshd.logins()).toBe(before);
    expect(augtoolCalls()).toEqual([]);
  });

  it('an augtool failure fails the task with its message', async () => {
    sshd.standIn('augtool', { stderr: "error: Failed to execute command\nsaving failed (run 'errors' for details)\n", exit: 1 });
    const r = await runCli(['remote:augeas:set', 'testhost', '/files/etc/puppet/puppet.conf/main/server', 'puppet'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/exited 1: error: Failed to execute command \| saving failed/);
  });

  it('augeasSet is the service the puppet tasks call', async () => {
    const { SshPool } = await import('../../src/ssh/pool.js');
    const pool = new SshPool(sshd.settings(sshd.clientHome()));
    try {
      const host = await pool.host('testhost', { verbose() {}, debug() {}, info() {} });
      await augeasSet(host, '/files/etc/puppet/puppet.conf/agent/server', 'puppet.example.org');
    } finally {
      await pool.close();
    }
    expect(augtoolCalls()).toEqual([['-s', 'set', '/files/etc/puppet/puppet.conf/agent/server', '"puppet.example.org"']]);
  });
});
