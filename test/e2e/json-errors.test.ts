import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

const ec2 = mockClient(EC2Client);
beforeEach(() => ec2.reset());

/** stdout as JSON, and the one error line on stderr. */
async function failing(argv: string[]) {
  const r = await runCli([...argv, '--json']);
  return { code: r.code, json: JSON.parse(r.stdout) as unknown, errorLines: r.stderr.split('\n').filter((l) => l.startsWith('error: ')) };
}

describe('--json on failure', () => {
  it('prints a usage error as an envelope on stdout as well as the line on stderr', async () => {
    const r = await failing(['ec2:instance:create', '--image', 'ami-12345678']);
    expect(r.code).toBe(2);
    expect(r.json).toEqual({ ok: false, error: { message: 'missing required option --name', code: 'usage', exitCode: 2 } });
    expect(r.errorLines).toEqual(['error: missing required option --name']);
  });

  it('keeps the hint apart and names the kind of failure: not found', async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    const r = await failing(['ec2:instance:info', '--name', 'nosuch']);
    expect(r.code).toBe(1);
    expect(r.json).toEqual({
      ok: false,
      error: { message: "no instance named 'nosuch'", hint: 'there are no live instances', code: 'not-found', exitCode: 1 },
    });
    expect(r.errorLines).toEqual(["error: no instance named 'nosuch' (there are no live instances)"]);
  });

  it("carries an AWS error's own code", async () => {
    const denied = Object.assign(new Error('You are not authorized to perform this operation.'), {
      name: 'UnauthorizedOperation',
      $metadata: { httpStatusCode: 403, requestId: 'req-1' },
    });
    ec2.on(DescribeInstancesCommand).rejects(denied);
    const r = await failing(['ec2:instance:list']);
    expect(r.code).toBe(1);
    expect(r.json).toEqual({
      ok: false,
      error: {
        message: 'not permitted: You are not authorized to perform this operation.',
        hint: 'ask for the missing IAM permission',
        code: 'UnauthorizedOperation',
        exitCode: 1,
      },
    });
  });

  it('an unknown task too, and nothing but the envelope is on stdout', async () => {
    const r = await runCli(['ec2:nope', '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, error: { message: "unknown task 'ec2:nope'", code: 'usage', exitCode: 2 } });
  });
});
