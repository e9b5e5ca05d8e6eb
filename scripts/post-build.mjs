// Marks the compiled CLIs executable so `npx registrator` (and the others) run from the checkout.
import { chmodSync, existsSync } from 'node:fs';

for (const program of ['registrator', 'template-renderer', 'gateway']) {
  const file = `dist/${program}/cli.js`;
  if (existsSync(file)) chmodSync(file, 0o755);
}
