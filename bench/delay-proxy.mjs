#!/usr/bin/env node
// A network between the tool and its hosts, for benches that run every host on this
// machine: one TCP listener per target port on 127.0.0.1, passing each chunk on after
// DELAY_MS in either direction (a round trip of twice that), in order. Real hosts are
// tens of milliseconds away; loopback is microseconds, which hides whether a tool
// overlaps its waits on many hosts.
//
//   node bench/delay-proxy.mjs DELAY_MS PORT…
// prints one JSON line {"PORT": listenPort, …} once every listener is up, and runs until
// its stdin closes (so it never outlives the bench that started it). It runs as a process
// of its own, so its CPU is not counted as the tool's.
import { createServer, connect } from 'node:net';

const [delayArg, ...ports] = process.argv.slice(2);
const delay = Number(delayArg);
if (!Number.isFinite(delay) || delay < 0 || !ports.length) {
  console.error('usage: delay-proxy.mjs DELAY_MS PORT…');
  process.exit(2);
}

/** Passes a's data to b, each chunk DELAY_MS late; timers of one duration fire in order. */
function late(a, b) {
  a.on('data', (chunk) => setTimeout(() => b.destroyed || b.write(chunk), delay));
  a.on('end', () => setTimeout(() => b.destroyed || b.end(), delay));
  a.on('error', () => b.destroy());
  a.on('close', () => setTimeout(() => b.destroy(), delay));
}

const listening = await Promise.all(
  ports.map(
    (port) =>
      new Promise((resolve) => {
        const server = createServer((client) => {
          client.setNoDelay(true);
          const upstream = connect({ host: '127.0.0.1', port: Number(port) });
          upstream.setNoDelay(true);
          late(client, upstream);
          late(upstream, client);
        });
        server.listen(0, '127.0.0.1', () => resolve([port, server.address().port]));
      }),
  ),
);
process.stdout.write(`${JSON.stringify(Object.fromEntries(listening))}\n`);
process.stdin.resume();
process.stdin.on('close', () => process.exit(0));
process.stdin.on('end', () => process.exit(0));
