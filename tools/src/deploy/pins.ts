// Every external tool the chart checks need, pinned. Bumping a version here is the whole upgrade: the installer
// keys its cache directories on these values, so a new pin installs beside the old one.

/** Helm itself, built from its Go module (no registry ships a prebuilt Linux helm). Helm 3 reached end of life in November 2026. */
export const HELM = { module: 'helm.sh/helm/v4/cmd/helm', version: 'v4.3.1' } as const;

/** The Kubernetes manifest validator, built from its Go module. */
export const KUBECONFORM = {
  module: 'github.com/yannh/kubeconform/cmd/kubeconform',
  version: 'v0.8.0',
} as const;

/**
 * JSON Schemas of the built-in Kubernetes kinds, generated from each release's OpenAPI spec and shipped inside the
 * `kubernetes-validate` wheel on PyPI (strict variants reject unknown fields). The hash pins the exact wheel.
 */
export const KUBERNETES_SCHEMAS = {
  pypiPackage: 'kubernetes-validate',
  version: '1.37.0',
  wheelSha256: '85136d018a27b50ec7fc049d902bfa5193f5976807e6c0f408e3ab6fe078cad9',
  /** Oldest release the chart supports (gRPC probes are GA from 1.27) and the newest the wheel knows. */
  kubernetesVersions: ['1.27.0', '1.37.0'],
} as const;

/** The ServiceMonitor CustomResourceDefinition, from the prometheus-operator Go module, which carries it as JSON. */
export const SERVICE_MONITOR_CRD = {
  module: 'github.com/prometheus-operator/prometheus-operator',
  version: 'v0.85.0',
  path: 'jsonnet/prometheus-operator/servicemonitors-crd.json',
} as const;
