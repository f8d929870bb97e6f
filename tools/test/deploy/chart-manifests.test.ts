// The chart rendered by the real `helm template` for several value sets and Kubernetes versions: every manifest is
// valid against the Kubernetes schemas (strict), and the rendered objects do what deployments rely on.
import { beforeAll, describe, expect, it } from 'vitest';
import { lintChart, renderChart, validateManifests, type Manifest } from '../../src/deploy/chart.ts';
import { ensureDeployTools, type DeployTools } from '../../src/deploy/ensure-tools.ts';
import { KUBERNETES_SCHEMAS } from '../../src/deploy/pins.ts';
import {
  ALL_FEATURES,
  MINIMAL,
  VALUE_SETS,
  deploymentSpec,
  envOf,
  only,
  serviceContainer,
  services,
} from './fixtures.ts';

let tools: DeployTools;

beforeAll(() => {
  tools = ensureDeployTools();
});

function render(
  values: Record<string, unknown> | undefined,
  kubernetesVersion = newestKubernetes(),
): Manifest[] {
  const rendered = renderChart(tools, { values, kubernetesVersion });
  if (!rendered.ok) throw new Error(rendered.error);
  return rendered.manifests;
}

function newestKubernetes(): string {
  return KUBERNETES_SCHEMAS.kubernetesVersions.at(-1)!;
}

describe.each(Object.entries(VALUE_SETS))('chart with %s values', (_name, values) => {
  it.each(KUBERNETES_SCHEMAS.kubernetesVersions)(
    'is valid against the Kubernetes %s schemas',
    (kubernetesVersion) => {
      const rendered = renderChart(tools, { values, kubernetesVersion });
      if (!rendered.ok) throw new Error(rendered.error);
      const report = validateManifests(tools, rendered.yaml, kubernetesVersion);
      // kubeconform validates in parallel, so its report is in no particular order.
      const verdicts = report.resources.map((r) => `${r.kind}/${r.name}: ${r.status} ${r.msg}`.trim());
      const everyManifestValid = rendered.manifests.map((m) => `${m.kind}/${m.metadata.name}: statusValid`);
      expect(verdicts.sort()).toEqual(everyManifestValid.sort());
      expect(report.ok).toBe(true);
    },
  );
});

describe('helm lint --strict', () => {
  it.each(Object.entries(VALUE_SETS))('passes with %s values', (_name, values) => {
    const lint = lintChart(tools, { values, kubernetesVersion: newestKubernetes() });
    expect(lint.output).toContain('0 chart(s) failed');
    expect(lint.ok).toBe(true);
  });
});

describe('the validator', () => {
  // Guards the checks above against passing vacuously: strict mode and the CRD schema must both bite.
  it('rejects a field Kubernetes does not know', () => {
    const manifests = render(undefined);
    const deployment = only(manifests, 'Deployment');
    const typo = { ...deployment, spec: { ...(deployment.spec as object), replica: 3 } };
    const report = validateManifests(tools, JSON.stringify(typo), newestKubernetes());
    expect(report.ok).toBe(false);
    expect(report.resources[0]?.msg).toMatch(/replica/);
  });

  it('rejects a ServiceMonitor field the CRD does not declare', () => {
    const monitor = only(render(ALL_FEATURES), 'ServiceMonitor');
    const typo = { ...monitor, spec: { ...(monitor.spec as object), endpoint: [] } };
    const report = validateManifests(tools, JSON.stringify(typo), newestKubernetes());
    expect(report.ok).toBe(false);
    expect(report.resources[0]?.msg).toMatch(/endpoint/);
  });
});

