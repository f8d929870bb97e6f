import type { JsonObject, JsonValue } from '@bufbuild/protobuf';
import { describe, expect, it, vi } from 'vitest';
import { ConnectorError, InvalidParameterError, MissingParameterError } from '../errors.js';
import { describeSource, resolveParams, type ParamSourceValues } from './resolve.js';
import type { ParamSource, ParamSpec, ParamSpecs } from './types.js';

const CANARY = 'canary-VALUE-42';

function sources(overrides: Partial<ParamSourceValues> = {}): ParamSourceValues {
  return {
    connectionSecrets: {},
    connectionConfigs: {},
    env: {},
    serverSecret: () => Promise.resolve(undefined),
    ...overrides,
  };
}

function param(spec: Partial<ParamSpec> & Pick<ParamSpec, 'sources'>): ParamSpec {
  return { type: 'string', description: 'a parameter', ...spec };
}

/** Every source kind, each holding its own name as value, in the order a spec lists them. */
const ALL_SOURCES: readonly ParamSource[] = [
  { from: 'custom', path: 'job.settings.value' },
  { from: 'config', key: 'value' },
  { from: 'connection.secret', key: 'value' },
  { from: 'connection.config', key: 'value' },
  { from: 'env', name: 'VALUE' },
  { from: 'server-secret', key: 'value' },
];

function fullSources(present: ReadonlySet<ParamSource['from']>): ParamSourceValues {
  const has = (from: ParamSource['from']) => present.has(from);
  return sources({
    custom: has('custom') ? { job: { settings: { value: 'from-custom' } } } : { job: { settings: {} } },
    config: has('config') ? { value: 'from-config' } : {},
    connectionSecrets: has('connection.secret') ? { value: 'from-connection-secret' } : {},
    connectionConfigs: has('connection.config') ? { value: 'from-connection-config' } : {},
    env: has('env') ? { VALUE: 'from-env' } : {},
    serverSecret: (key) =>
      Promise.resolve(has('server-secret') && key === 'value' ? 'from-server-secret' : undefined),
  });
}

async function rejection(promise: Promise<unknown>): Promise<ConnectorError> {
  try {
    await promise;
  } catch (error) {
    return error as ConnectorError;
  }
  throw new Error('expected the promise to reject');
}

