// Databricks tasks as flytekit serializes them (`pyflyte serialize` → TaskTemplate proto JSON): type, custom from
// the SparkJob message (camelCase), and the container with image, args and env. Read through core's public
// `parseTaskFile`, as `flyte-connect run` reads such a file.
import { parseTaskFile, type TaskTemplate } from '@org/connector-core';

export const IMAGE = 'ghcr.io/flyteorg/flytekit:py3.11-spark-1.14.0';
export const ARGS = [
  'pyflyte-fast-execute',
  '--additional-distribution',
  's3://bucket/fast/abc.tar.gz',
  '--',
  'pyflyte-execute',
  '--inputs',
  's3://bucket/metadata/inputs.pb',
  '--output-prefix',
  's3://bucket/metadata/n0/0',
  '--raw-output-data-prefix',
  's3://bucket/raw/n0',
  '--resolver',
  'flytekit.core.python_auto_container.default_task_resolver',
  '--',
  'task-module',
  'workflows.spark',
  'task-name',
  'hello_spark',
];

export const CLASSIC_CONF = {
  run_name: 'flytekit databricks plugin example',
  new_cluster: {
    spark_version: '13.3.x-scala2.12',
    node_type_id: 'm5.xlarge',
    num_workers: 2,
    spark_env_vars: { TEAM: 'ml' },
  },
  timeout_seconds: 3600,
  max_retries: 0,
};

export interface TaskOptions {
  readonly type?: string;
  readonly custom?: Record<string, unknown>;
  readonly instance?: string;
  readonly databricksConf?: Record<string, unknown>;
}

/** A flytekit `Databricks` task (classic cluster) with the container image, env and args pyflyte writes. */
export function databricksTask(options: TaskOptions = {}): TaskTemplate {
  const custom: Record<string, unknown> = {
    sparkConf: { 'spark.driver.memory': '1000M', 'spark.executor.instances': '2' },
    mainApplicationFile: 'local:///usr/local/bin/entrypoint.py',
    executorPath: '/usr/bin/python3',
    databricksConf: options.databricksConf ?? CLASSIC_CONF,
    ...(options.instance === undefined ? {} : { databricksInstance: options.instance }),
    ...options.custom,
  };
  const template = {
    id: {
      resourceType: 'TASK',
      project: 'flytesnacks',
      domain: 'development',
      name: 'workflows.spark.hello_spark',
      version: 'v1',
    },
    type: options.type ?? 'databricks',
    metadata: { runtime: { type: 'FLYTE_SDK', version: '1.14.0', flavor: 'python' }, retries: {} },
    interface: { inputs: { variables: {} }, outputs: { variables: { o0: { type: { simple: 'FLOAT' } } } } },
    custom,
    container: {
      image: IMAGE,
      args: ARGS,
      env: [
        { key: 'FLYTE_INTERNAL_IMAGE', value: IMAGE },
        { key: 'SPARK_LOCAL_IP', value: '127.0.0.1' },
      ],
      resources: {},
    },
  };
  return parseTaskFile(new TextEncoder().encode(JSON.stringify(template)), 'task.json').template;
}
