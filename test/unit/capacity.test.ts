import { describe, expect, it } from 'vitest';
import { planCapacity, type BindingLimit, type CapacityInput } from '../../src/core/capacity.js';
import { US_EAST_1_KINESIS_RATES } from '../../src/core/pricing.js';
import { UsageError } from '../../src/errors.js';

describe('shards and binding limit', () => {
  // [behaviour, input, minimum, recommended, binding limit]
  const cases: [string, CapacityInput, number, number, BindingLimit][] = [
    ['100 records/s of 4 KiB fits one shard, bound by write bandwidth', { rps: 100, kb: 4 }, 1, 1, 'write-bytes'],
    ['1,000 records/s of 4 KiB needs 4 shards, recommends 5 at 80 %', { rps: 1000, kb: 4 }, 4, 5, 'write-bytes'],
    ['3,000 records/s of 0.1 KiB needs 3 shards, bound by the record rate', { rps: 3000, kb: 0.1 }, 3, 4, 'write-records'],
    ['exactly 1 MiB/s (512 × 2 KiB) fits one shard at 100 %', { rps: 512, kb: 2 }, 1, 2, 'write-bytes'],
    ['one byte per record over 1 MiB/s needs a second shard', { rps: 512, kb: 2 + 1 / 1024 }, 2, 2, 'write-bytes'],
    ['exactly 1,000 records/s fits one shard at 100 %', { rps: 1000, kb: 0.5 }, 1, 2, 'write-records'],
    ['1,001 records/s needs a second shard', { rps: 1001, kb: 0.5 }, 2, 2, 'write-records'],
    ['a target of 100 % recommends the minimum', { rps: 1000, kb: 4, utilization: 1 }, 4, 4, 'write-bytes'],
    ['a peak of 2× sizes for twice the average', { rps: 1000, kb: 4, peak: 2 }, 8, 10, 'write-bytes'],
    ['five standard consumers make shared reads bind', { rps: 500, kb: 1, consumers: 5 }, 2, 2, 'read-bytes'],
    ['enhanced fan-out consumers do not share the 2 MiB/s read limit', { rps: 200, kb: 4, consumers: 1, efoConsumers: 10 }, 1, 1, 'write-bytes'],
    ['no standard consumer leaves the write limits to decide', { rps: 100, kb: 4, consumers: 0 }, 1, 1, 'write-bytes'],
  ];
  it.each(cases)('%s', (_name, input, minimum, recommended, binding) => {
    const plan = planCapacity(input);
    expect(plan.shards).toEqual({ minimum, recommended, bindingLimit: binding });
  });

  it('reports ≈ 39 % of write bandwidth for 100 records/s × 4 KiB', () => {
    const plan = planCapacity({ rps: 100, kb: 4 });
    expect(plan.utilization.writeBytes).toBeCloseTo(0.390625, 6);
    expect(plan.utilization.writeRecords).toBeCloseTo(0.1, 6);
    expect(plan.utilization.readBytes).toBeCloseTo(0.1953125, 6);
  });

  it('reports utilization at the recommended count, not the minimum', () => {
    const plan = planCapacity({ rps: 1000, kb: 4 });
    expect(plan.utilization.writeBytes).toBeCloseTo(3.90625 / 5, 6);
  });

  it('fills in every default', () => {
    expect(planCapacity({ rps: 1, kb: 1 }).input).toEqual({ rps: 1, kb: 1, peak: 1, consumers: 1, efoConsumers: 0, utilization: 0.8, retentionHours: 24 });
  });
});

describe('GetRecords call budget', () => {
  const cases: [string, number, number][] = [
    ['one consumer gets all 5 calls/s', 1, 5],
    ['two consumers share 5 calls/s', 2, 2.5],
    ['no consumer: the whole budget is left', 0, 5],
  ];
  it.each(cases)('%s', (_name, consumers, perConsumer) => {
    const plan = planCapacity({ rps: 10, kb: 1, consumers });
    expect(plan.getRecordsCallsPerShard).toEqual({ budgetPerSecond: 5, perConsumerPerSecond: perConsumer });
  });
});

