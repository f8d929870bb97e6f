// Value sets the chart is rendered with, and small accessors for the rendered manifests.
import type { Manifest } from '../../src/deploy/chart.ts';

/** Every optional feature switched on, with the shapes users write in their values files. */
export const ALL_FEATURES: Record<string, unknown> = {
  commonLabels: { team: 'data-platform' },
  image: {
    repository: 'registry.example.com/flyte/flyte-connectors',
    digest: 'sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
  },
  imagePullSecrets: [{ name: 'regcred' }],
  server: {
    worker: 32,
    maxMessageSizeMiB: 128,
    gracePeriodSeconds: 60,
    logLevel: 'debug',
    host: '::',
    discover: false,
    modules: ['@org/connector-bigquery', '/opt/connectors/custom.js'],
    extraArgs: ['--log-level', 'debug'],
  },
  termination: { preStopSleepSeconds: 10, marginSeconds: 15 },
  secrets: {
    existingSecrets: [
      { name: 'bigquery-service-account' },
      {
        name: 'openai',
        items: [{ key: 'OPENAI_API_KEY', path: 'flyte_openai_api_key' }],
        optional: false,
      },
      { name: 'databricks', optional: true },
    ],
  },
  extraEnv: [
    { name: 'METADATA_SERVER_DETECTION', value: 'none' },
    {
      name: '_FSEC_SNOWFLAKE_PRIVATE_KEY',
      valueFrom: { secretKeyRef: { name: 'snowflake', key: 'private-key' } },
    },
  ],
  envFrom: [{ configMapRef: { name: 'connector-settings' } }],
  extraVolumes: [{ name: 'custom-connectors', configMap: { name: 'custom-connectors' } }],
  extraVolumeMounts: [{ name: 'custom-connectors', mountPath: '/opt/connectors', readOnly: true }],
  resources: { requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '2', memory: '1Gi' } },
  service: {
    annotations: { 'projectcontour.io/upstream-protocol.h2c': 'grpc' },
    labels: { tier: 'backend' },
  },
  headlessService: { annotations: { 'example.com/dns': 'internal' } },
  serviceAccount: {
    name: 'flyte-connectors',
    annotations: { 'iam.gke.io/gcp-service-account': 'connectors@project.iam.gserviceaccount.com' },
  },
  autoscaling: {
    enabled: true,
    minReplicas: 3,
    maxReplicas: 12,
    targetCPUUtilizationPercentage: 60,
    targetMemoryUtilizationPercentage: 80,
    extraMetrics: [
      {
        type: 'Pods',
        pods: {
          metric: { name: 'flyte_connector_requests_in_flight' },
          target: { type: 'AverageValue', averageValue: '20' },
        },
      },
    ],
    behavior: {
      scaleDown: {
        stabilizationWindowSeconds: 600,
        policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }],
      },
    },
  },
  podDisruptionBudget: { enabled: true, minAvailable: '50%' },
  metrics: {
    podAnnotations: true,
    serviceMonitor: {
      enabled: true,
      namespace: 'monitoring',
      labels: { release: 'kube-prometheus-stack' },
      interval: '15s',
      scrapeTimeout: '10s',
      relabelings: [{ sourceLabels: ['__meta_kubernetes_pod_node_name'], targetLabel: 'node' }],
      metricRelabelings: [{ sourceLabels: ['__name__'], regex: 'go_.*', action: 'drop' }],
    },
  },
  podAnnotations: { 'example.com/owner': 'data-platform' },
  podLabels: { 'example.com/cost-center': 'analytics' },
  deploymentAnnotations: { 'example.com/rollout': 'canary' },
  priorityClassName: 'flyte-critical',
  nodeSelector: { 'kubernetes.io/os': 'linux' },
  tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'flyte', effect: 'NoSchedule' }],
  affinity: {
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        {
          weight: 100,
          podAffinityTerm: {
            topologyKey: 'topology.kubernetes.io/zone',
            labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'flyte-connect' } },
          },
        },
      ],
    },
  },
  topologySpreadConstraints: [
    { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway' },
    {
      maxSkew: 2,
      topologyKey: 'kubernetes.io/hostname',
      whenUnsatisfiable: 'DoNotSchedule',
      labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'flyte-connect' } },
    },
  ],
};

/** Everything optional switched off. */
export const MINIMAL: Record<string, unknown> = {
  replicaCount: 1,
  headlessService: { enabled: false },
  serviceAccount: { create: false },
  podDisruptionBudget: { enabled: false },
  metrics: { podAnnotations: false },
  termination: { preStopSleepSeconds: 0 },
  topologySpreadConstraints: [],
};

export const VALUE_SETS: Record<string, Record<string, unknown> | undefined> = {
  defaults: undefined,
  'all features': ALL_FEATURES,
  minimal: MINIMAL,
};

type Container = {
  name: string;
  args?: string[];
  env?: { name: string; value?: string }[];
  ports?: { name: string; containerPort: number }[];
  readinessProbe?: Record<string, unknown>;
  livenessProbe?: Record<string, unknown>;
  startupProbe?: Record<string, unknown>;
  lifecycle?: { preStop?: { sleep?: { seconds: number }; exec?: { command: string[] } } };
  securityContext?: Record<string, unknown>;
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
};

export interface PodSpec {
  terminationGracePeriodSeconds?: number;
  securityContext?: Record<string, unknown>;
  containers: Container[];
  volumes?: { name: string; [source: string]: unknown }[];
  topologySpreadConstraints?: { labelSelector?: { matchLabels?: Record<string, string> } }[];
}

export interface DeploymentSpec {
  replicas?: number;
  selector: { matchLabels: Record<string, string> };
  template: {
    metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
    spec: PodSpec;
  };
}

export interface ServiceSpec {
  clusterIP?: string;
  selector: Record<string, string>;
  ports: { name: string; port: number; targetPort: string | number; appProtocol?: string }[];
}

export function only(manifests: Manifest[], kind: string): Manifest {
  const found = manifests.filter((manifest) => manifest.kind === kind);
  if (found.length !== 1) throw new Error(`expected one ${kind}, rendered ${found.length}`);
  return found[0]!;
}

export function deploymentSpec(manifests: Manifest[]): DeploymentSpec {
  return only(manifests, 'Deployment').spec as DeploymentSpec;
}

export function serviceContainer(manifests: Manifest[]): Container {
  return deploymentSpec(manifests).template.spec.containers[0]!;
}

export function envOf(container: Container): Record<string, string | undefined> {
  return Object.fromEntries((container.env ?? []).map((variable) => [variable.name, variable.value]));
}

export function services(manifests: Manifest[]): (Manifest & { spec: ServiceSpec })[] {
  return manifests.filter((manifest) => manifest.kind === 'Service') as (Manifest & { spec: ServiceSpec })[];
}
