// remote tasks: firewall.
import type { AnyTask } from '../../engine/task.js';

export const firewallTasks: AnyTask[] = [];
