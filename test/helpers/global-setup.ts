/** Vitest global setup for the integration project: one kinesis-local and one dynalite for the whole run. */
import type { TestProject } from 'vitest/node';
import { startDynalite, startKinesisLocal, type RunningServer } from './servers.js';

declare module 'vitest' {
  export interface ProvidedContext {
    kinesisEndpoint: string;
    dynamodbEndpoint: string;
  }
}

let servers: RunningServer[] = [];

export async function setup(project: TestProject): Promise<void> {
  const [kinesis, dynamodb] = await Promise.all([startKinesisLocal(), startDynalite()]);
  servers = [kinesis, dynamodb];
  project.provide('kinesisEndpoint', kinesis.endpoint);
  project.provide('dynamodbEndpoint', dynamodb.endpoint);
}

export async function teardown(): Promise<void> {
  await Promise.all(servers.map((s) => s.stop()));
  servers = [];
}
