import { InvalidArgumentError } from '@org/connector-core';

/**
 * The workspace a task names (`databricksInstance`, as flytekit sends it: a bare host such as
 * `dbc-1234.cloud.databricks.com`) as a base URL. A bare host means https; an explicit `http://` or `https://`
 * scheme is kept (a local test backend, a proxy). Paths, queries, credentials in the URL are refused.
 */
export function instanceUrl(instance: string): URL {
  const text = instance.trim().replace(/\/+$/, '');
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new InvalidArgumentError(
      'databricks_instance: expected a workspace host such as dbc-123.cloud.databricks.com',
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new InvalidArgumentError('databricks_instance: only https:// (default) or http:// is accepted');
  }
  if (
    url.username !== '' ||
    url.password !== '' ||
    url.search !== '' ||
    url.hash !== '' ||
    url.pathname !== '/'
  ) {
    throw new InvalidArgumentError(
      'databricks_instance: expected a host (and port) only, without path or query',
    );
  }
  return url;
}

/** The base URL as stored in resource_meta and used for API calls and links: `https://host[:port]`. */
export function instanceBase(url: URL): string {
  return url.origin;
}

/**
 * Enforces the operator's allow-list (`FLYTE_DATABRICKS_ALLOWED_INSTANCES`, comma-separated hosts, optionally with a
 * port). The instance comes from the task and the service's token is sent to it, so without a list any task author
 * could have the server's token sent to a host of their choosing.
 */
export function checkAllowed(url: URL, allowList: string | undefined): void {
  if (allowList === undefined || allowList.trim() === '') return;
  const allowed = allowList
    .split(',')
    .map((entry) => entry.trim().toLowerCase())
    .filter((entry) => entry !== '')
    .map((entry) => entry.replace(/^[a-z]+:\/\//, '').replace(/\/+$/, ''));
  const host = url.host.toLowerCase();
  const hostname = url.hostname.toLowerCase();
  if (allowed.includes(host) || allowed.includes(hostname)) return;
  throw new InvalidArgumentError(
    `databricks_instance: workspace ${hostname} is not in the service's FLYTE_DATABRICKS_ALLOWED_INSTANCES`,
  );
}
