import { describe, expect, it } from 'vitest';
import { AsyncConnector, SyncConnector, type TaskCategoryInput } from './connector.js';
import { ConnectorError, ConnectorNotFoundError } from './errors.js';
import { jsonMetaCodec } from './meta-codec.js';
import { ConnectorRegistry } from './registry.js';
import type { Resource } from './resource.js';
import type { ConnectorSpec } from './spec/types.js';

class JobConnector extends AsyncConnector<{ id: string }> {
  readonly metaCodec = jsonMetaCodec((value) => value as { id: string });
  readonly spec: ConnectorSpec = { description: 'runs jobs', params: {} };

  constructor(
    readonly name: string,
    readonly taskCategory: TaskCategoryInput | readonly TaskCategoryInput[],
  ) {
    super();
  }

  create(): Promise<{ id: string }> {
    return Promise.resolve({ id: 'job-1' });
  }
  get(): Promise<Resource> {
    return Promise.resolve({ phase: 'SUCCEEDED' });
  }
  delete(): Promise<void> {
    return Promise.resolve();
  }
}

class ApiConnector extends SyncConnector {
  readonly spec: ConnectorSpec = { description: 'calls an API', params: {} };

  constructor(
    readonly name: string,
    readonly taskCategory: TaskCategoryInput | readonly TaskCategoryInput[],
  ) {
    super();
  }

  do(): Promise<Resource> {
    return Promise.resolve({ phase: 'SUCCEEDED' });
  }
}

const bigquerySource = 'package @org/connector-bigquery@1.2.3 (entry bigquery)';

describe('ConnectorRegistry', () => {
  it('finds a connector by name and version, defaulting the version to 0', () => {
    const registry = new ConnectorRegistry();
    const bigquery = new JobConnector('BigQuery', 'bigquery_query_job_task');
    const v2 = new JobConnector('BigQuery v2', { name: 'bigquery_query_job_task', version: 2 });
    registry.register(bigquery, bigquerySource);
    registry.register(v2, 'module ./v2.js');

    expect(registry.lookup({ name: 'bigquery_query_job_task', version: 0 })).toEqual({
      category: { name: 'bigquery_query_job_task', version: 0 },
      connector: bigquery,
      source: bigquerySource,
    });
    expect(registry.lookup({ name: 'bigquery_query_job_task', version: 2 }).connector).toBe(v2);
    expect(registry.find({ name: 'bigquery_query_job_task', version: 1 })).toBeUndefined();
  });

  it('throws ConnectorNotFoundError listing the available categories', () => {
    const registry = new ConnectorRegistry();
    registry.register(
      new JobConnector('BigQuery', ['bigquery_query_job_task', { name: 'bq', version: 3 }]),
      'a',
    );
    registry.register(new ApiConnector('OpenAI', 'chatgpt'), 'b');

    let thrown: unknown;
    try {
      registry.lookup({ name: 'snowflake', version: 0 });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConnectorNotFoundError);
    expect(ConnectorError.is(thrown) && thrown.kind).toBe('NOT_FOUND');
    expect((thrown as Error).message).toBe(
      'Cannot find connector for task type: snowflake. Available: bigquery_query_job_task, bq@v3, chatgpt.',
    );
    expect(() => registry.lookup({ name: 'bq', version: 1 })).toThrow(
      'Cannot find connector for task type: bq (version 1). Available: bigquery_query_job_task, bq@v3, chatgpt.',
    );
    expect(() => new ConnectorRegistry().lookup({ name: 'x', version: 0 })).toThrow('Available: none.');
  });

  it('rejects a category registered twice, naming both sources, and registers nothing of the rejected connector', () => {
    const registry = new ConnectorRegistry();
    registry.register(
      new JobConnector('BigQuery', 'bigquery_query_job_task'),
      'package @org/connector-bigquery',
    );
    const clash = new JobConnector('Mine', ['my_task', 'bigquery_query_job_task']);

    expect(() => registry.register(clash, 'module ./my.js')).toThrow(
      "Task category 'bigquery_query_job_task' (version 0) is registered twice: " +
        'by package @org/connector-bigquery and by module ./my.js',
    );
    expect(registry.find({ name: 'my_task', version: 0 })).toBeUndefined();
    expect(registry.size).toBe(1);
  });

  it('treats different versions of a name as different categories', () => {
    const registry = new ConnectorRegistry();
    registry.register(new JobConnector('A', { name: 't', version: 1 }), 'a');
    registry.register(new JobConnector('B', { name: 't', version: 0 }), 'b');
    expect(() => registry.register(new JobConnector('C', { name: 't', version: 1 }), 'c')).toThrow(
      "Task category 't' (version 1) is registered twice: by a and by c",
    );
  });

  it('rejects a connector that declares the same category twice', () => {
    const registry = new ConnectorRegistry();
    expect(() => registry.register(new JobConnector('A', ['t', { name: 't' }]), 'module ./a.js')).toThrow(
      "Task category 't' (version 0) is registered twice: by module ./a.js and by module ./a.js",
    );
    expect(registry.size).toBe(0);
  });

  it('rejects empty names, bad versions and connectors without categories', () => {
    const registry = new ConnectorRegistry();
    expect(() => registry.register(new JobConnector('A', ''), 's')).toThrow('empty name');
    expect(() => registry.register(new JobConnector('A', { name: 't', version: 1.5 }), 's')).toThrow(
      'version 1.5; a version is an integer',
    );
    expect(() => registry.register(new JobConnector('A', { name: 't', version: -1 }), 's')).toThrow(
      'version -1',
    );
    expect(() => registry.register(new JobConnector('A', []), 's')).toThrow('declares no task category');
  });

  it('lists connectors sharing a display name as one, with all their categories and sources', () => {
    const registry = new ConnectorRegistry();
    const query = new JobConnector('BigQuery', 'bigquery_query_job_task');
    const extract = new JobConnector('BigQuery', { name: 'bigquery_extract', version: 1 });
    const openai = new ApiConnector('OpenAI', ['chatgpt', 'openai_batch']);
    registry.register(query, bigquerySource);
    registry.register(openai, 'module ./openai.js');
    registry.register(extract, bigquerySource);

    expect(registry.listConnectors()).toEqual([
      {
        name: 'BigQuery',
        categories: [
          { name: 'bigquery_query_job_task', version: 0 },
          { name: 'bigquery_extract', version: 1 },
        ],
        isSync: false,
        sources: [bigquerySource],
        spec: query.spec,
        connectors: [query, extract],
      },
      {
        name: 'OpenAI',
        categories: [
          { name: 'chatgpt', version: 0 },
          { name: 'openai_batch', version: 0 },
        ],
        isSync: true,
        sources: ['module ./openai.js'],
        spec: openai.spec,
        connectors: [openai],
      },
    ]);
    expect(registry.connectors().map((item) => item.connector)).toEqual([query, openai, extract]);
    expect(registry.entries().map((entry) => entry.category.name)).toEqual([
      'bigquery_query_job_task',
      'chatgpt',
      'openai_batch',
      'bigquery_extract',
    ]);
  });

  it('rejects a sync and an async connector sharing a display name', () => {
    const registry = new ConnectorRegistry();
    registry.register(new JobConnector('Vendor', 'vendor_job'), 'package a');
    expect(() => registry.register(new ApiConnector('Vendor', 'vendor_api'), 'package b')).toThrow(
      "Connector name 'Vendor' is used by a sync connector from package b and by an async connector from package a",
    );
    expect(registry.find({ name: 'vendor_api', version: 0 })).toBeUndefined();
  });
});
