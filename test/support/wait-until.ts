/** Polls `condition` every 2 ms until it holds; fails naming `what` after about 5 s. Waiting, not timing. */
export async function waitUntil(what: string, condition: () => boolean): Promise<void> {
  for (let i = 0; i < 2500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 2));
  if (!condition()) throw new Error(`timed out waiting for ${what}`);
}
