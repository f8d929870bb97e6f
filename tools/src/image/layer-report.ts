import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { BuilderName } from './builders.ts';

const run = promisify(execFile);

/** One filesystem layer: its uncompressed size and the instruction that made it. */
export interface Layer {
  readonly size: number;
  readonly createdBy: string;
}

export interface LayerReport {
  readonly base: readonly Layer[];
  /** The layers the build added above the base image, bottom first. */
  readonly added: readonly Layer[];
}

/** Splits the image's layers into the base image's and the ones this project added. */
export async function layerReport(
  builder: BuilderName,
  image: string,
  baseImage: string,
): Promise<LayerReport> {
  const [layers, base] = await Promise.all([imageLayers(builder, image), imageLayers(builder, baseImage)]);
  // The base image's layers are the bottom of the built image's stack.
  return { base: layers.slice(0, base.length), added: layers.slice(base.length) };
}

export function formatLayerReport(report: LayerReport): string {
  const total = (layers: readonly Layer[]): number => layers.reduce((sum, l) => sum + l.size, 0);
  const rows = report.added.map(
    (layer) =>
      `  ${megabytes(layer.size).padStart(10)}  ${layer.createdBy.replace(/\s+/g, ' ').slice(0, 110)}`,
  );
  return [
    `Layers added above the base image (uncompressed):`,
    ...rows,
    `  ${megabytes(total(report.added)).padStart(10)}  total added (${report.added.length} layers)`,
    `  ${megabytes(total(report.base)).padStart(10)}  base image (${report.base.length} layers)`,
  ].join('\n');
}

function megabytes(bytes: number): string {
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

/** Content layers of a local image, bottom first. */
async function imageLayers(builder: BuilderName, image: string): Promise<Layer[]> {
  return builder === 'buildah' ? buildahLayers(image) : historyLayers(builder, image);
}

interface BuildahImage {
  Manifest: string;
  OCIv1: { history?: { created_by?: string; empty_layer?: boolean }[] };
}

/** buildah keeps the image manifest, whose layer sizes are the uncompressed tar sizes of a local build. */
async function buildahLayers(image: string): Promise<Layer[]> {
  const { stdout } = await run('buildah', ['inspect', '--type', 'image', image], {
    maxBuffer: 64 * 1024 * 1024,
  });
  const inspected = JSON.parse(stdout) as BuildahImage;
  const manifest = JSON.parse(inspected.Manifest) as { layers: { size: number }[] };
  const history = (inspected.OCIv1.history ?? []).filter((h) => h.empty_layer !== true);
  // History and layers line up when the image was built by a conforming builder; otherwise sizes stand alone.
  const aligned = history.length === manifest.layers.length;
  return manifest.layers.map((layer, i) => ({
    size: layer.size,
    createdBy: aligned ? (history[i]?.created_by ?? '') : '',
  }));
}

interface HistoryRow {
  Size?: number | string;
  size?: number;
  CreatedBy?: string;
  createdBy?: string;
}

/**
 * docker and podman report one history row per instruction, newest first, with the layer size in bytes;
 * rows of instructions that changed no files have size 0 and are left out.
 */
async function historyLayers(builder: 'docker' | 'podman', image: string): Promise<Layer[]> {
  const args =
    builder === 'docker'
      ? ['image', 'history', '--no-trunc', '--human=false', '--format', '{{json .}}', image]
      : ['image', 'history', '--no-trunc', '--human=false', '--format', 'json', image];
  const { stdout } = await run(builder, args, { maxBuffer: 64 * 1024 * 1024 });
  const text = stdout.trim();
  const rows: HistoryRow[] = text.startsWith('[')
    ? (JSON.parse(text) as HistoryRow[])
    : text.split('\n').map((line) => JSON.parse(line) as HistoryRow);
  return rows
    .map((row) => ({
      size: Number(row.Size ?? row.size ?? 0),
      createdBy: row.CreatedBy ?? row.createdBy ?? '',
    }))
    .filter((layer) => layer.size > 0)
    .reverse();
}
