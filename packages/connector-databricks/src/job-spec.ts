import { InvalidArgumentError, type TaskTemplate } from '@org/connector-core';

/** flytekit's Spark-on-Databricks entrypoint: makes a failing Flyte task fail the Databricks run. */
export const FAIL_ON_ERROR_ENV = 'FLYTE_FAIL_ON_ERROR';

/**
 * Where flytekit's Databricks connector (`_get_databricks_job_spec`, flytekitplugins-spark) points the Python task:
 * the Flyte entrypoint in flyteorg/flytetools at a pinned commit, fetched by Databricks through `git_source`.
 * Kept identical so that tasks serialized for the Python connector run unchanged.
 */
export const ENTRYPOINT_FILE = 'flytekitplugins/databricks/entrypoint.py';
export const ENTRYPOINT_GIT_SOURCE = {
  git_url: 'https://github.com/flyteorg/flytetools',
  git_provider: 'gitHub',
  git_commit: '572298df1f971fb58c258398bd70a6372f811c96',
} as const;

type Json = Record<string, unknown>;

/** How the run executes, decided from the task's `databricksConf`. */
export type RunKind = 'classic' | 'existing-cluster' | 'serverless' | 'notebook' | 'multi-task';

export interface SubmitBody {
  readonly body: Json;
  readonly kind: RunKind;
}

/**
 * The runs/submit body for a `databricks` / `spark` task, built as flytekit's connector builds it:
 *
 * - `custom.databricksConf` is the body (a JSON object; a JSON string is accepted too).
 * - Classic cluster (`new_cluster`): `docker_image.url` = the container image, `spark_conf` = `custom.sparkConf`
 *   (each only when the task did not set it), `spark_env_vars` += the container env and `FLYTE_FAIL_ON_ERROR=true`.
 * - Classic, existing cluster and serverless (`environment_key` / `environments`) runs get `spark_python_task` = the
 *   Flyte entrypoint (`git_source` flyteorg/flytetools) with the container args as its parameters, as flytekit does.
 * - Notebook runs (`notebook_task` in the body, or Flyte 1's `custom.notebookPath` / `notebookBaseParameters`) and
 *   multi-task bodies (`tasks`) are passed through: the task owns what runs.
 * - `idempotency_token` = the attempt key, so a repeated CreateTask for the same attempt re-attaches to the run.
 */
export function submitBody(template: TaskTemplate, attemptKey: string | undefined): SubmitBody {
  const custom = (template.custom ?? {}) as Json;
  const body = structuredClone(databricksConf(custom['databricksConf']));
  const container = template.target.case === 'container' ? template.target.value : undefined;
  const args = container?.args ?? [];
  const env: Record<string, string> = {};
  for (const pair of container?.env ?? []) env[pair.key] = pair.value;
  env[FAIL_ON_ERROR_ENV] = 'true';

  const notebookPath = custom['notebookPath'];
  if (typeof notebookPath === 'string' && notebookPath !== '' && body['notebook_task'] === undefined) {
    const parameters = custom['notebookBaseParameters'];
    body['notebook_task'] = {
      notebook_path: notebookPath,
      ...(isObject(parameters) ? { base_parameters: parameters } : {}),
    };
  }

  let kind: RunKind;
  if (body['tasks'] !== undefined) {
    kind = 'multi-task';
  } else if (body['notebook_task'] !== undefined) {
    kind = 'notebook';
  } else if (body['existing_cluster_id'] !== undefined) {
    kind = 'existing-cluster';
  } else if (body['new_cluster'] !== undefined) {
    kind = 'classic';
    body['new_cluster'] = classicCluster(body['new_cluster'], custom, container?.image, env);
  } else if (body['environment_key'] !== undefined || body['environments'] !== undefined) {
    kind = 'serverless';
  } else {
    throw new InvalidArgumentError(
      'custom.databricksConf: either existing_cluster_id, new_cluster, a serverless environment (environment_key / environments), notebook_task or tasks must be given',
    );
  }
  if (kind === 'classic' || kind === 'existing-cluster' || kind === 'serverless') {
    body['spark_python_task'] = { python_file: ENTRYPOINT_FILE, source: 'GIT', parameters: [...args] };
    body['git_source'] = { ...ENTRYPOINT_GIT_SOURCE };
  }
  if (attemptKey !== undefined) body['idempotency_token'] = attemptKey;
  else delete body['idempotency_token'];
  return { body, kind };
}

function classicCluster(
  value: unknown,
  custom: Json,
  image: string | undefined,
  env: Record<string, string>,
): Json {
  if (!isObject(value)) throw new InvalidArgumentError('custom.databricksConf.new_cluster must be an object');
  const cluster: Json = { ...value };
  if (!isObject(cluster['docker_image']) && image !== undefined && image !== '') {
    cluster['docker_image'] = { url: image };
  }
  const sparkConf = custom['sparkConf'];
  if (!isNonEmptyObject(cluster['spark_conf']) && isObject(sparkConf))
    cluster['spark_conf'] = { ...sparkConf };
  const existing = isObject(cluster['spark_env_vars']) ? cluster['spark_env_vars'] : {};
  cluster['spark_env_vars'] = { ...existing, ...env };
  return cluster;
}

function databricksConf(value: unknown): Json {
  let conf = value;
  if (typeof conf === 'string') {
    try {
      conf = JSON.parse(conf) as unknown;
    } catch {
      throw new InvalidArgumentError('custom.databricksConf is a string but not JSON');
    }
  }
  if (!isObject(conf)) {
    throw new InvalidArgumentError(
      'custom.databricksConf (the runs/submit body, flytekit Databricks(databricks_conf=...)) is required',
    );
  }
  return conf;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonEmptyObject(value: unknown): value is Json {
  return isObject(value) && Object.keys(value).length > 0;
}
