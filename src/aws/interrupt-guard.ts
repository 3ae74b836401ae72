// Once a run is stopping (Ctrl-C, or a sibling branch failed), no AWS request that
// changes anything may start: one check here, where every EC2 and Route53 call of the
// run passes, instead of one in every task that creates something. A request already
// under way is left to finish, so what it creates is journaled and rolled back. Reads
// (Describe*, Get*, List*) still go out, and so do the rollback's own requests (those
// made inside asRollback(), told apart by async context, not by a flag a sibling branch
// still running could slip through).
import { InterruptedError } from '../engine/errors.js';
import type { Redactor } from '../engine/output.js';
import { hostStopped, inRollback } from '../engine/stop-scope.js';
import type { Settings } from '../config/settings.js';
import { AwsClients, type Ec2Api, type Route53Api } from './clients.js';

const READ_ONLY = /^(Describe|Get|List)/;

type Send = (command: unknown, ...rest: unknown[]) => Promise<unknown>;

/** "RunInstances" for a RunInstancesCommand. */
export function operationName(command: unknown): string {
  return ((command as { constructor?: { name?: string } })?.constructor?.name ?? '').replace(/Command$/, '');
}

export class GuardedAwsClients extends AwsClients {
  private readonly guarded = new WeakSet<object>();
  private readonly inFlight = new Map<number, string>();
  private nextId = 0;

  constructor(
    settings: Settings,
    redactor: Redactor,
    /** True while no new changing request may start. */
    private readonly closed: () => boolean,
    progress?: (text: string) => void,
  ) {
    super(settings, redactor, progress);
  }

  override async ec2(): Promise<Ec2Api> {
    const api = await super.ec2();
    this.guard(api.client);
    return api;
  }

  override async route53(): Promise<Route53Api> {
    const api = await super.route53();
    this.guard(api.client);
    return api;
  }

  /** Changing requests sent and not answered yet ("RunInstances"): what may exist unrecorded. */
  underWay(): string[] {
    return [...this.inFlight.values()];
  }

  private guard(client: object): void {
    if (this.guarded.has(client)) return;
    this.guarded.add(client);
    // An own property in front of the prototype's send (which test mocks replace).
    const own = client as { send: Send };
    own.send = (command, ...rest) => {
      const name = operationName(command);
      if (READ_ONLY.test(name)) return (Object.getPrototypeOf(client) as { send: Send }).send.call(client, command, ...rest);
      if ((this.closed() || hostStopped()) && !inRollback()) return Promise.reject(new InterruptedError());
      const id = this.nextId++;
      this.inFlight.set(id, name);
      // (A test double's send may answer without a promise.)
      return Promise.resolve((Object.getPrototypeOf(client) as { send: Send }).send.call(client, command, ...rest)).finally(() => this.inFlight.delete(id));
    };
  }
}
