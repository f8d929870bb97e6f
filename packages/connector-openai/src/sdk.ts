// The vendor SDK is loaded on first use, not at import: a service serving other connectors (or answering health
// checks during start-up) should not pay for loading it before an OpenAI task arrives.
import type { OpenAI } from 'openai';

type OpenAIClass = typeof OpenAI;

let loading: Promise<OpenAIClass> | undefined;

function loadSdk(): Promise<OpenAIClass> {
  loading ??= import('openai').then(
    (module) => module.OpenAI,
    (error: unknown) => {
      loading = undefined; // a failed load (a broken install) is retried by the next call
      throw error;
    },
  );
  return loading;
}

export const DEFAULT_BASE_URL = 'https://api.openai.com/v1';

export interface ClientSettings {
  readonly apiKey: string;
  readonly organization: string | undefined;
  readonly baseUrl: string | undefined;
  readonly maxRetries: number;
  /** Per-attempt timeout; undefined keeps the SDK's (10 min), for calls bounded by the caller's deadline. */
  readonly timeoutMs: number | undefined;
  readonly userAgent: string;
}

/**
 * An OpenAI client for one call. Constructing one is cheap (no connection of its own: requests go through the
 * process-wide fetch pool), so none is cached, and a rotated key is used as soon as it arrives. Every option the
 * SDK would otherwise read from process.env (OPENAI_BASE_URL, OPENAI_ORG_ID, OPENAI_PROJECT_ID, OPENAI_LOG) is
 * given explicitly: the connector's environment is what core hands it, not the process's.
 */
export async function createClient(settings: ClientSettings): Promise<OpenAI> {
  const Client = await loadSdk();
  return new Client({
    apiKey: settings.apiKey,
    organization: settings.organization ?? null,
    project: null,
    webhookSecret: null,
    baseURL: settings.baseUrl ?? DEFAULT_BASE_URL,
    maxRetries: settings.maxRetries,
    ...(settings.timeoutMs === undefined ? {} : { timeout: settings.timeoutMs }),
    logLevel: 'off',
    defaultHeaders: { 'User-Agent': settings.userAgent },
  });
}
