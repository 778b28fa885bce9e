/**
 * Values a request needs before they exist: the stream's ARN before CreateStream, the endpoint's ARN
 * before CreateEndpoint, the account id before any ARN is known. A request holds them as named outputs;
 * the executor fills them in from what earlier steps returned, and the CloudFormation template maps the
 * same names onto Ref / Fn::GetAtt / pseudo parameters. Nothing is ever a made-up placeholder value.
 */
export type OutputName =
  | 'partition'
  | 'region'
  | 'accountId'
  | 'streamArn'
  | 'dmsRoleArn'
  | 'firehoseRoleArn'
  | 'endpointArn'
  | 'taskArn'
  | 'taskResourceId'
  | 'replicationConfigArn'
  | 'replicationInstanceId';

export interface OutputRef {
  readonly $output: OutputName;
}
export interface Joined {
  readonly $join: readonly Value[];
}
/** A document sent as JSON text (IAM policies, DMS table mappings), once its outputs are known. */
export interface AsJson {
  readonly $json: unknown;
}
/** A string, or a string made of outputs not known yet. */
export type Value = string | OutputRef | Joined | AsJson;

/** A request with every output filled in. */
export type Resolved<T> = T extends string
  ? T
  : T extends OutputRef | Joined | AsJson
    ? string
    : T extends readonly (infer U)[]
      ? Resolved<U>[]
      : T extends object
        ? { [K in keyof T]: Resolved<T[K]> }
        : T;

/** What is known so far: from the environment, from reads, from steps applied. */
export type Known = Partial<Record<OutputName, string>>;

export const output = (name: OutputName): OutputRef => ({ $output: name });

export function isOutputRef(v: unknown): v is OutputRef {
  return typeof v === 'object' && v !== null && '$output' in v;
}
function isJoined(v: unknown): v is Joined {
  return typeof v === 'object' && v !== null && '$join' in v;
}
function isAsJson(v: unknown): v is AsJson {
  return typeof v === 'object' && v !== null && '$json' in v;
}

export const asJson = (doc: unknown): AsJson => ({ $json: doc });

/** Concatenation: a plain string when every part is known, adjacent strings merged. */
export function join(...parts: Value[]): Value {
  const merged: Value[] = [];
  for (const p of parts.flatMap((x) => (isJoined(x) ? x.$join : [x]))) {
    const last = merged[merged.length - 1];
    if (typeof p === 'string' && typeof last === 'string') merged[merged.length - 1] = last + p;
    else merged.push(p);
  }
  return merged.every((p) => typeof p === 'string') ? merged.join('') : { $join: merged };
}

/** The resource id of a DMS task: the last part of its ARN (the CDCLatency* metrics' task dimension). */
function derive(known: Known): Known {
  return known.taskArn && !known.taskResourceId ? { ...known, taskResourceId: known.taskArn.split(':').pop()! } : known;
}

/** Thrown when a request still needs an output no step has produced. */
export class UnresolvedOutput extends Error {
  constructor(readonly missing: OutputName) {
    super(`internal: ${missing} is not known yet`);
  }
}

/** Every output in `value` (deeply) replaced by its known string; throws UnresolvedOutput otherwise. */
export function resolve<T>(value: T, known: Known): Resolved<T> {
  const k = derive(known);
  const walk = (v: unknown): unknown => {
    if (isOutputRef(v)) {
      const got = k[v.$output];
      if (got === undefined) throw new UnresolvedOutput(v.$output);
      return got;
    }
    if (isJoined(v)) return v.$join.map((p) => walk(p) as string).join('');
    if (isAsJson(v)) return JSON.stringify(walk(v.$json));
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([key, x]) => [key, walk(x)]));
    return v;
  };
  return walk(value) as Resolved<T>;
}

/** resolve(), or undefined while something is not known yet. */
export function tryResolve<T>(value: T, known: Known): Resolved<T> | undefined {
  try {
    return resolve(value, known);
  } catch (err) {
    if (err instanceof UnresolvedOutput) return undefined;
    throw err;
  }
}

/** The same value in a CloudFormation template: outputs become the expressions `refs` gives, joins Fn::Join. */
export function toCloudFormation(value: unknown, refs: Partial<Record<OutputName, unknown>>): unknown {
  if (isOutputRef(value)) {
    const expr = refs[value.$output];
    if (expr === undefined) throw new UnresolvedOutput(value.$output);
    return expr;
  }
  if (isJoined(value)) {
    const parts = value.$join.map((p) => toCloudFormation(p, refs));
    return { 'Fn::Join': ['', parts] };
  }
  // CloudFormation takes IAM documents as objects.
  if (isAsJson(value)) return toCloudFormation(value.$json, refs);
  if (Array.isArray(value)) return value.map((v) => toCloudFormation(v, refs));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toCloudFormation(v, refs)]));
  return value;
}
