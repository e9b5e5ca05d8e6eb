/** The word after `--<name>` on the benchmark's command line, or undefined when not given. */
export function flagValue(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
