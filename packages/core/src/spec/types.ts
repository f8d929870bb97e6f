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
  | {
      /** A task setting in `template.custom`. */
      readonly from: 'custom';
      /** Dot-separated path into `template.custom`, e.g. `chatgpt_config.model`. */
      readonly path: string;
    }
  | {
      /** A key of `template.config`. */
      readonly from: 'config';
      /** The key, e.g. `warehouse`. */
      readonly key: string;
    }
  | {
      /** A Flyte 2 per-request secret. */
      readonly from: 'connection.secret';
      /** The key in `connection.secrets`. */
      readonly key: string;
    }
  | {
      /** A Flyte 2 per-request setting. */
      readonly from: 'connection.config';
      /** The key in `connection.configs`. */
      readonly key: string;
    }
  | {
      /** An environment variable of the service process (an operator setting). */
      readonly from: 'env';
      /** The variable's name. */
      readonly name: string;
    }
  | {
      /** A Flyte 1 deployment secret. */
      readonly from: 'server-secret';
      /** The secret's key: env `_FSEC_<KEY>`, or the file `<key lowercased>` in the secrets directory. */
      readonly key: string;
    };

/** The JS type of a parameter's value: string, number (for `number` and `integer`), boolean, or any JSON value. */
export type ParamValue<T extends ParamType> = T extends 'string'
  ? string
  : T extends 'number' | 'integer'
    ? number
    : T extends 'boolean'
      ? boolean
      : JsonValue;

/**
 * One connector parameter: its type, what it means, and where its value comes from. Build it with {@link param}
 * for a typed `validate`.
 */
export interface ParamSpec<T extends ParamType = ParamType> {
  /** The value's type; text values (env, config, secrets) are parsed to it, `custom` values must already fit. */
  readonly type: T;
  /** What the parameter means and where users set it, shown by `flyte-connect list`. */
  readonly description: string;
  /** Create fails with INVALID_ARGUMENT naming the parameter when no source has a value. */
  readonly required?: boolean;
  /** The value when no source has one. */
  readonly default?: ParamValue<T>;
  /** Secret values are redacted from logs and error messages and must never reach resource_meta. */
  readonly secret?: boolean;
  /** Where the value may come from, tried in order; the first source with a value wins. */
  readonly sources: readonly ParamSource[];
  /**
   * Extra validation; returns a description of the problem (never containing the value) or undefined.
   * Method syntax on purpose: it lets a spec typed for one value type (see `param`) sit in a `ParamSpecs` record.
   */
  validate?(value: ParamValue<T>): string | undefined;
}

/** A connector's parameters by name (the keys are what `ctx.params` holds). */
export type ParamSpecs = Readonly<Record<string, ParamSpec>>;

/** What a connector declares about itself: shown by `flyte-connect list` and checked by the acceptance kit. */
export interface ConnectorSpec<S extends ParamSpecs = ParamSpecs> {
  /** What the connector does, in a sentence (task type included). */
  readonly description: string;
  /** Its parameters by name. */
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
  /** A string parameter. */
  string: paramOf('string'),
  /** A number parameter (text values are parsed as numbers). */
  number: paramOf('number'),
  /** An integer parameter (text values must be integers). */
  integer: paramOf('integer'),
  /** A boolean parameter (text values `true`/`1`/`yes` or `false`/`0`/`no`). */
  boolean: paramOf('boolean'),
  /** A parameter holding any JSON value (text values are parsed as JSON). */
  json: paramOf('json'),
} as const;
