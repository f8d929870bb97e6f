// Tasks laid out exactly as the Python SDKs serialize them run unchanged.
//
// flytekit (Flyte 1), flytekitplugins-bigquery `BigQueryTask`:
//   get_custom():  {"Location": cfg.Location, "ProjectID": cfg.ProjectID, "Domain": settings.domain}
//                  + cfg.QueryJobConfig.to_api_repr()["query"]   (merged at the top level)
//                  → Struct → json_format.MessageToDict
//   get_sql():     Sql(statement=query_template, dialect=ANSI)
//   interface:     inputs from `inputs=kwtypes(...)`, outputs {"results": StructuredDataset} when
//                  `output_structured_dataset_type` is set
//   type "bigquery_query_job_task", task_type_version 0, metadata.runtime {FLYTE_SDK, <version>, "python"}
// flyte-sdk (Flyte 2), flyteplugins-bigquery: the same custom, plus {"secrets": {"google_application_credentials":
// <secret name>}} when the task names a credentials secret; the executor sends the secret's value in
// connection.secrets under that key. Options left as None arrive as JSON null.
//
// The templates below were written from those serializers (this machine cannot install the Python SDKs); the
// input literals are what flytekit's TypeEngine produces for int, float, str, bool, datetime and list[int].
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { byName } from './support/assertions.js';
import { literals, types, type BigQueryTaskSpec } from './support/flyte.js';
import {
  datasetOutput,
  insertedConfiguration,
  metaOf,
  phaseOf,
  pollToEnd,
  startEnvironment,
  submit,
  type Environment,
} from './support/service.js';

type TaskMetadata = NonNullable<BigQueryTaskSpec['metadata']>;

/** TaskMetadata as flytekit writes it for a task without cache, retries or timeout settings. */
function flytekitMetadata(): TaskMetadata {
  return {
    $typeName: 'flyteidl2.core.TaskMetadata',
    discoverable: false,
    runtime: { $typeName: 'flyteidl2.core.RuntimeMetadata', type: 1, version: '1.16.1', flavor: 'python' },
    retries: { $typeName: 'flyteidl2.core.RetryStrategy', retries: 0 },
    discoveryVersion: '',
    deprecatedErrorMessage: '',
    interruptibleValue: { case: undefined },
    cacheSerializable: false,
    tags: {},
    podTemplateName: '',
    cacheIgnoreInputVars: [],
    isEager: false,
    debuggable: false,
    logLinks: [],
    isEntrypoint: false,
    codeBundleUri: '',
  };
}

// flytekit docs example, with a QueryJobConfig:
//   BigQueryTask(
//     name="bigquery.doge_coin",
//     inputs=kwtypes(version=int),
//     query_template="SELECT * FROM `bigquery-public-data.crypto_dogecoin.transactions` WHERE version = @version LIMIT 10;",
//     output_structured_dataset_type=StructuredDataset,
//     task_config=BigQueryConfig(ProjectID="flyte-test-340607", Location="US", QueryJobConfig=bigquery.QueryJobConfig(
//       destination="flyte-test-340607.dogecoin.results", write_disposition="WRITE_TRUNCATE",
//       maximum_bytes_billed=10**9, priority="BATCH", use_query_cache=False)))
const FLYTEKIT_TASK: BigQueryTaskSpec = {
  taskName: 'bigquery.doge_coin',
  sql: 'SELECT * FROM `bigquery-public-data.crypto_dogecoin.transactions` WHERE version = @version LIMIT 10;',
  custom: {
    Location: 'US',
    ProjectID: 'flyte-test-340607',
    Domain: 'development',
    destinationTable: { projectId: 'flyte-test-340607', datasetId: 'dogecoin', tableId: 'results' },
    writeDisposition: 'WRITE_TRUNCATE',
    maximumBytesBilled: '1000000000',
    priority: 'BATCH',
    useQueryCache: false,
  },
  inputs: { version: types.simple('INTEGER') },
  outputs: { results: types.dataset() },
  metadata: flytekitMetadata(),
};

