// The vendor SDK is loaded on first use, not at import: it takes ~150 ms to load, and a service that serves
// other connectors (or answers health checks during start-up) should not pay for it before a BigQuery task runs.
import type { BigQuery, BigQueryOptions } from '@google-cloud/bigquery';
import type { JWT } from 'google-auth-library';
import { GOOGLE_TOKEN_URI, type ServiceAccountKey } from './credentials.js';

interface Sdk {
  readonly BigQuery: typeof BigQuery;
  readonly JWT: typeof JWT;
}

let loading: Promise<Sdk> | undefined;

/** Loads @google-cloud/bigquery and google-auth-library once (concurrent callers share the load). */
export function loadSdk(): Promise<Sdk> {
  loading ??= Promise.all([import('@google-cloud/bigquery'), import('google-auth-library')]).then(
    ([bigquery, auth]) => ({ BigQuery: bigquery.BigQuery, JWT: auth.JWT }),
    (error: unknown) => {
      loading = undefined; // a failed load (e.g. a broken install) is retried by the next call
      throw error;
    },
  );
  return loading;
}

const BIGQUERY_SCOPE = 'https://www.googleapis.com/auth/bigquery';

export interface ClientSettings {
  readonly project: string;
  /** Explicit service-account key; Application Default Credentials when undefined. */
  readonly key: ServiceAccountKey | undefined;
  readonly apiEndpoint: string | undefined;
  readonly maxRetries: number;
  readonly userAgent: string;
}

/**
 * A BigQuery client for one project and credential. HTTP connections are kept alive by the SDK (a shared
 * keep-alive agent per protocol), so a reused client polls over warm connections.
 */
export async function createClient(settings: ClientSettings): Promise<BigQuery> {
  const sdk = await loadSdk();
  // No `timeout` here: the SDK passes it to node-fetch 3, which ignores it. Calls are bounded by withDeadline.
  const options: BigQueryOptions = {
    projectId: settings.project,
    userAgent: settings.userAgent,
    retryOptions: {
      // The SDK treats maxRetries 0 as "use the default (3)"; switching retries off says it properly.
      autoRetry: settings.maxRetries > 0,
      ...(settings.maxRetries > 0 ? { maxRetries: settings.maxRetries } : {}),
      // Short backoff: GetTask has a 10 s deadline and Flyte polls again anyway.
      maxRetryDelay: 1,
      retryDelayMultiplier: 2,
      totalTimeout: 9,
    },
    ...(settings.apiEndpoint === undefined ? {} : { apiEndpoint: settings.apiEndpoint }),
  };
  if (settings.key !== undefined) {
    // The key is handed over field by field (never the raw JSON): see credentials.ts for why.
    const client = new sdk.JWT({
      email: settings.key.clientEmail,
      key: settings.key.privateKey,
      ...(settings.key.privateKeyId === undefined ? {} : { keyId: settings.key.privateKeyId }),
      scopes: [BIGQUERY_SCOPE],
    });
    if (settings.key.tokenUri !== GOOGLE_TOKEN_URI) redirectTokenRequests(client, settings.key.tokenUri);
    options.authClient = client;
  }
  return new sdk.BigQuery(options);
}

/**
 * google-auth-library posts service-account assertions to Google's token endpoint whatever the key's
 * `token_uri` says; Python's google-auth honours `token_uri`. Private deployments (Private Service Connect) and
 * tests need the key's endpoint, so token requests are redirected there.
 */
function redirectTokenRequests(client: JWT, tokenUri: string): void {
  const target = new URL(tokenUri);
  client.transporter.interceptors.request.add({
    resolved: async (options) => {
      if (options.url.href === GOOGLE_TOKEN_URI) options.url = target;
      return options;
    },
  });
}