describe('resolveParams: source order', () => {
  const order: [ParamSource['from'], string][] = [
    ['custom', 'from-custom'],
    ['config', 'from-config'],
    ['connection.secret', 'from-connection-secret'],
    ['connection.config', 'from-connection-config'],
    ['env', 'from-env'],
    ['server-secret', 'from-server-secret'],
  ];

  it.each(order.map((entry, index) => [entry[0], entry[1], index] as const))(
    'takes %s when no earlier source has a value',
    async (_from, expected, index) => {
      const present = new Set(order.slice(index).map(([from]) => from));
      const result = await resolveParams(
        { value: param({ sources: ALL_SOURCES }) },
        fullSources(present),
        true,
      );
      expect(result.values).toEqual({ value: expected });
    },
  );

  it('follows the declared order, not a fixed precedence', async () => {
    const reversed = [...ALL_SOURCES].reverse();
    const everything = new Set(order.map(([from]) => from));
    const result = await resolveParams(
      { value: param({ sources: reversed }) },
      fullSources(everything),
      true,
    );
    expect(result.values).toEqual({ value: 'from-server-secret' });
  });

  it('reads a dotted custom path through nested objects', async () => {
    const specs = { region: param({ sources: [{ from: 'custom', path: 'a.b.c' }] }) };
    const result = await resolveParams(specs, sources({ custom: { a: { b: { c: 'eu-west-1' } } } }), true);
    expect(result.values).toEqual({ region: 'eu-west-1' });
  });

  it('treats a custom path through a non-object, an array or a missing template as absent', async () => {
    const specs = {
      region: param({ sources: [{ from: 'custom', path: 'a.b' }], default: 'fallback' }),
    };
    for (const custom of [{ a: 'text' }, { a: ['b'] }, { a: null }, {}, undefined] as (
      JsonObject | undefined
    )[]) {
      const result = await resolveParams(specs, sources({ custom }), true);
      expect(result.values).toEqual({ region: 'fallback' });
    }
  });

  it('treats an empty string (and null from custom) as absent and moves on to the next source', async () => {
    const specs = {
      token: param({
        sources: [
          { from: 'custom', path: 'token' },
          { from: 'config', key: 'token' },
          { from: 'connection.secret', key: 'token' },
          { from: 'connection.config', key: 'token' },
          { from: 'env', name: 'TOKEN' },
          { from: 'server-secret', key: 'token' },
        ],
      }),
    };
    const result = await resolveParams(
      specs,
      sources({
        custom: { token: null },
        config: { token: '' },
        connectionSecrets: { token: '' },
        connectionConfigs: { token: '' },
        env: { TOKEN: '' },
        serverSecret: () => Promise.resolve('last-resort'),
      }),
      true,
    );
    expect(result.values).toEqual({ token: 'last-resort' });
  });

  it('does not ask for a server secret once an earlier source answered', async () => {
    const serverSecret = vi.fn(() => Promise.resolve('unused'));
    const specs = {
      token: param({
        sources: [
          { from: 'env', name: 'TOKEN' },
          { from: 'server-secret', key: 'token' },
        ],
      }),
    };
    const result = await resolveParams(specs, sources({ env: { TOKEN: 'env-token' }, serverSecret }), true);
    expect(result.values).toEqual({ token: 'env-token' });
    expect(serverSecret).not.toHaveBeenCalled();
  });

  it('passes the declared key to the server secret reader', async () => {
    const serverSecret = vi.fn((key: string) => Promise.resolve(key === 'Api_Key' ? 'k' : undefined));
    const specs = { key: param({ sources: [{ from: 'server-secret', key: 'Api_Key' }] }) };
    const result = await resolveParams(specs, sources({ serverSecret }), true);
    expect(result.values).toEqual({ key: 'k' });
    expect(serverSecret).toHaveBeenCalledWith('Api_Key');
  });
});

describe('resolveParams: defaults and required parameters', () => {
  const specs: ParamSpecs = {
    project: param({ sources: [{ from: 'env', name: 'PROJECT' }], required: true }),
    location: param({ sources: [{ from: 'env', name: 'LOCATION' }], default: 'US' }),
    optional: param({ sources: [{ from: 'env', name: 'OPTIONAL' }] }),
  };

  it('uses the default when no source has a value, and a source value over the default', async () => {
    const defaulted = await resolveParams(specs, sources({ env: { PROJECT: 'p' } }), true);
    expect(defaulted.values).toEqual({ project: 'p', location: 'US' });
    expect('optional' in defaulted.values).toBe(false);

    const given = await resolveParams(specs, sources({ env: { PROJECT: 'p', LOCATION: 'EU' } }), true);
    expect(given.values).toEqual({ project: 'p', location: 'EU' });
  });

  it('fails a missing required parameter with INVALID_ARGUMENT naming it and every place looked', async () => {
    const required = {
      project: param({
        required: true,
        sources: [
          { from: 'custom', path: 'gcp.project' },
          { from: 'env', name: 'GCP_PROJECT' },
        ],
      }),
    };
    const error = await rejection(resolveParams(required, sources({ custom: {} }), true));
    expect(error).toBeInstanceOf(MissingParameterError);
    expect(error.kind).toBe('INVALID_ARGUMENT');
    expect((error as MissingParameterError).parameter).toBe('project');
    expect(error.message).toBe(
      "Missing required parameter 'project' (looked in: template.custom.gcp.project, env GCP_PROJECT).",
    );
  });

  it('does not enforce required parameters without enforceRequired, resolving what it can', async () => {
    const result = await resolveParams(specs, sources({ env: { OPTIONAL: 'o' } }), false);
    expect(result.values).toEqual({ location: 'US', optional: 'o' });
  });

  it('lets a default satisfy a required parameter', async () => {
    const withDefault = {
      size: param({ type: 'integer', required: true, default: 10, sources: [{ from: 'env', name: 'SIZE' }] }),
    };
    const result = await resolveParams(withDefault, sources(), true);
    expect(result.values).toEqual({ size: 10 });
  });
});

