import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

export interface ScalePoint {
  services: number;
  readyS: number;
  changeP50: number;
  changeP95: number;
  kbPerChange: number;
  rssMb: number;
  connections: number;
}

/** Four panels against catalog size (log x): ready time, change latency, KB read, RSS. */
export async function plotScale(
  file: string,
  points: ScalePoint[],
  budget: number,
  transport = 'plain HTTP',
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'plot-'));
  try {
    const data = join(dir, 'scale.dat');
    writeFileSync(
      data,
      points
        .map((p) =>
          [
            p.services,
            p.readyS,
            p.changeP50,
            p.changeP95,
            p.kbPerChange,
            p.rssMb,
            p.connections,
          ].join(' '),
        )
        .join('\n') + '\n',
    );
    const panel = (title: string, ylabel: string, plots: string): string =>
      [`set title '${title}'`, `set ylabel '${ylabel}'`, `plot ${plots}`].join('\n');
    const script = [
      'set terminal pngcairo size 1100,760 font "sans,10"',
      `set output '${file}'`,
      `set multiplot layout 2,2 title "Gateway against a stock Consul agent (${transport}), by catalog size (services x 3 instances)"`,
      'set logscale x',
      'set xlabel "services"',
      'set grid',
      'set key top left',
      'set yrange [0:*]',
      panel('time to ready', 's', `'${data}' using 1:2 with linespoints lw 2 title 'ready'`),
      panel(
        'one-instance change -> routed',
        'ms',
        `'${data}' using 1:3 with linespoints lw 2 title 'p50', '' using 1:4 with linespoints lw 2 title 'p95'`,
      ),
      panel(
        'read from Consul per change',
        'KB',
        `'${data}' using 1:5 with linespoints lw 2 title 'KB'`,
      ),
      panel(
        'gateway Node RSS and connections',
        'MB / connections',
        `'${data}' using 1:6 with linespoints lw 2 title 'RSS MB', '' using 1:7 with linespoints lw 2 title 'connections (budget ${budget})'`,
      ),
      'unset multiplot',
    ].join('\n');
    await execa('gnuplot', { input: script });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
