import { createRequire } from 'node:module';
import type { ClientSettings } from './sdk.js';
import { DEFAULT_MAX_RETRIES } from './spec.js';

const packageVersion = (
  createRequire(import.meta.url)('@org/connector-openai/package.json') as { version: string }
).version;

/** The parameters both connectors share, as either context holds them (resolved, or partial outside create). */
interface SharedParams {
  readonly openai_organization?: string | undefined;
  readonly base_url?: string | undefined;
  readonly max_retries?: number | undefined;
}

/** Client settings from resolved parameters; `undefined` timeout leaves the bound to the caller's signal. */
export function clientSettings(params: SharedParams, apiKey: string, timeoutMs?: number): ClientSettings {
  return {
    apiKey,
    organization: params.openai_organization,
    baseUrl: params.base_url,
    maxRetries: params.max_retries ?? DEFAULT_MAX_RETRIES,
    timeoutMs,
    userAgent: `flyte-connector-openai/${packageVersion}`,
  };
}
