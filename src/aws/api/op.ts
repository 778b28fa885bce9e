/**
 * Builds one method of a narrow service interface: `(input) => client.send(new Command(input))`.
 * The interfaces (kinesis.ts, dms.ts, …) list only the calls cdcpipe makes, so a test fake is a few
 * methods instead of a whole SDK client; the SDK client behind them keeps the --debug call log.
 */
export interface Sender {
  send(command: never, options?: { abortSignal?: AbortSignal }): Promise<unknown>;
}

export type Call<I, O> = (input: I, options?: { abortSignal?: AbortSignal }) => Promise<O>;

/** I and O come from the interface member the result is assigned to. */
/** How long an SDK waiter polls: first delay, longest delay and the whole wait, in seconds. */
export interface WaitOptions {
  minDelaySeconds: number;
  maxDelaySeconds: number;
  maxWaitSeconds: number;
}

export function waiterParams<C>(client: C, wait: WaitOptions) {
  return { client, minDelay: wait.minDelaySeconds, maxDelay: Math.max(wait.maxDelaySeconds, wait.minDelaySeconds), maxWaitTime: wait.maxWaitSeconds };
}

export function op<I, O>(client: Sender, Command: new (input: never) => unknown): Call<I, O> {
  return (input, options) => client.send(new Command(input as never) as never, options) as Promise<O>;
}
