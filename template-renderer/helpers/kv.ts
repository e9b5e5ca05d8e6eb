import { kvKeyQuery, kvListQuery, type KeyValue } from '../queries/kv.js';
import { split, type ScopeHolder } from './scope.js';

type Helper = (...args: unknown[]) => unknown;

/** KV helpers: `key`, `keyOrDefault`, `keyExists` share one watch per key; `ls` and `tree` one per prefix. */
export function kvHelpers(holder: ScopeHolder): Record<string, Helper> {
  const readKey = (path: string): KeyValue | undefined =>
    holder.read(`key\0${path}`, () => kvKeyQuery(path)) as KeyValue | undefined;
  return {
    key(...args) {
      return readKey(String(split(args).params[0] ?? ''))?.value ?? '';
    },
    keyOrDefault(...args) {
      const { params } = split(args);
      const kv = readKey(String(params[0] ?? ''));
      return kv?.exists ? kv.value : String(params[1] ?? '');
    },
    keyExists(...args) {
      return readKey(String(split(args).params[0] ?? ''))?.exists ?? false;
    },
    ls(...args) {
      const p = String(split(args).params[0] ?? '');
      return holder.read(`ls\0${p}`, () => kvListQuery(p, false)) ?? [];
    },
    tree(...args) {
      const p = String(split(args).params[0] ?? '');
      return holder.read(`tree\0${p}`, () => kvListQuery(p, true)) ?? [];
    },
  };
}
