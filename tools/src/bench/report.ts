// Markdown for the results: one table of figures per measurement, each followed by our ratio to every peer and to
// the bare transport; and the marked block of docs/benchmarks.md that a full run rewrites.
import { readFileSync, writeFileSync } from 'node:fs';
import { COMPARISONS, TARGETS, type TargetId } from './targets.ts';

export interface Figure {
  readonly label: string;
  /** Which way is better; a figure without a direction gets no ratio. */
  readonly better?: 'higher' | 'lower';
  readonly digits?: number;
}

export type Cell = number | string;

export interface Row {
  readonly label: string;
  /** The target the row measures, when it is one (ratios are taken between targets). */
  readonly target?: TargetId;
  readonly cells: readonly Cell[];
}

export interface Table {
  readonly title: string;
  readonly figures: readonly Figure[];
  readonly rows: readonly Row[];
  /** Defaults to ours on each family against that family's peer, and ours (Flyte 2) against the bare transport. */
  readonly comparisons?: readonly { readonly ours: TargetId; readonly other: TargetId }[];
}

export interface ScenarioReport {
  readonly heading: string;
  readonly method: string;
  readonly tables: readonly Table[];
  readonly notes: readonly string[];
}

export const targetLabel = (id: TargetId): string => TARGETS.find((target) => target.id === id)!.label;

function formatCell(cell: Cell | undefined, digits: number): string {
  if (cell === undefined) return '–';
  if (typeof cell === 'string') return cell;
  if (!Number.isFinite(cell)) return '–';
  return cell.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

const arrow = (figure: Figure) => (figure.better === 'higher' ? ' ↑' : figure.better === 'lower' ? ' ↓' : '');

function ratioTable(table: Table): string | undefined {
  const rated = table.figures
    .map((figure, index) => ({ figure, index }))
    .filter(({ figure }) => figure.better);
  if (rated.length === 0) return undefined;
  const byTarget = new Map(table.rows.filter((row) => row.target).map((row) => [row.target!, row.cells]));
  const rows: string[][] = [];
  for (const { ours, other } of table.comparisons ?? COMPARISONS) {
    const ourCells = byTarget.get(ours);
    const otherCells = byTarget.get(other);
    if (ourCells === undefined || otherCells === undefined) continue;
    rows.push([
      `${targetLabel(ours)} ÷ ${targetLabel(other)}`,
      ...rated.map(({ index }) => {
        const mine = ourCells[index];
        const theirs = otherCells[index];
        if (typeof mine !== 'number' || typeof theirs !== 'number' || theirs === 0) return '–';
        const ratio = mine / theirs;
        return Number.isFinite(ratio) ? `${ratio.toFixed(ratio >= 10 ? 1 : 2)}×` : '–';
      }),
    ]);
  }
  if (rows.length === 0) return undefined;
  return markdownTable(
    ['ratio: ours ÷ other', ...rated.map(({ figure }) => figure.label + arrow(figure))],
    rows,
  );
}

export function renderScenario(scenario: ScenarioReport): string {
  const parts = [`### ${scenario.heading}`, scenario.method];
  for (const table of scenario.tables) {
    parts.push(`**${table.title}**`);
    parts.push(
      markdownTable(
        ['target', ...table.figures.map((figure) => figure.label + arrow(figure))],
        table.rows.map((row) => [
          row.label,
          ...table.figures.map((figure, index) => formatCell(row.cells[index], figure.digits ?? 0)),
        ]),
      ),
    );
    const ratios = ratioTable(table);
    if (ratios !== undefined) parts.push(ratios);
  }
  for (const note of scenario.notes) parts.push(note);
  return parts.join('\n\n');
}

export const DOCS_START = '<!-- bench:python:start -->';
export const DOCS_END = '<!-- bench:python:end -->';

/** Replaces what lies between the markers of the docs file (the markers stay). */
export function writeDocsBlock(file: string, block: string): void {
  const text = readFileSync(file, 'utf8');
  const start = text.indexOf(DOCS_START);
  const end = text.indexOf(DOCS_END);
  if (start < 0 || end < start) throw new Error(`${file} has no ${DOCS_START} … ${DOCS_END} block`);
  writeFileSync(file, `${text.slice(0, start + DOCS_START.length)}\n${block.trim()}\n${text.slice(end)}`);
}
