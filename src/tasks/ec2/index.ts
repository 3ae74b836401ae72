// Every ec2:* task, in the order `list` shows them.
import type { AnyTask } from '../../engine/task.js';
import { ipCreate } from './ip.js';

export const ec2Tasks: AnyTask[] = [ipCreate];
