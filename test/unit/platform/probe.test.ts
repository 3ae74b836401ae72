import { describe, expect, it } from 'vitest';
import type { TaskContext } from '../../../src/engine/context.js';
import { OriginError } from '../../../src/engine/errors.js';
import { distributionOf, platformOf } from '../../../src/platform/index.js';
import { distributionProbe, probeDistribution } from '../../../src/platform/probe.js';
import type { ShellCommand } from '../../../src/ssh/quote.js';
import type { ExecResult, RemoteHost, RunOptions } from '../../../src/ssh/types.js';
import { lines, OS_RELEASE, REDHAT_RELEASE } from './fixtures.js';

/** A host that answers the probe with fixed output and records what it was asked. */
function fakeHost(name: string, answer: Partial<ExecResult>) {
  const calls: { command: string; options?: RunOptions }[] = [];
  const host: RemoteHost = {
    name,
    user: 'fedora',
    isRoot: false,
    async run(command: ShellCommand, options?: RunOptions) {
      calls.push({ command: command.text, options });
      return { code: 0, stdout: [], stderr: [], durationMs: 1, ...answer };
    },
    upload: async () => {},
    uploadFile: async () => {},
    download: async () => {},
  };
  return { host, calls };
}

function fakeContext(hosts: Record<string, RemoteHost>): TaskContext {
  const memos = new Map<string, Promise<unknown>>();
  return {
    ssh: async (h: string) => hosts[h]!,
    memo: <T>(key: string, compute: () => Promise<T>) => {
      if (!memos.has(key)) memos.set(key, compute());
      return memos.get(key) as Promise<T>;
    },
  } as unknown as TaskContext;
}

describe('probeDistribution', () => {
  it('runs one read-only cat of os-release with the redhat-release fallback', async () => {
    const { host, calls } = fakeHost('h', { stdout: lines(OS_RELEASE.fedora19) });
    expect(await probeDistribution(host)).toEqual({ id: 'fedora', version: '19', like: [], major: 19 });
    expect(calls).toEqual([{ command: 'cat /etc/os-release 2>/dev/null || cat /etc/redhat-release', options: { readOnly: true, allowExit: 'any' } }]);
  });

  it('reads the EL6 redhat-release sentence', async () => {
    const { host } = fakeHost('h', { stdout: [REDHAT_RELEASE.rhel64] });
    expect(await probeDistribution(host)).toMatchObject({ id: 'rhel', version: '6.4' });
  });

  it('fails with the host name and a hint when neither file is readable', async () => {
    const { host } = fakeHost('h1', { code: 1, stderr: ['cat: /etc/redhat-release: No such file or directory'] });
    const err = await probeDistribution(host).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OriginError);
    expect((err as OriginError).message).toBe('h1: cannot tell the distribution');
    expect((err as OriginError).hint).toMatch(/No such file/);
  });

  it('quotes a test path override', () => {
    expect(distributionProbe({ osRelease: '/tmp/a b/os-release', redhatRelease: '/x' }).text).toBe("cat '/tmp/a b/os-release' 2>/dev/null || cat /x");
  });
});

describe('platformOf', () => {
  it('probes each host once per run however often it is asked', async () => {
    const a = fakeHost('a', { stdout: lines(OS_RELEASE.ubuntu2204) });
    const b = fakeHost('b', { stdout: [REDHAT_RELEASE.centos64] });
    const ctx = fakeContext({ a: a.host, b: b.host });
    const [pa1, pa2, pb, da] = await Promise.all([platformOf(ctx, 'a'), platformOf(ctx, 'a'), platformOf(ctx, 'b'), distributionOf(ctx, 'a')]);
    expect(pa1).toBe(pa2);
    expect(pa1.packages.name).toBe('apt-get');
    expect(pb.services.name).toBe('sysv');
    expect(da).toBe(pa1.distro);
    expect(a.calls).toHaveLength(1);
    expect(b.calls).toHaveLength(1);
  });
});
