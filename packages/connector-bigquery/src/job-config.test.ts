import { describe, expect, it } from 'vitest';
import { jobConfiguration, readJobSettings } from './job-config.js';

describe('readJobSettings', () => {
  it('reads the QueryJobConfig fields flytekit merges into custom, filling project ids', () => {
    const settings = readJobSettings(
      {
        ProjectID: 'p',
        Location: 'US',
        Domain: 'development',
        destinationTable: { datasetId: 'd', tableId: 't' },
        defaultDataset: { projectId: 'other', datasetId: 'ds' },
        writeDisposition: 'write_append',
        createDisposition: 'CREATE_NEVER',
        priority: 'BATCH',
        maximumBytesBilled: 1000000000,
        useQueryCache: false,
        clustering: { fields: ['a'] },
        schemaUpdateOptions: ['ALLOW_FIELD_ADDITION'],
        labels: { team: 'data' },
        dryRun: false,
        jobTimeoutMs: '60000',
        somethingNew: 1,
        Location2: null,
      },
      'p',
    );
    expect(settings.query).toEqual({
      destinationTable: { projectId: 'p', datasetId: 'd', tableId: 't' },
      defaultDataset: { projectId: 'other', datasetId: 'ds' },
      writeDisposition: 'WRITE_APPEND',
      createDisposition: 'CREATE_NEVER',
      priority: 'BATCH',
      maximumBytesBilled: '1000000000',
      useQueryCache: false,
      clustering: { fields: ['a'] },
      schemaUpdateOptions: ['ALLOW_FIELD_ADDITION'],
    });
    expect(settings.labels).toEqual({ team: 'data' });
    expect(settings.jobTimeoutMs).toBe('60000');
    expect(settings.ignored).toEqual(['somethingNew']);
  });

  it.each([
    [{ writeDisposition: 'OVERWRITE' }, /custom.writeDisposition: expected one of WRITE_TRUNCATE/],
    [{ destinationTable: 'p.d.t' }, /custom.destinationTable: expected an object with datasetId and tableId/],
    [{ maximumBytesBilled: -1 }, /custom.maximumBytesBilled/],
    [{ useQueryCache: 'no' }, /custom.useQueryCache: expected true or false/],
    [{ parameterMode: 'POSITIONAL' }, /only NAMED parameters/],
    [
      { queryParameters: [{ parameterType: { type: 'INT64' } }] },
      /positional \(unnamed\) parameters are not supported/,
    ],
    [
      { queryParameters: [{ name: 'a' }] },
      /queryParameters\[0\].parameterType: expected an object with a type name/,
    ],
  ])('refuses %j with INVALID_ARGUMENT naming the field', (custom, message) => {
    expect(() => readJobSettings(custom, 'p')).toThrow(message);
  });

  it('reads declared query parameters as flytekit writes them (nested types, null values)', () => {
    const { declaredParameters } = readJobSettings(
      {
        queryParameters: [
          { name: 'amount', parameterType: { type: 'NUMERIC' }, parameterValue: { value: null } },
          {
            name: 'point',
            parameterType: { type: 'STRUCT', structTypes: [{ name: 'x', type: { type: 'INT64' } }] },
          },
          {
            name: 'ids',
            parameterType: { type: 'ARRAY', arrayType: { type: 'INT64' } },
            parameterValue: { arrayValues: [] },
          },
        ],
      },
      'p',
    );
    expect(declaredParameters).toEqual([
      { name: 'amount', parameterType: { type: 'NUMERIC' }, parameterValue: { value: null } },
      {
        name: 'point',
        parameterType: { type: 'STRUCT', structTypes: [{ name: 'x', type: { type: 'INT64' } }] },
        parameterValue: {},
      },
      {
        name: 'ids',
        parameterType: { type: 'ARRAY', arrayType: { type: 'INT64' } },
        parameterValue: { arrayValues: [] },
      },
    ]);
  });
});

describe('jobConfiguration', () => {
  it('defaults to GoogleSQL and names the parameter mode only when there are parameters', () => {
    const settings = readJobSettings({ ProjectID: 'p' }, 'p');
    expect(jobConfiguration(settings, 'SELECT 1', [], { a: 'b' })).toEqual({
      jobType: 'QUERY',
      query: { useLegacySql: false, query: 'SELECT 1' },
      labels: { a: 'b' },
    });
    const parameter = { name: 'x', parameterType: { type: 'INT64' }, parameterValue: { value: '1' } };
    expect(jobConfiguration(settings, 'SELECT @x', [parameter], {}).query).toEqual({
      useLegacySql: false,
      query: 'SELECT @x',
      parameterMode: 'NAMED',
      queryParameters: [parameter],
    });
  });
});
