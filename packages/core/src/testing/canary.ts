/**
 * Finding secret values in text, including the forms core's redactor cannot see. Core redacts a secret's exact
 * value; a connector that logs an `Authorization: Basic base64(user:token)` header, a URL with the token in its
 * query string, or a hex dump leaks the secret all the same.
 */

/** One way a canary can appear in text. */
export interface CanaryForm {
  /** Which canary (0-based, in the order the harness listed them). */
  readonly canary: number;
  /** How the value was transformed, e.g. `base64`, `URL-encoded`. */
  readonly label: string;
  /** The transformed value searched for. */
  readonly text: string;
}

/** A canary form found in a recorded text. */
export interface Leak {
  /** The canary form that was found. */
  readonly form: CanaryForm;
  /** Where the text came from, e.g. `log line`, `[v2] GetTask message`. */
  readonly where: string;
  /** The surroundings of the leak, with every canary form masked. */
  readonly excerpt: string;
}

/** Forms shorter than this are not searched: they would match by chance. */
const MIN_FORM_LENGTH = 8;
const EXCERPT_RADIUS = 60;

/** Every searchable form of the canaries: raw, JSON-escaped, URL-encoded, base64 (any alignment), hex, reversed. */
export function canaryForms(canaries: readonly string[]): CanaryForm[] {
  const forms: CanaryForm[] = [];
  const seen = new Set<string>();
  canaries.forEach((canary, index) => {
    const bytes = Buffer.from(canary, 'utf8');
    const candidates: [string, string][] = [
      ['verbatim', canary],
      ['JSON-escaped', JSON.stringify(canary).slice(1, -1)],
      ['URL-encoded', encodeURIComponent(canary)],
      ['form-encoded', new URLSearchParams({ v: canary }).toString().slice(2)],
      ...base64Cores(bytes, 'base64').map((text): [string, string] => ['base64', text]),
      ...base64Cores(bytes, 'base64url').map((text): [string, string] => ['base64url', text]),
      ['hex', bytes.toString('hex')],
      ['hex', bytes.toString('hex').toUpperCase()],
      ['reversed', [...canary].reverse().join('')],
    ];
    for (const [label, text] of candidates) {
      if (text.length < MIN_FORM_LENGTH || seen.has(text)) continue;
      seen.add(text);
      forms.push({ canary: index, label, text });
    }
  });
  return forms;
}

/**
 * The characters of the base64 encoding of `bytes` that do not depend on its neighbours, for each of the three
 * alignments the value can have inside a longer encoded text (`user:token` puts the token at offset 5).
 */
function base64Cores(bytes: Buffer, encoding: 'base64' | 'base64url'): string[] {
  const cores: string[] = [];
  for (let offset = 0; offset < 3; offset += 1) {
    const padded = Buffer.concat([Buffer.alloc(offset), bytes]);
    const encoded = padded.toString(encoding).replace(/=+$/, '');
    // Characters covering a padding bit, or bits of whatever follows, vary with the surroundings.
    const start = Math.ceil((offset * 8) / 6);
    const end = Math.floor((padded.length * 8) / 6);
    cores.push(encoded.slice(start, end));
  }
  return cores;
}

/** Finds every canary form in a text. */
export function findLeaks(text: string, where: string, forms: readonly CanaryForm[]): Leak[] {
  const leaks: Leak[] = [];
  for (const form of forms) {
    const at = text.indexOf(form.text);
    if (at < 0) continue;
    const from = Math.max(0, at - EXCERPT_RADIUS);
    const to = Math.min(text.length, at + form.text.length + EXCERPT_RADIUS);
    const excerpt =
      (from > 0 ? '…' : '') + maskCanaries(text.slice(from, to), forms) + (to < text.length ? '…' : '');
    leaks.push({ form, where, excerpt });
  }
  return leaks;
}

/** Replaces every canary form in a text by a placeholder, so that reports never repeat a secret. */
export function maskCanaries(text: string, forms: readonly CanaryForm[]): string {
  let result = text;
  // Longest first, so that a form containing another is masked as a whole.
  for (const form of [...forms].sort((a, b) => b.text.length - a.text.length)) {
    if (result.includes(form.text))
      result = result.split(form.text).join(`<canary #${form.canary + 1} ${form.label}>`);
  }
  return result;
}