describe('rendered Deployment', () => {
  it('probes the gRPC health service on the gRPC port', () => {
    for (const values of Object.values(VALUE_SETS)) {
      const container = serviceContainer(render(values));
      const grpcPort = container.ports?.find((port) => port.name === 'grpc')?.containerPort;
      expect(grpcPort).toBe(8000);
      expect(envOf(container).FLYTE_CONNECTOR_PORT).toBe(String(grpcPort));
      for (const probe of [container.readinessProbe, container.livenessProbe, container.startupProbe]) {
        expect(probe).toMatchObject({ grpc: { port: grpcPort, service: '' } });
        expect(probe).not.toHaveProperty('httpGet');
        expect(probe).not.toHaveProperty('exec');
      }
    }
  });

  it('follows a changed gRPC port in the container, probes and Services', () => {
    const manifests = render({ server: { grpcPort: 7443, metricsPort: 9464 } });
    const container = serviceContainer(manifests);
    expect(envOf(container)).toMatchObject({
      FLYTE_CONNECTOR_PORT: '7443',
      FLYTE_CONNECTOR_PROMETHEUS_PORT: '9464',
    });
    expect(container.readinessProbe).toMatchObject({ grpc: { port: 7443 } });
    expect(container.livenessProbe).toMatchObject({ grpc: { port: 7443 } });
    for (const service of services(manifests)) {
      expect(service.spec.ports.find((port) => port.name === 'grpc')?.port).toBe(7443);
    }
  });

  it('gives the pod more time to terminate than the preStop sleep plus the server drain', () => {
    for (const [values, expected] of [
      [undefined, 5 + 30 + 10],
      [ALL_FEATURES, 10 + 60 + 15],
      [MINIMAL, 0 + 30 + 10],
      [{ server: { gracePeriodSeconds: 300 } }, 5 + 300 + 10],
    ] as const) {
      const manifests = render(values);
      const pod = deploymentSpec(manifests).template.spec;
      const container = serviceContainer(manifests);
      const drain = Number(envOf(container).FLYTE_CONNECTOR_GRACE_PERIOD);
      const preStop = container.lifecycle?.preStop?.sleep?.seconds ?? 0;
      expect(pod.terminationGracePeriodSeconds).toBe(expected);
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(preStop + drain);
    }
  });

  it('sleeps before SIGTERM natively from Kubernetes 1.30 and with the image sleep before', () => {
    expect(serviceContainer(render(undefined, '1.37.0')).lifecycle).toEqual({
      preStop: { sleep: { seconds: 5 } },
    });
    expect(serviceContainer(render(undefined, '1.27.0')).lifecycle).toEqual({
      preStop: { exec: { command: ['sleep', '5'] } },
    });
    expect(serviceContainer(render(MINIMAL)).lifecycle).toBeUndefined();
  });

  it('runs as a non-root user with a read-only root file system', () => {
    for (const values of Object.values(VALUE_SETS)) {
      const manifests = render(values);
      const pod = deploymentSpec(manifests).template.spec;
      const container = serviceContainer(manifests);
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
      expect(container.securityContext).toMatchObject({
        runAsNonRoot: true,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
      });
      expect(container.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
    }
  });

  it('mounts the existing Secrets at /etc/secrets and tells the server where they are', () => {
    const manifests = render(ALL_FEATURES);
    const container = serviceContainer(manifests);
    expect(container.volumeMounts).toContainEqual({
      name: 'secrets',
      mountPath: '/etc/secrets',
      readOnly: true,
    });
    expect(envOf(container).FLYTE_CONNECTOR_SECRETS_DIR).toBe('/etc/secrets');
    const volume = deploymentSpec(manifests).template.spec.volumes?.find((v) => v.name === 'secrets');
    expect(volume).toEqual({
      name: 'secrets',
      projected: {
        defaultMode: 0o440,
        sources: [
          { secret: { name: 'bigquery-service-account' } },
          {
            secret: {
              name: 'openai',
              items: [{ key: 'OPENAI_API_KEY', path: 'flyte_openai_api_key' }],
              optional: false,
            },
          },
          { secret: { name: 'databricks', optional: true } },
        ],
      },
    });
  });

  it('mounts nothing at /etc/secrets when no Secret is named', () => {
    const manifests = render(undefined);
    expect(serviceContainer(manifests).volumeMounts?.map((mount) => mount.mountPath)).not.toContain(
      '/etc/secrets',
    );
    expect(deploymentSpec(manifests).template.spec.volumes?.map((volume) => volume.name)).toEqual(['tmp']);
  });

  it('passes modules and discovery to `flyte-connect serve` and leaves the entrypoint alone', () => {
    const container = serviceContainer(render(ALL_FEATURES));
    expect(container).not.toHaveProperty('command');
    expect(container.args).toEqual([
      '--no-discover',
      '--modules',
      '@org/connector-bigquery',
      '--modules',
      '/opt/connectors/custom.js',
      '--log-level',
      'debug',
    ]);
    expect(serviceContainer(render(undefined))).not.toHaveProperty('args');
  });

  it('pins the image by digest when one is given, else by the tag or the chart appVersion', () => {
    expect(serviceContainer(render(ALL_FEATURES))).toMatchObject({
      image:
        'registry.example.com/flyte/flyte-connectors@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
    });
    expect(serviceContainer(render(undefined))).toMatchObject({ image: 'flyte-connectors:0.1.0' });
    expect(serviceContainer(render({ image: { tag: 'bq-1.2.3' } }))).toMatchObject({
      image: 'flyte-connectors:bq-1.2.3',
    });
  });

  it('annotates pods for Prometheus scraping of the metrics port', () => {
    const annotations = deploymentSpec(render({ server: { metricsPort: 9464 } })).template.metadata
      .annotations;
    expect(annotations).toMatchObject({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': '9464',
      'prometheus.io/path': '/metrics',
    });
    expect(deploymentSpec(render(MINIMAL)).template.metadata.annotations).toBeUndefined();
  });

  it('spreads pods of this release only, over nodes by default', () => {
    const spec = deploymentSpec(render(undefined));
    expect(spec.template.spec.topologySpreadConstraints).toEqual([
      {
        maxSkew: 1,
        topologyKey: 'kubernetes.io/hostname',
        whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector: { matchLabels: spec.selector.matchLabels },
      },
    ]);
  });
});

describe('rendered Services', () => {
  it('offer the gRPC port as h2c on a balanced and a headless Service selecting the pods', () => {
    const manifests = render(undefined);
    const podLabels = deploymentSpec(manifests).template.metadata.labels;
    const byName = new Map(services(manifests).map((service) => [service.metadata.name, service]));
    expect([...byName.keys()].sort()).toEqual(['flyte-connect', 'flyte-connect-headless']);
    const balanced = byName.get('flyte-connect');
    const headless = byName.get('flyte-connect-headless');
    expect(headless?.spec.clusterIP).toBe('None');
    expect(balanced?.spec.clusterIP).toBeUndefined();
    for (const service of [balanced!, headless!]) {
      expect(service.spec.ports).toContainEqual(
        expect.objectContaining({
          name: 'grpc',
          port: 8000,
          targetPort: 'grpc',
          appProtocol: 'kubernetes.io/h2c',
        }),
      );
      expect(podLabels).toMatchObject(service.spec.selector);
    }
  });

  it('leave out the headless Service when it is switched off', () => {
    expect(services(render(MINIMAL)).map((service) => service.spec.clusterIP)).toEqual([undefined]);
  });
});

describe('autoscaling and disruption budget', () => {
  it('hands the replica count to an autoscaling/v2 HPA that targets the Deployment', () => {
    const manifests = render(ALL_FEATURES);
    const hpa = only(manifests, 'HorizontalPodAutoscaler');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec).toMatchObject({
      scaleTargetRef: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: only(manifests, 'Deployment').metadata.name,
      },
      minReplicas: 3,
      maxReplicas: 12,
    });
    expect(deploymentSpec(manifests)).not.toHaveProperty('replicas');
    expect(deploymentSpec(render(undefined)).replicas).toBe(2);
    expect(render(undefined).map((manifest) => manifest.kind)).not.toContain('HorizontalPodAutoscaler');
  });

  it('protects the pods with a PodDisruptionBudget selecting exactly them', () => {
    const manifests = render(undefined);
    const pdb = only(manifests, 'PodDisruptionBudget');
    expect(pdb.spec).toEqual({
      maxUnavailable: 1,
      selector: { matchLabels: deploymentSpec(manifests).selector.matchLabels },
    });
    expect(only(render(ALL_FEATURES), 'PodDisruptionBudget').spec).toMatchObject({ minAvailable: '50%' });
  });
});

