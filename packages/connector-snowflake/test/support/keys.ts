// RSA key pairs for Snowflake key-pair authentication, made per test run with node:crypto: an unencrypted PKCS#8
// PEM and one encrypted with a passphrase, as `openssl genrsa | openssl pkcs8` makes them for Snowflake.
import { generateKeyPairSync } from 'node:crypto';

export interface TestKey {
  readonly privateKeyPem: string;
  readonly publicKeyPem: string;
  readonly passphrase?: string;
}

export function unencryptedKey(): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { privateKeyPem: privateKey, publicKeyPem: publicKey };
}

export function encryptedKey(passphrase: string): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase },
  });
  return { privateKeyPem: privateKey, publicKeyPem: publicKey, passphrase };
}
