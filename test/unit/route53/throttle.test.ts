// Route53 under sustained throttling, over real HTTP (the SDK's retry middleware does not
// run under aws-sdk-client-mock): a proxy in front of the loopback Route53 stand-in answers
// Throttling to the first requests of a kind. ORIGIN_SETUP_TIME_SCALE (0.001 in tests)
// scales the backoff: the 60 s budget of a throttled call is 60 ms.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli, testEnv, writeAwsCred } from '../../support/cli.js';
import { startFakeRoute53, type FakeRoute53 } from '../../support/fake-route53.js';

let route53: FakeRoute53;
let proxy: Server;
let url: string;
/** How many ChangeResourceRecordSets to throttle, and every request seen. */
const throttle = { changes: 0 };
const seen: string[] = [];

beforeAll(async () => {
  route53 = await startFakeRoute53('infra.example.com.');
  const target = new URL(route53.url);
  proxy = createServer((req, res) => {
    const change = req.method === 'POST' && /\/rrset\/?$/.test(req.url ?? '');
    seen.push(change ? 'ChangeResourceRecordSets' : `${req.method} ${req.url}`);
    if (change && throttle.changes > 0) {
      throttle.changes--;
      req.resume();
      res.writeHead(400, { 'content-type': 'text/xml', 'x-amzn-requestid': 'throttled' });
      res.end(
        '<?xml version="1.0"?>\n<ErrorResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>throttled</RequestId></ErrorResponse>',
      );
      return;
    }
    const out = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 500, answer.headers);
      answer.pipe(res);
    });
    req.pipe(out);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => proxy.close(r));
  await route53.close();
});
beforeEach(() => {
  seen.length = 0;
  throttle.changes = 0;
});

function env(): NodeJS.ProcessEnv {
  const e = testEnv();
  writeAwsCred(e, 'AWSAccessKeyId = AKIDTESTTESTTEST\nAWSSecretKey = test-secret-key-do-not-print\n');
  return e;
}

describe('route53:record:create under throttling', () => {
  it('rides out six Throttling answers in a row on ChangeResourceRecordSets', async () => {
    throttle.changes = 6;
    const r = await runCli(['route53:record:create', 'infra.example.com', 'www', 'A', '203.0.113.5', '--endpoint-url', url], env());
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('/change/C1 PENDING\n');
    expect(seen.filter((s) => s === 'ChangeResourceRecordSets')).toHaveLength(7);
  });

  it('fails once the call has spent its budget', async () => {
    throttle.changes = 1000;
    const r = await runCli(['route53:record:create', 'infra.example.com', 'www', 'A', '203.0.113.5', '--endpoint-url', url], env());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: AWS throttled the request and it still failed after \d+ attempts/);
    expect(seen.filter((s) => s === 'ChangeResourceRecordSets').length).toBeGreaterThanOrEqual(8);
  });
});
