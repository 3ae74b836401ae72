// Waiting in a test for something only the system under test can make true (a file it
// writes, a process ending, a line it prints): looked at every 10 ms, never a fixed sleep
// raced against it. The deadline is generous, for a loaded two-core machine.

/** Resolves once `ok()` holds; fails after `timeoutMs` (15 s) naming what never happened. */
export async function until(what: string, ok: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`never happened within ${timeoutMs / 1000} s: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
