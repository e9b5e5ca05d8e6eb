import { GoFloat, isStruct, sortedKeys } from './values.js';

/** Go's strconv.FormatFloat(f, 'g', -1, 64) as fmt's %v prints it: 512, 1.5, 1e+06, 1e-05. */
export function formatFloat(f: number): string {
  if (Number.isNaN(f)) return 'NaN';
  if (!Number.isFinite(f)) return f > 0 ? '+Inf' : '-Inf';
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  const [mant, expText] = f.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  if (exp < -4 || exp >= 21)
    return `${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  if (exp >= 6 && exp < 21) return `${mant}e+${String(exp).padStart(2, '0')}`;
  return String(f);
}

/** fmt's %v of one value (what `{{ . }}` prints, after `<no value>` was handled). */
export function formatValue(v: unknown, nested = false): string {
  if (v === undefined || v === null) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : formatFloat(v);
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof GoFloat) return formatFloat(v.value);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (Array.isArray(v)) return `[${v.map((x) => formatValue(x, true)).join(' ')}]`;
  if (v instanceof Map)
    return `map[${sortedKeys(v)
      .map((k) => `${k}:${formatValue(v.get(k), true)}`)
      .join(' ')}]`;
  if (typeof v === 'function') return nested ? '0x0' : '<func>';
  const s = (v as { goString?: () => string }).goString;
  if (typeof s === 'function') return s.call(v);
  if (isStruct(v))
    return `{${Object.values(v)
      .filter((x) => typeof x !== 'function')
      .map((x) => formatValue(x, true))
      .join(' ')}}`;
  return String(v);
}

/** fmt.Sprint: spaces between operands when neither is a string. */
export function sprint(args: unknown[]): string {
  let out = '';
  args.forEach((a, i) => {
    if (i > 0 && typeof a !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += formatValue(a);
  });
  return out;
}

/** fmt.Sprintln: spaces between all operands and a newline. */
export function sprintln(args: unknown[]): string {
  return `${args.map((a) => formatValue(a)).join(' ')}\n`;
}

/** Go's strconv.Quote, close enough for template output: JSON escapes plus \a \b \f \v. */
export function goQuote(s: string): string {
  return JSON.stringify(s)
    .replace(/\\u0007/g, '\\a')
    .replace(/\\u000b/g, '\\v')
    .replace(/[\u007f]/g, '\\x7f');
}
