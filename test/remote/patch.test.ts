// remote:patch:apply against a real sshd: the patch stand-in records its arguments and
// then runs the real GNU patch, so files in the remote home are really patched.
import { chownSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { type Sshd } from '../support/sshd.js';
import { useTestSshd } from '../support/with-sshd.js';

let sshd: Sshd;
let env: NodeJS.ProcessEnv;

useTestSshd((s, e) => {
  sshd = s;
  env = e;
});
beforeEach(() => {
  sshd.standIn('patch', { script: 'exec /usr/bin/patch "$@"' });
});

const ORIGINAL = 'def [](param)\n  param = param.intern if param.is_a?(String)\n  super || parameter(param)\nend\n';
const PATCHED = 'def [](param)\n  param = param.intern if param.is_a?(String)\n  return super if param == :id\n  super || parameter(param)\nend\n';
const DIFF = [
  '--- resource.rb.orig',
  '+++ resource.rb',
  '@@ -1,4 +1,5 @@',
  ' def [](param)',
  '   param = param.intern if param.is_a?(String)',
  '+  return super if param == :id',
  '   super || parameter(param)',
  ' end',
  '',
].join('\n');

let n = 0;
/** A file in the remote home, owned by the login user as if it had written it. */
function remoteFile(text: string): { name: string; path: string } {
  const name = `resource-${++n}-${Date.now()}.rb`;
  const path = join(sshd.remoteHome, name);
  writeFileSync(path, text);
  const { uid, gid } = statSync(sshd.remoteHome);
  chownSync(path, uid, gid);
  return { name, path };
}
const tempFiles = () => readdirSync(sshd.remoteHome).filter((f) => f.startsWith('.origin-setup-patch-'));
const patchCalls = () =>
  sshd
    .calls()
    .filter((c) => c.name === 'patch')
    .map((c) => c.args);

describe('remote:patch:apply', () => {
  it('uploads the diff, applies it with --forward --backup, and removes the temporary file', async () => {
    writeFileSync(join(env.HOME!, 'resource.rb.diff'), DIFF);
    const dest = remoteFile(ORIGINAL);
    const r = await runCli(['remote:patch:apply', 'testhost', 'resource.rb.diff', dest.name], env);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`task: remote:patch:apply testhost resource.rb.diff ${dest.name}\n`);
    expect(readFileSync(dest.path, 'utf8')).toBe(PATCHED);
    expect(readFileSync(`${dest.path}.orig`, 'utf8')).toBe(ORIGINAL);
    const calls = patchCalls();
    const temp = calls[0]!.at(-1)!;
    expect(temp).toMatch(/^\.origin-setup-patch-[0-9a-f]{12}\.diff$/);
    expect(calls).toEqual([
      ['--dry-run', '--reverse', '--force', '--silent', '--', dest.name, temp],
      ['--forward', '--backup', '--', dest.name, temp],
    ]);
    expect(tempFiles()).toEqual([]);
  });

  it('a patch that is already applied changes nothing and succeeds', async () => {
    writeFileSync(join(env.HOME!, 'resource.rb.diff'), DIFF);
    const dest = remoteFile(PATCHED);
    const r = await runCli(['remote:patch:apply', 'testhost', 'resource.rb.diff', dest.name], env);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/already has this patch; nothing changed/);
    expect(readFileSync(dest.path, 'utf8')).toBe(PATCHED);
    expect(existsSync(`${dest.path}.orig`)).toBe(false);
    expect(patchCalls().map((a) => a[0])).toEqual(['--dry-run']);
    expect(tempFiles()).toEqual([]);
  });

  it('a patch that does not apply fails with patch output, and the temporary file is still removed', async () => {
    writeFileSync(join(env.HOME!, 'resource.rb.diff'), DIFF);
    const dest = remoteFile('something else entirely\n');
    const r = await runCli(['remote:patch:apply', 'testhost', 'resource.rb.diff', dest.name], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`error: testhost: \`patch --forward --backup -- ${dest.name} \\.origin-setup-patch-[0-9a-f]+\\.diff\` exited 1`));
    expect(tempFiles()).toEqual([]);
  });

  it("--sudo runs patch as root; the temporary file stays the login user's", async () => {
    sshd.standIn('patch', { script: 'case "$1" in --dry-run) exit 1 ;; esac' });
    writeFileSync(join(env.HOME!, 'p.diff'), DIFF);
    const r = await runCli(['remote:patch:apply', 'testhost', 'p.diff', '/usr/share/ruby/vendor_ruby/puppet/rails/resource.rb', '--sudo'], env);
    expect(r.code).toBe(0);
    const sudo = sshd
      .calls()
      .filter((c) => c.name === 'sudo')
      .map((c) => c.args[3]);
    expect(sudo).toEqual([
      expect.stringMatching(
        /^patch --dry-run --reverse --force --silent -- \/usr\/share\/ruby\/vendor_ruby\/puppet\/rails\/resource\.rb \.origin-setup-patch-/,
      ),
      expect.stringMatching(/^patch --forward --backup -- \/usr\/share\/ruby\/vendor_ruby\/puppet\/rails\/resource\.rb \.origin-setup-patch-/),
    ]);
    expect(tempFiles()).toEqual([]);
  });

  it('a missing local patch exits 1 before connecting; a bad destination exits 2', async () => {
    const before = sshd.logins();
    const r = await runCli(['remote:patch:apply', 'testhost', 'nope.diff', 'x.rb'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: no local patch file .*nope\.diff/);
    writeFileSync(join(env.HOME!, 'p.diff'), DIFF);
    expect((await runCli(['remote:patch:apply', 'testhost', 'p.diff', 'x\ny'], env)).code).toBe(2);
    expect(sshd.logins()).toBe(before);
  });
});
