// Wire compatibility with the real Python SDK: test/fixtures/python holds a BigQueryTask's TaskTemplate and its
// inputs as flytekit 1.16.31 (Flyte 1) serialized them (see generate.py; regenerate with the README there). The
// template bytes are read with core's task-file reader (Flyte 1 schema, converted to the Flyte 2 shape as the
// Flyte 1 service does), the LiteralMap is decoded from its wire bytes, and the task runs through the service
// on both protocols against the local BigQuery backend.
//
// What flytekit wrote (bigquery_task.json): type "bigquery_query_job_task", version 0; custom
// {Domain: "development", Location: "EU", ProjectID: "flyte-test-340607", maximumBytesBilled: "1000000000"}
// (the QueryJobConfig's `labels` are not there: flytekit merges only to_api_repr()["query"], and labels live at
// the configuration's top level); sql {statement, dialect UNDEFINED}; inputs name: STRING, version: INTEGER;
// outputs results: StructuredDataset (no format); no container.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseLiteralMap, parseTaskFile, type CreateTaskInput, type TaskTemplate } from '@org/connector-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { byName } from './support/assertions.js';
import { executionMetadata, inputs, literals, uniqueExecution } from './support/flyte.js';
import {
  datasetOutput,
  insertedConfiguration,
  metaOf,
  phaseOf,
  pollToEnd,
  startEnvironment,
  type Environment,
} from './support/service.js';

const FIXTURES = new URL('./fixtures/python/', import.meta.url);
const SQL =
  'SELECT name, version, created_at FROM `flyte-test-340607.releases.versions` ' +
  'WHERE version = @version AND name = @name LIMIT 10;';

async function fixture(name: string): Promise<Uint8Array> {
  return new Uint8Array(await readFile(fileURLToPath(new URL(name, FIXTURES))));
}

let env: Environment;
let template: TaskTemplate;
type Literal = NonNullable<CreateTaskInput['inputs'][number]['value']>;
let inputLiterals: Record<string, Literal>;
beforeAll(async () => {
  const loaded = parseTaskFile(await fixture('bigquery_task.pb'), 'bigquery_task.pb');
  expect(loaded.format).toBe('template-binary');
  template = loaded.template;
  inputLiterals = Object.fromEntries(
    parseLiteralMap(await fixture('bigquery_inputs.pb'), 'bigquery_inputs.pb').map((named) => [
      named.name,
      named.value!,
    ]),
  );
  env = await startEnvironment();
});
afterAll(async () => {
  await env?.stop();
});

function createInput(): CreateTaskInput {
  const executionName = uniqueExecution('pyfix');
  return {
    template,
    inputs: inputs(inputLiterals),
    outputPrefix: `s3://flyte-bucket/metadata/${executionName}/n0/0`,
    metadata: executionMetadata(executionName, { taskName: template.id?.name ?? '' }),
  };
}

describe('a BigQueryTask serialized by flytekit 1.16.31', () => {
  it('decodes to the template and inputs flytekit wrote', () => {
    expect(template.type).toBe('bigquery_query_job_task');
    expect(template.taskTypeVersion).toBe(0);
    expect(template.id?.name).toBe('bigquery.releases.by_version');
    expect(template.target.case === 'sql' ? template.target.value.statement : undefined).toBe(SQL);
    expect(template.custom).toEqual({
      Domain: 'development',
      Location: 'EU',
      ProjectID: 'flyte-test-340607',
      maximumBytesBilled: '1000000000',
    });
    const inputTypes = (template.interface?.inputs?.variables ?? []).map(({ key, value }) => [
      key,
      value?.type?.type,
    ]);
    expect(inputTypes).toEqual([
      ['name', { case: 'simple', value: 3 }],
      ['version', { case: 'simple', value: 1 }],
    ]);
    const outputs = template.interface?.outputs?.variables ?? [];
    expect(outputs.map(({ key, value }) => [key, value?.type?.type.case])).toEqual([
      ['results', 'structuredDatasetType'],
    ]);
    expect(inputLiterals).toEqual({ name: literals.str('x'), version: literals.int(3n) });
  });

  it.each(['v1', 'v2'] as const)('runs unchanged to SUCCEEDED (%s)', async (protocol) => {
    const client = env.client(protocol);
    const input = createInput();
    const resourceMeta = await client.create(input);
    const task = {
      category: { name: template.type, version: template.taskTypeVersion },
      resourceMeta,
      outputPrefix: input.outputPrefix,
    };

    const insert = env.backend.requestsFor('jobs.insert').at(-1);
    const reference = (insert?.body as { jobReference?: Record<string, unknown> }).jobReference;
    expect(reference).toMatchObject({ projectId: 'flyte-test-340607', location: 'EU' });
    expect(insert?.path).toContain('/projects/flyte-test-340607/jobs');
    const query = insertedConfiguration(env.backend)['query'] as Record<string, unknown>;
    expect(query).toMatchObject({
      query: SQL,
      useLegacySql: false,
      maximumBytesBilled: '1000000000',
      parameterMode: 'NAMED',
    });
    expect(byName(query['queryParameters'] as { name: string }[])).toEqual([
      { name: 'name', parameterType: { type: 'STRING' }, parameterValue: { value: 'x' } },
      { name: 'version', parameterType: { type: 'INT64' }, parameterValue: { value: '3' } },
    ]);
    expect(metaOf(resourceMeta)).toMatchObject({ project: 'flyte-test-340607', location: 'EU' });

    const resource = await pollToEnd(client, task);
    expect(phaseOf(resource)).toBe('SUCCEEDED');
    expect(datasetOutput(resource, 'results')).toMatch(/^bq:\/\/flyte-test-340607:_\w+\.anon\w+$/);
  });
});

