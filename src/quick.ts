// The quick entry: `list` and shell completion answered from dist/catalogue.json (the
// registry as data, written by the build) without loading commander or any task code,
// so they start about as fast as Node itself. Anything else, or anything unusual about
// these (help, unknown options), returns undefined and bin/ runs the full CLI instead.
import { readFileSync } from 'node:fs';
import type { CatalogueTask } from './engine/catalogue.js';
import { completionAnswer, completionScript, SHELLS, type Shell } from './engine/completion.js';
import { listText } from './engine/list-command.js';
import { terminalWidthOf } from './engine/terminal.js';

export interface QuickIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
}

export function quick(argv: readonly string[], io: QuickIo, catalogueUrl: URL): number | undefined {
  const [word, ...rest] = argv;
  if (word === '__complete') {
    io.stdout.write(completionAnswer(load(catalogueUrl), argv));
    return 0;
  }
  if (word === 'completion' && rest.length === 1 && (SHELLS as readonly string[]).includes(rest[0]!)) {
    io.stdout.write(completionScript(rest[0] as Shell));
    return 0;
  }
  if (word !== 'list') return undefined;
  let namespace: string | undefined;
  let all = false;
  let json = false;
  for (const a of rest) {
    if (a === '--all') all = true;
    else if (a === '--json') json = true;
    else if (!a.startsWith('-') && namespace === undefined) namespace = a;
    else return undefined;
  }
  const tasks = load(catalogueUrl);
  // An unknown namespace is the full CLI's to report, with its usual error line.
  if (namespace !== undefined && !tasks.some((t) => t.name.startsWith(`${namespace.replace(/:$/, '')}:`))) return undefined;
  io.stdout.write(`${listText(tasks, { namespace, all, json, width: terminalWidthOf(io.stdout) })}\n`);
  return 0;
}

function load(url: URL): CatalogueTask[] {
  return JSON.parse(readFileSync(url, 'utf8')) as CatalogueTask[];
}
