// A target expression turned into the hosts it names, in the order given, each once.
// Syntax and the inventory are checked first (exit 2), then tags are looked up in EC2;
// a group or tag that names no host is an error of its own (exit 1).
import { NotFoundError, UsageError } from './errors.js';
import { groupHosts, inventoryPath, parseTargets, readInventory, type Inventory } from './targets.js';

export interface TargetHost {
  label: string;
  /** Absent when the host cannot be reached at all (a tagged instance without an address). */
  host?: string;
  problem?: string;
}

export interface ExpandContext {
  inventoryFlag?: string;
  env: NodeJS.ProcessEnv;
  home: string;
  internal: boolean;
  maxHosts: number;
  /** The live instances with a tag (EC2 is asked only when the expression has a tag:). */
  tagged(key: string, value: string, internal: boolean): Promise<TargetHost[]>;
}

export async function expandTargets(expression: string, c: ExpandContext): Promise<TargetHost[]> {
  const terms = parseTargets(expression);
  let inventory: Inventory | undefined;
  if (terms.some((t) => t.kind === 'group')) {
    const where = inventoryPath(c.inventoryFlag, c.env, c.home);
    try {
      inventory = await readInventory(where.path);
    } catch (err) {
      if (!where.named && err instanceof UsageError && /no such file/.test(err.message)) {
        throw new UsageError(`@groups come from an inventory file, and there is none at ${where.path}`, {
          hint: 'create it, or name one with --inventory FILE or ORIGIN_SETUP_INVENTORY',
        });
      }
      throw err;
    }
    // Every group is checked before EC2 is asked anything.
    for (const t of terms) if (t.kind === 'group') groupHosts(inventory, t.name);
  }
  const hosts: TargetHost[] = [];
  for (const t of terms) {
    if (t.kind === 'host') {
      hosts.push({ label: t.name, host: t.name });
    } else if (t.kind === 'group') {
      const members = groupHosts(inventory!, t.name);
      if (members.length === 0) throw new NotFoundError(`@${t.name} has no hosts in ${inventory!.path}`);
      hosts.push(...members.map((h) => ({ label: h, host: h })));
    } else {
      const found = await c.tagged(t.key, t.value, c.internal);
      if (found.length === 0) throw new NotFoundError(`no pending or running instance has the tag ${t.key}=${t.value}`);
      hosts.push(...found);
    }
  }
  const seen = new Set<string>();
  const once = hosts.filter((h) => !seen.has(h.label) && seen.add(h.label));
  if (once.length > c.maxHosts) {
    throw new UsageError(`'${expression}' names ${once.length} hosts, more than ${c.maxHosts} at once`, {
      hint: `pass --max-hosts ${once.length} if that is meant`,
    });
  }
  return once;
}
