import {
  formatTaskCategory,
  isSyncConnector,
  taskCategoriesOf,
  type Connector,
  type TaskCategory,
} from './connector.js';
import { ConnectorNotFoundError } from './errors.js';
import type { ConnectorSpec } from './spec/types.js';

/** One task category and the connector serving it. */
export interface RegistryEntry {
  readonly category: TaskCategory;
  readonly connector: Connector;
  /** Where the connector came from, e.g. `package @org/connector-bigquery@1.2.3 (entry bigquery)`. */
  readonly source: string;
}

/** A registered connector with every category it serves. */
export interface RegisteredConnector {
  readonly connector: Connector;
  readonly source: string;
  readonly categories: readonly TaskCategory[];
}

/**
 * A connector as ListAgents / ListConnectors and `flyte-connect list` show it: connectors sharing a display name
 * are one listing with the union of their categories, as in the Python servers.
 */
export interface ConnectorListing {
  readonly name: string;
  readonly categories: readonly TaskCategory[];
  readonly isSync: boolean;
  /** Distinct sources of the grouped connectors, in registration order. */
  readonly sources: readonly string[];
  /** The spec of the first connector registered under this name. */
  readonly spec: ConnectorSpec;
  readonly connectors: readonly Connector[];
}

/** The largest task type version the wire carries (`int32`). */
const maxVersion = 2 ** 31 - 1;

/** Routes a task category (`template.type`, `template.task_type_version`) to its connector. */
export class ConnectorRegistry {
  // Nested maps rather than a composite string key: a lookup on the hot path (every Get) allocates nothing.
  readonly #byCategory = new Map<string, Map<number, RegistryEntry>>();
  readonly #registered: RegisteredConnector[] = [];

  /**
   * Registers every category the connector declares, or none: a category registered already (by this or an
   * earlier connector) throws an error naming both sources.
   */
  register(connector: Connector, source: string): void {
    const categories = taskCategoriesOf(connector);
    if (categories.length === 0) {
      throw new Error(`Connector '${connector.name}' from ${source} declares no task category.`);
    }
    const seen = new Set<string>();
    for (const category of categories) {
      checkCategory(category, connector, source);
      const existing = this.find(category);
      const key = `${category.name}\u0000${category.version}`;
      if (existing !== undefined || seen.has(key)) {
        throw new Error(
          `Task category '${category.name}' (version ${category.version}) is registered twice: ` +
            `by ${existing?.source ?? source} and by ${source}`,
        );
      }
      seen.add(key);
    }
    this.#checkKindOfName(connector, source);

    for (const category of categories) {
      let versions = this.#byCategory.get(category.name);
      if (versions === undefined) {
        versions = new Map();
        this.#byCategory.set(category.name, versions);
      }
      versions.set(category.version, { category, connector, source });
    }
    this.#registered.push({ connector, source, categories });
  }

  /** The entry serving a category, or undefined. */
  find(category: TaskCategory): RegistryEntry | undefined {
    return this.#byCategory.get(category.name)?.get(category.version);
  }

  /** The entry serving a category; throws ConnectorNotFoundError (listing the available categories) otherwise. */
  lookup(category: TaskCategory): RegistryEntry {
    const entry = this.find(category);
    if (entry === undefined) {
      throw new ConnectorNotFoundError(category.name, category.version, this.categoryNames());
    }
    return entry;
  }

  get size(): number {
    return this.#registered.length;
  }

  /** One entry per registered category, in registration order. */
  entries(): RegistryEntry[] {
    const entries: RegistryEntry[] = [];
    for (const versions of this.#byCategory.values()) entries.push(...versions.values());
    return entries;
  }

  /** One item per registered connector, in registration order (for open/close and listings). */
  connectors(): readonly RegisteredConnector[] {
    return this.#registered;
  }

  /** Every registered category formatted as `name` or `name@vN`, sorted. */
  categoryNames(): string[] {
    return this.entries()
      .map((entry) => formatTaskCategory(entry.category))
      .sort();
  }

  /** The connectors grouped by display name, in the order their names were first registered. */
  listConnectors(): ConnectorListing[] {
    const byName = new Map<
      string,
      {
        categories: TaskCategory[];
        sources: string[];
        connectors: Connector[];
        spec: ConnectorSpec;
        isSync: boolean;
      }
    >();
    for (const { connector, source, categories } of this.#registered) {
      let group = byName.get(connector.name);
      if (group === undefined) {
        group = {
          categories: [],
          sources: [],
          connectors: [],
          spec: connector.spec,
          isSync: isSyncConnector(connector),
        };
        byName.set(connector.name, group);
      }
      group.categories.push(...categories);
      if (!group.sources.includes(source)) group.sources.push(source);
      group.connectors.push(connector);
    }
    return [...byName].map(([name, group]) => ({ name, ...group }));
  }

  /**
   * Flyte 1 reports `is_sync` per listed connector and routes every category of that listing accordingly, so a
   * display name cannot cover both a sync and an async connector.
   */
  #checkKindOfName(connector: Connector, source: string): void {
    const isSync = isSyncConnector(connector);
    const other = this.#registered.find(
      (item) => item.connector.name === connector.name && isSyncConnector(item.connector) !== isSync,
    );
    if (other !== undefined) {
      throw new Error(
        `Connector name '${connector.name}' is used by ${isSync ? 'a sync' : 'an async'} connector from ${source} ` +
          `and by ${isSync ? 'an async' : 'a sync'} connector from ${other.source}; ` +
          `connectors sharing a name are listed as one, so they must be of the same kind. Rename one of them.`,
      );
    }
  }
}

function checkCategory(category: TaskCategory, connector: Connector, source: string): void {
  if (typeof category.name !== 'string' || category.name === '') {
    throw new Error(
      `Connector '${connector.name}' from ${source} declares a task category with an empty name.`,
    );
  }
  if (!Number.isInteger(category.version) || category.version < 0 || category.version > maxVersion) {
    throw new Error(
      `Connector '${connector.name}' from ${source} declares task category '${category.name}' with version ` +
        `${String(category.version)}; a version is an integer from 0 to ${maxVersion}.`,
    );
  }
}
