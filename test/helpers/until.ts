/** Polling for states the agent reaches within a few intervals: bounded, and the error names what was awaited. */
const POLL_MS = 50;

/**
 * How long any wait of the tests goes on before it fails: a guard against a hang, never a budget (no test asserts how
 * long anything takes). Generous, since a loaded 2-core machine can take seconds over what takes milliseconds idle.
 */
export const HANG_GUARD_MS = 30_000;

/** Reads until `check` holds of the value read, and returns that value. */
export async function until<T>(what: string, read: () => Promise<T>, check: (value: T) => boolean, timeoutMs = HANG_GUARD_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not reached in ${timeoutMs} ms; last ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Waits until `condition` resolves true. */
export async function untilTrue(what: string, condition: () => Promise<boolean>, timeoutMs = HANG_GUARD_MS): Promise<void> {
  await until(what, condition, (holds) => holds, timeoutMs);
}
