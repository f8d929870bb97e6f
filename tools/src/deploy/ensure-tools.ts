// Installs the pinned tools the chart checks need (helm, kubeconform, Kubernetes and ServiceMonitor schemas) into a
// per-user cache, from the package registries only: Go modules through the Go module proxy, the schema wheel
// through pip. Idempotent: each tool lives in a directory named after its pin and is moved into place only once
// complete, so a finished install is never redone and an interrupted one is simply retried.
//
//   node tools/src/deploy/ensure-tools.ts      # installs what is missing, prints the tool paths as JSON
//
// Cache: $FLYTE_DEPLOY_TOOLS_DIR, else ${XDG_CACHE_HOME:-~/.cache}/flyte-connectors/deploy-tools.
// Needs: go (>= the Go version kubeconform's pin requires), python3 with pip, nice.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crdToJsonSchemas, type CustomResourceDefinition } from './crd-schema.ts';
import { HELM, KUBECONFORM, KUBERNETES_SCHEMAS, SERVICE_MONITOR_CRD } from './pins.ts';

export interface DeployTools {
  helm: string;
  kubeconform: string;
  /** kubeconform `-schema-location` template for built-in kinds. */
  kubernetesSchemaLocation: string;
  /** kubeconform `-schema-location` template for custom resources (ServiceMonitor). */
  crdSchemaLocation: string;
  /** Kubernetes versions whose schemas are installed. */
  kubernetesVersions: readonly string[];
}

export function deployToolsDir(): string {
  const cacheHome = process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
  return process.env.FLYTE_DEPLOY_TOOLS_DIR ?? join(cacheHome, 'flyte-connectors', 'deploy-tools');
}

export function ensureDeployTools(root = deployToolsDir()): DeployTools {
  mkdirSync(root, { recursive: true });
  // Module downloads and build objects are only needed while installing; they stay in one scratch directory that
  // is removed once everything is in place (a Helm build leaves hundreds of MB there).
  const goScratch = join(root, 'go-scratch');

  const helmDir = join(root, `helm-${HELM.version}`);
  installOnce(helmDir, (dir) => goInstall(HELM, dir, goScratch, helmVersionFlags()));
  const kubeconformDir = join(root, `kubeconform-${KUBECONFORM.version}`);
  installOnce(kubeconformDir, (dir) => goInstall(KUBECONFORM, dir, goScratch));

  const schemasDir = join(root, `kubernetes-schemas-${KUBERNETES_SCHEMAS.version}`);
  installOnce(schemasDir, (dir) => installKubernetesSchemas(dir, root));

  const crdDir = join(root, `crd-schemas-prometheus-operator-${SERVICE_MONITOR_CRD.version}`);
  installOnce(crdDir, (dir) => installServiceMonitorSchema(dir, goScratch));

  rmSync(goScratch, { recursive: true, force: true });
  return {
    helm: join(helmDir, 'helm'),
    kubeconform: join(kubeconformDir, 'kubeconform'),
    kubernetesSchemaLocation: join(
      schemasDir,
      '{{ .NormalizedKubernetesVersion }}-local{{ .StrictSuffix }}',
      '{{ .ResourceKind }}{{ .KindSuffix }}.json',
    ),
    crdSchemaLocation: join(crdDir, '{{ .Group }}', '{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json'),
    kubernetesVersions: KUBERNETES_SCHEMAS.kubernetesVersions,
  };
}

/** Builds into a scratch directory and renames it into place, so `dir` exists only when complete. */
function installOnce(dir: string, build: (scratch: string) => void): void {
  if (existsSync(dir)) return;
  removeAbandonedAttempts(dir);
  const scratch = `${dir}.partial-${process.pid}`;
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  const started = Date.now();
  log(`installing ${dir}`);
  try {
    build(scratch);
    renameSync(scratch, dir);
  } catch (error) {
    rmSync(scratch, { recursive: true, force: true });
    // Another process finishing the same install first is success, not failure.
    if (existsSync(dir)) return;
    throw error;
  }
  log(`installed ${dir} in ${Math.round((Date.now() - started) / 1000)} s`);
}

/** Deletes what interrupted installs of `dir` left behind; attempts of processes still running are left alone. */
function removeAbandonedAttempts(dir: string): void {
  const prefix = `${basename(dir)}.partial-`;
  for (const name of readdirSync(dirname(dir))) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length));
    if (Number.isInteger(pid) && isRunning(pid)) continue;
    rmSync(join(dirname(dir), name), { recursive: true, force: true });
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface GoModulePin {
  module: string;
  version: string;
}

function goEnv(goScratch: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GOMODCACHE: join(goScratch, 'mod'),
    GOCACHE: join(goScratch, 'build'),
    // Writable module files so the scratch directory can be deleted; no VCS stamping (modules carry no .git).
    GOFLAGS: '-modcacherw -buildvcs=false',
    CGO_ENABLED: '0',
    ...extra,
  };
}