describe('ServiceMonitor', () => {
  it('scrapes /metrics through the one Service that carries the metrics port', () => {
    const manifests = render(ALL_FEATURES);
    const monitor = only(manifests, 'ServiceMonitor') as Manifest & {
      spec: {
        selector: { matchLabels: Record<string, string> };
        endpoints: { port: string; path: string }[];
      };
      metadata: { namespace: string };
    };
    expect(monitor.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(monitor.metadata.namespace).toBe('monitoring');
    expect(monitor.metadata.labels).toMatchObject({ release: 'kube-prometheus-stack' });
    expect(monitor.spec).toMatchObject({ namespaceSelector: { matchNames: ['flyte'] } });
    const selected = services(manifests).filter((service) =>
      Object.entries(monitor.spec.selector.matchLabels).every(
        ([key, value]) => service.metadata.labels?.[key] === value,
      ),
    );
    expect(selected).toHaveLength(1);
    const [endpoint] = monitor.spec.endpoints;
    expect(endpoint).toMatchObject({ port: 'http-metrics', path: '/metrics', interval: '15s' });
    expect(selected[0]!.spec.ports.map((port) => port.name)).toContain(endpoint!.port);
  });

  it('is not rendered unless asked for', () => {
    expect(render(undefined).map((manifest) => manifest.kind)).not.toContain('ServiceMonitor');
  });
});
