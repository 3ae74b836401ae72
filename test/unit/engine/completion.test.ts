import { execFileSync } from 'node:child_process';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalogue } from '../../../src/cli.js';
import { complete, FILES } from '../../../src/engine/completion.js';
import { BIN as BIN_PATH } from '../../support/bin.js';
import { runCli } from '../../support/cli.js';

const tasks = catalogue();
const c = (...words: string[]) => complete(tasks, words);

describe('completion answers', () => {
  it('completes task names in the colon spelling', () => {
    expect(c('ec2:ip:cr')).toEqual(['ec2:ip:create']);
    expect(c('ec2:instance:')).toContain('ec2:instance:create');
    expect(c('li')).toEqual(['list']);
  });

  it('completes the Thor spelling: the namespace, then the task in it', () => {
    expect(c('ec2:inst')).toEqual(expect.arrayContaining(['ec2:instance', 'ec2:instance:create']));
    expect(c('ec2:instance', 'cr')).toEqual(['create']);
    expect(c('ec2:instance', 'create', '--na')).toEqual(['--name']);
  });

  it("completes a task's own options, the global ones and the many-host ones", () => {
    expect(c('remote:yum:install', 'web1', '--con')).toEqual(['--concurrency']);
    expect(c('remote:yum:install', 'web1', '--ver')).toEqual(['--verbose']);
    expect(c('origin:baseinstance', 'web', '--user')).toEqual(['--username', '--userdata']);
    expect(c('ec2:image:list', '--verbose', '-')).toContain('--owner');
  });

  it("offers an option's choices, files for FILE values, and nothing for free values", () => {
    expect(c('origin:puppetmaster', 'h', '--source', '')).toEqual(['distribution', 'openvox', 'puppetcore']);
    expect(c('origin:puppetmaster', 'h', '--source', 'op')).toEqual(['openvox']);
    expect(c('--awscred', '')).toEqual([FILES]);
    expect(c('ec2:instance:create', '--name', '')).toEqual([]);
    // An option's value is not taken for the task word.
    expect(c('--region', 'eu-west-1', 'ec2:ip:cr')).toEqual(['ec2:ip:create']);
  });

  it('completes help, list and completion arguments', () => {
    expect(c('help', 'ec2:ip:l')).toEqual(['ec2:ip:list']);
    expect(c('list', 'ro')).toEqual(['route53:record', 'route53:zone']);
    expect(c('completion', '')).toEqual(['bash', 'zsh', 'fish']);
  });
});

describe('completion scripts', () => {
  it('prints a script for each shell through the CLI, and refuses other shells (exit 2)', async () => {
    for (const shell of ['bash', 'zsh', 'fish']) {
      const r = await runCli(['completion', shell]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('origin-setup __complete --');
    }
    const bad = await runCli(['completion', 'tcsh']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/error: .*tcsh.*Allowed choices are bash, zsh, fish/);
  });

  it('completes in a real bash, through the built binary, where bash splits words at colons', () => {
    const dir = mkdtempSync(join(tmpdir(), 'origin-completion-'));
    symlinkSync(BIN_PATH, join(dir, 'origin-setup'));
    const script = execFileSync(BIN_PATH, ['completion', 'bash'], { encoding: 'utf8' });
    const ask = (line: string) =>
      execFileSync('bash', ['-c', `${script}\nCOMP_LINE=$1; COMP_POINT=\${#COMP_LINE}; _origin_setup; printf '%s\\n' "\${COMPREPLY[@]}"`, 'bash', line], {
        encoding: 'utf8',
        env: { PATH: `${dir}:${process.env.PATH}` },
      })
        .trim()
        .split('\n');
    expect(ask('origin-setup ec2:instance:cr')).toEqual(['create']);
    expect(ask('origin-setup ec2:instance cr')).toEqual(['create']);
    expect(ask('origin-setup origin:puppetmaster h --source op')).toEqual(['openvox']);
    expect(ask('origin-setup remote:yum:install web1 --fail')).toEqual(['--fail-fast']);
  });
});
