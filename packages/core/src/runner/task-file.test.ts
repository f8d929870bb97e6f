import { create, toBinary, toJson, toJsonString } from '@bufbuild/protobuf';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { describe, expect, it } from 'vitest';
import { TaskTemplateSchema as V1TaskTemplateSchema } from '../gen/v1/flyteidl/core/tasks_pb.js';
import { SimpleType as V1SimpleType } from '../gen/v1/flyteidl/core/types_pb.js';
import { TaskTemplateSchema } from '../gen/v2/flyteidl2/core/tasks_pb.js';
import { parseTaskFile } from './task-file.js';

const text = (s: string) => new TextEncoder().encode(s);

/** A Flyte 1 TaskTemplate as flytekit would serialize it. */
function v1Template() {
  return create(V1TaskTemplateSchema, {
    id: { resourceType: 1, project: 'flytesnacks', domain: 'development', name: 'wf.bq_task', version: 'v7' },
    type: 'bigquery_query_job_task',
    taskTypeVersion: 1,
    custom: { Location: 'EU', ProjectID: 'my-project' },
    interface: {
      inputs: { variables: { ds: { type: { type: { case: 'simple', value: V1SimpleType.STRING } } } } },
      outputs: {
        variables: {
          results: { type: { type: { case: 'structuredDatasetType', value: { format: 'parquet' } } } },
        },
      },
    },
    target: { case: 'sql', value: { statement: 'SELECT 1', dialect: 1 } },
    config: { a: 'b' },
  });
}

function expectBigQueryTemplate(parsed: ReturnType<typeof parseTaskFile>) {
  const t = parsed.template;
  expect(t.type).toBe('bigquery_query_job_task');
  expect(t.taskTypeVersion).toBe(1);
  expect(t.id?.name).toBe('wf.bq_task');
  expect(t.custom).toEqual({ Location: 'EU', ProjectID: 'my-project' });
  expect(t.config).toEqual({ a: 'b' });
  expect(t.target.case).toBe('sql');
  // Flyte 1's interface map became Flyte 2's list of entries.
  expect(t.interface?.inputs?.variables.map((v) => [v.key, v.value?.type?.type.case])).toEqual([
    ['ds', 'simple'],
  ]);
  expect(t.interface?.outputs?.variables[0]?.key).toBe('results');
}

describe('parseTaskFile: serialized TaskTemplates', () => {
  it('reads a binary Flyte 1 TaskTemplate (by extension and by content)', () => {
    const bytes = toBinary(V1TaskTemplateSchema, v1Template());
    for (const name of ['task.pb', 'task']) {
      const parsed = parseTaskFile(bytes, name);
      expect(parsed.format).toBe('template-binary');
      expectBigQueryTemplate(parsed);
    }
  });

  it('reads a binary admin TaskSpec (pyflyte serialize output), with or without a description', () => {
    const template = toBinary(V1TaskTemplateSchema, v1Template());
    const description = new BinaryWriter().tag(1, WireType.LengthDelimited).string('Runs a query.').finish();
    const withDescription = new BinaryWriter()
      .tag(1, WireType.LengthDelimited)
      .bytes(template)
      .tag(2, WireType.LengthDelimited)
      .bytes(description)
      .finish();
    const bare = new BinaryWriter().tag(1, WireType.LengthDelimited).bytes(template).finish();
    for (const bytes of [withDescription, bare]) {
      const parsed = parseTaskFile(bytes, '0_wf.bq_task_1.pb');
      expect(parsed.format).toBe('task-spec-binary');
      expectBigQueryTemplate(parsed);
    }
  });

  it('reads a TaskTemplate in proto JSON: Flyte 1 (JSON or proto names), Flyte 2, or wrapped in a TaskSpec', () => {
    const v1 = v1Template();
    const camel = toJsonString(V1TaskTemplateSchema, v1);
    const snake = toJsonString(V1TaskTemplateSchema, v1, { useProtoFieldName: true });
    expect(snake).toContain('task_type_version');
    const v2 = toJsonString(
      TaskTemplateSchema,
      parseTaskFile(toBinary(V1TaskTemplateSchema, v1), 't.pb').template,
    );
    const spec = JSON.stringify({ template: toJson(V1TaskTemplateSchema, v1) });
    for (const json of [camel, snake, v2, spec]) {
      const parsed = parseTaskFile(text(json), 'task.json');
      expect(parsed.format).toBe('template-json');
      expectBigQueryTemplate(parsed);
    }
  });

  it('refuses bytes that are no TaskTemplate', () => {
    expect(() => parseTaskFile(new Uint8Array([0x08, 0x96, 0x01, 0xff, 0xff]), 'junk.pb')).toThrow(
      /not a serialized flyteidl.core.TaskTemplate/,
    );
    expect(() => parseTaskFile(text('{"interface": {"inputs": 3}}'), 't.json')).toThrow(/not a TaskTemplate/);
  });
});

