#!/usr/bin/env node
// Prints one closing line `N passed, N failed, N skipped` summed over every Vitest run in a test log, so that
// a CI reader sees the totals of all packages at a glance. Usage: node tools/test-summary.mjs <log file>
import { readFileSync } from 'node:fs';

// eslint-disable-next-line no-control-regex -- strips ANSI colour codes
const text = readFileSync(process.argv[2] ?? 0, 'utf8').replace(/\u001b\[[0-9;]*m/g, '');
const totals = { passed: 0, failed: 0, skipped: 0 };
for (const line of text.split('\n')) {
  const match = /^\s*Tests\s+(.*)\(\d+\)\s*$/.exec(line);
  if (match === null) continue;
  for (const part of match[1].split('|')) {
    const [, count, kind] = /(\d+)\s+(passed|failed|skipped|todo)/.exec(part) ?? [];
    if (kind === 'passed' || kind === 'failed') totals[kind] += Number(count);
    else if (kind !== undefined) totals.skipped += Number(count);
  }
}
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
