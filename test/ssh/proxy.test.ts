// ssh_config's ProxyJump, ProxyCommand and Include against two real sshds: a jump host
// (logging each forwarded connection) and a target behind it; keywords the tool refuses;
// host keys checked for each hop under its own name; timeouts and Ctrl-C on the way.
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { InterruptedError } from '../../src/engine/errors.js';
import { computeHost, loadSshConfig } from '../../src/ssh/config.js';
import { SshError } from '../../src/ssh/errors.js';
import { SshPool } from '../../src/ssh/pool.js';
import { sh } from '../../src/ssh/quote.js';
import type { SshSettings } from '../../src/ssh/types.js';
import { alive, captureLog, processesUsing, scratchHome, startSshd, writeClientSsh, type Sshd } from '../support/sshd.js';
import { until } from '../support/until.js';

let jump: Sshd;
let target: Sshd;
const pools: SshPool[] = [];

beforeAll(async () => {
  // DEBUG1: the jump host's sshd logs every direct-tcpip channel it is asked for.
  [jump, target] = await Promise.all([startSshd({ logLevel: 'DEBUG1', hosts: ['bastion'] }), startSshd({ hosts: ['web1'] })]);
}, 30_000);
afterAll(async () => Promise.all([jump?.stop(), target?.stop()]));
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

function pool(home: string, overrides: Partial<SshSettings> = {}): SshPool {
  const p = new SshPool({ strictHostKeys: false, home, env: {}, dryRun: false, timeScale: 1, connectTimeoutSeconds: 10, ...overrides });
  pools.push(p);
  return p;
}

/** A HOME whose ssh_config is these lines, with both sshds' keys in known_hosts (unless told otherwise). */
function homeWith(lines: string[], knownHosts = `${jump.hostKeyLine()}\n${target.hostKeyLine()}\n`): string {
  const home = scratchHome('origin-sshd-');
  writeClientSsh(home, `${lines.join('\n')}\n`, knownHosts);
  return home;
}

const bastionBlock = () => ['Host bastion', '  HostName 127.0.0.1', `  Port ${jump.port}`, `  User ${jump.user}`, `  IdentityFile ${jump.userKeyPath}`];
const targetBlock = (names: string, extra: string[] = []) => [
  `Host ${names}`,
  '  HostName 127.0.0.1',
  `  Port ${target.port}`,
  `  User ${target.user}`,
  `  IdentityFile ${target.userKeyPath}`,
  ...extra,
];

/** The channels the jump host's sshd opened to the target's port. */
const forwardsToTarget = () =>
  jump
    .sshdLog()
    .split('\n')
    .filter((l) => l.includes(`target 127.0.0.1 port ${target.port}`)).length;
const forwardsTo = (port: number) =>
  jump
    .sshdLog()
    .split('\n')
    .filter((l) => l.includes(`target 127.0.0.1 port ${port}`)).length;

async function failure(p: Promise<unknown>): Promise<SshError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SshError);
  return err as SshError;
}

