/**
 * The browser of the inspector's end-to-end tests: Debian's Chromium driven by playwright-core.
 * Without /usr/bin/chromium the suites are skipped with a visible notice, or fail when
 * `ARBOR_REQUIRE_BROKER=1` (CI installs it: see `.ci/run`).
 */
import { existsSync } from 'node:fs';
import { describe, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** `describe` for suites that need Chromium. */
export function describeBrowser(name: string, fn: () => void): void {
  if (existsSync(CHROMIUM)) {
    describe(name, fn);
    return;
  }
  const why = `Chromium is not installed at ${CHROMIUM} (apt-get install -y chromium)`;
  if (process.env.ARBOR_REQUIRE_BROKER === '1') {
    describe(name, () => {
      it('needs Chromium (ARBOR_REQUIRE_BROKER=1)', () => {
        throw new Error(why);
      });
    });
    return;
  }
  console.warn(`[browser tests] skipping "${name}": ${why}. Set ARBOR_REQUIRE_BROKER=1 to make this a failure.`);
  describe.skip(name, fn);
}

/** Launches headless Chromium with the flags a container needs. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}
