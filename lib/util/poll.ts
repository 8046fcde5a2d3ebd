// Waiting for a condition the server will reach: ask, back off (50 ms doubling to 1 s), ask again.
import { setTimeout as sleep } from 'node:timers/promises';

/** Calls `what` until it yields a value or `timeoutMs` has passed; one call when 0. */
export async function poll<T>(what: () => Promise<T | undefined>, timeoutMs: number): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 50; ; delay = Math.min(delay * 2, 1000)) {
    const v = await what();
    if (v !== undefined) return v;
    const left = deadline - Date.now();
    if (left <= 0) return undefined;
    await sleep(Math.min(delay, left));
  }
}