/** Accepts TCP and never says a word; counts what it accepted. */
async function silentServer(): Promise<{ port: number; connections(): number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let count = 0;
  const server = createServer((s) => {
    count++;
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as { port: number }).port,
    connections: () => count,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

describe('ProxyJump', () => {
  test('several hosts behind one jump host: one login there, a forwarded channel and a login on the target for each', async () => {
    const home = homeWith([...bastionBlock(), '', ...targetBlock('web1 web2 web3', ['  ProxyJump bastion'])]);
    const [jumpLogins, targetLogins, forwards] = [jump.logins(), target.logins(), forwardsToTarget()];
    const { log, lines } = captureLog();
    const p = pool(home);
    const hosts = await Promise.all(['web1', 'web2', 'web3'].map((n) => p.host(n, log)));
    const out = await Promise.all(hosts.map((h) => h.run(sh`echo "$HOME"`)));
    expect(out.map((r) => r.stdout)).toEqual([[target.remoteHome], [target.remoteHome], [target.remoteHome]]);
    expect(jump.logins() - jumpLogins).toBe(1);
    expect(target.logins() - targetLogins).toBe(3);
    expect(forwardsToTarget() - forwards).toBe(3);
    expect(p.handshakes).toBe(4);
    expect(lines).toContainEqual(expect.stringMatching(/^verbose: web1: connected as \S+ to 127\.0\.0\.1:\d+ through ProxyJump bastion with /));
    // A probe logs in afresh on the target, still through the pooled jump connection.
    await hosts[0]!.probe!(sh`true`);
    expect(jump.logins() - jumpLogins).toBe(1);
    expect(target.logins() - targetLogins).toBe(4);
    // A greeting check opens a forwarded channel too, and logs in nowhere.
    const [handshakes, channels] = [p.handshakes, forwardsToTarget()];
    expect(await hosts[1]!.greeting!()).toMatch(/^SSH-2\.0-OpenSSH_/);
    expect(forwardsToTarget() - channels).toBe(1);
    expect([jump.logins() - jumpLogins, target.logins() - targetLogins, p.handshakes]).toEqual([1, 4, handshakes]);
  });

  test('a chain of hops with user@host:port, each hop reached through the one before', async () => {
    const home = homeWith([
      // No User or Port here: the ProxyJump line gives them.
      'Host hop1 hop2',
      '  HostName 127.0.0.1',
      `  IdentityFile ${jump.userKeyPath}`,
      '',
      ...targetBlock('web1', [`  ProxyJump ${jump.user}@hop1:${jump.port},ssh://${jump.user}@hop2:${jump.port}`]),
    ]);
    const [jumpLogins, toJump, toTarget] = [jump.logins(), forwardsTo(jump.port), forwardsToTarget()];
    const p = pool(home);
    expect((await (await p.host('web1', captureLog().log)).run(sh`echo ok`)).stdout).toEqual(['ok']);
    expect(jump.logins() - jumpLogins).toBe(2); // hop1 directly, hop2 through hop1
    expect(forwardsTo(jump.port) - toJump).toBe(1); // hop1 opened the channel to hop2
    expect(forwardsToTarget() - toTarget).toBe(1); // hop2 opened the channel to the target
    expect(p.handshakes).toBe(3);
  });

  test("the jump host's own ProxyJump applies to it, and ProxyJump none connects directly", async () => {
    const home = homeWith([
      ...bastionBlock(),
      '  ProxyJump none', // else `Host *` below would send it through itself
      '',
      'Host inner',
      '  HostName 127.0.0.1',
      `  Port ${jump.port}`,
      `  User ${jump.user}`,
      `  IdentityFile ${jump.userKeyPath}`,
      '  ProxyJump bastion',
      '',
      ...targetBlock('web1', ['  ProxyJump inner']),
      ...targetBlock('direct', ['  ProxyJump none']),
      '',
      'Host *',
      '  ProxyJump bastion',
    ]);
    const [jumpLogins, toJump, toTarget] = [jump.logins(), forwardsTo(jump.port), forwardsToTarget()];
    const p = pool(home);
    await (await p.host('web1', captureLog().log)).run(sh`true`);
    expect(jump.logins() - jumpLogins).toBe(2);
    expect(forwardsTo(jump.port) - toJump).toBe(1);
    expect(forwardsToTarget() - toTarget).toBe(1);
    await (await p.host('direct', captureLog().log)).run(sh`true`);
    expect(forwardsToTarget() - toTarget).toBe(1);
    expect(jump.logins() - jumpLogins).toBe(2);
  });

  test('a jump host that cannot reach the target says which one could not reach what', async () => {
    const silent = await silentServer();
    await silent.close(); // a port nothing listens on any more
    const home = homeWith([
      ...bastionBlock(),
      '',
      'Host gone',
      '  HostName 127.0.0.1',
      `  Port ${silent.port}`,
      `  IdentityFile ${target.userKeyPath}`,
      '  ProxyJump bastion',
    ]);
    const err = await failure((await pool(home).host('gone', captureLog().log)).run(sh`true`));
    expect(err.kind).toBe('refused');
    expect(err.message).toContain(`bastion could not connect to 127.0.0.1:${silent.port} for gone (ProxyJump)`);
  });

  test('a loop of jump hosts is refused instead of waiting on itself', async () => {
    const home = homeWith(['Host loopa', '  ProxyJump loopb', 'Host loopb', '  ProxyJump loopa', 'Host *', `  IdentityFile ${target.userKeyPath}`]);
    const err = await failure((await pool(home).host('loopa', captureLog().log)).run(sh`true`));
    expect(err.message).toMatch(/ProxyJump loops: loopa -> loopb -> loopa/);
  });

  test('a jump host that never answers is cut by ConnectTimeout, and Ctrl-C cuts it at once', async () => {
    const silent = await silentServer();
    try {
      const home = homeWith([
        `Host quiet`,
        '  HostName 127.0.0.1',
        `  Port ${silent.port}`,
        `  IdentityFile ${jump.userKeyPath}`,
        ...targetBlock('web1', ['  ProxyJump quiet', '  ConnectTimeout 1']),
      ]);
      const started = Date.now();
      const err = await failure((await pool(home).host('web1', captureLog().log)).run(sh`true`));
      expect(err.kind).toBe('timeout');
      expect(err.message).toContain('cannot reach jump host quiet for web1');
      expect(Date.now() - started).toBeLessThan(5000);

      const stop = new AbortController();
      const h = await pool(home, { signal: stop.signal }).host('web1', captureLog().log);
      const running = h.run(sh`true`).catch((e: unknown) => e);
      await until('the connection to the jump host', () => silent.connections() > 1);
      const aborted = Date.now();
      stop.abort();
      expect(await running).toBeInstanceOf(InterruptedError);
      expect(Date.now() - aborted).toBeLessThan(1000);
    } finally {
      await silent.close();
    }
  });
});

describe('host keys: each hop under its own name', () => {
  test('new keys are recorded for the jump host under its port and for the target under ITS name and port', async () => {
    const home = homeWith([...bastionBlock(), '', ...targetBlock('web1', ['  ProxyJump bastion'])], '');
    await (await pool(home).host('web1', captureLog().log)).run(sh`true`);
    const known = readFileSync(join(home, '.ssh', 'known_hosts'), 'utf8');
    expect(known).toContain(`[127.0.0.1]:${jump.port} ${jump.hostPublicKey}`);
    expect(known).toContain(`[127.0.0.1]:${target.port} ${target.hostPublicKey}`);
    expect(known.trim().split('\n')).toHaveLength(2);
  });

  test('a wrong key for the jump host is refused naming the jump host; the target is never reached', async () => {
    const wrong = `[127.0.0.1]:${jump.port} ${target.hostPublicKey}\n${target.hostKeyLine()}\n`;
    const home = homeWith([...bastionBlock(), '', ...targetBlock('web1', ['  ProxyJump bastion'])], wrong);
    const before = forwardsToTarget();
    const err = await failure((await pool(home).host('web1', captureLog().log)).run(sh`true`));
    expect(err.kind).toBe('host-key-changed');
    expect(err.host).toBe('web1');
    expect(err.message).toContain('cannot reach jump host bastion for web1 (ProxyJump at ');
    expect(err.message).toContain(`host key for [127.0.0.1]:${jump.port} changed`);
    expect(forwardsToTarget()).toBe(before);
  });

  test("a wrong key for the target is refused under the target's name, not the jump host's", async () => {
    const wrong = `${jump.hostKeyLine()}\n[127.0.0.1]:${target.port} ${jump.hostPublicKey}\n`;
    const home = homeWith([...bastionBlock(), '', ...targetBlock('web1', ['  ProxyJump bastion'])], wrong);
    const err = await failure((await pool(home).host('web1', captureLog().log)).run(sh`true`));
    expect(err.kind).toBe('host-key-changed');
    expect(err.message).not.toContain('jump host');
    expect(err.message).toContain(`host key for [127.0.0.1]:${target.port} changed`);
  });

  test('HostKeyAlias names the target in known_hosts, with strict checking, through the jump host', async () => {
    const known = `${jump.hostKeyLine()}\n${target.hostKeyLine('web-alias')}\n`;
    const home = homeWith([...bastionBlock(), '', ...targetBlock('web1', ['  ProxyJump bastion', '  HostKeyAlias web-alias'])], known);
    const r = await (await pool(home, { strictHostKeys: true }).host('web1', captureLog().log)).run(sh`echo ok`);
    expect(r.stdout).toEqual(['ok']);
  });
});

describe('ProxyCommand', () => {
  /** A tiny `nc`: connects to argv host:port, pipes stdio through, and notes its pid and arguments. */
  function pipeCommand(home: string): { command: string; script: string; notes: () => { pid: number; args: string[] }[] } {
    const script = join(home, 'pipe.mjs');
    const notes = join(home, 'pipe.notes');
    writeFileSync(
      script,
      [
        "import { connect } from 'node:net';",
        "import { appendFileSync } from 'node:fs';",
        'const [host, port, ...rest] = process.argv.slice(2);',
        `appendFileSync(${JSON.stringify(notes)}, JSON.stringify({ pid: process.pid, args: [host, port, ...rest] }) + '\\n');`,
        'const s = connect(Number(port), host);',
        "s.on('error', (e) => { process.stderr.write('pipe: ' + e.message + '\\n'); process.exit(1); });",
        'process.stdin.pipe(s);',
        's.pipe(process.stdout);',
        "s.on('close', () => process.exit(0));",
        '',
      ].join('\n'),
    );
    return {
      command: `${process.execPath} ${script}`,
      script,
      notes: () =>
        existsSync(notes)
          ? readFileSync(notes, 'utf8')
              .trim()
              .split('\n')
              .map((l) => JSON.parse(l) as { pid: number; args: string[] })
          : [],
    };
  }

  test('runs with %h %p %r %n %% expanded, carries the login, and is killed when the connection closes', async () => {
    const home = scratchHome('origin-sshd-');
    const pipe = pipeCommand(home);
    writeClientSsh(home, targetBlock('web1', [`  ProxyCommand ${pipe.command} %h %p %r %n 100%%`]).join('\n') + '\n', `${target.hostKeyLine()}\n`);
    const before = target.logins();
    const { log, lines } = captureLog();
    const p = pool(home);
    const r = await (await p.host('web1', log)).run(sh`echo ok`);
    expect(r.stdout).toEqual(['ok']);
    expect(target.logins() - before).toBe(1);
    const [note] = pipe.notes();
    expect(note!.args).toEqual(['127.0.0.1', String(target.port), target.user, 'web1', '100%']);
    expect(lines).toContainEqual(expect.stringMatching(/^verbose: web1: connected as \S+ to 127\.0\.0\.1:\d+ through ProxyCommand with /));
    expect(alive(note!.pid)).toBe(true);
    await p.close();
    await until('the ProxyCommand to end', () => !alive(note!.pid));
  });

  test('one that fails says how it ended and what it printed', async () => {
    const home = homeWith(targetBlock('web1', ['  ProxyCommand sh -c "echo cannot reach %h >&2; exit 3"']));
    const err = await failure((await pool(home).host('web1', captureLog().log)).run(sh`true`));
    expect(err.message).toBe('the ProxyCommand for web1 exited 3: cannot reach 127.0.0.1');
  });

  test('ProxyCommand none connects directly; ProxyJump before ProxyCommand wins', async () => {
    const home = homeWith([
      ...bastionBlock(),
      '',
      ...targetBlock('web1', ['  ProxyCommand none']),
      ...targetBlock('web2', ['  ProxyJump bastion', '  ProxyCommand false']),
    ]);
    const before = forwardsToTarget();
    const p = pool(home);
    await (await p.host('web1', captureLog().log)).run(sh`true`);
    expect(forwardsToTarget()).toBe(before);
    await (await p.host('web2', captureLog().log)).run(sh`true`);
    expect(forwardsToTarget()).toBe(before + 1);
  });

  test('one that never speaks SSH is cut by ConnectTimeout and killed; Ctrl-C kills it at once', async () => {
    const home = scratchHome('origin-sshd-');
    const pipe = pipeCommand(home);
    const silent = await silentServer();
    try {
      writeClientSsh(home, targetBlock('web1', [`  ProxyCommand ${pipe.command} %h ${silent.port}`, '  ConnectTimeout 1']).join('\n') + '\n', null);
      const err = await failure((await pool(home).host('web1', captureLog().log)).run(sh`true`));
      expect(err.kind).toBe('timeout');
      expect(err.message).toContain('through ProxyCommand');
      // (On a slow machine it may be killed before it wrote its notes: look for it by its script.)
      await until('the timed-out ProxyCommand to end', () => processesUsing(pipe.script).length === 0);

      const stop = new AbortController();
      const h = await pool(home, { signal: stop.signal }).host('web1', captureLog().log);
      const running = h.run(sh`true`).catch((e: unknown) => e);
      await until('the second ProxyCommand to connect', () => silent.connections() > 1);
      const aborted = Date.now();
      stop.abort();
      expect(await running).toBeInstanceOf(InterruptedError);
      expect(Date.now() - aborted).toBeLessThan(1000);
      await until('the interrupted ProxyCommand to end', () => processesUsing(pipe.script).length === 0);
    } finally {
      await silent.close();
    }
  });
});

describe('Include', () => {
  test('a glob relative to ~/.ssh is followed, nested Includes too; a missing file is not an error', async () => {
    const home = homeWith(['Include conf.d/*.conf', 'Include not-there.conf', '', 'Host *', '  ConnectTimeout 9']);
    mkdirSync(join(home, '.ssh', 'conf.d'));
    writeFileSync(join(home, '.ssh', 'conf.d', '10-web.conf'), `${targetBlock('web1').join('\n')}\n  Include ~/.ssh/more/*\n`);
    writeFileSync(join(home, '.ssh', 'conf.d', 'ignored.txt'), 'Host web1\n  User nobody\n');
    mkdirSync(join(home, '.ssh', 'more'));
    writeFileSync(join(home, '.ssh', 'more', 'web'), 'ServerAliveInterval 7\n');
    const parsed = loadSshConfig(home);
    const { host } = computeHost(parsed, 'web1');
    expect(host).toMatchObject({ port: target.port, user: target.user, identityFiles: [target.userKeyPath], serverAliveInterval: 7, connectTimeout: 9 });
    // The nested Include sits inside `Host web1`: another host does not get it.
    expect(computeHost(parsed, 'other').host.serverAliveInterval).toBeUndefined();
    expect((await (await pool(home).host('web1', captureLog().log)).run(sh`echo ok`)).stdout).toEqual(['ok']);
  });

  test('an Include that cannot be read is an error naming the file and the line; so is one that includes itself', () => {
    const home = homeWith(['Host *', '  User a', 'Include conf.d']);
    mkdirSync(join(home, '.ssh', 'conf.d'));
    expect(() => loadSshConfig(home)).toThrow(`cannot read ${join(home, '.ssh', 'conf.d')} (Include at ${join(home, '.ssh', 'config')}:3): it is a directory`);
    const loop = homeWith(['Include config']);
    expect(() => loadSshConfig(loop)).toThrow('Include nested more than 16 levels deep');
  });
});

describe('keywords the tool cannot honour', () => {
  test('are refused when they apply to the host, naming the keyword, file and line', async () => {
    const home = homeWith([
      ...targetBlock('web1 fdpass local tunnel canon'),
      '',
      'Host fdpass',
      '  ProxyCommand false',
      '  ProxyUseFdpass yes',
      'Host local',
      '  PermitLocalCommand yes',
      '  LocalCommand echo hi',
      'Host tunnel',
      '  Tunnel yes',
      'Match originalhost canon canonical',
      '  IdentitiesOnly yes',
      '',
      'Host *',
      // Harmless where they stand: ignored, never an error.
      '  LocalCommand echo never',
      '  Tunnel no',
      '  ForwardAgent yes',
      '  Compression yes',
      '  ControlMaster auto',
      'Match localnetwork 10.0.0.0/8',
      '  ForwardX11 yes',
    ]);
    const file = join(home, '.ssh', 'config');
    const p = pool(home);
    const refused = async (name: string) => (await failure((await p.host(name, captureLog().log)).run(sh`true`))).message;
    expect(await refused('fdpass')).toBe(
      `${file}:9: ProxyUseFdpass applies to fdpass, and the ProxyCommand would hand over a socket, which this tool cannot receive`,
    );
    expect(await refused('local')).toBe(`${file}:12: LocalCommand applies to local, and this tool does not run a local command after connecting`);
    expect(await refused('tunnel')).toBe(`${file}:14: Tunnel applies to tunnel, and this tool does not open tun/tap tunnels`);
    expect(await refused('canon')).toBe(
      `${file}:15: Match canonical cannot be evaluated by this tool, and its block sets IdentitiesOnly (${file}:16) for canon`,
    );
    const before = target.logins();
    expect((await (await p.host('web1', captureLog().log)).run(sh`echo ok`)).stdout).toEqual(['ok']);
    expect(target.logins() - before).toBe(1);
  });

  test('Match host and Match exec are evaluated', () => {
    const home = homeWith([
      'Match host 10.1.* exec "test %n = db"',
      '  User dbadmin',
      'Match exec "test %h = web.internal"',
      '  Port 2222',
      'Host web',
      '  HostName web.internal',
      'Host db',
      '  HostName 10.1.2.3',
    ]);
    const parsed = loadSshConfig(home);
    // `Match host` sees HostName as it stands when the line is read; later blocks come too late.
    expect(computeHost(parsed, 'db').host).toMatchObject({ hostName: '10.1.2.3', port: 22 });
    expect(computeHost(parsed, 'db').host.user).toBeUndefined();
    expect(computeHost(parsed, '10.1.9.9').host.user).toBeUndefined(); // exec says no
    const early = homeWith(['Host db', '  HostName 10.1.2.3', 'Match host 10.1.* exec "test %n = db"', '  User dbadmin']);
    expect(computeHost(loadSshConfig(early), 'db').host.user).toBe('dbadmin');
    expect(computeHost(loadSshConfig(early), 'other').host.user).toBeUndefined();
  });
});
