// Live status lines at a terminal: while something is awaited for more than about two
// seconds, one line says what, where it stands and for how long, e.g.
//   waiting for i-0abc (web1): pending → running  12s
// Several waits at once (many hosts) each have a line; they stay together below the
// ordinary output, which is written above them. Written on Node's readline cursor
// functions rather than a spinner library: the lines must interleave with our own
// (prefixed, redacted) stderr lines, and a library that takes over the cursor and the
// exit signals would fight the Ctrl-C rollback.
import { clearScreenDown, moveCursor } from 'node:readline';
import type { Writable } from 'node:stream';

export interface LiveStatus {
  /** Where the wait stands now: `pending → running`. */
  phase(text: string): void;
  /** The wait is over: its line goes away. */
  end(): void;
}

export const NO_STATUS: LiveStatus = { phase() {}, end() {} };

interface Entry {
  text: string;
  phase?: string;
  started: number;
}

/** Waits shorter than this show nothing. */
const SHOW_AFTER_MS = 2000;

export class LiveArea {
  private readonly entries = new Set<Entry>();
  private drawn = 0;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly stream: Writable & { columns?: number },
    private readonly redact: (text: string) => string,
    private readonly now: () => number = Date.now,
  ) {}

  start(text: string): LiveStatus {
    const entry: Entry = { text, started: this.now() };
    this.entries.add(entry);
    this.tick();
    return {
      phase: (p) => {
        entry.phase = p;
        this.draw();
      },
      end: () => {
        if (!this.entries.delete(entry)) return;
        this.draw();
        if (this.entries.size === 0) this.stop();
      },
    };
  }

  /** Writes an ordinary line above the live ones. */
  writeLine(line: string): void {
    this.clear();
    this.stream.write(`${line}\n`);
    this.draw();
  }

  private tick(): void {
    if (this.timer) return;
    // Once a second, for the elapsed time; never what keeps the process alive.
    this.timer = setInterval(() => this.draw(), 1000);
    this.timer.unref();
  }

  private stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private clear(): void {
    if (this.drawn === 0) return;
    moveCursor(this.stream, 0, -this.drawn);
    this.stream.write('\r');
    clearScreenDown(this.stream);
    this.drawn = 0;
  }

  private draw(): void {
    this.clear();
    const now = this.now();
    // A pseudo-terminal may report 0 columns: take the usual 80 then.
    const width = Math.max(20, (this.stream.columns || 80) - 1);
    const lines = [...this.entries]
      .filter((e) => now - e.started >= SHOW_AFTER_MS)
      .map((e) => {
        const line = `${e.text}${e.phase ? `: ${e.phase}` : ''}  ${Math.floor((now - e.started) / 1000)}s`;
        // A line that wrapped would break the count of lines to move back over.
        return this.redact(line).slice(0, width);
      });
    if (lines.length) this.stream.write(`${lines.join('\n')}\n`);
    this.drawn = lines.length;
  }
}
