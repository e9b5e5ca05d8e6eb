import { waitFor } from './wait-for.js';

/**
 * Runs `attempt` in a loop per key (each loop sequential, the loops concurrent) while `change`
 * runs: at least `margin` attempts before it and `margin` after it. Returns what the attempts
 * reported as failures (an attempt resolves to a failure text, or undefined when it succeeded).
 */
export async function failuresUnderLoad(
  keys: readonly string[],
  attempt: (key: string) => Promise<string | undefined>,
  change: () => Promise<void>,
  margin = 40,
): Promise<string[]> {
  let running = true;
  let count = 0;
  const failures: string[] = [];
  const loop = async (key: string): Promise<void> => {
    while (running) {
      const failure = await attempt(key);
      count++;
      if (failure !== undefined) failures.push(`${key}: ${failure}`);
    }
  };
  const loops = keys.map(loop);
  try {
    await waitFor(() => count >= margin, { what: `${margin} attempts before the change` });
    await change();
    const after = count;
    await waitFor(() => count >= after + margin, { what: `${margin} attempts after the change` });
  } finally {
    running = false;
    await Promise.all(loops);
  }
  return failures;
}
