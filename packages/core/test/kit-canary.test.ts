// The acceptance kit's leak detector: a secret must be found in the forms core's redactor cannot see.
import { describe, expect, it } from 'vitest';
import { canaryForms, findLeaks, maskCanaries } from '@org/connector-core/testing';

const CANARY = 'tok+en/CANARY=42 "quoted"';
const forms = canaryForms([CANARY]);
const found = (text: string) => findLeaks(text, 'test', forms).map((leak) => leak.form.label);

describe('canary forms', () => {
  it('finds the value verbatim and JSON-escaped (as a JSON log line holds it)', () => {
    expect(found(`token=${CANARY}`)).toContain('verbatim');
    expect(found(JSON.stringify({ msg: `token=${CANARY}` }))).toContain('JSON-escaped');
  });

  it.each([0, 1, 2, 5])('finds base64 and base64url with %i bytes before the value', (offset) => {
    const payload = Buffer.concat([Buffer.from('u'.repeat(offset)), Buffer.from(CANARY), Buffer.from('!')]);
    // Where both alphabets encode a stretch alike, the form is listed once (as base64).
    expect(found(`Basic ${payload.toString('base64')}`)).toContain('base64');
    expect(
      found(`jwt.${payload.toString('base64url')}.sig`).some((label) => label.startsWith('base64')),
    ).toBe(true);
  });

  it('finds URL-encoded, form-encoded, hex and reversed values', () => {
    expect(found(`https://api.example/?t=${encodeURIComponent(CANARY)}`)).toContain('URL-encoded');
    expect(found(new URLSearchParams({ t: CANARY }).toString())).toContain('form-encoded');
    expect(found(Buffer.from(CANARY).toString('hex'))).toContain('hex');
    expect(found(Buffer.from(CANARY).toString('hex').toUpperCase())).toContain('hex');
    expect(found([...CANARY].reverse().join(''))).toContain('reversed');
  });

  it('does not find unrelated text, and ignores forms too short to be told from chance', () => {
    expect(found('Basic dXNlcjpwYXNzd29yZA== https://api.example/?t=abc')).toEqual([]);
    expect(canaryForms(['abc'])).toEqual([]);
  });

  it('masks every form in reports, so a report never repeats the secret', () => {
    const text = `a ${CANARY} b ${encodeURIComponent(CANARY)} c ${Buffer.from(CANARY).toString('base64')}`;
    const masked = maskCanaries(text, forms);
    expect(masked).toContain('<canary #1 verbatim>');
    expect(masked).toContain('<canary #1 URL-encoded>');
    expect(masked).toContain('<canary #1 base64>');
    for (const form of forms) expect(masked).not.toContain(form.text);
  });
});
