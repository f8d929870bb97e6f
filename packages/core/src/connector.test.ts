import { describe, expect, it } from 'vitest';
import {
  AsyncConnector,
  formatTaskCategory,
  isConnector,
  isSyncConnector,
  SyncConnector,
  taskCategoriesOf,
  type Connector,
} from './connector.js';
import { jsonMetaCodec } from './meta-codec.js';
import type { Resource } from './resource.js';
import type { ConnectorSpec } from './spec/types.js';

class JobConnector extends AsyncConnector<{ id: string }> {
  readonly metaCodec = jsonMetaCodec((value) => value as { id: string });
  readonly spec: ConnectorSpec = { description: 'runs jobs', params: {} };
  readonly taskCategory = 'job_task';

  constructor(readonly name: string) {
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
  readonly taskCategory = 'api_task';

  constructor(readonly name: string) {
    super();
  }

  do(): Promise<Resource> {
    return Promise.resolve({ phase: 'SUCCEEDED' });
  }
}

/**
 * A connector built by another copy of core (a connector package with its own node_modules): not an instance of
 * this copy's classes, recognised only by the registered symbol.
 */
function foreignConnector(kind: unknown): Connector {
  return {
    [Symbol.for('@org/connector-core/Connector')]: kind,
    name: 'foreign',
    taskCategory: 'foreign_task',
    spec: { description: 'from another copy', params: {} },
    do: () => Promise.resolve({ phase: 'SUCCEEDED' }),
  } as unknown as Connector;
}

describe('isConnector', () => {
  it('recognises instances of AsyncConnector and SyncConnector', () => {
    expect(isConnector(new JobConnector('job'))).toBe(true);
    expect(isConnector(new ApiConnector('api'))).toBe(true);
  });

  it('recognises a connector from another copy of core by its brand', () => {
    const async = foreignConnector('async');
    const sync = foreignConnector('sync');
    expect(async).not.toBeInstanceOf(AsyncConnector);
    expect(isConnector(async)).toBe(true);
    expect(isConnector(sync)).toBe(true);
    expect(isSyncConnector(sync)).toBe(true);
    expect(isSyncConnector(async)).toBe(false);
  });

  it('refuses values without a valid brand', () => {
    expect(isConnector(foreignConnector('other'))).toBe(false);
    expect(isConnector(foreignConnector(true))).toBe(false);
    expect(isConnector({ [Symbol('@org/connector-core/Connector')]: 'async' })).toBe(false);
    expect(isConnector({ name: 'x', taskCategory: 'y', create() {}, get() {}, delete() {} })).toBe(false);
    expect(isConnector(null)).toBe(false);
    expect(isConnector(undefined)).toBe(false);
    expect(isConnector('async')).toBe(false);
    expect(isConnector(JobConnector)).toBe(false);
  });

  it('tells sync from async connectors', () => {
    expect(isSyncConnector(new ApiConnector('api'))).toBe(true);
    expect(isSyncConnector(new JobConnector('job'))).toBe(false);
  });
});

describe('taskCategoriesOf / formatTaskCategory', () => {
  it('normalises a task type name to version 0', () => {
    expect(taskCategoriesOf({ taskCategory: 'bigquery_query_job_task' })).toEqual([
      { name: 'bigquery_query_job_task', version: 0 },
    ]);
  });

  it('normalises a category object and a list, defaulting the version to 0', () => {
    expect(taskCategoriesOf({ taskCategory: { name: 'sensor' } })).toEqual([{ name: 'sensor', version: 0 }]);
    expect(taskCategoriesOf({ taskCategory: ['a', { name: 'b', version: 2 }, { name: 'c' }] })).toEqual([
      { name: 'a', version: 0 },
      { name: 'b', version: 2 },
      { name: 'c', version: 0 },
    ]);
  });

  it('formats version 0 as the bare name and other versions with @v', () => {
    expect(formatTaskCategory({ name: 'spark', version: 0 })).toBe('spark');
    expect(formatTaskCategory({ name: 'spark', version: 3 })).toBe('spark@v3');
  });
});
