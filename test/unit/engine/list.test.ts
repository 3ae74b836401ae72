import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { catalogue } from '../../../src/cli.js';
import { renderList, shorten } from '../../../src/engine/help.js';
import { quick } from '../../../src/quick.js';
import { BIN } from '../../support/bin.js';
import { runCli } from '../../support/cli.js';

const SNAPSHOT = new URL('./catalogue.json', import.meta.url);

/** The quick entry's answer, with the catalogue the full CLI builds from the registry. */
function quickly(args: string[], columns?: number): { code: number | undefined; stdout: string } {
  let stdout = '';
  const stream = { write: (s: string) => ((stdout += s), true), isTTY: columns !== undefined, columns } as never;
  const file = new URL(`file:///tmp/origin-catalogue-${process.pid}.json`);
  writeFileSync(file, JSON.stringify(catalogue()));
  return { code: quick(args, { stdout: stream }, file), stdout };
}

describe('list', () => {
  it('answers the same from the quick entry as from the full CLI', async () => {
    for (const args of [['list'], ['list', 'ec2'], ['list', 'ec2:instance'], ['list', '--all'], ['list', 'remote', '--json']]) {
      const full = await runCli(args);
      expect(full.code).toBe(0);
      expect(quickly(args)).toEqual({ code: 0, stdout: full.stdout });
    }
  });

  it('leaves anything unusual to the full CLI', () => {
    expect(quickly(['list', 'nope']).code).toBeUndefined();
    expect(quickly(['list', '--help']).code).toBeUndefined();
    expect(quickly(['help', 'list']).code).toBeUndefined();
  });

  it('shortens summaries to a terminal width at a word boundary, and prints whole lines when piped', () => {
    const tasks = catalogue();
    const piped = renderList(tasks, 'origin', false).split('\n');
    expect(Math.max(...piped.map((l) => l.length))).toBeGreaterThan(100);
    const narrow = renderList(tasks, 'origin', false, 100).split('\n');
    expect(narrow.every((l) => l.length <= 100)).toBe(true);
    for (const line of narrow.filter((l) => l.endsWith('…'))) {
      // The text before the ellipsis is a prefix of the whole summary ending at a word end.
      const summary = line.slice(line.indexOf('# ') + 2, -1);
      const whole = piped.find((l) => l.includes(`# ${summary}`))!;
      expect(whole.slice(whole.indexOf(`# ${summary}`) + 2 + summary.length)).toMatch(/^[\s,;:]/);
    }
    expect(shorten('launch a named instance, optionally with an elastic IP', 30)).toBe('launch a named instance…');
  });

  it('gives the catalogue as JSON: name, summary, usage, args, options, aliases', async () => {
    const r = await runCli(['list', '--json']);
    const tasks = JSON.parse(r.stdout) as { name: string; options: { flag: string }[]; aliases: string[] }[];
    const install = tasks.find((t) => t.name === 'remote:yum:install')!;
    expect(install).toMatchObject({ summary: expect.any(String), usage: 'remote:yum:install HOST PACKAGES... [options]', aliases: ['remote:pkg:install'] });
    expect(install.options.map((o) => o.flag)).toEqual(['--inventory', '--concurrency', '--fail-fast', '--max-hosts', '--internal']);
  });

  it('matches the checked-in catalogue, so a change to any task interface shows in review', () => {
    const now = `${JSON.stringify(catalogue(), null, 2)}\n`;
    if (process.env.UPDATE_CATALOGUE === '1') writeFileSync(SNAPSHOT, now);
    expect(now, 'run UPDATE_CATALOGUE=1 npx vitest run test/unit/engine/list.test.ts after a deliberate change').toBe(readFileSync(SNAPSHOT, 'utf8'));
  });

  it('is what the built binary answers quickly, and the catalogue file it reads is the registry', () => {
    const built = JSON.parse(readFileSync(new URL('../../../dist/catalogue.json', import.meta.url), 'utf8'));
    expect(built).toEqual(JSON.parse(JSON.stringify(catalogue())));
    expect(execFileSync(BIN, ['list', 'ec2:ip'], { encoding: 'utf8' })).toBe(`${renderList(catalogue(), 'ec2:ip', false)}\n`);
  });
});
