import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LiveArea, NO_STATUS } from '../../../src/engine/live.js';
import { Output, Redactor } from '../../../src/engine/output.js';

function terminal(columns = 120) {
  const stream = Object.assign(new PassThrough(), { isTTY: true, columns });
  let written = '';
  stream.on('data', (d) => (written += d));
  return { stream, text: () => written };
}

describe('live lines', () => {
  it('appear after 2 s with phase and time, stay below ordinary lines, and go away at the end', () => {
    const t = terminal();
    let now = 0;
    const redactor = new Redactor();
    redactor.add('s3cr3t-value-123');
    const area = new LiveArea(
      t.stream,
      (s) => redactor.redact(s),
      () => now,
    );
    const a = area.start('waiting for i-0abc (web1) to be running');
    a.phase('pending → running');
    expect(t.text()).toBe('');
    now = 2500;
    a.phase('pending → running');
    expect(t.text()).toBe('waiting for i-0abc (web1) to be running: pending → running  2s\n');
    const b = area.start('waiting for s3cr3t-value-123');
    now = 5200;
    area.writeLine('task: something else');
    // Cursor up over the one line drawn, clear, the ordinary line, then the live lines again.
    expect(t.text().slice(t.text().indexOf('2s\n') + 3)).toBe(
      '\u001b[1A\r\u001b[0Jtask: something else\nwaiting for i-0abc (web1) to be running: pending → running  5s\nwaiting for ****  2s\n',
    );
    const before = t.text().length;
    a.end();
    b.end();
    // Redrawn with b alone, then cleared: nothing live is left on the screen.
    expect(t.text().slice(before)).toBe('\u001b[2A\r\u001b[0Jwaiting for ****  2s\n\u001b[1A\r\u001b[0J');
  });

  it('cut a line to the terminal width, so counting lines to redraw stays right', () => {
    const t = terminal(60);
    let now = 0;
    const area = new LiveArea(
      t.stream,
      (s) => s,
      () => now,
    );
    const s = area.start('x'.repeat(200));
    now = 3000;
    s.phase('p');
    expect(t.text().split('\n')[0]!.length).toBe(59);
  });

  it('are not shown when piped, with --quiet or with --json', () => {
    const flags = { verbose: false, quiet: false, debug: false, json: false, color: false };
    expect(new Output(new PassThrough(), new PassThrough(), flags).status('waiting')).toBe(NO_STATUS);
    expect(new Output(new PassThrough(), terminal().stream, { ...flags, quiet: true }).status('waiting')).toBe(NO_STATUS);
    expect(new Output(new PassThrough(), terminal().stream, { ...flags, json: true }).status('waiting')).toBe(NO_STATUS);
    expect(new Output(new PassThrough(), terminal().stream, flags).status('waiting')).not.toBe(NO_STATUS);
  });
});
