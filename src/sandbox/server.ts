// The sandbox's endpoint: an HTTP server on 127.0.0.1 that answers EC2 (query protocol,
// POST /) and Route53 (REST-XML under /2013-04-01/), so the AWS SDK clients talk to it
// exactly as they talk to AWS. Every request runs under the state's lock and its change
// is on disk before the answer leaves, so processes sharing a sandbox see each other's
// work. Loaded only for a sandbox run.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { OriginError } from '../engine/errors.js';
import { handleEc2 } from './ec2/index.js';
import type { Reply, SandboxClock, SandboxState } from './model.js';
import { handleRoute53 } from './route53/index.js';
import { escapeXml } from './route53/xml.js';
import { withState } from './store.js';

export interface SandboxServer {
  /** `http://127.0.0.1:PORT`, for the SDK clients' endpoint. */
  endpoint: string;
  /** Stops listening and resolves once every request under way has been answered. */
  close(): Promise<void>;
  /** The state as it was when the sandbox started (its key pair and region, for the run's defaults). */
  state: SandboxState;
}

export interface SandboxOptions {
  dir: string;
  /** Multiplies every delay of the emulated world (ORIGIN_SETUP_SANDBOX_SPEED; 0 is instant). */
  scale: number;
  /** One line per request (and per failure inside the sandbox). */
  log?: (line: string) => void;
  /** The clock the emulated world runs on (tests move it by hand); the real one by default. */
  now?: () => number;
}

/** Bigger than any request EC2 or Route53 accept (a user-data script is at most 16 KiB). */
const MAX_BODY = 4 * 1024 * 1024;

function ec2Error(status: number, code: string, message: string): Reply {
  const id = randomUUID();
  return {
    status,
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error></Errors><RequestID>${id}</RequestID></Response>`,
    headers: { 'content-type': 'text/xml;charset=UTF-8', 'x-amzn-requestid': id },
  };
}

function restError(status: number, code: string, message: string): Reply {
  const id = randomUUID();
  return {
    status,
    body: `<?xml version="1.0"?>\n<ErrorResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${id}</RequestId></ErrorResponse>`,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': id },
  };
}

export async function startSandbox(o: SandboxOptions): Promise<SandboxServer> {
  // Refuse a state file this version cannot use now, with the file named, rather than as a
  // failed request later; a missing one is created (seeded) here.
  const initial = await withState(o.dir, (state) => state);
  const clock: SandboxClock = { now: o.now ?? (() => Date.now()), scale: o.scale };
  const inFlight = new Set<Promise<void>>();
  let closing = false;

  const answer = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = Date.now();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = (req.method ?? 'GET').toUpperCase();
    let what = `${method} ${url.pathname}`;
    let reply: Reply;
    try {
      const body = await readBody(req);
      if (body === undefined) {
        reply = restError(413, 'RequestEntityTooLarge', `the request body is over ${MAX_BODY} bytes`);
      } else if (method === 'POST' && url.pathname === '/') {
        const params = Object.fromEntries(new URLSearchParams(body));
        what = `ec2 ${params.Action ?? '(no Action)'}`;
        reply = await withState(o.dir, (state) => handleEc2(state, params, clock));
      } else if (url.pathname.startsWith('/2013-04-01/')) {
        what = `route53 ${method} ${url.pathname}${url.search}`;
        reply = await withState(o.dir, (state) => handleRoute53(state, { method, path: url.pathname, query: url.searchParams, body }, clock));
      } else {
        reply = restError(400, 'InvalidAction', `${method} ${url.pathname} is neither an EC2 nor a Route53 request`);
      }
    } catch (err) {
      // A state file that cannot be used, or a lock that is never freed, is the user's to
      // fix: a 400 with the reason, which the SDK reports without retrying. A fault in a
      // handler is ours: a 500.
      const message = err instanceof OriginError && err.hint ? `${err.message} (${err.hint})` : (err as Error).message;
      const user = err instanceof OriginError;
      const isEc2 = method === 'POST' && url.pathname === '/';
      const [status, code] = user ? [400, 'SandboxStateError'] : [500, 'InternalError'];
      reply = isEc2 ? ec2Error(status, code, message) : restError(status, code, message);
      o.log?.(`sandbox: ${what} failed: ${user ? message : ((err as Error).stack ?? message)}`);
    }
    if (!res.destroyed) {
      res.writeHead(reply.status, { ...reply.headers, ...(closing ? { connection: 'close' } : {}) });
      res.end(reply.body);
    }
    o.log?.(`sandbox: ${what} → ${reply.status} (${Date.now() - started} ms)`);
  };

  const server = createServer((req, res) => {
    const done = answer(req, res).finally(() => inFlight.delete(done));
    inFlight.add(done);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // Only ever the loopback address: the sandbox has no authentication at all.
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  if (address.address !== '127.0.0.1') {
    server.close();
    throw new Error(`the sandbox listened on ${address.address}, not 127.0.0.1`);
  }
  // The run decides when the process ends, not an idle endpoint it forgot to close.
  server.unref();
  let closed: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    state: initial,
    close() {
      closed ??= (async () => {
        closing = true;
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        // Kept-alive connections with no request would hold close() open for good.
        server.closeIdleConnections();
        while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
        server.closeAllConnections();
        await stopped;
      })();
      return closed;
    },
  };
}

/** The body as text, or undefined when it is too big to be a real request. */
function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) tooBig = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooBig ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
