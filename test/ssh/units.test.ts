// The pure parts of the SSH layer: known_hosts matching, ssh_config resolution, line
// splitting, scaled timeouts, and the wording of connection failures that a loopback
// sshd cannot produce (DNS, unreachable networks).
import { createHmac, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { computeHost, expandPath, loadSshConfig } from '../../src/ssh/config.js';
import { exitAccepted, scaledMs, splitLines, sudoWantsPassword, sudoWantsTty, sudoWrap, tail } from '../../src/ssh/exec.js';
import { blobKeyType, checkHostKey, fingerprint, hostFieldMatches, hostToken, knownKeyTypes, recordHostKey } from '../../src/ssh/knownhosts.js';
import { describeConnectError, type ConnectFailureContext } from '../../src/ssh/pool.js';
import { sh } from '../../src/ssh/quote.js';

/** An SSH public key blob: string type, then some bytes. */
function blob(type: string, body: string): Buffer {
  const t = Buffer.from(type);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(t.length);
  return Buffer.concat([len, t, Buffer.from(body)]);
}

function tempFile(text: string): string {
  const p = join(mkdtempSync(join(tmpdir(), 'origin-kh-')), 'known_hosts');
  writeFileSync(p, text);
  return p;
}

describe('known_hosts', () => {
  const k1 = blob('ssh-ed25519', 'key-one');
  const k2 = blob('ssh-ed25519', 'key-two');
  const rsa = blob('ssh-rsa', 'rsa-key');
  const b64 = (b: Buffer) => b.toString('base64');

  test('host tokens: bare for port 22, [host]:port otherwise, lower-cased', () => {
    expect(hostToken('Puppet.Example.COM', 22)).toBe('puppet.example.com');
    expect(hostToken('127.0.0.1', 2222)).toBe('[127.0.0.1]:2222');
  });

  test('patterns: lists, wildcards, negation, hashed names', () => {
    expect(hostFieldMatches('a.example,b.example', 'b.example')).toBe(true);
    expect(hostFieldMatches('*.example', 'web1.example')).toBe(true);
    expect(hostFieldMatches('web?.example', 'web12.example')).toBe(false);
    expect(hostFieldMatches('*.example,!db.example', 'db.example')).toBe(false);
    expect(hostFieldMatches('!db.example', 'web.example')).toBe(false);
    expect(hostFieldMatches('[127.0.0.1]:2222', '[127.0.0.1]:2222')).toBe(true);
    expect(hostFieldMatches('[127.0.0.1]:2222', '[127.0.0.1]:22222')).toBe(false);
    expect(hostFieldMatches('a.b', 'axb')).toBe(false); // the dot is literal
    const salt = randomBytes(20);
    const hashed = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update('[10.0.0.5]:2200').digest('base64')}`;
    expect(hostFieldMatches(hashed, '[10.0.0.5]:2200')).toBe(true);
    expect(hostFieldMatches(hashed, '10.0.0.5')).toBe(false);
    expect(hostFieldMatches('|2|x|y', 'x')).toBe(false);
  });

  test('verdicts: known, unknown, changed (naming every line), revoked; CA lines ignored', () => {
    const file = tempFile(
      [
        '# comment',
        `other.example ${'ssh-ed25519'} ${b64(k2)}`,
        `host.example ssh-ed25519 ${b64(k1)}`,
        '',
        `@cert-authority *.example ssh-ed25519 ${b64(k2)}`,
      ].join('\n'),
    );
    expect(checkHostKey([file], 'host.example', k1)).toMatchObject({ status: 'known', entry: { path: file, line: 3 } });
    expect(checkHostKey([file], 'new.example', k1)).toEqual({ status: 'unknown' });
    const changed = checkHostKey([file], 'host.example', k2);
    expect(changed.status).toBe('changed');
    expect(changed.status === 'changed' && changed.entries.map((e) => e.line)).toEqual([3]);
    const revoked = tempFile(`@revoked * ssh-ed25519 ${b64(k1)}\nhost.example ssh-ed25519 ${b64(k1)}\n`);
    expect(checkHostKey([revoked], 'host.example', k1)).toMatchObject({ status: 'revoked', entry: { line: 1 } });
  });

  test('a later file can vouch for a key an earlier one lacks; a missing file is empty', () => {
    const a = tempFile(`x.example ssh-ed25519 ${b64(k2)}\n`);
    const b = tempFile(`host.example ssh-rsa ${b64(rsa)}\n`);
    expect(checkHostKey(['/nonexistent/known_hosts', a, b], 'host.example', rsa)).toMatchObject({ status: 'known', entry: { path: b } });
    expect(knownKeyTypes([a, b], 'host.example')).toEqual(['ssh-rsa']);
  });

  test('recording appends one line and returns its number', () => {
    const file = tempFile('a ssh-ed25519 AAAA\nb ssh-ed25519 BBBB');
    expect(recordHostKey(file, '[h]:2', k1, false)).toBe(3);
    expect(readFileSync(file, 'utf8')).toBe(`a ssh-ed25519 AAAA\nb ssh-ed25519 BBBB\n[h]:2 ssh-ed25519 ${b64(k1)}\n`);
    const fresh = join(mkdtempSync(join(tmpdir(), 'origin-kh-')), 'sub', 'known_hosts');
    expect(recordHostKey(fresh, 'h', k1, true)).toBe(1);
    const line = readFileSync(fresh, 'utf8');
    expect(line).toMatch(/^\|1\|\S+ ssh-ed25519 \S+\n$/);
    expect(checkHostKey([fresh], 'h', k1).status).toBe('known');
  });

  test('key type and fingerprint from the blob', () => {
    expect(blobKeyType(rsa)).toBe('ssh-rsa');
    expect(fingerprint(k1)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });
});

describe('ssh_config', () => {
  function homeWith(config: string): string {
    const home = mkdtempSync(join(tmpdir(), 'origin-cfg-'));
    mkdirSync(join(home, '.ssh'));
    writeFileSync(join(home, '.ssh', 'config'), config);
    return home;
  }

  test('Host patterns, first value wins, lists of IdentityFile and UserKnownHostsFile, options read case-insensitively', () => {
    const home = homeWith(
      [
        'Host *.prod !db.prod',
        '  hostname %h.internal',
        '  User deploy',
        '  IdentityFile ~/.ssh/prod',
        '  UserKnownHostsFile ~/.ssh/kh_prod ~/.ssh/kh_shared',
        '  StrictHostKeyChecking Yes',
        '  HashKnownHosts yes',
        '  ConnectTimeout 7',
        'Host *',
        '  User nobody',
        '  Port 2222',
        '  IdentityFile ~/.ssh/everywhere',
        '  IdentitiesOnly yes',
        '',
      ].join('\n'),
    );
    const { host } = computeHost(loadSshConfig(home), 'web.prod');
    expect(host).toEqual({
      alias: 'web.prod',
      hostName: 'web.prod.internal',
      port: 2222,
      user: 'deploy',
      identityFiles: ['~/.ssh/prod', '~/.ssh/everywhere'],
      identitiesOnly: true,
      userKnownHostsFiles: ['~/.ssh/kh_prod', '~/.ssh/kh_shared'],
      globalKnownHostsFiles: [],
      strictHostKeyChecking: 'yes',
      hashKnownHosts: true,
      connectTimeout: 7,
    });
    const db = computeHost(loadSshConfig(home), 'db.prod').host;
    expect(db).toMatchObject({ hostName: 'db.prod', user: 'nobody', identityFiles: ['~/.ssh/everywhere'] });
  });

  test('a bad Port is an error naming the file', () => {
    const home = homeWith('Host x\n  Port twenty-two\n');
    expect(() => computeHost(loadSshConfig(home), 'x')).toThrow(`${join(home, '.ssh', 'config')}: Port twenty-two is not a number`);
  });

  test('no file: the alias itself, port 22, nothing else', () => {
    const home = mkdtempSync(join(tmpdir(), 'origin-cfg-'));
    const { host } = computeHost(loadSshConfig(home), 'box.example');
    expect(host).toMatchObject({ alias: 'box.example', hostName: 'box.example', port: 22, identityFiles: [], identitiesOnly: false });
    expect(host.user).toBeUndefined();
  });

  test('expandPath: ~, %d %h %n %p %r %u %%, relative paths under home', () => {
    const t = { home: '/home/op', alias: 'web', hostName: '10.0.0.1', port: 2200, remoteUser: 'fedora', localUser: 'op' };
    expect(expandPath('~/.ssh/id_%r@%h:%p', t)).toBe('/home/op/.ssh/id_fedora@10.0.0.1:2200');
    expect(expandPath('%d/keys/%n-%u%%', t)).toBe('/home/op/keys/web-op%');
    expect(expandPath('.ssh/k', t)).toBe('/home/op/.ssh/k');
    expect(expandPath('/abs/k', t)).toBe('/abs/k');
  });
});

describe('commands', () => {
  test('splitLines: \\r\\n and \\n, no empty line after the last newline, blank lines inside kept', () => {
    expect(splitLines('')).toEqual([]);
    expect(splitLines('a\r\nb\n\nc\n')).toEqual(['a', 'b', '', 'c']);
    expect(splitLines(Buffer.from('x'))).toEqual(['x']);
    expect(splitLines('\n')).toEqual(['']);
  });

  test('sudoWrap quotes the whole command as one argument', () => {
    expect(sudoWrap(sh`echo ${"a'b"} > ${'/etc/x y'}`)).toBe(`sudo -n sh -c 'echo '\\''a'\\''\\'\\'''\\''b'\\'' > '\\''/etc/x y'\\'''`);
  });

  test("sudo's refusals are recognised by their own words", () => {
    expect(sudoWantsPassword(['sudo: a password is required'])).toBe(true);
    expect(sudoWantsPassword(['sudo: a terminal is required to read the password; either use the -S option'])).toBe(true);
    expect(sudoWantsPassword(['error: a password is required for the database'])).toBe(false);
    expect(sudoWantsTty(['sudo: sorry, you must have a tty to run sudo'])).toBe(true);
    expect(sudoWantsTty(['all fine'])).toBe(false);
  });

  test('scaledMs never drops below min(unscaled, 5 s)', () => {
    expect(scaledMs(15, 1)).toBe(15000);
    expect(scaledMs(15, 0.001)).toBe(5000);
    expect(scaledMs(1, 0.001)).toBe(1000);
    expect(scaledMs(600, 0.1)).toBe(60000);
  });

  test('exitAccepted and tail', () => {
    expect(exitAccepted(0, undefined)).toBe(true);
    expect(exitAccepted(1, undefined)).toBe(false);
    expect(exitAccepted(1, [1])).toBe(true);
    expect(exitAccepted(9, 'any')).toBe(true);
    expect(tail(['1', '', '2', '3', ' ', '4', '5', '6'])).toEqual(['2', '3', '4', '5', '6']);
  });
});

describe('connection failure messages', () => {
  const ctx: ConnectFailureContext = {
    alias: 'web',
    where: 'web (10.0.0.9:22)',
    hostName: 'web.example.com',
    port: 22,
    user: 'fedora',
    userSource: 'flag',
    tried: ['~/.ssh/id_ed25519'],
    skipped: [],
    timeoutSeconds: 15,
  };
  const err = (message: string, fields: { code?: string; level?: string }) => Object.assign(new Error(message), fields);

  test('DNS failure names the name that did not resolve and where it came from', () => {
    const e = describeConnectError(err('getaddrinfo ENOTFOUND web.example.com', { code: 'ENOTFOUND', level: 'client-socket' }), ctx);
    expect(e.kind).toBe('dns');
    expect(e.message).toBe('cannot resolve web.example.com (HostName of web): ENOTFOUND');
  });

  test('unreachable, reset, and anything else', () => {
    expect(describeConnectError(err('connect EHOSTUNREACH', { code: 'EHOSTUNREACH' }), ctx).message).toBe('web (10.0.0.9:22) is unreachable (EHOSTUNREACH)');
    const reset = describeConnectError(err('read ECONNRESET', { code: 'ECONNRESET' }), ctx);
    expect(reset.kind).toBe('closed');
    expect(reset.transient).toBe(true);
    expect(describeConnectError(err('Handshake failed: no matching cipher', { level: 'handshake' }), ctx).message).toBe(
      'ssh to web (10.0.0.9:22) failed: Handshake failed: no matching cipher',
    );
  });

  test('authentication failure is not transient and names the user and keys', () => {
    const e = describeConnectError(err('All configured authentication methods failed', { level: 'client-authentication' }), ctx);
    expect(e.kind).toBe('auth');
    expect(e.transient).toBe(false);
    expect(e.message).toBe('authentication failed for fedora@web (10.0.0.9:22): tried ~/.ssh/id_ed25519');
  });
});
