// Wire compatibility with the real Python SDK: test/fixtures/python holds a SnowflakeTask's TaskTemplate and its
// inputs as flytekit 1.16.31 (Flyte 1) serialized them (see generate.py; regenerate with the README there). The
// template bytes are read with core's task-file reader (Flyte 1 schema, converted to the Flyte 2 shape as the
// Flyte 1 service does), the LiteralMap is decoded from its wire bytes, and the task runs through the service
// against the local Snowflake backend.
//
// What flytekit wrote (snowflake_task.json): type "snowflake", version 0; no custom; config {account, database,
// schema, user, warehouse}; sql {statement with %(name)s placeholders and a literal '10%%', dialect UNDEFINED};
// inputs limit: INTEGER, name: STRING; outputs results: StructuredDataset (no format); no container.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import {
  localExecutionMetadata,
  parseLiteralMap,
  parseTaskFile,
  type CreateTaskInput,
  type TaskTemplate,
} from '@org/connector-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  datasetOutput,
  metaOf,
  phaseOf,
  startEnvironment,
  submit,
  type Environment,
} from './support/service.js';

const FIXTURES = new URL('./fixtures/python/', import.meta.url);
const SQL = "SELECT * FROM CUSTOMER WHERE C_NAME = %(name)s AND C_COMMENT NOT LIKE '10%%' LIMIT %(limit)s";
const CONNECTION = {
  account: 'MYORG-MYACCOUNT',
  database: 'SNOWFLAKE_SAMPLE_DATA',
  schema: 'TPCH_SF1000',
  user: 'FLYTE_SVC',
  warehouse: 'COMPUTE_WH',
};

async function fixture(name: string): Promise<Uint8Array> {
  return new Uint8Array(await readFile(fileURLToPath(new URL(name, FIXTURES))));
}

let env: Environment;
let template: TaskTemplate;
type Literal = NonNullable<CreateTaskInput['inputs'][number]['value']>;
let inputLiterals: Record<string, Literal>;
beforeAll(async () => {
  const loaded = parseTaskFile(await fixture('snowflake_task.pb'), 'snowflake_task.pb');
  expect(loaded.format).toBe('template-binary');
  template = loaded.template;
  inputLiterals = Object.fromEntries(
    parseLiteralMap(await fixture('snowflake_inputs.pb'), 'snowflake_inputs.pb').map((named) => [
      named.name,
      named.value!,
    ]),
  );
  env = await startEnvironment();
});
afterAll(async () => {
  await env?.stop();
});

let executions = 0;
function createInput(secrets: Readonly<Record<string, string>> | undefined): CreateTaskInput {
  executions += 1;
  const name = `sfpy${process.pid}x${executions}`;
  return {
    template,
    inputs: Object.entries(inputLiterals).map(([key, value]) => ({
      $typeName: 'flyteidl2.task.NamedLiteral',
      name: key,
      value,
    })),
    outputPrefix: `s3://bucket/metadata/${name}/n0/0`,
    metadata: localExecutionMetadata(template, name),
    ...(secrets === undefined ? {} : { connection: { secrets: { ...secrets }, configs: {} } }),
  };
}

describe('a SnowflakeTask serialized by flytekit 1.16.31', () => {
  it('decodes to the template and inputs flytekit wrote', () => {
    expect(template.type).toBe('snowflake');
    expect(template.taskTypeVersion).toBe(0);
    expect(template.config).toEqual(CONNECTION);
    expect(template.custom).toBeUndefined();
    expect(template.target.case === 'sql' ? template.target.value.statement : undefined).toBe(SQL);
    expect((template.interface?.inputs?.variables ?? []).map(({ key }) => key).sort()).toEqual([
      'limit',
      'name',
    ]);
    expect(Object.keys(inputLiterals).sort()).toEqual(['limit', 'name']);
  });

  it.each(['v1', 'v2'] as const)('runs unchanged to SUCCEEDED (%s)', async (protocol) => {
    const client = env.client(protocol);
    const task = await submit(client, createInput(env.secretsFor(protocol)));
    const meta = metaOf(task.resourceMeta);
    expect(meta).toMatchObject({ ...CONNECTION, has_output: true });
    const query = env.backend.queries.get(meta.query_id)!;
    expect(query.sqlText).toBe(
      "SELECT * FROM CUSTOMER WHERE C_NAME = ? AND C_COMMENT NOT LIKE '10%' LIMIT ?",
    );
    expect(query.bindings).toEqual({
      '1': { type: 'TEXT', value: 'x' },
      '2': { type: 'FIXED', value: '3' },
    });
    expect(query.session).toMatchObject({
      account: CONNECTION.account,
      database: CONNECTION.database,
      schema: CONNECTION.schema,
      warehouse: CONNECTION.warehouse,
    });

    env.backend.set(meta.query_id, 'SUCCESS');
    const done = await client.get(task);
    expect(phaseOf(done)).toBe('SUCCEEDED');
    const { user, account, warehouse, database, schema } = CONNECTION;
    expect(datasetOutput(done, 'results')).toBe(
      protocol === 'v1'
        ? `snowflake://${user}:${account}/${warehouse}/${database}/${schema}/${meta.query_id}`
        : `snowflake://${user}/${account}/${warehouse}/${database}/${schema}/${meta.query_id}`,
    );
  });
});
