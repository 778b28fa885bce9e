/** The alarms' AWS half: one DescribeAlarms for every name (and the DMS instance identifier); PutMetricAlarm. */
import type { ComparisonOperator, MetricAlarm, PutMetricAlarmCommandInput, Statistic } from '@aws-sdk/client-cloudwatch';
import type { AlarmRequest, AlarmSpec, DesiredAlarm } from '../../core/provision/alarms.js';
import type { PlannedAction } from '../../core/provision/model.js';
import { tryResolve, type Known } from '../../core/provision/values.js';
import { AwsCallError } from '../../errors.js';
import type { DmsApi } from '../api/dms.js';
import type { ApplyContext, ResourceAdapter } from './adapter.js';

function specOf(a: MetricAlarm): AlarmSpec {
  return {
    AlarmName: a.AlarmName ?? '',
    ...(a.AlarmDescription !== undefined ? { AlarmDescription: a.AlarmDescription } : {}),
    Namespace: a.Namespace ?? '',
    MetricName: a.MetricName ?? '',
    Dimensions: (a.Dimensions ?? []).map((d) => ({ Name: d.Name ?? '', Value: d.Value ?? '' })),
    Statistic: a.Statistic ?? '',
    Period: a.Period ?? 0,
    EvaluationPeriods: a.EvaluationPeriods ?? 0,
    DatapointsToAlarm: a.DatapointsToAlarm ?? a.EvaluationPeriods ?? 0,
    Threshold: a.Threshold ?? 0,
    ComparisonOperator: a.ComparisonOperator ?? '',
    TreatMissingData: a.TreatMissingData ?? 'missing',
    AlarmActions: a.AlarmActions ?? [],
    OKActions: a.OKActions ?? [],
  };
}

/** ReplicationInstanceIdentifier of an instance ARN: the DMS metrics' instance dimension. */
export async function readInstanceId(dms: DmsApi, arn: string): Promise<string | undefined> {
  const res = await dms.describeReplicationInstances({ Filters: [{ Name: 'replication-instance-arn', Values: [arn] }] });
  return res.ReplicationInstances?.[0]?.ReplicationInstanceIdentifier;
}

async function applyAlarm(ctx: ApplyContext, action: PlannedAction): Promise<Known> {
  const cw = await ctx.clients.cloudwatchApi();
  const { put } = action.request as AlarmRequest;
  const alarm = tryResolve(put, ctx.known);
  if (!alarm) throw new AwsCallError(`alarm ${action.name}: the DMS task or its replication instance is not known yet`);
  // PutMetricAlarm creates or replaces the alarm whole (API PutMetricAlarm).
  await cw.putMetricAlarm({ ...alarm, Statistic: alarm.Statistic as Statistic, ComparisonOperator: alarm.ComparisonOperator as ComparisonOperator } as PutMetricAlarmCommandInput);
  return ctx.known;
}

export const alarmAdapter: ResourceAdapter<DesiredAlarm, AlarmSpec> = {
  async read(clients, desired, known) {
    if (desired.length === 0) return { observed: [] };
    const outputs: Known = { ...known };
    const instanceArn = desired.find((d) => d.replicationInstanceArn)?.replicationInstanceArn;
    if (instanceArn) {
      const id = await readInstanceId(await clients.dmsApi(), instanceArn);
      if (id) outputs.replicationInstanceId = id;
    }
    const cw = await clients.cloudwatchApi();
    const found = new Map((await cw.describeAlarms({ AlarmNames: desired.map((d) => d.spec.AlarmName), AlarmTypes: ['MetricAlarm'] })).filter((a) => a.AlarmName).map((a) => [a.AlarmName!, specOf(a)]));
    return { observed: desired.map((d) => found.get(d.spec.AlarmName) ?? null), outputs };
  },
  apply: applyAlarm,
};
