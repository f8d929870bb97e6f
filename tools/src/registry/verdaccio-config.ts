/** Where the local registry fetches packages it does not hold itself, and how it gets there. */
export interface Upstream {
  /** The registry this machine's npm uses (`npm config get registry`). */
  readonly url: string;
  readonly httpProxy?: string;
  readonly httpsProxy?: string;
  readonly noProxy?: string;
}

export interface VerdaccioConfigOptions {
  /** Directory holding published and cached packages (a temporary one: nothing outlives the run). */
  readonly storageDir: string;
  readonly htpasswdFile: string;
  readonly upstream: Upstream;
  /** Scopes served from local storage only, never looked up upstream (e.g. `@org`). */
  readonly localScopes: readonly string[];
}

/**
 * A Verdaccio configuration (JSON is valid YAML) for a throw-away registry: the workspace's own scopes are served
 * only from what was published to it, so an install proves the packages as published work, never a copy on
 * npmjs.org; every other name is proxied to the machine's registry so that third-party dependencies resolve.
 */
export function verdaccioConfig(options: VerdaccioConfigOptions): Record<string, unknown> {
  const { upstream } = options;
  const packages: Record<string, unknown> = {};
  for (const scope of options.localScopes) {
    packages[`${scope}/*`] = { access: '$all', publish: '$authenticated', unpublish: '$authenticated' };
  }
  packages['**'] = { access: '$all', publish: '$authenticated', proxy: 'upstream' };
  return {
    storage: options.storageDir,
    auth: { htpasswd: { file: options.htpasswdFile, max_users: 10 } },
    uplinks: {
      upstream: {
        url: upstream.url,
        timeout: '60s',
        // A slow mirror must not get the uplink marked offline for the rest of a run.
        max_fails: 10,
        fail_timeout: '10s',
        // Metadata fetched once stays fresh for the whole run instead of Verdaccio's default two minutes.
        maxage: '30m',
        cache: true,
      },
    },
    packages,
    ...(upstream.httpProxy === undefined ? {} : { http_proxy: upstream.httpProxy }),
    ...(upstream.httpsProxy === undefined ? {} : { https_proxy: upstream.httpsProxy }),
    ...(upstream.noProxy === undefined ? {} : { no_proxy: upstream.noProxy }),
    web: { enable: false },
    max_body_size: '200mb',
    log: { type: 'stdout', format: 'json', level: 'warn' },
  };
}
