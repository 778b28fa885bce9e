/**
 * Vitest global setup for the integration project: one kinesis-local and one dynalite for the whole run,
 * and whether moto is installed (the skip line, or the failure under CDCPIPE_REQUIRE_MOTO=1, comes once).
 */
import type { TestProject } from 'vitest/node';
import { checkMotoForRun } from './moto.js';
import { startDynalite, startKinesisLocal, type RunningServer } from './servers.js';

declare module 'vitest' {
  export interface ProvidedContext {
    kinesisEndpoint: string;
    dynamodbEndpoint: string;
    motoAvailable: boolean;
  }
}

let servers: RunningServer[] = [];

export async function setup(project: TestProject): Promise<void> {
  project.provide('motoAvailable', checkMotoForRun());
  const [kinesis, dynamodb] = await Promise.all([startKinesisLocal(), startDynalite()]);
  servers = [kinesis, dynamodb];
  project.provide('kinesisEndpoint', kinesis.endpoint);
  project.provide('dynamodbEndpoint', dynamodb.endpoint);
}

export async function teardown(): Promise<void> {
  await Promise.all(servers.map((s) => s.stop()));
  servers = [];
}
