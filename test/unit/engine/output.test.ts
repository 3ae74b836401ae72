import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Output, Redactor, wantsColor } from '../../../src/engine/output.js';

const tty = Object.assign(new PassThrough(), { isTTY: true });
const pipe = new PassThrough();

describe('colour', () => {
  it('is used only on a terminal, never with NO_COLOR or --no-color', () => {
    expect(wantsColor(tty, {}, true)).toBe(true);
    expect(wantsColor(pipe, {}, true)).toBe(false);
    expect(wantsColor(tty, { NO_COLOR: '1' }, true)).toBe(false);
    expect(wantsColor(tty, {}, false)).toBe(false);
    expect(wantsColor(pipe, { FORCE_COLOR: '1' }, true)).toBe(true);
  });

  it('colours the echo prefix only when asked', () => {
    let text = '';
    const err = new PassThrough();
    err.on('data', (d) => (text += d));
    const flags = { verbose: false, quiet: false, debug: false, json: false };
    new Output(new PassThrough(), err, { ...flags, color: true }).echo(1, 'ec2:ip:create');
    new Output(new PassThrough(), err, { ...flags, color: false }).echo(0, 'ec2:ip:create');
    expect(text).toBe('  \u001b[36mtask:\u001b[39m ec2:ip:create\ntask: ec2:ip:create\n');
  });
});

describe('redaction', () => {
  it('replaces every known secret on both streams, but not short everyday words', () => {
    let out = '';
    let err = '';
    const o = new PassThrough();
    const e = new PassThrough();
    o.on('data', (d) => (out += d));
    e.on('data', (d) => (err += d));
    const redactor = new Redactor();
    redactor.add('wJalrXUtnFEMI/K7MDENG');
    redactor.add('abc');
    const output = new Output(o, e, { verbose: true, quiet: false, debug: true, json: false, color: false }, redactor);
    output.result('key wJalrXUtnFEMI/K7MDENG abc');
    output.debug('signing with wJalrXUtnFEMI/K7MDENG');
    expect(out).toBe('key **** abc\n');
    expect(err).toBe('debug: signing with ****\n');
  });
});
