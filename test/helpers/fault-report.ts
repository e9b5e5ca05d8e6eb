import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './paths.js';

export interface FaultRow {
  scenario: string;
  requests: number;
  failed: number;
  /** ms from the fault's end (or the component's return) to full recovery; undefined if n/a. */
  recoveryMs?: number;
  note?: string;
}

const rows: FaultRow[] = [];

/** Records one scenario's figures; the table is printed once every fault test has run. */
export function recordFault(row: FaultRow): void {
  rows.push(row);
  process.stdout.write(`      [fault] ${formatRow(row)}\n`);
}

function formatRow(r: FaultRow): string {
  const rec = r.recoveryMs === undefined ? '-' : `${Math.round(r.recoveryMs)} ms`;
  return `${r.scenario.padEnd(44)} ${String(r.requests).padStart(7)} ${String(r.failed).padStart(6)} ${rec.padStart(10)}${r.note ? `  ${r.note}` : ''}`;
}

export function printFaultTable(): void {
  if (rows.length === 0) return;
  const lines = [
    '',
    '  fault scenarios (requests through the gateway during each)',
    `  ${'scenario'.padEnd(44)} ${'sent'.padStart(7)} ${'failed'.padStart(6)} ${'recovery'.padStart(10)}`,
    ...rows.map((r) => `  ${formatRow(r)}`),
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');
  const dir = join(ROOT, 'test-results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'faults.json'), JSON.stringify(rows, null, 2) + '\n');
}
