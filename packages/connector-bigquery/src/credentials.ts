import { createHash, createPrivateKey } from 'node:crypto';
import { InvalidParameterError, type ParamValue } from '@org/connector-core';

/** The parameter holding the service-account JSON; error messages name it, never its content. */
export const CREDENTIALS_PARAM = 'google_application_credentials';

/** Google's OAuth token endpoint, which google-auth-library always posts service-account assertions to. */
export const GOOGLE_TOKEN_URI = 'https://oauth2.googleapis.com/token';

/** The fields of a service-account key this connector uses. Everything else in the JSON is ignored. */
export interface ServiceAccountKey {
  readonly clientEmail: string;
  readonly privateKey: string;
  readonly privateKeyId: string | undefined;
  readonly projectId: string | undefined;
  /** `token_uri` of the key file; Google's endpoint unless the key was issued for a private endpoint. */
  readonly tokenUri: string;
  /** sha256 of the fields above: the client cache key and the only form in which credentials reach logs. */
  readonly fingerprint: string;
}

type JsonValue = ParamValue<'json'>;

/**
 * Checks a service-account JSON value and returns what is wrong (never quoting it), or undefined. Only keys of
 * type `service_account` are accepted: other credential types (`external_account` and friends) can make the
 * auth library run programs or fetch URLs named in the JSON, which a per-request secret must not be able to do.
 */
export function credentialsProblem(value: JsonValue): string | undefined {
  try {
    parseServiceAccountKey(value);
    return undefined;
  } catch (error) {
    return error instanceof CredentialsProblem ? error.message : 'the service-account JSON is unusable';
  }
}

/** Parses a validated service-account JSON value; throws InvalidParameterError naming the parameter. */
export function serviceAccountKey(value: JsonValue): ServiceAccountKey {
  try {
    return parseServiceAccountKey(value);
  } catch (error) {
    const problem =
      error instanceof CredentialsProblem ? error.message : 'the service-account JSON is unusable';
    throw new InvalidParameterError(CREDENTIALS_PARAM, problem);
  }
}

class CredentialsProblem extends Error {}

function parseServiceAccountKey(value: JsonValue): ServiceAccountKey {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CredentialsProblem('expected a service-account key JSON object');
  }
  const type = value['type'];
  if (type !== undefined && type !== 'service_account') {
    throw new CredentialsProblem(
      `only service-account keys (type "service_account") are accepted, found type ${typeof type === 'string' ? `"${type.slice(0, 40)}"` : 'of another kind'}`,
    );
  }
  const clientEmail = value['client_email'];
  if (typeof clientEmail !== 'string' || !clientEmail.includes('@')) {
    throw new CredentialsProblem('the service-account JSON lacks a valid client_email');
  }
  const privateKey = value['private_key'];
  if (typeof privateKey !== 'string' || privateKey === '') {
    throw new CredentialsProblem('the service-account JSON lacks private_key');
  }
  const privateKeyId = optionalString(value['private_key_id'], 'private_key_id');
  const projectId = optionalString(value['project_id'], 'project_id');
  const tokenUri = optionalString(value['token_uri'], 'token_uri') ?? GOOGLE_TOKEN_URI;
  if (!/^https?:\/\/\S+$/.test(tokenUri)) throw new CredentialsProblem('token_uri is not an http(s) URL');
  const known = parsedKeys.get(privateKey);
  if (
    known !== undefined &&
    known.clientEmail === clientEmail &&
    known.privateKeyId === privateKeyId &&
    known.projectId === projectId &&
    known.tokenUri === tokenUri
  ) {
    return known;
  }
  const fingerprint = createHash('sha256')
    .update(JSON.stringify([clientEmail, privateKey, privateKeyId ?? '', tokenUri]))
    .digest('hex');
  checkPrivateKey(privateKey);
  const key = { clientEmail, privateKey, privateKeyId, projectId, tokenUri, fingerprint };
  if (parsedKeys.size >= MAX_PARSED_KEYS) parsedKeys.clear();
  parsedKeys.set(privateKey, key);
  return key;
}

function optionalString(value: JsonValue | undefined, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string')
    throw new CredentialsProblem(`${field} in the service-account JSON is not a string`);
  return value;
}

/**
 * Keys parsed successfully, by private key. Credentials are resolved on every call, so every GetTask hands the
 * same key over again (twice: the spec's validation, then the client lookup). Fingerprinting it each time (the
 * JSON of its fields through SHA-256; the PEM parse was already done once per key) was about 3% of the service's
 * CPU per GetTask in the 1,000-job bench; a lookup by the private key's text, then comparing the few other
 * fields, is not. The entry is reused only when every field that went into it is the same, so the answer is the
 * one parsing would give. Bounded (a few more than the client cache holds): when full it starts over.
 */
const parsedKeys = new Map<string, ServiceAccountKey>();
const MAX_PARSED_KEYS = 64;

/** Drops the parsed keys, so that a rotated or revoked key does not stay in memory (see onSecretsChanged). */
export function forgetParsedKeys(): void {
  parsedKeys.clear();
}

function checkPrivateKey(pem: string): void {
  try {
    const key = createPrivateKey(pem);
    if (key.asymmetricKeyType !== 'rsa') throw new Error('not RSA');
  } catch {
    throw new CredentialsProblem(
      'private_key in the service-account JSON is not a PEM-encoded RSA private key',
    );
  }
}

/** A short, non-reversible label of a credential for logs. */
export function shortFingerprint(fingerprint: string): string {
  return fingerprint.slice(0, 12);
}
