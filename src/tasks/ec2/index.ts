// Every ec2:* task, in the order `list` shows them. Each topic file exports its own list.
import type { SomeTask } from '../../engine/task.js';
import { imageTasks } from './image.js';
import { instanceTasks } from './instance.js';
import { ipTasks } from './ip.js';
import { securitygroupTasks } from './securitygroup.js';
import { snapshotTasks } from './snapshot.js';
import { volumeTasks } from './volume.js';

export const ec2Tasks: SomeTask[] = [...imageTasks, ...instanceTasks, ...ipTasks, ...securitygroupTasks, ...snapshotTasks, ...volumeTasks];
