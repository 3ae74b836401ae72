import { describe, expect, it } from 'vitest';
import { allTasks, findTask } from '../../../src/tasks/index.js';
import { runCli } from '../../support/cli.js';

describe('the registry', () => {
  it("holds every namespace of the original, and the sandbox's own", () => {
    const namespaces = new Set(allTasks.map((t) => t.name.split(':')[0]));
    expect([...namespaces].sort()).toEqual(['ec2', 'origin', 'puppet', 'remote', 'route53', 'sandbox']);
    expect(allTasks.length).toBeGreaterThanOrEqual(120);
  });

  it('finds tasks by the Thor dash spelling and by alias', () => {
    expect(findTask('ec2:instance:private-hostname')?.name).toBe('ec2:instance:private_hostname');
    expect(findTask('remote:pkg:install')?.name).toBe('remote:yum:install');
    expect(findTask('remote:get_hostname')).toBeDefined();
  });

  it("shows a task's aliases in its help, and runs it by an alias", async () => {
    const help = await runCli(['help', 'remote:yum:install']);
    expect(help.stdout).toMatch(/Also runs as: .*remote:pkg:install/);
    const byAlias = await runCli(['remote:pkg:install', '--help']);
    expect(byAlias.code).toBe(0);
    expect(byAlias.stdout).toContain('Usage: origin-setup remote:yum:install');
  });

  it.each(allTasks.map((t) => [t.name]))('%s has a summary, an example and a working help', async (name) => {
    const task = findTask(name)!;
    expect(task.summary.length).toBeGreaterThan(10);
    expect(task.example).toMatch(new RegExp(`origin-setup (--sandbox )?${name.replace(/[:]/g, '[: ]')}\\b`));
    const r = await runCli(['help', name]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Usage: origin-setup ${name}`);
    expect(r.stdout).toContain('Example:');
  });
});
