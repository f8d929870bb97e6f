// Verifies the RS256 JWT assertions service accounts send to the token endpoint (RFC 7523), as Google does.
import { createVerify, type KeyObject } from 'node:crypto';

export interface JwtClaims {
  readonly iss: string;
  readonly aud: string;
  readonly scope?: string;
  readonly iat: number;
  readonly exp: number;
  readonly sub?: string;
}

/** The claims of a well-formed assertion, or the reason it is not one. */
export function readAssertion(
  assertion: string,
  publicKeyOf: (issuer: string) => KeyObject | undefined,
): { claims: JwtClaims; keyId: string | undefined } | { problem: string } {
  const parts = assertion.split('.');
  if (parts.length !== 3)
    return { problem: 'Invalid JWT: Token must be a short-lived token and in a reasonable timeframe' };
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  let header: { alg?: string; kid?: string };
  let claims: JwtClaims;
  try {
    header = JSON.parse(Buffer.from(headerPart, 'base64url').toString('utf8')) as typeof header;
    claims = JSON.parse(Buffer.from(payloadPart, 'base64url').toString('utf8')) as JwtClaims;
  } catch {
    return { problem: 'Invalid JWT: malformed' };
  }
  if (header.alg !== 'RS256') return { problem: 'Invalid JWT: unsupported algorithm' };
  const publicKey = publicKeyOf(claims.iss);
  if (publicKey === undefined) return { problem: 'Invalid grant: account not found' };
  const verifier = createVerify('RSA-SHA256');
  verifier.update(`${headerPart}.${payloadPart}`);
  if (!verifier.verify(publicKey, Buffer.from(signaturePart, 'base64url'))) {
    return { problem: 'Invalid JWT Signature.' };
  }
  const now = Math.floor(Date.now() / 1000);
  if (typeof claims.exp !== 'number' || claims.exp < now || claims.iat > now + 300) {
    return { problem: 'Invalid JWT: Token must be a short-lived token and in a reasonable timeframe' };
  }
  return { claims, keyId: header.kid };
}
