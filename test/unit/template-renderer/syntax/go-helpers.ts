import { ScopeHolder } from '../../../../template-renderer/helpers/index.js';
import { renderTemplate } from '../../../../template-renderer/render.js';
import { Snapshot } from '../../../../template-renderer/snapshot.js';
import { createGoEngine } from '../../../../template-renderer/syntax/go/engine.js';

/** A Go engine over an in-memory snapshot, for unit tests. */
export function goSetup(env: Record<string, string> = {}) {
  const holder = new ScopeHolder();
  const engine = createGoEngine(holder);
  const snapshot = new Snapshot();
  const render = (
    text: string,
    opts: { errorOnMissingKey?: boolean; left?: string; right?: string } = {},
  ) =>
    renderTemplate(
      engine.compile(text, {
        name: 't.ctmpl',
        errorOnMissingKey: opts.errorOnMissingKey,
        leftDelimiter: opts.left,
        rightDelimiter: opts.right,
      }),
      holder,
      snapshot,
      env,
    );
  const out = (text: string): string => render(text).output;
  const error = (text: string): string => {
    try {
      render(text);
    } catch (e) {
      return (e as Error).message;
    }
    throw new Error(`expected ${JSON.stringify(text)} to fail`);
  };
  return { holder, engine, snapshot, render, out, error };
}
