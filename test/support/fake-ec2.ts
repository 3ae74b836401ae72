// A tiny EC2 query-API endpoint on 127.0.0.1, for tests that run the built binary in
// another process (where aws-sdk-client-mock cannot reach). It answers a few actions
// with canned XML and records each request's parameters.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DescribeInstancesCommandInput, DescribeInstancesCommandOutput, Instance } from '@aws-sdk/client-ec2';

export interface FakeEc2 {
  url: string;
  requests: Record<string, string>[];
  close(): Promise<void>;
}

export async function startFakeEc2(
  answers: Record<string, (params: Record<string, string>) => { status?: number; body: string; delayMs?: number }>,
): Promise<FakeEc2> {
  const requests: Record<string, string>[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const params = Object.fromEntries(new URLSearchParams(body));
      requests.push(params);
      const answer = answers[params.Action ?? '']?.(params) ?? {
        status: 400,
        body: `<Response><Errors><Error><Code>InvalidAction</Code><Message>no ${params.Action}</Message></Error></Errors><RequestID>r-0</RequestID></Response>`,
      };
      setTimeout(() => {
        res.writeHead(answer.status ?? 200, { 'content-type': 'text/xml', 'x-amzn-requestid': `req-${requests.length}` });
        res.end(answer.body);
      }, answer.delayMs ?? 0);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/**
 * DescribeInstances over a scripted account's instances, the way EC2 filters them: by
 * InstanceIds, the Name tag and instance-state-name (the filters the tool sends).
 */
export function describeInstances(instances: Iterable<Instance>, input: DescribeInstancesCommandInput): DescribeInstancesCommandOutput {
  const name = input.Filters?.find((f) => f.Name === 'tag:Name')?.Values?.[0];
  const states = input.Filters?.find((f) => f.Name === 'instance-state-name')?.Values;
  const found = [...instances].filter(
    (i) =>
      (!input.InstanceIds || input.InstanceIds.includes(i.InstanceId!)) &&
      (!name || i.Tags?.some((t) => t.Key === 'Name' && t.Value === name)) &&
      (!states || states.includes(i.State!.Name!)),
  );
  return { Reservations: found.length ? [{ Instances: found }] : [], $metadata: {} };
}
