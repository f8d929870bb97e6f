import { describe, expect, it } from 'vitest';
import { ARGS, CLASSIC_CONF, databricksTask, IMAGE } from '../test/support/tasks.js';
import { ENTRYPOINT_FILE, submitBody } from './job-spec.js';
import { checkAllowed, instanceUrl } from './instance.js';

describe('submitBody', () => {
  it('passes serverless environments through with the entrypoint', () => {
    const conf = {
      run_name: 'serverless',
      environment_key: 'default',
      environments: [{ environment_key: 'default', spec: { client: '1' } }],
    };
    const { body, kind } = submitBody(databricksTask({ databricksConf: conf }), 'k1');
    expect(kind).toBe('serverless');
    expect(body).toMatchObject({ ...conf, idempotency_token: 'k1' });
    expect(body['spark_python_task']).toEqual({
      python_file: ENTRYPOINT_FILE,
      source: 'GIT',
      parameters: ARGS,
    });
    expect(body['new_cluster']).toBeUndefined();
  });

  it('passes notebook tasks through, including Flyte 1 notebookPath', () => {
    const conf = { existing_cluster_id: 'c-1', notebook_task: { notebook_path: '/Users/a/nb' } };
    expect(submitBody(databricksTask({ databricksConf: conf }), undefined)).toEqual({
      body: conf,
      kind: 'notebook',
    });
    const flyte1 = submitBody(
      databricksTask({
        databricksConf: { existing_cluster_id: 'c-1' },
        custom: { notebookPath: '/Repos/x/nb', notebookBaseParameters: { a: '1' } },
      }),
      undefined,
    );
    expect(flyte1.body['notebook_task']).toEqual({
      notebook_path: '/Repos/x/nb',
      base_parameters: { a: '1' },
    });
  });

  it('keeps what the task set on the cluster and accepts databricksConf as a JSON string', () => {
    const conf = {
      new_cluster: { ...CLASSIC_CONF.new_cluster, docker_image: { url: 'mine:1' }, spark_conf: { a: 'b' } },
    };
    const { body } = submitBody(databricksTask({ databricksConf: conf }), undefined);
    const cluster = body['new_cluster'] as Record<string, unknown>;
    expect(cluster['docker_image']).toEqual({ url: 'mine:1' });
    expect(cluster['spark_conf']).toEqual({ a: 'b' });
    expect(IMAGE).not.toBe('mine:1');
  });

  it('refuses a body without cluster, environment or task', () => {
    expect(() => submitBody(databricksTask({ databricksConf: { run_name: 'x' } }), undefined)).toThrow(
      /existing_cluster_id, new_cluster/,
    );
  });
});

describe('instance', () => {
  it('defaults to https, keeps an explicit scheme and refuses paths', () => {
    expect(instanceUrl('dbc-1.cloud.databricks.com').origin).toBe('https://dbc-1.cloud.databricks.com');
    expect(instanceUrl('http://127.0.0.1:8080/').origin).toBe('http://127.0.0.1:8080');
    expect(() => instanceUrl('https://x.com/api?x=1')).toThrow(/host/);
    expect(() => instanceUrl('ftp://x.com')).toThrow(/https/);
  });

  it('applies the allow-list by host or host:port', () => {
    const url = instanceUrl('http://127.0.0.1:8080');
    expect(() => checkAllowed(url, undefined)).not.toThrow();
    expect(() => checkAllowed(url, 'a.com, 127.0.0.1')).not.toThrow();
    expect(() => checkAllowed(url, '127.0.0.1:8080')).not.toThrow();
    expect(() => checkAllowed(url, 'dbc-1.cloud.databricks.com')).toThrow(/ALLOWED_INSTANCES/);
  });
});
