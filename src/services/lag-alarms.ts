/**
 * `lag --alarm`: plans the alarms of src/core/lag-alarms.ts against the ones that exist, then puts
 * them; --dry-run only returns the definitions. DescribeAlarms and PutMetricAlarm are the only calls.
 */
import type { CloudWatchApi } from '../aws/api/cloudwatch.js';
import { alarmDefinitions, alarmPrefix, planAlarmActions, type AlarmAction, type AlarmDefinition, type AlarmOptions } from '../core/lag-alarms.js';
import type { Host } from './host.js';

export interface LagAlarmOptions extends AlarmOptions {
  dryRun: boolean;
}

/** The clients --alarm needs, built on first use; AwsClients fits. */
export interface LagAlarmClients {
  cloudwatchApi(): Promise<CloudWatchApi>;
}

export type LagAlarmResult =
  | { stream: string; dryRun: true; alarms: AlarmDefinition[] }
  | { stream: string; dryRun: false; alarms: { action: AlarmAction['action']; name: string }[] };

export async function runLagAlarms(opts: LagAlarmOptions, clients: LagAlarmClients, _host: Host): Promise<LagAlarmResult> {
  const alarmOpts: AlarmOptions = { stream: opts.stream, thresholdMs: opts.thresholdMs, consumer: opts.consumer, snsTopicArn: opts.snsTopicArn };
  if (opts.dryRun) return { stream: opts.stream, dryRun: true, alarms: alarmDefinitions(alarmOpts) };
  const cloudwatch = await clients.cloudwatchApi();
  const plan = await planAlarms(cloudwatch, alarmOpts);
  await applyAlarms(cloudwatch, plan);
  return { stream: opts.stream, dryRun: false, alarms: plan.map((a) => ({ action: a.action, name: a.name })) };
}

/** Which of the alarms already exist (DescribeAlarms by prefix, every page), so the plan says create or update. */
export async function planAlarms(cloudwatch: CloudWatchApi, opts: AlarmOptions): Promise<AlarmAction[]> {
  const alarms = await cloudwatch.describeAlarms({ AlarmNamePrefix: alarmPrefix(opts.stream), AlarmTypes: ['MetricAlarm'] });
  const existing = new Set(alarms.flatMap((a) => (a.AlarmName ? [a.AlarmName] : [])));
  return planAlarmActions(alarmDefinitions(opts), existing);
}

/** Runs the plan: one PutMetricAlarm per alarm (create and update are the same call). */
export async function applyAlarms(cloudwatch: CloudWatchApi, plan: readonly AlarmAction[]): Promise<void> {
  for (const a of plan) await cloudwatch.putMetricAlarm(a.input);
}
