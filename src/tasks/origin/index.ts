// Every origin:* task, in the order `list` shows them.
import type { SomeTask } from '../../engine/task.js';
import { baseinstanceTasks } from './baseinstance.js';
import { prepareTasks } from './prepare.js';
import { puppetmasterTasks } from './puppetmaster.js';
import { puppetclientTasks } from './puppetclient.js';
import { buildhostTasks } from './buildhost.js';

export const originTasks: SomeTask[] = [...baseinstanceTasks, ...prepareTasks, ...puppetmasterTasks, ...puppetclientTasks, ...buildhostTasks];
