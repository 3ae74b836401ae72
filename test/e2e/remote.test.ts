// The built binary against the real test sshd: the lazily loaded SSH chunk and the
// templates/ directory must both be found from the bundled dist/, as an installed copy runs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { runBin } from '../support/bin.js';
import type { Sshd } from '../support/sshd.js';
import { useTestSshd } from '../support/with-sshd.js';

let sshd: Sshd;
let env: NodeJS.ProcessEnv;
useTestSshd((s, e) => {
  sshd = s;
  env = e;
});
beforeEach(() => {
  // The stand-in install keeps a copy of what would have been installed into /etc.
  sshd.standIn('install', { script: 'for a; do src=$dest; dest=$a; done; cp "$src" "$HOME/installed.${dest##*/}"' });
  sshd.withDistribution('fedora19');
});

describe('the built binary on a real host', () => {
  it('renders templates/yum-repo.repo and installs it through sudo, exit 0, result on stdout', async () => {
    const r = await runBin(['remote:repo:create', 'testhost', 'builds', '--baseurl', 'http://build.example.org/repo/'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('/etc/yum.repos.d/builds.repo\n');
    expect(r.stderr).toBe('task: remote:repo:create testhost builds\n');
    const text = readFileSync(join(sshd.remoteHome, 'installed.builds.repo'), 'utf8');
    expect(text).toContain('[builds]\n');
    expect(text).toContain('baseurl=http://build.example.org/repo/\n');
    expect(text).not.toContain('{{');
  });

  it('shows each remote command and its duration with --verbose, and runs nothing under --dry-run', async () => {
    const r = await runBin(['remote:service:restart', 'testhost', 'httpd', '--verbose', '--dry-run'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/would run on testhost: .*systemctl restart httpd/);
    expect(sshd.calls().filter((c) => c.name === 'systemctl')).toEqual([]);
  });
});
