import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

export interface Series {
  title: string;
  values: number[];
}

/** Cumulative distribution plot (ms on x, share of samples on y) as a PNG, via Debian's gnuplot. */
export async function plotCdf(file: string, title: string, series: Series[]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'plot-'));
  try {
    const plots = series
      .filter((s) => s.values.length > 0)
      .map((s, i) => {
        const sorted = [...s.values].sort((a, b) => a - b);
        const data = sorted.map((v, k) => `${v} ${(k + 1) / sorted.length}`).join('\n');
        const path = join(dir, `s${i}.dat`);
        writeFileSync(path, data + '\n');
        return `'${path}' using 1:2 with steps lw 2 title '${s.title.replace(/'/g, '')}'`;
      });
    const script = [
      'set terminal pngcairo size 1000,560 font "sans,11"',
      `set output '${file}'`,
      `set title '${title.replace(/'/g, '')}'`,
      'set xlabel "milliseconds"',
      'set ylabel "share of samples"',
      'set logscale x',
      'set autoscale xfix',
      'set offsets graph 0.02, graph 0.02, 0, 0',
      // Labelled ticks at readable values: a tight log axis may not span a whole decade.
      `set xtics (${[20, 50, 100, 150, 200, 300, 500, 1000, 1500, 2000, 5000, 10000].join(', ')})`,
      'set grid',
      'set key bottom right',
      'set yrange [0:1.02]',
      `plot ${plots.join(', ')}`,
    ].join('\n');
    await execa('gnuplot', { input: script });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
