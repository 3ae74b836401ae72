// Where every byte the tool prints goes. Results go to stdout; echoes, progress and
// diagnostics go to stderr. Everything passes through the redactor first, so a
// credential can never be printed, whatever the verbosity.
import type { Writable } from 'node:stream';
import { Chalk } from 'chalk';
import { LiveArea, NO_STATUS, type LiveStatus } from './live.js';

export interface OutputFlags {
  verbose: boolean;
  quiet: boolean;
  debug: boolean;
  json: boolean;
  color: boolean;
  /** A sandbox run: every echo line says so, so no one takes it for a real one. */
  sandbox?: boolean;
}

export interface Paint {
  dim(s: string): string;
  bold(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
}

const plain: Paint = { dim: (s) => s, bold: (s) => s, red: (s) => s, yellow: (s) => s, cyan: (s) => s };

// chalk at a fixed level: whether to colour at all is decided once, by wantsColor(), from
// our own flags and the stream, rather than by chalk's own guess about process.stdout.
const chalk = new Chalk({ level: 1 });
const colored: Paint = { dim: chalk.dim, bold: chalk.bold, red: chalk.red, yellow: chalk.yellow, cyan: chalk.cyan };

/** Colour only on a TTY, never with NO_COLOR or --no-color. */
export function wantsColor(stream: Writable, env: NodeJS.ProcessEnv, flag: boolean): boolean {
  if (!flag || (env.NO_COLOR !== undefined && env.NO_COLOR !== '')) return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return Boolean((stream as Writable & { isTTY?: boolean }).isTTY);
}

/** Where a secret is registered as soon as it is known (the redactor). */
export interface SecretSink {
  add(secret: string | undefined): void;
}

export class Redactor implements SecretSink {
  private readonly secrets = new Set<string>();
  /** Longest first, so a secret that contains another is replaced whole. */
  private ordered: string[] = [];

  add(secret: string | undefined): void {
    // Short values would redact ordinary words; real credentials are long.
    if (!secret || secret.length < 8) return;
    // The form JSON output and escaped error values show it in (quotes, backslashes, control characters).
    const escaped = JSON.stringify(secret).slice(1, -1);
    let grew = false;
    for (const s of [secret, escaped]) {
      if (!this.secrets.has(s)) {
        this.secrets.add(s);
        grew = true;
      }
    }
    if (grew) this.ordered = [...this.secrets].sort((a, b) => b.length - a.length);
  }

  redact(text: string): string {
    let out = text;
    for (const s of this.ordered) if (out.includes(s)) out = out.split(s).join('****');
    return out;
  }
}

export class Output {
  readonly paint: Paint;
  /** Live status lines: only at a terminal, and not with --quiet or --json. */
  private readonly live?: LiveArea;

  constructor(
    private readonly stdout: Writable,
    private readonly stderr: Writable,
    readonly flags: OutputFlags,
    readonly redactor: Redactor = new Redactor(),
    /** Put before every stderr line: the host, when one run works on many. */
    private readonly prefix = '',
    live?: LiveArea,
  ) {
    this.paint = flags.color ? colored : plain;
    const tty = Boolean((stderr as Writable & { isTTY?: boolean }).isTTY);
    this.live = live ?? (tty && !flags.quiet && !flags.json ? new LiveArea(stderr, (t) => redactor.redact(t)) : undefined);
  }

  /** The same output, every stderr line marked with the host it is about (`[web1] `). */
  forHost(label: string, width = label.length): Output {
    return new Output(
      this.stdout,
      this.stderr,
      this.flags,
      this.redactor,
      `${this.paint.bold(`[${label}]`)}${' '.repeat(width - label.length + 1)}`,
      this.live,
    );
  }

  /**
   * A live line for a wait (`waiting for i-0abc (web1) to be running`), shown at a
   * terminal once the wait has lasted about 2 s, with its phase and elapsed time.
   */
  status(text: string): LiveStatus {
    return this.live ? this.live.start(this.paint.dim(`${this.prefix}${text}`)) : NO_STATUS;
  }

  /** A writer for progress lines meant for a person watching: only when stderr is a terminal. */
  progress(): ((text: string) => void) | undefined {
    if (!(this.stderr as Writable & { isTTY?: boolean }).isTTY) return undefined;
    return (text) => {
      if (!this.flags.quiet) this.err(this.paint.dim(`- ${text}`));
    };
  }

  /** `task: NAME ARGS…`, indented by invoke depth. */
  echo(depth: number, text: string): void {
    if (this.flags.quiet) return;
    const mark = this.flags.sandbox ? `${this.paint.yellow('[sandbox]')} ` : '';
    this.err(`${mark}${'  '.repeat(depth)}${this.paint.cyan('task:')} ${text}`);
  }

  /** Progress a user asked to see with --verbose. */
  verbose(depth: number, text: string): void {
    if (this.flags.verbose && !this.flags.quiet) this.err(`${'  '.repeat(depth)}${this.paint.dim(`- ${text}`)}`);
  }

  /** Progress worth showing unless --quiet. */
  info(depth: number, text: string): void {
    if (!this.flags.quiet) this.err(`${'  '.repeat(depth)}- ${text}`);
  }

  warn(text: string): void {
    this.err(`${this.paint.yellow('warning:')} ${text}`);
  }

  error(text: string): void {
    this.err(`${this.paint.red('error:')} ${text}`);
  }

  debug(text: string): void {
    if (this.flags.debug) this.err(this.paint.dim(`debug: ${text}`));
  }

  /** One raw line on stderr (already formatted). */
  err(line: string): void {
    // Every line of a many-line text (a stack trace) carries the host's mark.
    const text = this.redactor.redact(
      this.prefix
        ? line
            .split('\n')
            .map((l) => this.prefix + l)
            .join('\n')
        : line,
    );
    if (this.live) this.live.writeLine(text);
    else this.stderr.write(`${text}\n`);
  }

  /** The task's result on stdout: bare text, or JSON with --json. */
  result(value: unknown, render?: (v: unknown) => string | undefined): void {
    if (this.flags.json) {
      this.json(value);
      return;
    }
    const text = bareResult(value, render);
    if (text !== undefined && text !== '') this.stdout.write(`${this.redactor.redact(text)}\n`);
  }

  /** A value as indented JSON on stdout. */
  json(value: unknown): void {
    this.stdout.write(`${this.redactor.redact(JSON.stringify(value ?? null, null, 2))}\n`);
  }

  /** Raw lines on stdout (already formatted), redacted. */
  lines(text: string): void {
    this.stdout.write(`${this.redactor.redact(text)}\n`);
  }
}

/** What a result prints as on stdout without --json: the task's own rendering, else a plain one. */
export function bareResult(value: unknown, render?: (v: unknown) => string | undefined): string | undefined {
  // No result (a step shown, not run) prints nothing, whatever the task's own rendering expects.
  if (value === undefined) return undefined;
  return render ? render(value) : defaultRender(value);
}

function defaultRender(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.map((v) => defaultRender(v) ?? '').join('\n');
  return Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : String(v)}`)
    .join('\n');
}
