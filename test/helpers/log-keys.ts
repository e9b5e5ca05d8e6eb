/**
 * The keys that occur more than once at the top level of one JSON log line (pino writes a child
 * logger's bindings after its parent's, so a key bound twice appears twice; JSON.parse would keep
 * only the last). Strings are skipped with their escapes; nested objects and arrays are not
 * looked into.
 */
export function duplicateTopLevelKeys(line: string): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') {
      let j = i + 1;
      while (j < line.length && line[j] !== '"') j += line[j] === '\\' ? 2 : 1;
      if (depth === 1 && expectKey) {
        const key = line.slice(i + 1, j);
        if (seen.has(key)) dup.add(key);
        seen.add(key);
        expectKey = false;
      }
      i = j;
    } else if (c === '{' || c === '[') {
      depth++;
      expectKey = depth === 1 && c === '{';
    } else if (c === '}' || c === ']') depth--;
    else if (c === ',' && depth === 1) expectKey = true;
  }
  return [...dup];
}
