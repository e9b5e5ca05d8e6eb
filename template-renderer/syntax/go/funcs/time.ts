const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** Go's time.Format (UTC) for the layout tokens templates use: 2006-01-02T15:04:05Z07:00. */
export function goTime(d: Date, layout: string): string {
  const p2 = (n: number): string => String(n).padStart(2, '0');
  const h12 = d.getUTCHours() % 12 || 12;
  const tokens: [string, () => string][] = [
    ['2006', () => String(d.getUTCFullYear())],
    ['January', () => MONTHS[d.getUTCMonth()] as string],
    ['Jan', () => (MONTHS[d.getUTCMonth()] as string).slice(0, 3)],
    ['Monday', () => DAYS[d.getUTCDay()] as string],
    ['Mon', () => (DAYS[d.getUTCDay()] as string).slice(0, 3)],
    ['MST', () => 'UTC'],
    ['Z07:00', () => 'Z'],
    ['-07:00', () => '+00:00'],
    ['-0700', () => '+0000'],
    ['.000000000', () => `.${String(d.getUTCMilliseconds()).padStart(3, '0')}000000`],
    ['.000000', () => `.${String(d.getUTCMilliseconds()).padStart(3, '0')}000`],
    ['.000', () => `.${String(d.getUTCMilliseconds()).padStart(3, '0')}`],
    ['01', () => p2(d.getUTCMonth() + 1)],
    ['02', () => p2(d.getUTCDate())],
    ['06', () => p2(d.getUTCFullYear() % 100)],
    ['15', () => p2(d.getUTCHours())],
    ['03', () => p2(h12)],
    ['04', () => p2(d.getUTCMinutes())],
    ['05', () => p2(d.getUTCSeconds())],
    ['PM', () => (d.getUTCHours() < 12 ? 'AM' : 'PM')],
    ['pm', () => (d.getUTCHours() < 12 ? 'am' : 'pm')],
    ['_2', () => String(d.getUTCDate()).padStart(2, ' ')],
    ['1', () => String(d.getUTCMonth() + 1)],
    ['2', () => String(d.getUTCDate())],
    ['3', () => String(h12)],
    ['4', () => String(d.getUTCMinutes())],
    ['5', () => String(d.getUTCSeconds())],
  ];
  let out = '';
  outer: for (let i = 0; i < layout.length;) {
    for (const [t, f] of tokens) {
      if (layout.startsWith(t, i)) {
        out += f();
        i += t.length;
        continue outer;
      }
    }
    out += layout[i++];
  }
  return out;
}
