/**
 * Every command's registration. Command modules declare flags and import only commander, src/core and
 * src/render; each loads its service (and the AWS SDK) inside its action, so start-up stays fast.
 */
import type { Command } from 'commander';
import { register as plan } from './plan.js';
import { register as cost } from './cost.js';
import { register as provision } from './provision.js';
import { register as local } from './local.js';
import { register as produce } from './produce.js';
import { register as reshard } from './reshard.js';
import { register as lag } from './lag.js';
import { register as tail } from './tail.js';
import { register as demo } from './demo.js';

export const COMMANDS: ((program: Command) => void)[] = [plan, cost, provision, local, produce, reshard, lag, tail, demo];
