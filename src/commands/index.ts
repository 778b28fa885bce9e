/**
 * Every command's registration. Command modules declare flags and import only commander, src/core and
 * src/render; each loads its service (and the AWS SDK) inside its action, so start-up stays fast.
 */
import type { Command } from 'commander';
import { register as plan } from './plan.js';
import { register as local } from './local.js';
import { register as produce } from './produce.js';

export const COMMANDS: ((program: Command) => void)[] = [plan, local, produce];
