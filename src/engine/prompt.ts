// Yes/no questions, only ever on a terminal: a script must never hang on a prompt.
import { createInterface } from 'node:readline/promises';
import type { Readable, Writable } from 'node:stream';
import { UsageError } from './errors.js';

export interface Prompter {
  input: Readable;
  output: Writable;
  /** The run's redactor: the question is written straight to the terminal, not through Output. */
  redact?: (text: string) => string;
}

export async function askYesNo(prompter: Prompter | undefined, question: string): Promise<boolean> {
  if (!prompter || !(prompter.input as Readable & { isTTY?: boolean }).isTTY) {
    throw new UsageError(`${question}: not asking without a terminal`, { hint: 'pass --force to go ahead' });
  }
  const rl = createInterface({ input: prompter.input, output: prompter.output });
  try {
    for (;;) {
      const shown = prompter.redact ? prompter.redact(question) : question;
      const answer = (await rl.question(`${shown} (y/n) `)).trim().toLowerCase();
      if (answer === 'y' || answer === 'yes') return true;
      if (answer === 'n' || answer === 'no') return false;
    }
  } finally {
    rl.close();
  }
}
