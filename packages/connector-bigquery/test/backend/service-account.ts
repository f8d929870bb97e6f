// Test service accounts: a fresh RSA key pair per account, and a key file in Google's format whose token_uri
// points at the local backend, so the SDK's real service-account flow (sign a JWT assertion, exchange it for an
// access token) runs against this machine only.
import { generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';

const generate = promisify(generateKeyPair);

export interface TestServiceAccount {
  readonly email: string;
  /** The key file as a JSON string (what a Flyte secret holds). */
  readonly json: string;
  readonly publicKey: KeyObject;
  readonly privateKeyPem: string;
}

export async function makeServiceAccount(options: {
  readonly name: string;
  readonly projectId: string;
  readonly tokenUri: string;
}): Promise<TestServiceAccount> {
  const { publicKey, privateKey } = await generate('rsa', { modulusLength: 2048 });
  const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const email = `${options.name}@${options.projectId}.iam.gserviceaccount.com`;
  const json = JSON.stringify({
    type: 'service_account',
    project_id: options.projectId,
    private_key_id: `${options.name}-key-1`,
    private_key: privateKeyPem,
    client_email: email,
    client_id: '100000000000000000001',
    auth_uri: 'https://accounts.google.com/o/oauth2/auth',
    token_uri: options.tokenUri,
    auth_provider_x509_cert_url: 'https://www.googleapis.com/oauth2/v1/certs',
    client_x509_cert_url: `https://www.googleapis.com/robot/v1/metadata/x509/${encodeURIComponent(email)}`,
    universe_domain: 'googleapis.com',
  });
  return { email, json, publicKey, privateKeyPem };
}
