import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { credentialsProblem, GOOGLE_TOKEN_URI, serviceAccountKey } from './credentials.js';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const MARKER = 'TOP-SECRET-MARKER';

describe('service-account keys', () => {
  it('reads the fields it needs and fingerprints them', () => {
    const key = serviceAccountKey({
      type: 'service_account',
      client_email: 'a@p.iam.gserviceaccount.com',
      private_key: pem,
    });
    expect(key.clientEmail).toBe('a@p.iam.gserviceaccount.com');
    expect(key.tokenUri).toBe(GOOGLE_TOKEN_URI);
    expect(key.fingerprint).toMatch(/^[0-9a-f]{64}$/);
  });

  it('gives a key seen before the same answer, and never reuses it for a key that differs in any field', () => {
    const base = { type: 'service_account', client_email: 'a@p.iam.gserviceaccount.com', private_key: pem };
    const first = serviceAccountKey(base);
    expect(serviceAccountKey({ ...base })).toEqual(first);
    const variants = [
      { ...base, client_email: 'b@p.iam.gserviceaccount.com' },
      { ...base, private_key_id: 'key-2' },
      { ...base, token_uri: 'https://oauth2.example.test/token' },
    ].map((value) => serviceAccountKey(value));
    expect(new Set([first, ...variants].map((key) => key.fingerprint)).size).toBe(4);
    expect(serviceAccountKey({ ...base, project_id: 'other' }).projectId).toBe('other');
    // Checks on the JSON itself still apply to a private key seen before.
    expect(credentialsProblem({ ...base, type: 'external_account' })).toMatch(/only service-account keys/);
  });

  it.each([
    ['a string', `not json ${MARKER}`, /expected a service-account key JSON object/],
    ['no client_email', { private_key: MARKER }, /lacks a valid client_email/],
    ['no private_key', { client_email: 'a@b' }, /lacks private_key/],
    [
      'a bad private_key',
      { client_email: 'a@b', private_key: `-----BEGIN PRIVATE KEY-----${MARKER}` },
      /not a PEM-encoded RSA private key/,
    ],
    [
      'an external account',
      { type: 'external_account', credential_source: { executable: { command: MARKER } } },
      /only service-account keys/,
    ],
    [
      'a bad token_uri',
      { client_email: 'a@b', private_key: pem, token_uri: 'file:///etc/passwd' },
      /token_uri is not an http\(s\) URL/,
    ],
  ])('refuses %s without quoting it', (_what, value, message) => {
    const problem = credentialsProblem(value);
    expect(problem).toMatch(message);
    expect(problem).not.toContain(MARKER);
    expect(() => serviceAccountKey(value)).toThrow(/Invalid parameter 'google_application_credentials'/);
  });
});
