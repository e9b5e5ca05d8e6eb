import { formatFloat, formatValue, goQuote } from './format.js';
import { GoFloat, typeName } from './values.js';

interface Spec {
  minus: boolean;
  plus: boolean;
  zero: boolean;
  space: boolean;
  sharp: boolean;
  width?: number;
  prec?: number;
}

/** fmt.Sprintf with the verbs templates use: %v %s %d %q %x %X %o %b %c %f %e %g %t %T %%. */
export function sprintf(format: string, args: unknown[]): string {
  let out = '';
  let argi = 0;
  for (let i = 0; i < format.length; i++) {
    const c = format[i];
    if (c !== '%') {
      out += c;
      continue;
    }
    const spec: Spec = { minus: false, plus: false, zero: false, space: false, sharp: false };
    i++;
    for (; i < format.length; i++) {
      const f = format[i];
      if (f === '-') spec.minus = true;
      else if (f === '+') spec.plus = true;
      else if (f === '0') spec.zero = true;
      else if (f === ' ') spec.space = true;
      else if (f === '#') spec.sharp = true;
      else break;
    }
    const num = (): number | undefined => {
      if (format[i] === '*') {
        i++;
        const a = args[argi++];
        return typeof a === 'number' ? a : undefined;
      }
      const m = /^[0-9]+/.exec(format.slice(i));
      if (!m) return undefined;
      i += m[0].length;
      return Number(m[0]);
    };
    spec.width = num();
    if (format[i] === '.') {
      i++;
      spec.prec = num() ?? 0;
    }
    const verb = format[i];
    if (verb === undefined) {
      out += '%!(NOVERB)';
      break;
    }
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (argi >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    out += pad(formatOne(verb, args[argi++], spec), spec, verb);
  }
  if (argi < args.length)
    out += `%!(EXTRA ${args
      .slice(argi)
      .map((a) => `${typeName(a)}=${formatValue(a)}`)
      .join(', ')})`;
  return out;
}

function pad(s: string, spec: Spec, verb: string): string {
  if (spec.width === undefined || s.length >= spec.width) return s;
  const fill = spec.width - [...s].length;
  if (fill <= 0) return s;
  if (spec.minus) return s + ' '.repeat(fill);
  if (spec.zero && 'dxXobfFeEgG'.includes(verb) && /^[+-]/.test(s))
    return s[0] + '0'.repeat(fill) + s.slice(1);
  return (spec.zero && verb !== 's' && verb !== 'q' && verb !== 'v' ? '0' : ' ').repeat(fill) + s;
}

function bad(verb: string, v: unknown): string {
  return `%!${verb}(${typeName(v)}=${formatValue(v)})`;
}

function isInt(v: unknown): v is number | bigint {
  return (typeof v === 'number' && Number.isInteger(v)) || typeof v === 'bigint';
}

function floatOf(v: unknown): number | undefined {
  if (v instanceof GoFloat) return v.value;
  if (typeof v === 'number' && !Number.isInteger(v)) return v;
  return undefined;
}

function sign(s: string, spec: Spec, negative: boolean): string {
  if (negative) return s;
  return spec.plus ? `+${s}` : spec.space ? ` ${s}` : s;
}

function formatOne(verb: string, v: unknown, spec: Spec): string {
  switch (verb) {
    case 'v':
      if (spec.plus || spec.sharp) return formatValue(v);
      return formatValue(v);
    case 's':
      if (typeof v === 'string')
        return spec.prec === undefined ? v : [...v].slice(0, spec.prec).join('');
      if (
        Array.isArray(v) ||
        v instanceof Map ||
        (typeof v === 'object' && v !== null && !(v instanceof GoFloat))
      )
        return formatValue(v);
      return bad(verb, v);
    case 'q':
      if (typeof v === 'string') return spec.sharp && !v.includes('`') ? `\`${v}\`` : goQuote(v);
      if (isInt(v)) return `'${String.fromCodePoint(Number(v))}'`;
      return bad(verb, v);
    case 'd':
      if (isInt(v)) return sign(String(v), spec, Number(v) < 0);
      if (Array.isArray(v)) return `[${v.map((x) => formatOne('d', x, spec)).join(' ')}]`;
      return bad(verb, v);
    case 'x':
    case 'X':
    case 'o':
    case 'b': {
      const base = verb === 'o' ? 8 : verb === 'b' ? 2 : 16;
      let s: string;
      if (isInt(v)) s = (Number(v) < 0 ? '-' : '') + Math.abs(Number(v)).toString(base);
      else if (typeof v === 'string' && base === 16) s = Buffer.from(v, 'utf8').toString('hex');
      else return bad(verb, v);
      if (spec.sharp && base === 16) s = s.startsWith('-') ? `-0x${s.slice(1)}` : `0x${s}`;
      return verb === 'X' ? s.toUpperCase() : s;
    }
    case 'c':
      return isInt(v) ? String.fromCodePoint(Number(v)) : bad(verb, v);
    case 't':
      return typeof v === 'boolean' ? String(v) : bad(verb, v);
    case 'T':
      return typeName(v);
    case 'f':
    case 'F':
    case 'e':
    case 'E':
    case 'g':
    case 'G': {
      const f = floatOf(v);
      if (f === undefined) return bad(verb, v);
      return sign(floatVerb(verb, f, spec.prec), spec, f < 0 || Object.is(f, -0));
    }
    default:
      return `%!${verb}(${typeName(v)}=${formatValue(v)})`;
  }
}

function floatVerb(verb: string, f: number, prec: number | undefined): string {
  if (!Number.isFinite(f)) return Number.isNaN(f) ? 'NaN' : f > 0 ? '+Inf' : '-Inf';
  switch (verb) {
    case 'f':
    case 'F':
      return f.toFixed(prec ?? 6);
    case 'e':
    case 'E': {
      const s = f.toExponential(prec ?? 6).replace(/e([+-])(\d)$/, 'e$10$2');
      return verb === 'E' ? s.toUpperCase() : s;
    }
    default: {
      if (prec === undefined) return verb === 'G' ? formatFloat(f).toUpperCase() : formatFloat(f);
      const s = f.toPrecision(Math.max(prec, 1)).replace(/e([+-])(\d)$/, 'e$10$2');
      const trimmed = s.includes('e')
        ? s.replace(/\.?0+e/, 'e')
        : s.includes('.')
          ? s.replace(/\.?0+$/, '')
          : s;
      return verb === 'G' ? trimmed.toUpperCase() : trimmed;
    }
  }
}