// flyte-sdk:
//   BigQueryTask(name="daily_sales", query_template=..., plugin_config=BigQueryConfig(ProjectID="analytics-prod"),
//     inputs={"since": datetime, "min_total": float, "region": str, "include_refunds": bool, "store_ids": list[int]},
//     output_dataframe_type=DataFrame, google_application_credentials="bq-key")
const FLYTE_SDK_TASK: BigQueryTaskSpec = {
  taskName: 'sales.daily_sales',
  sql:
    'SELECT store_id, SUM(total) AS total FROM sales.orders WHERE created_at >= @since AND total >= @min_total ' +
    'AND region = @region AND (@include_refunds OR NOT refunded) AND store_id IN UNNEST(@store_ids) GROUP BY store_id',
  custom: {
    Location: null,
    ProjectID: 'analytics-prod',
    Domain: 'production',
    secrets: { google_application_credentials: 'bq-key' },
  },
  inputs: {
    since: types.simple('DATETIME'),
    min_total: types.simple('FLOAT'),
    region: types.simple('STRING'),
    include_refunds: types.simple('BOOLEAN'),
    store_ids: types.list(types.simple('INTEGER')),
  },
  outputs: { results: types.dataset('parquet') },
};

let env: Environment;
beforeAll(async () => {
  env = await startEnvironment();
});
afterAll(async () => {
  await env?.stop();
});

describe('tasks serialized by the Python SDKs', () => {
  it.each(['v1', 'v2'] as const)(
    'flytekit BigQueryTask with a QueryJobConfig runs unchanged (%s)',
    async (protocol) => {
      const client = env.client(protocol);
      const task = await submit(client, FLYTEKIT_TASK, { inputs: { version: literals.int(10n) } });
      const configuration = insertedConfiguration(env.backend);
      expect(configuration['query']).toEqual({
        useLegacySql: false,
        query: FLYTEKIT_TASK.sql,
        destinationTable: { projectId: 'flyte-test-340607', datasetId: 'dogecoin', tableId: 'results' },
        writeDisposition: 'WRITE_TRUNCATE',
        maximumBytesBilled: '1000000000',
        priority: 'BATCH',
        useQueryCache: false,
        parameterMode: 'NAMED',
        queryParameters: [
          { name: 'version', parameterType: { type: 'INT64' }, parameterValue: { value: '10' } },
        ],
      });
      expect(metaOf(task.resourceMeta)).toMatchObject({ project: 'flyte-test-340607', location: 'US' });
      const resource = await pollToEnd(client, task);
      expect(phaseOf(resource)).toBe('SUCCEEDED');
      expect(datasetOutput(resource, 'results')).toBe('bq://flyte-test-340607:dogecoin.results');
      expect(resource.logLinks[0]?.uri).toBe(
        `https://console.cloud.google.com/bigquery?project=flyte-test-340607&j=bq:US:${String(metaOf(task.resourceMeta)['jobId'])}&page=queryresults`,
      );
    },
  );

  it('flyte-sdk BigQueryTask with a credentials secret and no location runs unchanged (v2)', async () => {
    const client = env.client('v2');
    const since = new Date(Date.UTC(2026, 0, 31, 23, 0, 0));
    const task = await submit(client, FLYTE_SDK_TASK, {
      inputs: {
        since: literals.datetime(since),
        min_total: literals.float(19.99),
        region: literals.str('emea'),
        include_refunds: literals.bool(false),
        store_ids: literals.list([literals.int(7n), literals.int(12n)]),
      },
      secrets: { google_application_credentials: env.requestAccount.json },
    });
    const query = insertedConfiguration(env.backend)['query'] as Record<string, unknown>;
    expect(byName(query['queryParameters'] as { name: string }[])).toEqual([
      { name: 'include_refunds', parameterType: { type: 'BOOL' }, parameterValue: { value: 'false' } },
      { name: 'min_total', parameterType: { type: 'FLOAT64' }, parameterValue: { value: '19.99' } },
      { name: 'region', parameterType: { type: 'STRING' }, parameterValue: { value: 'emea' } },
      {
        name: 'since',
        parameterType: { type: 'DATETIME' },
        parameterValue: { value: '2026-01-31T23:00:00.000000' },
      },
      {
        name: 'store_ids',
        parameterType: { type: 'ARRAY', arrayType: { type: 'INT64' } },
        parameterValue: { arrayValues: [{ value: '7' }, { value: '12' }] },
      },
    ]);
    const jobId = metaOf(task.resourceMeta)['jobId'] as string;
    // No Location: BigQuery chose one (the backend's US), and resource_meta keeps what it chose.
    expect(metaOf(task.resourceMeta)).toEqual({ jobId, project: 'analytics-prod', location: 'US' });
    expect(env.backend.job(jobId)?.principal).toBe(env.requestAccount.email);
    const resource = await pollToEnd(client, task);
    expect(phaseOf(resource)).toBe('SUCCEEDED');
    expect(datasetOutput(resource, 'results')).toMatch(/^bq:\/\/analytics-prod:_\w+\.anon\w+$/);
  });
});
