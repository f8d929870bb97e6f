// Bad values fail `helm template` (and so `helm install`) before anything reaches the cluster, with an error that
// names the offending value.
import { beforeAll, describe, expect, it } from 'vitest';
import { renderChart } from '../../src/deploy/chart.ts';
import { ensureDeployTools, type DeployTools } from '../../src/deploy/ensure-tools.ts';
import { KUBERNETES_SCHEMAS } from '../../src/deploy/pins.ts';

let tools: DeployTools;

beforeAll(() => {
  tools = ensureDeployTools();
});

function renderError(values: Record<string, unknown>): string {
  const result = renderChart(tools, { values, kubernetesVersion: KUBERNETES_SCHEMAS.kubernetesVersions[0] });
  if (result.ok) throw new Error(`helm template accepted ${JSON.stringify(values)}`);
  return result.error;
}

describe('values rejected by the chart', () => {
  it.each([
    ['a misspelt top-level key', { replicas: 3 }, /replicas/],
    ['a misspelt nested key', { server: { gracePeriod: 30 } }, /gracePeriod/],
    ['a negative drain period', { server: { gracePeriodSeconds: -1 } }, /gracePeriodSeconds/],
    ['a port out of range', { server: { grpcPort: 70000 } }, /grpcPort/],
    ['a number given as a string', { replicaCount: 'two' }, /replicaCount/],
    ['an unknown log level', { server: { logLevel: 'verbose' } }, /logLevel/],
    ['an empty image repository', { image: { repository: '' } }, /repository/],
    ['a malformed image digest', { image: { digest: 'latest' } }, /digest/],
    ['a Secret without a name', { secrets: { existingSecrets: [{ optional: true }] } }, /name/],
    ['an invalid Secret name', { secrets: { existingSecrets: [{ name: 'OpenAI_Key' }] } }, /name/],
    [
      'an upper-case secret file name the server would never look up',
      { secrets: { existingSecrets: [{ name: 'openai', items: [{ key: 'KEY', path: 'OPENAI_API_KEY' }] }] } },
      /path/,
    ],
    ['a relative secrets mount path', { secrets: { mountPath: 'etc/secrets' } }, /mountPath/],
    [
      'a malformed scrape interval',
      { metrics: { serviceMonitor: { enabled: true, interval: '30 seconds' } } },
      /interval/,
    ],
    ['a malformed PDB percentage', { podDisruptionBudget: { minAvailable: 'half' } }, /minAvailable/],
    ['a zero margin after the drain', { termination: { marginSeconds: 0 } }, /marginSeconds/],
  ])('%s', (_case, values, named) => {
    expect(renderError(values)).toMatch(named);
  });

  it('an autoscaler whose minimum exceeds its maximum', () => {
    const error = renderError({ autoscaling: { enabled: true, minReplicas: 5, maxReplicas: 2 } });
    expect(error).toMatch(/autoscaling\.minReplicas \(5\) must not exceed autoscaling\.maxReplicas \(2\)/);
  });

  it('an autoscaler with nothing to scale on', () => {
    const error = renderError({ autoscaling: { enabled: true, targetCPUUtilizationPercentage: null } });
    expect(error).toMatch(/autoscaling\.targetCPUUtilizationPercentage/);
  });

  it('a Kubernetes version without native gRPC probes', () => {
    const result = renderChart(tools, { kubernetesVersion: '1.26.0' });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(/kubeVersion/i);
  });
});
