import { isConnector, type Connector } from './connector.js';
import type { ConnectorEnvironment } from './connector.js';

const pluginBrand = Symbol.for('@org/connector-core/ConnectorPlugin');

/**
 * What a connector package's `"flyte.connectors"` module exports (as its default export): a factory of the
 * package's connectors. Nothing is registered at import; the host calls `connectors()` when it loads the plugin.
 */
export interface ConnectorPlugin {
  /** Marks a plugin, across copies of core (see {@link isConnectorPlugin}). */
  readonly [pluginBrand]: true;
  /** Creates the package's connectors; called once when the host loads the plugin. */
  readonly connectors: (env: Pick<ConnectorEnvironment, 'env'>) => readonly Connector[];
}

/**
 * Declares a connector package's plugin: the default export of the module its `"flyte.connectors"` entry names.
 *
 * @example
 * ```ts
 * export default defineConnectorPlugin({ connectors: () => [new ExampleConnector()] });
 * ```
 */
export function defineConnectorPlugin(definition: {
  readonly connectors: (env: Pick<ConnectorEnvironment, 'env'>) => readonly Connector[];
}): ConnectorPlugin {
  return { [pluginBrand]: true, connectors: definition.connectors };
}

/** Whether a value is a connector plugin, judged by brand so that plugins built against another core are recognised. */
export function isConnectorPlugin(value: unknown): value is ConnectorPlugin {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[pluginBrand] === true &&
    typeof (value as { connectors?: unknown }).connectors === 'function'
  );
}

/**
 * The connectors a loaded module provides: its default export (a plugin, a connector or an array of connectors),
 * else its named `plugin` or `connectors` export. Throws with a precise reason otherwise.
 */
export function connectorsFromModule(
  moduleExports: Readonly<Record<string, unknown>>,
  env: Pick<ConnectorEnvironment, 'env'>,
): Connector[] {
  const candidates = ['default', 'plugin', 'connectors'] as const;
  const defaultExport = moduleExports['default'];
  // A CommonJS module arrives with `default` = module.exports; look inside it for the same exports.
  if (isPlainExportsObject(defaultExport)) {
    return connectorsFromModule({ ...defaultExport, default: defaultExport['default'] }, env);
  }
  for (const name of candidates) {
    const value = moduleExports[name];
    if (value === undefined) continue;
    if (isConnectorPlugin(value)) return checkAll(value.connectors(env), `the plugin's connectors()`);
    if (isConnector(value)) return [value];
    if (Array.isArray(value)) return checkAll(value, `export '${name}'`);
    throw new TypeError(
      `export '${name}' is neither a connector plugin (defineConnectorPlugin), a connector instance nor an array of connectors`,
    );
  }
  throw new TypeError(
    `the module has no default, 'plugin' or 'connectors' export (exports: ${Object.keys(moduleExports).join(', ') || 'none'})`,
  );
}

function isPlainExportsObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !isConnectorPlugin(value) &&
    !isConnector(value) &&
    ['default', 'plugin', 'connectors'].some((name) => name in value)
  );
}

function checkAll(values: readonly unknown[], origin: string): Connector[] {
  values.forEach((value, index) => {
    if (!isConnector(value)) {
      throw new TypeError(
        `${origin} item ${index} is not a connector (extend AsyncConnector or SyncConnector)`,
      );
    }
  });
  return values as Connector[];
}
