export { CONNECTORS_FIELD, readConnectorManifest } from './manifest.js';
export type { ConnectorEntry, ConnectorManifest, ManifestResult } from './manifest.js';
export { discoverConnectorPackages } from './package-scan.js';
export type {
  DiscoveredPackage,
  DiscoveryOptions,
  DiscoveryProblem,
  DiscoveryResult,
} from './package-scan.js';
export { defaultSearchPaths } from './search-paths.js';
export { resolveModuleSpecifier } from './resolve-specifier.js';
export { loadConnectors, packageEntrySource } from './load.js';
export type { LoadedConnector, LoadOptions, LoadResult } from './load.js';