describe('warnings', () => {
  const codes = (input: CapacityInput): string[] => planCapacity(input).warnings.map((w) => w.code);
  // [behaviour, input, expected warning code, present?]
  const cases: [string, CapacityInput, string, boolean][] = [
    ['a record over 1 MiB needs MaxRecordSizeInKiB', { rps: 1, kb: 1025 }, 'record-over-1mib', true],
    ['a record of exactly 1 MiB needs nothing special', { rps: 1, kb: 1024 }, 'record-over-1mib', false],
    ['25 KiB + 1 byte costs two PUT payload units', { rps: 1, kb: 25 + 1 / 1024 }, 'record-over-25kib', true],
    ['exactly 25 KiB is one PUT payload unit', { rps: 1, kb: 25 }, 'record-over-25kib', false],
    ['three standard consumers → use enhanced fan-out', { rps: 10, kb: 1, consumers: 3 }, 'many-standard-consumers', true],
    ['two standard consumers are fine', { rps: 10, kb: 1, consumers: 2 }, 'many-standard-consumers', false],
    ['a hot key over 1,000 records/s cannot be split', { rps: 5000, kb: 0.1, skew: 0.3 }, 'hot-key', true],
    ['a hot key over 1 MiB/s cannot be split', { rps: 1000, kb: 4, skew: 0.5 }, 'hot-key', true],
    ['a hot key that fits one shard is not flagged', { rps: 1000, kb: 4, skew: 0.2 }, 'hot-key', false],
    ['a spiky load over 4 MiB/s warns about on-demand warm-up', { rps: 2000, kb: 4, peak: 4 }, 'on-demand-warm-up', true],
  ];
  it.each(cases)('%s', (_name, input, code, present) => {
    expect(codes(input).includes(code)).toBe(present);
  });

  it('names the MaxRecordSizeInKiB to set for a large record', () => {
    const w = planCapacity({ rps: 1, kb: 2000 }).warnings.find((x) => x.code === 'record-over-1mib');
    expect(w?.message).toContain('MaxRecordSizeInKiB ≥ 2000');
  });

  it('says how many PUT payload units a 60 KiB record costs', () => {
    const w = planCapacity({ rps: 1, kb: 60 }).warnings.find((x) => x.code === 'record-over-25kib');
    expect(w?.message).toContain('3 PUT payload units');
  });
});

describe('impossible input', () => {
  const cases: [string, CapacityInput, RegExp][] = [
    ['a record over 10 MiB', { rps: 1, kb: 10241 }, /--kb: .*10 MiB/],
    ['zero records per second', { rps: 0, kb: 1 }, /--rps/],
    ['a negative record size', { rps: 1, kb: -1 }, /--kb/],
    ['a utilization above 1', { rps: 1, kb: 1, utilization: 1.5 }, /--utilization/],
    ['a utilization of 0', { rps: 1, kb: 1, utilization: 0 }, /--utilization/],
    ['a fractional consumer count', { rps: 1, kb: 1, consumers: 1.5 }, /--consumers/],
    ['more than 20 enhanced fan-out consumers', { rps: 1, kb: 1, efoConsumers: 21 }, /--efo-consumers/],
    ['retention under 24 h', { rps: 1, kb: 1, retentionHours: 12 }, /--retention-hours/],
    ['a skew above 1', { rps: 1, kb: 1, skew: 2 }, /--skew/],
    ['a peak below 1', { rps: 1, kb: 1, peak: 0.5 }, /--peak/],
  ];
  it.each(cases)('%s is a usage error', (_name, input, message) => {
    expect(() => planCapacity(input)).toThrow(UsageError);
    expect(() => planCapacity(input)).toThrow(message);
  });

  it('accepts exactly 10 MiB', () => {
    expect(planCapacity({ rps: 1, kb: 10240 }).shards.minimum).toBe(10);
  });
});

describe('capacity mode', () => {
  const cases: [string, CapacityInput, 'provisioned' | 'on-demand', RegExp][] = [
    ['a steady 100 × 4 KiB load is cheaper provisioned', { rps: 100, kb: 4 }, 'provisioned', /\$14\.63 provisioned .* \$149\.50 on-demand/],
    ['a spiky load (peak 4×) goes on-demand', { rps: 100, kb: 4, peak: 4 }, 'on-demand', /spiky/],
    ['a tiny load of tiny records is still cheaper provisioned', { rps: 1, kb: 0.1 }, 'provisioned', /cheaper/],
  ];
  it.each(cases)('%s', (_name, input, mode, reason) => {
    const plan = planCapacity(input);
    expect(plan.mode.recommended).toBe(mode);
    expect(plan.mode.reason).toMatch(reason);
  });

  it('goes on-demand when on-demand prices are the cheaper ones', () => {
    const cheapOnDemand = { ...US_EAST_1_KINESIS_RATES, onDemand: { ...US_EAST_1_KINESIS_RATES.onDemand, streamHourUsd: 0.001, dataInGbUsd: 0.0001, dataOutGbUsd: 0.0001 } };
    expect(planCapacity({ rps: 100, kb: 4 }, cheapOnDemand).mode.recommended).toBe('on-demand');
  });

  it('compares with us-east-1 prices when the region lacks a base price', () => {
    const gaps = { ...US_EAST_1_KINESIS_RATES, onDemand: { ...US_EAST_1_KINESIS_RATES.onDemand, dataInGbUsd: null } };
    expect(planCapacity({ rps: 100, kb: 4 }, gaps).mode.reason).toContain('$149.50');
  });
});

describe('Firehose buffering', () => {
  const cases: [string, CapacityInput, number][] = [
    ['fills in about 300 s at 0.39 MiB/s → 118 MiB', { rps: 100, kb: 4 }, 118],
    ['caps at Firehose’s 128 MiB', { rps: 1000, kb: 4 }, 128],
    ['never below 1 MiB', { rps: 1, kb: 0.1 }, 1],
  ];
  it.each(cases)('%s', (_name, input, sizeMiB) => {
    expect(planCapacity(input).firehose).toEqual({ bufferSizeMiB: sizeMiB, bufferIntervalSeconds: 300 });
  });
});
