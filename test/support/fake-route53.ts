// A tiny Route53 REST endpoint on 127.0.0.1, for tests that run the built binary in another
// process: one hosted zone, record changes accepted (or refused with a canned error), and
// each request's method, path and Authorization header recorded.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRoute53 {
  url: string;
  requests: { method: string; path: string; authorization?: string; body: string }[];
  /** When set, ChangeResourceRecordSets answers 400 InvalidInput with this message. */
  failChangesWith?: string;
  /** GetChange answers PENDING while this is true, INSYNC once it is false (default false). */
  changePending: boolean;
  close(): Promise<void>;
}

const NS = 'https://route53.amazonaws.com/doc/2013-04-01/';

export async function startFakeRoute53(zoneName = 'infra.example.com.'): Promise<FakeRoute53> {
  const fake: FakeRoute53 = { url: '', requests: [], changePending: false, close: async () => {} };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0]!;
      fake.requests.push({ method: req.method ?? '', path, authorization: req.headers.authorization, body });
      const reply = (status: number, xml: string) => {
        res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': `req-${fake.requests.length}` });
        res.end(`<?xml version="1.0" encoding="UTF-8"?>\n${xml}`);
      };
      if (req.method === 'GET' && path === '/2013-04-01/hostedzone') {
        return reply(
          200,
          `<ListHostedZonesResponse xmlns="${NS}"><HostedZones><HostedZone><Id>/hostedzone/Z1AAAA</Id><Name>${zoneName}</Name>` +
            `<CallerReference>a</CallerReference><Config><PrivateZone>false</PrivateZone></Config><ResourceRecordSetCount>2</ResourceRecordSetCount>` +
            `</HostedZone></HostedZones><IsTruncated>false</IsTruncated><Marker></Marker><MaxItems>100</MaxItems></ListHostedZonesResponse>`,
        );
      }
      if (req.method === 'GET' && /\/rrset$/.test(path)) {
        return reply(
          200,
          `<ListResourceRecordSetsResponse xmlns="${NS}"><ResourceRecordSets></ResourceRecordSets><IsTruncated>false</IsTruncated><MaxItems>100</MaxItems></ListResourceRecordSetsResponse>`,
        );
      }
      if (req.method === 'GET' && /\/change\/[^/]+$/.test(path)) {
        const id = path.split('/').pop();
        const status = fake.changePending ? 'PENDING' : 'INSYNC';
        return reply(
          200,
          `<GetChangeResponse xmlns="${NS}"><ChangeInfo><Id>/change/${id}</Id><Status>${status}</Status><SubmittedAt>2026-01-01T00:00:00Z</SubmittedAt></ChangeInfo></GetChangeResponse>`,
        );
      }
      if (req.method === 'POST' && /\/rrset\/?$/.test(path)) {
        if (fake.failChangesWith !== undefined) {
          return reply(
            400,
            `<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>InvalidInput</Code><Message>${fake.failChangesWith}</Message></Error><RequestId>req-err</RequestId></ErrorResponse>`,
          );
        }
        return reply(
          200,
          `<ChangeResourceRecordSetsResponse xmlns="${NS}"><ChangeInfo><Id>/change/C1</Id><Status>PENDING</Status><SubmittedAt>2026-01-01T00:00:00Z</SubmittedAt></ChangeInfo></ChangeResourceRecordSetsResponse>`,
        );
      }
      return reply(
        400,
        `<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>no ${req.method} ${path}</Message></Error><RequestId>r-0</RequestId></ErrorResponse>`,
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  fake.url = `http://127.0.0.1:${port}`;
  fake.close = () => new Promise((r) => server.close(() => r()));
  return fake;
}
