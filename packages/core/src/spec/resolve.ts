import type { JsonObject, JsonValue } from '@bufbuild/protobuf';
import { InvalidParameterError, MissingParameterError } from '../errors.js';
import type { ParamSource, ParamSpecs, ParamType, ParamValue } from './types.js';

/** Everything a parameter can be read from during one call. Template parts are absent after create. */
export interface ParamSourceValues {
  readonly custom?: JsonObject | undefined;
  readonly config?: Readonly<Record<string, string>> | undefined;
  readonly connectionSecrets: Readonly<Record<string, string>>;
  readonly connectionConfigs: Readonly<Record<string, string>>;
  readonly env: NodeJS.ProcessEnv;
  readonly serverSecret: (key: string) => Promise<string | undefined>;
}

export interface ResolvedParamSet {
  readonly values: Record<string, unknown>;
  /** Values of secret parameters as strings, so that logs and messages of this call can redact them. */
  readonly secretValues: string[];
}

/**
 * Resolves a connector's parameters from their sources in declared order. With `enforceRequired` (create), a
 * missing required parameter is an INVALID_ARGUMENT naming it; otherwise (get/delete, which carry no template)
 * whatever can be resolved is returned. Messages name the parameter and never contain its value.
 */
export async function resolveParams(
  specs: ParamSpecs,
  sources: ParamSourceValues,
  enforceRequired: boolean,
): Promise<ResolvedParamSet> {
  const values: Record<string, unknown> = {};
  const secretValues: string[] = [];
  for (const [name, spec] of Object.entries(specs)) {
    const raw = await firstValue(spec.sources, sources);
    let value: unknown;
    if (raw === undefined) {
      if (spec.default !== undefined) value = spec.default;
      else if (spec.required === true && enforceRequired)
        throw new MissingParameterError(name, spec.sources.map(describeSource));
      else continue;
    } else {
      value = coerce(name, spec.type, raw.value, raw.source);
      const problem = spec.validate?.(value as ParamValue<ParamType>);
      if (problem !== undefined) throw new InvalidParameterError(name, problem);
    }
    values[name] = value;
    if (spec.secret === true) {
      if (raw !== undefined && typeof raw.value === 'string') secretValues.push(raw.value);
      else if (typeof value === 'string') secretValues.push(value);
      else secretValues.push(JSON.stringify(value));
    }
  }
  return { values, secretValues };
}

export function describeSource(source: ParamSource): string {
  switch (source.from) {
    case 'custom':
      return `template.custom.${source.path}`;
    case 'config':
      return `template.config.${source.key}`;
    case 'connection.secret':
      return `connection.secrets.${source.key}`;
    case 'connection.config':
      return `connection.configs.${source.key}`;
    case 'env':
      return `env ${source.name}`;
    case 'server-secret':
      return `server secret ${source.key} (_FSEC_${source.key.toUpperCase()} or secrets file ${source.key.toLowerCase()})`;
  }
}

interface RawValue {
  readonly value: JsonValue;
  readonly source: ParamSource;
}

async function firstValue(
  list: readonly ParamSource[],
  sources: ParamSourceValues,
): Promise<RawValue | undefined> {
  for (const source of list) {
    const value = await read(source, sources);
    if (value !== undefined && value !== null && value !== '') return { value, source };
  }
  return undefined;
}

async function read(source: ParamSource, sources: ParamSourceValues): Promise<JsonValue | undefined> {
  switch (source.from) {
    case 'custom':
      return readPath(sources.custom, source.path);
    case 'config':
      return sources.config?.[source.key];
    case 'connection.secret':
      return sources.connectionSecrets[source.key];
    case 'connection.config':
      return sources.connectionConfigs[source.key];
    case 'env':
      return sources.env[source.name];
    case 'server-secret':
      return sources.serverSecret(source.key);
  }
}

function readPath(object: JsonObject | undefined, path: string): JsonValue | undefined {
  let current: JsonValue | undefined = object;
  for (const segment of path.split('.')) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    if (!Object.hasOwn(current, segment)) return undefined;
    current = current[segment];
  }
  return current;
}

/** Values from string sources (env, files, string maps) are parsed; values from `custom` must already fit. */
function coerce(name: string, type: ParamType, value: JsonValue, source: ParamSource): unknown {
  const fromText = typeof value === 'string' && source.from !== 'custom';
  switch (type) {
    case 'string':
      if (typeof value === 'string') return value;
      throw new InvalidParameterError(
        name,
        `expected a string in ${describeSource(source)}, found ${kindOf(value)}`,
      );
    case 'number':
    case 'integer': {
      const number = fromText ? Number(value) : value;
      if (typeof number !== 'number' || !Number.isFinite(number) || (fromText && value.trim() === '')) {
        throw new InvalidParameterError(name, `expected a number in ${describeSource(source)}`);
      }
      if (type === 'integer' && !Number.isSafeInteger(number)) {
        throw new InvalidParameterError(name, `expected an integer in ${describeSource(source)}`);
      }
      return number;
    }
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (fromText && /^(true|1|yes)$/i.test(value)) return true;
      if (fromText && /^(false|0|no)$/i.test(value)) return false;
      throw new InvalidParameterError(name, `expected a boolean in ${describeSource(source)}`);
    case 'json':
      if (!fromText) return value;
      try {
        return JSON.parse(value) as JsonValue;
      } catch {
        throw new InvalidParameterError(
          name,
          `expected JSON in ${describeSource(source)}, but it does not parse`,
        );
      }
  }
}

function kindOf(value: JsonValue): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
