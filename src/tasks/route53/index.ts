// Every route53:* task, in the order `list` shows them.
import type { AnyTask } from '../../engine/task.js';

export const route53Tasks: AnyTask[] = [];