// The same query as flyte-sdk 2.12.1 serializes it (generate_flyte2.py): `custom` also carries `useQueryCache` and
// `secrets` (the *name* of the Flyte secret holding the service-account JSON, which the Flyte 2 executor resolves
// and sends as connection.secrets.google_application_credentials); dialect ANSI; outputs results: a pandas
// DataFrame structured dataset.
describe('a BigQueryTask serialized by flyte-sdk 2.12.1', () => {
  let sdkTemplate: TaskTemplate;
  let sdkInputs: CreateTaskInput['inputs'];
  beforeAll(async () => {
    sdkTemplate = parseTaskFile(await fixture('bigquery_flyte2_task.pb'), 'bigquery_flyte2_task.pb').template;
    sdkInputs = parseLiteralMap(await fixture('bigquery_flyte2_inputs.pb'), 'bigquery_flyte2_inputs.pb');
  });

  it('decodes to the template and inputs flyte-sdk wrote', () => {
    expect(sdkTemplate.type).toBe('bigquery_query_job_task');
    expect(sdkTemplate.target.case === 'sql' ? sdkTemplate.target.value.statement : undefined).toBe(SQL);
    expect(sdkTemplate.custom).toEqual({
      Domain: 'development',
      Location: 'EU',
      ProjectID: 'flyte-test-340607',
      maximumBytesBilled: '1000000000',
      useQueryCache: false,
      secrets: { google_application_credentials: 'bq-service-account' },
    });
    expect(Object.fromEntries(sdkInputs.map(({ name, value }) => [name, value]))).toEqual({
      name: literals.str('x'),
      version: literals.int(3n),
    });
  });

  it('runs unchanged over Flyte 2; the secret names in custom stay out of the job', async () => {
    const client = env.client('v2');
    const executionName = uniqueExecution('pysdk');
    const input: CreateTaskInput = {
      template: sdkTemplate,
      inputs: sdkInputs,
      outputPrefix: `s3://flyte-bucket/metadata/${executionName}/n0/0`,
      metadata: executionMetadata(executionName, { taskName: sdkTemplate.id?.name ?? '' }),
    };
    const resourceMeta = await client.create(input);
    const query = insertedConfiguration(env.backend)['query'] as Record<string, unknown>;
    expect(query).toMatchObject({ query: SQL, maximumBytesBilled: '1000000000', useQueryCache: false });
    expect(JSON.stringify(env.backend.requestsFor('jobs.insert').at(-1)?.body)).not.toContain(
      'bq-service-account',
    );
    const resource = await pollToEnd(client, {
      category: { name: sdkTemplate.type, version: sdkTemplate.taskTypeVersion },
      resourceMeta,
      outputPrefix: input.outputPrefix,
    });
    expect(phaseOf(resource)).toBe('SUCCEEDED');
    expect(datasetOutput(resource, 'results')).toMatch(/^bq:\/\/flyte-test-340607:_\w+\.anon\w+$/);
  });
});