describe('resolveParams: coercion and type checks', () => {
  const fromEnv = (type: ParamSpec['type']) => ({
    value: param({ type, sources: [{ from: 'env', name: 'V' }] }),
  });
  const fromCustom = (type: ParamSpec['type']) => ({
    value: param({ type, sources: [{ from: 'custom', path: 'v' }] }),
  });
  const envValue = async (type: ParamSpec['type'], text: string) =>
    (await resolveParams(fromEnv(type), sources({ env: { V: text } }), true)).values['value'];
  const customValue = async (type: ParamSpec['type'], value: JsonObject[string]) =>
    (await resolveParams(fromCustom(type), sources({ custom: { v: value } }), true)).values['value'];

  it('parses numbers and integers from text sources', async () => {
    expect(await envValue('number', '2.5')).toBe(2.5);
    expect(await envValue('number', '-3')).toBe(-3);
    expect(await envValue('integer', '42')).toBe(42);
    expect(await envValue('integer', ' 7 ')).toBe(7);
  });

  it('parses numbers from every text source, not only env', async () => {
    const specs = {
      a: param({ type: 'integer', sources: [{ from: 'config', key: 'a' }] }),
      b: param({ type: 'number', sources: [{ from: 'connection.config', key: 'b' }] }),
      c: param({ type: 'boolean', sources: [{ from: 'connection.secret', key: 'c' }] }),
      d: param({ type: 'json', sources: [{ from: 'server-secret', key: 'd' }] }),
    };
    const result = await resolveParams(
      specs,
      sources({
        config: { a: '1' },
        connectionConfigs: { b: '0.5' },
        connectionSecrets: { c: 'yes' },
        serverSecret: () => Promise.resolve('{"x":[1,2]}'),
      }),
      true,
    );
    expect(result.values).toEqual({ a: 1, b: 0.5, c: true, d: { x: [1, 2] } });
  });

  it.each([
    ['number', 'abc', 'expected a number in env V'],
    ['number', '   ', 'expected a number in env V'],
    ['number', 'Infinity', 'expected a number in env V'],
    ['integer', '1.5', 'expected an integer in env V'],
    ['integer', '9007199254740993', 'expected an integer in env V'],
    ['boolean', 'maybe', 'expected a boolean in env V'],
    ['json', '{not json', 'expected JSON in env V, but it does not parse'],
  ] as const)('refuses %s from text %j', async (type, text, problem) => {
    const error = await rejection(resolveParams(fromEnv(type), sources({ env: { V: text } }), true));
    expect(error).toBeInstanceOf(InvalidParameterError);
    expect(error.kind).toBe('INVALID_ARGUMENT');
    expect(error.message).toBe(`Invalid parameter 'value': ${problem}.`);
  });

  it('accepts the usual boolean spellings from text, case-insensitively', async () => {
    for (const text of ['true', 'TRUE', '1', 'yes', 'Yes'])
      expect(await envValue('boolean', text)).toBe(true);
    for (const text of ['false', 'False', '0', 'no', 'NO'])
      expect(await envValue('boolean', text)).toBe(false);
  });

  it('parses JSON from text sources, including scalars', async () => {
    expect(await envValue('json', '{"a":{"b":[true,null]}}')).toEqual({ a: { b: [true, null] } });
    expect(await envValue('json', '12')).toBe(12);
    expect(await envValue('json', '"quoted"')).toBe('quoted');
  });

  it('takes values from custom as they are when they already have the declared type', async () => {
    expect(await customValue('string', 'text')).toBe('text');
    expect(await customValue('number', 1.25)).toBe(1.25);
    expect(await customValue('integer', 3)).toBe(3);
    expect(await customValue('boolean', false)).toBe(false);
    expect(await customValue('json', { nested: [1, 'two'] })).toEqual({ nested: [1, 'two'] });
    // A string in custom is a JSON string value, not JSON text to parse.
    expect(await customValue('json', '{"a":1}')).toBe('{"a":1}');
  });

  it.each<[ParamSpec['type'], JsonValue, string]>([
    ['string', 5, 'expected a string in template.custom.v, found a number'],
    ['string', { a: 1 }, 'expected a string in template.custom.v, found an object'],
    ['string', [1], 'expected a string in template.custom.v, found an array'],
    ['string', true, 'expected a string in template.custom.v, found a boolean'],
    ['number', '5', 'expected a number in template.custom.v'],
    ['integer', '5', 'expected a number in template.custom.v'],
    ['integer', 2.5, 'expected an integer in template.custom.v'],
    ['boolean', 'true', 'expected a boolean in template.custom.v'],
    ['boolean', 1, 'expected a boolean in template.custom.v'],
  ])('does not coerce a custom value: %s from %j is refused', async (type, value, problem) => {
    const error = await rejection(resolveParams(fromCustom(type), sources({ custom: { v: value } }), true));
    expect(error).toBeInstanceOf(InvalidParameterError);
    expect(error.message).toBe(`Invalid parameter 'value': ${problem}.`);
  });
});

