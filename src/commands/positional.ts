/**
 * Flags in any order: commander gives the words after a variadic flag (`--merge A B`, `--shard 1 2`) or
 * a flag with an optional value (`--watch [interval]`) to that flag, so `reshard --merge A B orders` or
 * `lag --watch orders --checkpoint c` left the stream name missing. The stream is declared optional and
 * taken back here from the flag's words when the command line put it there.
 */
import { UsageError } from '../errors.js';

const missing = () => new UsageError("missing required argument 'stream'", 'name the Kinesis stream, e.g. `cdcpipe <command> orders-cdc …`');

/**
 * The stream, from its place or from the end of a variadic flag's values: the last value that is not
 * one of the flag's own (`isOwn`). Returns the stream and the values left to the flag.
 */
export function streamFromVariadic(stream: string | undefined, values: string[] | undefined, isOwn: (v: string) => boolean, keep?: number): { stream: string; values: string[] | undefined } {
  if (stream !== undefined || !values?.length) {
    if (stream === undefined) throw missing();
    return { stream, values };
  }
  const at = keep !== undefined && values.length > keep ? values.length - 1 : values.findLastIndex((v) => !isOwn(v));
  if (at < 0) throw missing();
  return { stream: values[at]!, values: values.filter((_, i) => i !== at) };
}

/** The stream, from its place or from an optional-value flag that took it (`--watch orders`). */
export function streamFromOptionalValue<V>(stream: string | undefined, value: V | string | true | undefined, isOwn: (v: string) => boolean): { stream: string; value: V | string | true | undefined } {
  if (stream !== undefined) return { stream, value };
  if (typeof value === 'string' && !isOwn(value)) return { stream: value, value: true };
  throw missing();
}
