// Renders the flyte-connect chart with your values and validates every manifest against the Kubernetes schemas
// of each supported Kubernetes version, offline. Installs the pinned helm/kubeconform/schemas on first use.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { renderChart, validateManifests } from './chart.ts';
import { ensureDeployTools } from './ensure-tools.ts';
import { KUBERNETES_SCHEMAS } from './pins.ts';

const USAGE = `Usage: node tools/src/deploy/check-chart.ts [--values FILE]... [--kube-version X.Y.Z]...

Renders images/helm/flyte-connect with \`helm template\` and validates the output with kubeconform (strict: unknown
fields are errors) against the Kubernetes JSON schemas and the ServiceMonitor CRD schema. No cluster and no
network are needed once the tools are installed (see tools/src/deploy/ensure-tools.ts).

Options:
  -f, --values FILE          values file, as for helm (repeatable)
  -k, --kube-version X.Y.Z   Kubernetes version to check (repeatable; default: ${KUBERNETES_SCHEMAS.kubernetesVersions.join(', ')})
  -h, --help                 show this help
`;

function main(): number {
  const { values } = parseArgs({
    options: {
      values: { type: 'string', short: 'f', multiple: true, default: [] },
      'kube-version': { type: 'string', short: 'k', multiple: true, default: [] },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  // `npm run check-chart -w @org/tools` runs in tools/; values paths are meant relative to where npm was invoked.
  const invokedFrom = process.env.INIT_CWD ?? process.cwd();
  const valuesFiles = values.values.map((file) => resolve(invokedFrom, file));
  const tools = ensureDeployTools();
  const versions = values['kube-version'].length > 0 ? values['kube-version'] : tools.kubernetesVersions;
  let failed = false;
  for (const kubernetesVersion of versions) {
    const rendered = renderChart(tools, { valuesFiles, kubernetesVersion });
    if (!rendered.ok) {
      process.stderr.write(`Kubernetes ${kubernetesVersion}: helm template failed:\n${rendered.error}\n`);
      failed = true;
      continue;
    }
    const report = validateManifests(tools, rendered.yaml, kubernetesVersion);
    for (const resource of report.resources) {
      const verdict = resource.status.replace(/^status/, '').toLowerCase();
      const detail = resource.msg ? `: ${resource.msg}` : '';
      process.stdout.write(
        `Kubernetes ${kubernetesVersion}  ${verdict}  ${resource.kind}/${resource.name}${detail}\n`,
      );
    }
    if (!report.ok) {
      if (report.resources.length === 0) process.stderr.write(report.output);
      failed = true;
    }
  }
  return failed ? 1 : 0;
}

process.exitCode = main();
