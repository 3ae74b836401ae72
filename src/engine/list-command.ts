// `list [NAMESPACE] [--all] [--json]`, answered the same way by the full CLI and by the
// quick entry that reads dist/catalogue.json.
import type { CatalogueTask } from './catalogue.js';
import { UsageError } from './errors.js';
import { knownNamespaces, renderList, tasksIn } from './help.js';

export interface ListRequest {
  namespace?: string;
  all: boolean;
  json: boolean;
  /** Terminal columns when stdout is a terminal; undefined when piped. */
  width?: number;
}

export function listText(tasks: readonly CatalogueTask[], r: ListRequest): string {
  if (r.namespace && !knownNamespaces(tasks).has(r.namespace.replace(/:$/, ''))) {
    throw new UsageError(`no namespace ${r.namespace}`, {
      hint: `namespaces: ${[...knownNamespaces(tasks)].filter((n) => !n.includes(':')).join(', ')}`,
    });
  }
  if (r.json) return JSON.stringify(tasksIn(tasks, r.namespace), null, 2);
  return renderList(tasks, r.namespace, r.all, r.width);
}
