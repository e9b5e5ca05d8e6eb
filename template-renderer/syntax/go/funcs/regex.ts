/**
 * Go's RE2 patterns in JavaScript: leading inline flags `(?i)`, `(?s)`, `(?m)` become flags,
 * `\A`/`\z` anchors become `^`/`$`; replacement templates use Go's `$name`/`${name}` rules.
 */
const cache = new Map<string, RegExp>();

export function goRegex(pattern: string, global = false): RegExp {
  const key = `${global ? 'g' : ''}\0${pattern}`;
  let re = cache.get(key);
  if (re) return re;
  let src = pattern;
  let flags = global ? 'g' : '';
  const m = /^\(\?([imsU]+)\)/.exec(src);
  if (m) {
    src = src.slice(m[0].length);
    for (const f of m[1] as string) if ('ims'.includes(f) && !flags.includes(f)) flags += f;
  }
  src = src.replaceAll('\\A', '^').replaceAll('\\z', '$(?![\\s\\S])');
  try {
    re = new RegExp(src, flags);
  } catch (error) {
    throw new Error(
      `error parsing regexp: ${(error as Error).message.replace(/^Invalid regular expression: /, '')}`,
    );
  }
  if (cache.size > 1000) cache.clear();
  cache.set(key, re);
  return re;
}

/** regexp.ReplaceAllString: `$1`, `${1}`, `$name`; `$1x` names group "1x" (empty), as in Go. */
export function goReplaceAll(re: RegExp, s: string, template: string): string {
  return s.replace(re, (...args: unknown[]) => {
    const hasGroups = typeof args[args.length - 1] === 'object';
    const groups = (hasGroups ? args[args.length - 1] : undefined) as
      Record<string, string> | undefined;
    const subs = args.slice(0, hasGroups ? -3 : -2) as (string | undefined)[];
    return expand(template, subs, groups);
  });
}

function expand(
  template: string,
  subs: (string | undefined)[],
  groups?: Record<string, string>,
): string {
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c !== '$' || i === template.length - 1) {
      out += c;
      continue;
    }
    if (template[i + 1] === '$') {
      out += '$';
      i++;
      continue;
    }
    let name: string;
    if (template[i + 1] === '{') {
      const close = template.indexOf('}', i + 2);
      const inner = close < 0 ? '' : template.slice(i + 2, close);
      if (close < 0 || !/^\w+$/.test(inner)) {
        out += c;
        continue;
      }
      name = inner;
      i = close;
    } else {
      const m = /^\w+/.exec(template.slice(i + 1));
      if (!m) {
        out += c;
        continue;
      }
      name = m[0];
      i += name.length;
    }
    out += /^\d+$/.test(name) ? (subs[Number(name)] ?? '') : (groups?.[name] ?? '');
  }
  return out;
}