describe('resolveParams: validate hook', () => {
  it('passes the coerced value and turns a returned problem into INVALID_ARGUMENT naming the parameter', async () => {
    const validate = vi.fn((value: number) => (value > 0 ? undefined : 'must be positive'));
    const specs = {
      retries: { type: 'integer', description: 'retries', sources: [{ from: 'env', name: 'R' }], validate },
    } as unknown as ParamSpecs;

    const ok = await resolveParams(specs, sources({ env: { R: '3' } }), true);
    expect(ok.values).toEqual({ retries: 3 });
    expect(validate).toHaveBeenLastCalledWith(3);

    const error = await rejection(resolveParams(specs, sources({ env: { R: '-1' } }), true));
    expect(error).toBeInstanceOf(InvalidParameterError);
    expect(error.kind).toBe('INVALID_ARGUMENT');
    expect(error.message).toBe("Invalid parameter 'retries': must be positive.");
    expect(validate).toHaveBeenLastCalledWith(-1);
  });

  it('is not run on a default value', async () => {
    const validate = vi.fn(() => 'always wrong');
    const specs = {
      mode: param({ sources: [{ from: 'env', name: 'MODE' }], default: 'fast', validate }),
    };
    const result = await resolveParams(specs, sources(), true);
    expect(result.values).toEqual({ mode: 'fast' });
    expect(validate).not.toHaveBeenCalled();
  });
});

describe('resolveParams: secret values', () => {
  it('collects the values of secret parameters, and only those', async () => {
    const specs: ParamSpecs = {
      token: param({ secret: true, sources: [{ from: 'connection.secret', key: 'token' }] }),
      user: param({ sources: [{ from: 'connection.config', key: 'user' }] }),
      port: param({ type: 'integer', secret: true, sources: [{ from: 'env', name: 'PORT' }] }),
      key: param({ type: 'json', secret: true, sources: [{ from: 'custom', path: 'key' }] }),
      fallback: param({ secret: true, sources: [{ from: 'env', name: 'NOPE' }], default: 'default-secret' }),
      unset: param({ secret: true, sources: [{ from: 'env', name: 'UNSET' }] }),
    };
    const result = await resolveParams(
      specs,
      sources({
        connectionSecrets: { token: 'tok-123456' },
        connectionConfigs: { user: 'alice-the-user' },
        env: { PORT: '5432' },
        custom: { key: { private: 'pk-abcdef' } },
      }),
      true,
    );
    expect(result.values['port']).toBe(5432);
    // The raw text of a coerced secret is what could appear in logs, so that is what is collected.
    expect(result.secretValues).toEqual(['tok-123456', '5432', '{"private":"pk-abcdef"}', 'default-secret']);
    expect(result.secretValues).not.toContain('alice-the-user');
  });

  it('collects the original JSON text of a secret parsed from a text source', async () => {
    const specs = { sa: param({ type: 'json', secret: true, sources: [{ from: 'env', name: 'SA' }] }) };
    const text = '{ "client_email": "x@y", "private_key": "pk" }';
    const result = await resolveParams(specs, sources({ env: { SA: text } }), true);
    expect(result.values).toEqual({ sa: { client_email: 'x@y', private_key: 'pk' } });
    expect(result.secretValues).toEqual([text]);
  });
});

