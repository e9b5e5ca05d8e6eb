#!/usr/bin/env node
// Placeholder CLI: the program lands with its own issue.
import { formatHelp, wantsHelp } from '../common/cli/argv.js';

const help = formatHelp('gateway [options]', 'Not implemented yet.', []);
if (wantsHelp(process.argv.slice(2))) {
  process.stdout.write(help + '\n');
} else {
  process.stderr.write('gateway: not implemented yet\n');
  process.exit(1);
}
