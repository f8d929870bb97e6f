import type { JsonValue } from '@bufbuild/protobuf';

/** The value types a connector parameter can have. */
export type ParamType = 'string' | 'number' | 'integer' | 'boolean' | 'json';

/**
 * Where a parameter's value may come from, tried in the order given.
 * - `custom`: a (dot-separated) path into `template.custom`, as the Python SDKs serialize task settings.
 * - `config`: a key of `template.config` (Flyte 1 SQL tasks keep connection fields there).
 * - `connection.secret` / `connection.config`: what a Flyte 2 client sends per request in `connection`.
 * - `env`: an environment variable of the service process.
 * - `server-secret`: a Flyte 1 deployment secret: env `_FSEC_<KEY>` or file `<secrets dir>/<key lowercased>`.
 */
export type ParamSource =
  | { readonly from: 'custom'; readonly path: string }
  | { readonly from: 'config'; readonly key: string }
  | { readonly from: 'connection.secret'; readonly key: string }
  | { readonly from: 'connection.config'; readonly key: string }
  | { readonly from: 'env'; readonly name: string }
  | { readonly from: 'server-secret'; readonly key: string };

export type ParamValue<T extends ParamType> = T extends 'string'
  ? string
  : T extends 'number' | 'integer'
    ? number
    : T extends 'boolean'
      ? boolean
      : JsonValue;

export interface ParamSpec<T extends ParamType = ParamType> {
  readonly type: T;
  readonly description: string;
  /** Create fails with INVALID_ARGUMENT naming the parameter when no source has a value. */
  readonly required?: boolean;
  readonly default?: ParamValue<T>;
  /** Secret values are redacted from logs and error messages and must never reach resource_meta. */
  readonly secret?: boolean;
  readonly sources: readonly ParamSource[];
  /**
   * Extra validation; returns a description of the problem (never containing the value) or undefined.
   * Method syntax on purpose: it lets a spec typed for one value type (see `param`) sit in a `ParamSpecs` record.
   */
  validate?(value: ParamValue<T>): string | undefined;
}

export type ParamSpecs = Readonly<Record<string, ParamSpec>>;

/** What a connector declares about itself: shown by `flyte-connect list` and checked by the acceptance kit. */
export interface ConnectorSpec<S extends ParamSpecs = ParamSpecs> {
  readonly description: string;
  readonly params: S;
}

type IsGuaranteed<P> = P extends { readonly required: true }
  ? true
  : P extends { readonly default: unknown }
    ? true
    : false;

/** The parameters as a connector receives them at create: required and defaulted ones are always present. */
export type ResolvedParams<S extends ParamSpecs> = {
  readonly [K in keyof S]: S[K] extends ParamSpec<infer T>
    ? IsGuaranteed<S[K]> extends true
      ? ParamValue<T>
      : ParamValue<T> | undefined
    : never;
};

/** Declares a connector spec with its parameter types inferred for `ctx.params`. */
export function defineSpec<const S extends ParamSpecs>(spec: ConnectorSpec<S>): ConnectorSpec<S> {
  return spec;
}

type ParamBuilder<T extends ParamType> = <const P extends Omit<ParamSpec<T>, 'type'>>(
  spec: P,
) => P & { readonly type: T };

const paramOf =
  <T extends ParamType>(type: T): ParamBuilder<T> =>
  (spec) => ({ ...spec, type });

/**
 * Typed parameter builders: `param.string({ ..., validate: (value) => ... })` types `value` as a string, which a
 * plain object literal inside `defineSpec` cannot do.
 */
export const param = {
  string: paramOf('string'),
  number: paramOf('number'),
  integer: paramOf('integer'),
  boolean: paramOf('boolean'),
  json: paramOf('json'),
} as const;
