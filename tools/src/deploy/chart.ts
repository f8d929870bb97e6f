// Renders the flyte-connect Helm chart with the real `helm template` and validates the output with kubeconform
// against the Kubernetes schemas (and the ServiceMonitor CRD schema), offline. Used by the chart tests and by the
// `check-chart.ts` command.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import type { DeployTools } from './ensure-tools.ts';

export const CHART_DIR = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../../../images/helm/flyte-connect',
);

export interface RenderOptions {
  /** Values given as an object (written to a values file, as a user's `-f values.yaml` would be). */
  values?: Record<string, unknown>;
  /** Further values files, applied before `values`. */
  valuesFiles?: readonly string[];
  /** Kubernetes version the chart is rendered for (`.Capabilities.KubeVersion`). */
  kubernetesVersion: string;
  releaseName?: string;
  namespace?: string;
}

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: unknown;
  [field: string]: unknown;
}

export type RenderResult = { ok: true; yaml: string; manifests: Manifest[] } | { ok: false; error: string };

export function renderChart(tools: DeployTools, options: RenderOptions): RenderResult {
  const scratch = mkdtempSync(join(tmpdir(), 'flyte-connect-values-'));
  try {
    const args = [
      'template',
      options.releaseName ?? 'flyte-connect',
      CHART_DIR,
      ...commonArgs(options, scratch),
    ];
    const result = spawnSync(tools.helm, args, { encoding: 'utf8', env: helmEnv(scratch) });
    if (result.error) throw result.error;
    if (result.status !== 0) return { ok: false, error: result.stderr.trim() };
    return { ok: true, yaml: result.stdout, manifests: parseManifests(result.stdout) };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** `helm lint --strict`: the chart's own conventions (warnings count as failures). */
export function lintChart(
  tools: DeployTools,
  options: Omit<RenderOptions, 'releaseName'>,
): { ok: boolean; output: string } {
  const scratch = mkdtempSync(join(tmpdir(), 'flyte-connect-values-'));
  try {
    const args = ['lint', CHART_DIR, '--strict', ...commonArgs(options, scratch)];
    const result = spawnSync(tools.helm, args, { encoding: 'utf8', env: helmEnv(scratch) });
    if (result.error) throw result.error;
    return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Namespace, Kubernetes version and values, for `helm template` and `helm lint` alike. */
function commonArgs(options: Omit<RenderOptions, 'releaseName'>, scratch: string): string[] {
  const args = ['--namespace', options.namespace ?? 'flyte', '--kube-version', options.kubernetesVersion];
  for (const file of options.valuesFiles ?? []) args.push('--values', file);
  if (options.values !== undefined) {
    // JSON is YAML, so the object goes to helm exactly as written.
    const file = join(scratch, 'values.yaml');
    writeFileSync(file, JSON.stringify(options.values));
    args.push('--values', file);
  }
  return args;
}

/** Keeps helm away from the user's own configuration, repositories and plugins. */
function helmEnv(scratch: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: scratch,
    HELM_CACHE_HOME: join(scratch, 'cache'),
    HELM_CONFIG_HOME: join(scratch, 'config'),
    HELM_DATA_HOME: join(scratch, 'data'),
    KUBECONFIG: join(scratch, 'no-kubeconfig'),
  };
}

/** Parses helm's output as Kubernetes does: YAML 1.1, where `0440` is octal. */
export function parseManifests(yaml: string): Manifest[] {
  return parseAllDocuments(yaml, { version: '1.1' })
    .map((document) => document.toJS() as Manifest | null)
    .filter((manifest): manifest is Manifest => manifest !== null);
}

export interface ValidatedResource {
  kind: string;
  name: string;
  version: string;
  /** kubeconform's verdict: statusValid, statusInvalid, statusError, statusSkipped or statusEmpty. */
  status: string;
  msg: string;
}

export interface ValidationReport {
  ok: boolean;
  resources: ValidatedResource[];
  /** kubeconform's own output when it did not produce a report. */
  output: string;
}

/** Validates every manifest in `yaml` strictly (unknown fields and duplicate keys rejected); no schema, no pass. */
export function validateManifests(
  tools: DeployTools,
  yaml: string,
  kubernetesVersion: string,
): ValidationReport {
  const args = ['-strict', '-verbose', '-output', 'json', '-kubernetes-version', kubernetesVersion];
  args.push(
    '-schema-location',
    tools.kubernetesSchemaLocation,
    '-schema-location',
    tools.crdSchemaLocation,
    '-',
  );
  // An empty environment: kubeconform must find every schema on disk, never over the network.
  const result = spawnSync(tools.kubeconform, args, { input: yaml, encoding: 'utf8', env: {} });
  if (result.error) throw result.error;
  let resources: ValidatedResource[] = [];
  try {
    resources = (JSON.parse(result.stdout) as { resources?: ValidatedResource[] }).resources ?? [];
  } catch {
    return { ok: false, resources, output: `${result.stdout}${result.stderr}` };
  }
  const ok = result.status === 0 && resources.every((resource) => resource.status === 'statusValid');
  return { ok, resources, output: `${result.stdout}${result.stderr}` };
}
