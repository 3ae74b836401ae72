// Loaded with `node --import` into a process under test: writes the host of every TCP
// connection the process opens, one per line, to $CONNECT_LOG. Tests use it to prove
// that a run stays on loopback.
import { appendFileSync } from 'node:fs';
import net from 'node:net';

const log = process.env.CONNECT_LOG;
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  // net.connect() hands over its arguments normalised: [options, callback].
  const first = args[0];
  const options = Array.isArray(first) ? first[0] : first;
  const host = typeof options === 'object' && options !== null ? (options.path ? 'unix' : (options.host ?? 'localhost')) : 'localhost';
  if (log) appendFileSync(log, `${host}\n`);
  return connect.apply(this, args);
};
