import { chromium, type Browser } from 'playwright-core';

/**
 * Debian's headless Chromium through playwright-core, quiet (no background networking, updates,
 * sync or first-run work); `args` adds flags, e.g. host-resolver rules or a trusted SPKI pin.
 */
export function launchChromium(args: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      ...args,
    ],
  });
}