function goInstall(pin: GoModulePin, binDir: string, goScratch: string, ldflags: string[] = []): void {
  // One package compiled at a time, at low priority: slower, but leaves the (2-core) machine usable.
  const args = ['-n', '10', 'go', 'install', '-p', '1', '-trimpath'];
  args.push(`-ldflags=${['-s', '-w', ...ldflags].join(' ')}`, `${pin.module}@${pin.version}`);
  run('nice', args, goEnv(goScratch, { GOBIN: binDir }));
}

/** Makes `helm version` report the pinned version (a `go install` build has no release ldflags otherwise). */
function helmVersionFlags(): string[] {
  return [`-X helm.sh/helm/v4/internal/version.version=${HELM.version}`];
}

function goModuleDir(pin: GoModulePin, goScratch: string): string {
  const out = run('go', ['mod', 'download', '-json', `${pin.module}@${pin.version}`], goEnv(goScratch));
  const { Dir, Error: error } = JSON.parse(out) as { Dir?: string; Error?: string };
  if (!Dir) throw new Error(`go mod download ${pin.module}@${pin.version}: ${error ?? 'no directory'}`);
  return Dir;
}

function installServiceMonitorSchema(dir: string, goScratch: string): void {
  const crdFile = join(goModuleDir(SERVICE_MONITOR_CRD, goScratch), SERVICE_MONITOR_CRD.path);
  const crd = JSON.parse(readFileSync(crdFile, 'utf8')) as CustomResourceDefinition;
  for (const { group, kind, version, schema } of crdToJsonSchemas(crd)) {
    mkdirSync(join(dir, group), { recursive: true });
    writeFileSync(join(dir, group, `${kind}_${version}.json`), JSON.stringify(schema));
  }
}

function installKubernetesSchemas(dir: string, root: string): void {
  const download = join(root, 'pip-scratch');
  rmSync(download, { recursive: true, force: true });
  mkdirSync(download, { recursive: true });
  try {
    const requirement = `${KUBERNETES_SCHEMAS.pypiPackage}==${KUBERNETES_SCHEMAS.version} --hash=sha256:${KUBERNETES_SCHEMAS.wheelSha256}\n`;
    writeFileSync(join(download, 'requirements.txt'), requirement);
    run('python3', [
      ...[
        '-m',
        'pip',
        'download',
        '--quiet',
        '--disable-pip-version-check',
        '--no-deps',
        '--only-binary=:all:',
      ],
      ...['--require-hashes', '-r', join(download, 'requirements.txt'), '-d', download],
    ]);
    const wheel = readdirSync(download).find((name) => name.endsWith('.whl'));
    if (!wheel) throw new Error(`pip left no wheel in ${download}`);
    const unpacked = join(download, 'unpacked');
    run('python3', ['-m', 'zipfile', '-e', join(download, wheel), unpacked]);
    const source = join(unpacked, 'kubernetes_validate', 'kubernetes-json-schema');
    for (const kubernetesVersion of KUBERNETES_SCHEMAS.kubernetesVersions) {
      for (const variant of ['local', 'local-strict']) {
        const name = `v${kubernetesVersion}-${variant}`;
        localiseSchemaDirectory(join(source, name), join(dir, name));
      }
    }
  } finally {
    rmSync(download, { recursive: true, force: true });
  }
}

/**
 * The wheel's schemas identify themselves as https://kubernetes.io/api/... and share one `_definitions.json`
 * through an absolute `$ref`, which kubeconform would try to fetch over the network. Dropping `$id` and making
 * the reference relative resolves it to the file beside each schema instead.
 */
function localiseSchemaDirectory(from: string, to: string): void {
  if (!existsSync(from)) throw new Error(`schema directory ${from} is not in the wheel`);
  mkdirSync(to, { recursive: true });
  for (const name of readdirSync(from)) {
    if (!name.endsWith('.json')) continue;
    const schema = JSON.parse(readFileSync(join(from, name), 'utf8')) as Record<string, unknown>;
    delete schema.$id;
    const text = JSON.stringify(schema).replaceAll(
      '"$ref":"/api/_definitions.json#',
      '"$ref":"_definitions.json#',
    );
    writeFileSync(join(to, name), text);
  }
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): string {
  // Progress and errors of the installers go to stderr; stdout is captured (and kept clean for the JSON report).
  return execFileSync(command, args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
}

function log(message: string): void {
  process.stderr.write(`[deploy-tools] ${message}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  const tools = ensureDeployTools();
  log(`ready in ${Math.round((Date.now() - started) / 1000)} s`);
  process.stdout.write(`${JSON.stringify(tools, null, 2)}\n`);
}
