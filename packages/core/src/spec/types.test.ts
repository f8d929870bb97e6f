import { describe, expect, expectTypeOf, it } from 'vitest';
import { resolveParams } from './resolve.js';
import { defineSpec, param, type ResolvedParams } from './types.js';

const spec = defineSpec({
  description: 'A spec built with the typed parameter builders.',
  params: {
    region: param.string({
      description: 'Region',
      required: true,
      sources: [{ from: 'custom', path: 'region' }],
      // `value` is a string here: the builder types it.
      validate: (value) => (value.startsWith('us-') ? undefined : 'expected a us-* region'),
    }),
    retries: param.integer({
      description: 'Retries',
      default: 3,
      sources: [{ from: 'custom', path: 'retries' }],
      validate: (value) => (value < 0 ? 'must not be negative' : undefined),
    }),
    verbose: { type: 'boolean', description: 'Verbose', sources: [{ from: 'env', name: 'VERBOSE' }] },
  },
});

const sources = (custom: Record<string, string | number>) => ({
  custom,
  connectionSecrets: {},
  connectionConfigs: {},
  env: {},
  serverSecret: () => Promise.resolve(undefined),
});

describe('param builders', () => {
  it('type ctx.params from the builders: required and defaulted values are always present', () => {
    expectTypeOf<ResolvedParams<typeof spec.params>>().toEqualTypeOf<{
      readonly region: string;
      readonly retries: number;
      readonly verbose: boolean | undefined;
    }>();
  });

  it('keep the declared type and run the typed validator during resolution', async () => {
    expect(spec.params.region.type).toBe('string');
    expect(spec.params.retries.type).toBe('integer');
    await expect(resolveParams(spec.params, sources({ region: 'us-east1' }), true)).resolves.toMatchObject({
      values: { region: 'us-east1', retries: 3 },
    });
    await expect(resolveParams(spec.params, sources({ region: 'eu-west1' }), true)).rejects.toThrow(
      "Invalid parameter 'region': expected a us-* region.",
    );
    await expect(
      resolveParams(spec.params, sources({ region: 'us-east1', retries: -1 }), true),
    ).rejects.toThrow("Invalid parameter 'retries': must not be negative.");
  });
});