describe('resolveParams: error messages never contain the value', () => {
  const cases: [string, ParamSpec, ParamSourceValues][] = [
    [
      'a non-number from env',
      param({ type: 'number', sources: [{ from: 'env', name: 'V' }] }),
      sources({ env: { V: CANARY } }),
    ],
    [
      'a non-integer from config',
      param({ type: 'integer', sources: [{ from: 'config', key: 'v' }] }),
      sources({ config: { v: `1.5${CANARY}` } }),
    ],
    [
      'a non-boolean connection secret',
      param({ type: 'boolean', secret: true, sources: [{ from: 'connection.secret', key: 'v' }] }),
      sources({ connectionSecrets: { v: CANARY } }),
    ],
    [
      'unparsable JSON from a server secret',
      param({ type: 'json', secret: true, sources: [{ from: 'server-secret', key: 'v' }] }),
      sources({ serverSecret: () => Promise.resolve(`{"k":"${CANARY}"`) }),
    ],
    [
      'a custom object where a string is expected',
      param({ sources: [{ from: 'custom', path: 'v' }] }),
      sources({ custom: { v: { secret: CANARY } } }),
    ],
    [
      'a custom string where a number is expected',
      param({ type: 'number', sources: [{ from: 'custom', path: 'v' }] }),
      sources({ custom: { v: CANARY } }),
    ],
    [
      'a custom string where a boolean is expected',
      param({ type: 'boolean', sources: [{ from: 'custom', path: 'v' }] }),
      sources({ custom: { v: CANARY } }),
    ],
    [
      'a value the validate hook refuses',
      param({
        sources: [{ from: 'connection.config', key: 'v' }],
        validate: () => 'is not an allowed value',
      }),
      sources({ connectionConfigs: { v: CANARY } }),
    ],
  ];

  it.each(cases)('%s', async (_name, spec, given) => {
    const error = await rejection(resolveParams({ password: spec }, given, true));
    expect(error).toBeInstanceOf(InvalidParameterError);
    expect(ConnectorError.is(error)).toBe(true);
    expect((error as InvalidParameterError).parameter).toBe('password');
    expect(error.message).toContain("'password'");
    expect(error.message).not.toContain(CANARY);
    expect(String(error)).not.toContain(CANARY);
    expect(error.stack ?? '').not.toContain(CANARY);
    expect(error.cause).toBeUndefined();
  });
});

describe('describeSource', () => {
  it('names each kind of source the way error messages and `flyte-connect list` show it', () => {
    expect(describeSource({ from: 'custom', path: 'a.b' })).toBe('template.custom.a.b');
    expect(describeSource({ from: 'config', key: 'user' })).toBe('template.config.user');
    expect(describeSource({ from: 'connection.secret', key: 'token' })).toBe('connection.secrets.token');
    expect(describeSource({ from: 'connection.config', key: 'host' })).toBe('connection.configs.host');
    expect(describeSource({ from: 'env', name: 'HOME' })).toBe('env HOME');
    expect(describeSource({ from: 'server-secret', key: 'Api_Key' })).toBe(
      'server secret Api_Key (_FSEC_API_KEY or secrets file api_key)',
    );
  });
});
