import { ToolkitError } from '../errors.js';

/**
 * Go-flag-style argv parsing shared by the three CLIs: `-name value`, `-name=value`, `--name value`
 * and `--name=value` are equivalent, booleans take no value (or `=true|false`), repeatable flags
 * collect into arrays, and flags stop at the first positional argument or `--` (as Go's flag does),
 * so `registrator -ip 1.2.3.4 consul://host:8500` parses like the original.
 */
export type FlagKind = 'string' | 'boolean' | 'list';

export interface FlagSpec {
  name: string;
  kind: FlagKind;
  /** Shown in --help. */
  description: string;
  /** Value placeholder in --help, e.g. "<addr>". */
  value?: string;
  /** Shown in --help as the default. */
  default?: string;
  aliases?: string[];
  /** Environment variable that supplies the value when the flag is absent (documented in help). */
  env?: string;
}

export interface ParsedArgs {
  flags: Record<string, string | boolean | string[]>;
  positionals: string[];
}

export function parseArgs(argv: readonly string[], specs: readonly FlagSpec[]): ParsedArgs {
  const byName = new Map<string, FlagSpec>();
  for (const spec of specs) {
    byName.set(spec.name.toLowerCase(), spec);
    for (const alias of spec.aliases ?? []) byName.set(alias.toLowerCase(), spec);
  }
  const flags: ParsedArgs['flags'] = {};
  const positionals: string[] = [];
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      i++;
      break;
    }
    if (!arg.startsWith('-') || arg === '-') break;
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq === -1 ? body : body.slice(0, eq);
    const spec = byName.get(name.toLowerCase());
    if (!spec) throw usageError(`unknown flag: ${arg}`);
    let value: string | undefined = eq === -1 ? undefined : body.slice(eq + 1);
    if (spec.kind === 'boolean') {
      if (value === undefined) flags[spec.name] = true;
      else if (/^(true|1|t)$/i.test(value)) flags[spec.name] = true;
      else if (/^(false|0|f)$/i.test(value)) flags[spec.name] = false;
      else
        throw usageError(
          `flag -${spec.name} takes true or false, received ${JSON.stringify(value)}`,
        );
      continue;
    }
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) throw usageError(`flag -${spec.name} needs a value`);
    }
    if (spec.kind === 'list') {
      const list = (flags[spec.name] as string[] | undefined) ?? [];
      list.push(value);
      flags[spec.name] = list;
    } else {
      flags[spec.name] = value;
    }
  }
  positionals.push(...argv.slice(i));
  return { flags, positionals };
}

export function usageError(message: string): ToolkitError {
  return new ToolkitError(message, { code: 'E_USAGE' });
}

/** Renders a --help text: usage line, description, then one aligned row per flag. */
export function formatHelp(
  usage: string,
  description: string,
  specs: readonly FlagSpec[],
  footer = '',
): string {
  const rows = specs.map((s) => {
    const left = `  -${s.name}${s.value ? ` ${s.value}` : ''}`;
    const extras = [
      s.default !== undefined ? `default: ${s.default}` : '',
      s.env ? `env: ${s.env}` : '',
      s.kind === 'list' ? 'repeatable' : '',
    ].filter(Boolean);
    return [left, s.description + (extras.length ? ` (${extras.join('; ')})` : '')] as const;
  });
  const width = Math.min(34, Math.max(...rows.map(([l]) => l.length)) + 2);
  const lines = rows.map(([l, r]) =>
    l.length + 2 > width ? `${l}\n${' '.repeat(width)}${r}` : l.padEnd(width) + r,
  );
  return [
    `Usage: ${usage}`,
    '',
    description,
    '',
    'Options (single or double dash; -name value or -name=value):',
    ...lines,
    '  -h, -help                       show this help',
    footer ? `\n${footer}` : '',
  ].join('\n');
}

export function wantsHelp(argv: readonly string[]): boolean {
  for (const arg of argv) {
    if (arg === '--') return false;
    if (/^--?(h|help)$/.test(arg)) return true;
  }
  return false;
}
