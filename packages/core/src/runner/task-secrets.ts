import type { TaskTemplate } from '../connector.js';

/** What {@link secretsNamedByTask} found. */
export interface TaskNamedSecrets {
  /** Secret values by the name the connector reads them under. */
  readonly values: Record<string, string>;
  /** The secrets whose environment variable is not set. */
  readonly missing: readonly { readonly name: string; readonly variable: string }[];
}

/**
 * The secrets a flyte-sdk task names in `custom.secrets` (`{"snowflake_private_key": "SNOWFLAKE_PRIVATE_KEY"}`: the
 * connector's secret name → the environment variable holding it), read from `env` the way flyte-sdk's local
 * execution reads them. Only for a local run: a server never reads variables a task chooses.
 */
export function secretsNamedByTask(
  template: TaskTemplate,
  env: Readonly<Record<string, string | undefined>>,
): TaskNamedSecrets {
  const declared = template.custom?.['secrets'];
  const values: Record<string, string> = {};
  const missing: { name: string; variable: string }[] = [];
  if (typeof declared !== 'object' || declared === null || Array.isArray(declared))
    return { values, missing };
  for (const [name, variable] of Object.entries(declared)) {
    if (typeof variable !== 'string' || variable === '') continue;
    const value = env[variable];
    if (value === undefined) missing.push({ name, variable });
    else values[name] = value;
  }
  return { values, missing };
}
