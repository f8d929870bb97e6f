// Knobs of the reliability scenarios. The defaults keep `npm test` to seconds; the long runs
// (`npm run reliability -w @org/connector-core -- <scenario>`) raise them through these variables.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const RELIABILITY_FIXTURE = fileURLToPath(
  new URL('../fixtures/reliability-connectors.ts', import.meta.url),
);

export function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0)
    throw new Error(`${name} must be a non-negative number, got '${raw}'`);
  return value;
}

/** Figures of a scenario: printed, and written as JSON to RELIABILITY_REPORT_DIR/<scenario>.json when set. */
export function report(scenario: string, figures: Record<string, unknown>): void {
  const text = JSON.stringify({ scenario, at: new Date().toISOString(), ...figures }, null, 2);
  process.stdout.write(`\n[reliability] ${text}\n`);
  const dir = process.env['RELIABILITY_REPORT_DIR'];
  if (dir !== undefined && dir !== '') writeFileSync(`${dir}/${scenario}.json`, `${text}\n`);
}