describe('parseTaskFile: the compact task file', () => {
  it('builds a template from YAML', () => {
    const yaml = [
      'type: bigquery_query_job_task',
      'version: 1',
      'custom: { Location: EU, Nested: { n: 1 } }',
      'config: { retries: 3 }',
      'sql: SELECT * FROM t WHERE x = {{ .inputs.x }}',
      'inputs: { x: integer, tags: list<string> }',
      'outputs: { results: structured_dataset(parquet) }',
    ].join('\n');
    const { template, format } = parseTaskFile(text(yaml), 'task.yaml');
    expect(format).toBe('task-file');
    expect(toJson(TaskTemplateSchema, template)).toEqual({
      id: {
        resourceType: 'TASK',
        project: 'local',
        domain: 'development',
        name: 'bigquery_query_job_task',
        version: 'local',
      },
      type: 'bigquery_query_job_task',
      taskTypeVersion: 1,
      custom: { Location: 'EU', Nested: { n: 1 } },
      config: { retries: '3' },
      sql: { statement: 'SELECT * FROM t WHERE x = {{ .inputs.x }}', dialect: 'ANSI' },
      interface: {
        inputs: {
          variables: [
            { key: 'x', value: { type: { simple: 'INTEGER' }, description: 'x' } },
            { key: 'tags', value: { type: { collectionType: { simple: 'STRING' } }, description: 'tags' } },
          ],
        },
        outputs: {
          variables: [
            {
              key: 'results',
              value: { type: { structuredDatasetType: { format: 'parquet' } }, description: 'results' },
            },
          ],
        },
      },
    });
  });

  it('reads the same from JSON, with defaults', () => {
    const { template } = parseTaskFile(
      text('{"type": "test_job", "sql": {"statement": "q", "dialect": "hive"}}'),
      'x',
    );
    expect(template.taskTypeVersion).toBe(0);
    expect(template.target).toMatchObject({ case: 'sql', value: { statement: 'q', dialect: 2 } });
  });

  it('explains mistakes', () => {
    expect(() => parseTaskFile(text('type: t\nversoin: 1'), 't.yaml')).toThrow(/unknown key\(s\) 'versoin'/);
    expect(() => parseTaskFile(text('version: 1'), 't.yaml')).toThrow(/'type'.*is required/);
    expect(() => parseTaskFile(text('type: t\nversion: -1'), 't.yaml')).toThrow(/non-negative integer/);
    expect(() => parseTaskFile(text('type: t\ninputs: { x: integr }'), 't.yaml')).toThrow(
      /inputs\.x: invalid type/,
    );
    expect(() => parseTaskFile(text('type: t\nconfig: { a: [1] }'), 't.yaml')).toThrow(
      /config\.a: expected a string/,
    );
    expect(() => parseTaskFile(text('- a\n- b'), 't.yaml')).toThrow(/expected a mapping/);
    expect(() => parseTaskFile(text('type: [unclosed'), 't.yaml')).toThrow(/neither valid YAML nor JSON/);
  });
});
