// Loaded with `node --import` into the built binary: writes a line to stderr each time an
// AWS SDK waiter goes to sleep between two polls, so a test can send Ctrl-C at exactly
// that moment (an event to wait for, instead of a race against a timer).
const original = globalThis.setTimeout;
globalThis.setTimeout = function setTimeout(fn, ms, ...args) {
  if (typeof ms === 'number' && ms >= 1000 && /runPolling/.test(new Error().stack ?? '')) {
    process.stderr.write(`test: waiter sleeps ${Math.round(ms)} ms\n`);
  }
  return original.call(this, fn, ms, ...args);
};
