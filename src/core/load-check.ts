/**
 * Does a stream carry a load? Compares the capacity plan for the load (src/core/capacity.ts) with the
 * stream's capacity mode and open shards, and with what a `produce` run achieved. Pure.
 */
import type { CapacityPlan } from './capacity.js';
import { ON_DEMAND_INITIAL_WRITE_BYTES_PER_S, ON_DEMAND_INITIAL_WRITE_RECORDS_PER_S } from './limits.js';
import { KIB, formatNumber } from './units.js';

export type LoadVerdict = 'holds' | 'tight' | 'does-not-hold';

export interface StreamCapacity {
  mode: 'provisioned' | 'on-demand';
  openShards: number;
}

export interface LoadCheck {
  verdict: LoadVerdict;
  holds: boolean;
  mode: StreamCapacity['mode'];
  openShards: number;
  minimumShards: number;
  recommendedShards: number;
  bindingLimit: CapacityPlan['shards']['bindingLimit'];
  message: string;
  /** Plan warnings (hot key, large records …) that apply to this load. */
  warnings: string[];
}

export function checkLoad(plan: CapacityPlan, stream: StreamCapacity): LoadCheck {
  const { minimum, recommended, bindingLimit } = plan.shards;
  const load = `${fmt(plan.input.rps)} records/s of ${fmt(plan.input.kb)} KiB`;
  let verdict: LoadVerdict;
  let message: string;
  if (stream.mode === 'on-demand') {
    // A new on-demand stream writes 4 MiB/s and 4,000 records/s, then scales with traffic ("service-sizes-and-limits").
    const bytesPerS = plan.input.rps * plan.input.peak * plan.input.kb * KIB;
    const recordsPerS = plan.input.rps * plan.input.peak;
    const fits = bytesPerS <= ON_DEMAND_INITIAL_WRITE_BYTES_PER_S && recordsPerS <= ON_DEMAND_INITIAL_WRITE_RECORDS_PER_S;
    verdict = fits ? 'holds' : 'tight';
    message = fits
      ? `${load} fits a new on-demand stream's initial 4 MiB/s and 4,000 records/s`
      : `${load} is above a new on-demand stream's initial 4 MiB/s / 4,000 records/s: expect throttling until it scales (the plan would use ${recommended} provisioned shards)`;
  } else if (stream.openShards >= recommended) {
    verdict = 'holds';
    message = `${load} needs ${minimum} shard${minimum === 1 ? '' : 's'} (${recommended} at ${Math.round(plan.input.utilization * 100)} % utilization, bound by ${bindingLimit}); the stream has ${stream.openShards} open`;
  } else if (stream.openShards >= minimum) {
    verdict = 'tight';
    message = `${load} fits ${stream.openShards} open shard${stream.openShards === 1 ? '' : 's'} but above the ${Math.round(plan.input.utilization * 100)} % target: the plan recommends ${recommended} (bound by ${bindingLimit})`;
  } else {
    verdict = 'does-not-hold';
    message = `${load} needs at least ${minimum} shards (bound by ${bindingLimit}); the stream has ${stream.openShards} open: expect throttling, or reshard to ${recommended}`;
  }
  return {
    verdict,
    holds: verdict !== 'does-not-hold',
    mode: stream.mode,
    openShards: stream.openShards,
    minimumShards: minimum,
    recommendedShards: recommended,
    bindingLimit,
    message,
    warnings: plan.warnings.map((w) => w.message),
  };
}

function fmt(n: number): string {
  return formatNumber(n, 2);
}
