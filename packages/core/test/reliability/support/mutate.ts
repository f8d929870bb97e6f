// Mutations of valid requests at the protobuf level, driven by numbers fast-check generates (so that a failing
// case shrinks to a small one and replays from its seed). Structure-aware: a LEN field whose payload parses as
// fields is treated as a nested message, so mutations reach templates, literals and Structs deep inside a request.
import fc from 'fast-check';
import {
  concat,
  decodeFields,
  encodeFields,
  encodeVarint,
  WireType,
  type WireField,
  type WireTypeNumber,
} from './wire.js';

export const MUTATIONS = [
  'flip-bit',
  'truncate',
  'splice-random',
  'wire-type',
  'oversize',
  'lying-length',
  'overlong-varint',
  'extreme-number',
  'duplicate',
  'unknown-field',
  'drop',
  'reverse',
  'wrap-deep',
  'deep-literal',
  'deep-struct',
  'invalid-utf8',
] as const;
export type MutationKind = (typeof MUTATIONS)[number];

/** One mutation: its kind and three free numbers that pick where and how. */
export interface Mutation {
  readonly kind: MutationKind;
  readonly a: number;
  readonly b: number;
  readonly c: number;
}

export interface MutationLimits {
  /** Sizes an oversize field may take (bytes). */
  readonly oversizeBytes: readonly number[];
  /** Nesting depths for the deep-nesting mutations. */
  readonly depths: readonly number[];
  /** Largest message a case may send. */
  readonly maxMessageBytes: number;
}

/**
 * Messages stay at ~1 MiB, well below the service's 4 MiB limit (`--max-message-size 4` in the fuzz test): many
 * concurrent multi-MiB requests exhaust the service's memory (see docs/reliability.md), which is measured on its own
 * rather than hit at random. A request above the limit is
 * answered by the HTTP/2 layer, not the service, and is tested on its own (see fuzz.test.ts) because it can take
 * down the client's whole connection, which would blame unrelated cases of the same batch.
 */
export const DEFAULT_LIMITS: MutationLimits = {
  oversizeBytes: [1_024, 65_536, 262_144, 1_048_576],
  depths: [8, 30, 49, 65, 150, 2_000, 50_000],
  maxMessageBytes: 1_200_000,
};

const EXTREMES = [
  0n,
  1n,
  -1n,
  2n ** 31n,
  2n ** 32n - 1n,
  2n ** 53n + 1n,
  2n ** 63n - 1n,
  2n ** 63n,
  2n ** 64n - 1n,
];

/** A small deterministic PRNG (mulberry32) for the random bytes a mutation needs. */
function randomBytes(seed: number, length: number): Uint8Array {
  let state = seed >>> 0;
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) & 0xff;
  }
  return out;
}

/** Paths (field indices from the root) of every nested message, the root included. Bounded in count and depth. */
function messageSites(bytes: Uint8Array, prefix: number[] = [], out: number[][] = []): number[][] {
  const fields = decodeFields(bytes);
  if (fields === undefined || out.length > 400 || prefix.length > 24) return out;
  out.push(prefix);
  fields.forEach((field, index) => {
    // Huge payloads are mutated whole, not searched for fields (that would cost more than the call).
    const value = field.value;
    if (
      field.wire === WireType.LEN &&
      value instanceof Uint8Array &&
      value.byteLength > 0 &&
      value.byteLength < 65_536
    )
      messageSites(value, [...prefix, index], out);
  });
  return out;
}

/** Rewrites the fields of the message at `path`. */
function rewriteAt(
  bytes: Uint8Array,
  path: readonly number[],
  change: (fields: WireField[]) => WireField[],
): Uint8Array {
  const fields = decodeFields(bytes);
  if (fields === undefined) return bytes;
  if (path.length === 0) return encodeFields(change(fields));
  const [index, ...rest] = path;
  const target = fields[index!];
  if (target === undefined || !(target.value instanceof Uint8Array)) return bytes;
  fields[index!] = { ...target, value: rewriteAt(target.value, rest, change) };
  return encodeFields(fields);
}

/** Follows field numbers (first occurrence of each) from the root; returns the index path or undefined. */
function pathOf(bytes: Uint8Array, fieldNumbers: readonly number[]): number[] | undefined {
  const path: number[] = [];
  let current = bytes;
  for (const number of fieldNumbers) {
    const fields = decodeFields(current);
    const index = fields?.findIndex((f) => f.field === number && f.wire === WireType.LEN) ?? -1;
    if (index < 0) return undefined;
    path.push(index);
    current = fields![index]!.value as Uint8Array;
  }
  return path;
}

/** Bytes of a varint below 2^53 (plain numbers: BigInt is too slow for hundreds of thousands of levels). */
function varintSize(value: number): number {
  let size = 1;
  while (value >= 128) {
    value = Math.floor(value / 128);
    size += 1;
  }
  return size;
}

function writeVarint(out: Uint8Array, offset: number, value: number): number {
  while (value >= 128) {
    out[offset++] = (value % 128) | 0x80;
    value = Math.floor(value / 128);
  }
  out[offset++] = value;
  return offset;
}

/**
 * Nesting written into one buffer (a naive wrap-in-a-loop is quadratic): each level is a tag, a length and some
 * constant bytes before the child (e.g. a map entry's key).
 */
export function nested(
  levels: readonly { field: number; before?: Uint8Array }[],
  innermost: Uint8Array,
): Uint8Array {
  const inner = new Array<number>(levels.length);
  let length = innermost.byteLength;
  for (let i = levels.length - 1; i >= 0; i--) {
    const level = levels[i]!;
    const body = (level.before?.byteLength ?? 0) + length;
    inner[i] = body;
    length = varintSize(level.field * 8 + WireType.LEN) + varintSize(body) + body;
  }
  const out = new Uint8Array(length);
  let offset = 0;
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i]!;
    offset = writeVarint(out, offset, level.field * 8 + WireType.LEN);
    offset = writeVarint(out, offset, inner[i]!);
    if (level.before !== undefined) {
      out.set(level.before, offset);
      offset += level.before.byteLength;
    }
  }
  out.set(innermost, offset);
  return out;
}

const KEY = encodeFields([{ field: 1, wire: WireType.LEN, value: new TextEncoder().encode('k') }]);
const INT_LITERAL = encodeFields([
  {
    field: 1,
    wire: WireType.LEN,
    value: encodeFields([
      { field: 1, wire: WireType.LEN, value: encodeFields([{ field: 1, wire: WireType.VARINT, value: 7n }]) },
    ]),
  },
]);

/** Literal{collection=2: LiteralCollection{literals=1: Literal…}} or Literal{map=3: LiteralMap{literals=1: {key=1, value=2}}}. */
function deepLiteral(depth: number, asMap: boolean): Uint8Array {
  const levels: { field: number; before?: Uint8Array }[] = Array.from({ length: depth }, () =>
    asMap ? [{ field: 3 }, { field: 1 }, { field: 2, before: undefined }] : [{ field: 2 }, { field: 1 }],
  ).flat();
  if (asMap) {
    // The map entry level carries its key before the value.
    for (let i = 1; i < levels.length; i += 3) levels[i] = { field: 1, before: KEY };
  }
  return nested(levels, INT_LITERAL);
}

/** Struct{fields=1: {key=1, value=2: Value{struct_value=5: Struct…}}} or Value{list_value=6: ListValue{values=1: Value…}}. */
function deepStruct(depth: number, asList: boolean): Uint8Array {
  const levels = Array.from({ length: depth }, () =>
    asList
      ? [{ field: 1, before: KEY }, { field: 2 }, { field: 6 }, { field: 1 }, { field: 5 }]
      : [{ field: 1, before: KEY }, { field: 2 }, { field: 5 }],
  ).flat();
  return nested(levels, new Uint8Array());
}

function pick<T>(items: readonly T[], n: number): T {
  return items[n % items.length]!;
}

function coerce(field: WireField, wire: WireTypeNumber, seed: number): WireField {
  switch (wire) {
    case WireType.VARINT:
      return { field: field.field, wire, value: BigInt(seed) };
    case WireType.I64:
      return { field: field.field, wire, value: randomBytes(seed, 8) };
    case WireType.I32:
      return { field: field.field, wire, value: randomBytes(seed, 4) };
    case WireType.LEN:
      return {
        field: field.field,
        wire,
        value: typeof field.value === 'bigint' ? encodeVarint(field.value) : randomBytes(seed, seed % 16),
      };
    default:
      return { field: field.field, wire, value: new Uint8Array() };
  }
}

/** Applies one mutation to one message. Always returns bytes (possibly unchanged, when the site has no fields). */
export function mutate(bytes: Uint8Array, m: Mutation, limits: MutationLimits = DEFAULT_LIMITS): Uint8Array {
  switch (m.kind) {
    case 'flip-bit': {
      if (bytes.byteLength === 0) return Uint8Array.of(1 << (m.b % 8));
      const out = Uint8Array.from(bytes);
      out[m.a % out.byteLength]! ^= 1 << (m.b % 8);
      return out;
    }
    case 'truncate':
      return bytes.subarray(0, bytes.byteLength === 0 ? 0 : m.a % bytes.byteLength);
    case 'lying-length':
      // A LEN field claiming more bytes than follow.
      return concat([
        bytes,
        encodeVarint(BigInt(((1 + (m.a % 20)) << 3) | WireType.LEN)),
        encodeVarint(BigInt(1 + (m.b % 1_000_000))),
        randomBytes(m.c, m.c % 8),
      ]);
    case 'deep-literal':
    case 'deep-struct': {
      const depth = pick(limits.depths, m.a);
      // Inputs (CreateTask field 1 → entry 1 → value 2) or template.custom (field 2 → custom 5); the sync stream's
      // header carries the template at 1 → 1 and its inputs message at 2.
      const where =
        m.kind === 'deep-literal'
          ? [
              [1, 1],
              [2, 1],
            ]
          : [[2], [1, 1]];
      for (const route of where) {
        const path = pathOf(bytes, route);
        if (path === undefined) continue;
        const replacement =
          m.kind === 'deep-literal'
            ? { field: 2, wire: WireType.LEN, value: deepLiteral(depth, m.b % 2 === 0) }
            : { field: 5, wire: WireType.LEN, value: deepStruct(depth, m.b % 2 === 0) };
        return rewriteAt(bytes, path, (fields) => [
          ...fields.filter((f) => f.field !== replacement.field),
          replacement,
        ]);
      }
      return bytes;
    }
    default:
      break;
  }
  const sites = messageSites(bytes);
  const site = sites.length === 0 ? [] : pick(sites, m.a);
  return rewriteAt(bytes, site, (fields) => {
    const index = fields.length === 0 ? -1 : m.b % fields.length;
    const field = index < 0 ? undefined : fields[index]!;
    const replaceWith = (...replacement: WireField[]) => [
      ...fields.slice(0, index),
      ...replacement,
      ...fields.slice(index + 1),
    ];
    switch (m.kind) {
      case 'splice-random':
        return field === undefined
          ? fields
          : replaceWith({ field: field.field, wire: WireType.LEN, value: randomBytes(m.c, m.c % 96) });
      case 'wire-type':
        return field === undefined
          ? fields
          : replaceWith(coerce(field, ((field.wire + 1 + (m.c % 5)) % 6) as WireTypeNumber, m.c));
      case 'oversize': {
        if (field === undefined) return fields;
        const size = pick(limits.oversizeBytes, m.c);
        const value = new Uint8Array(size).fill(0x41 + (m.c % 26));
        return replaceWith({ field: field.field, wire: WireType.LEN, value });
      }
      case 'overlong-varint':
        // 11 continuation bytes: longer than any 64-bit varint.
        return field === undefined
          ? fields
          : replaceWith({
              field: field.field,
              wire: WireType.I64,
              value: Uint8Array.from([...new Array<number>(11).fill(0xff), 0x01]),
            });
      case 'extreme-number': {
        const varint = fields.findIndex((f, i) => i >= index && f.wire === WireType.VARINT);
        if (varint < 0)
          return [...fields, { field: 1 + (m.c % 12), wire: WireType.VARINT, value: pick(EXTREMES, m.c) }];
        const copy = [...fields];
        copy[varint] = { ...copy[varint]!, value: pick(EXTREMES, m.c) };
        return copy;
      }
      case 'duplicate':
        return field === undefined
          ? fields
          : [...fields, ...new Array<WireField>(2 + (m.c % 300)).fill(field)];
      case 'unknown-field': {
        const number = 1 + (m.c % 536_870_911);
        const wire = pick([WireType.VARINT, WireType.I64, WireType.LEN, WireType.I32] as const, m.b);
        return [...fields, coerce({ field: number, wire, value: BigInt(m.c) }, wire, m.c)];
      }
      case 'drop':
        return field === undefined ? fields : replaceWith();
      case 'reverse':
        return [...fields].reverse();
      case 'wrap-deep': {
        if (field === undefined || !(field.value instanceof Uint8Array)) return fields;
        const depth = pick(limits.depths, m.c);
        const levels = Array.from({ length: depth }, () => ({ field: pick([1, 2, 3, 5, 6], m.c) }));
        return replaceWith({ field: field.field, wire: WireType.LEN, value: nested(levels, field.value) });
      }
      case 'invalid-utf8': {
        const text = fields.findIndex((f, i) => i >= index && f.wire === WireType.LEN);
        if (text < 0) return fields;
        const copy = [...fields];
        copy[text] = {
          ...copy[text]!,
          value: Uint8Array.from([0x61, 0xc3, 0x28, 0xff, 0xfe, 0xed, 0xa0, 0x80]),
        };
        return copy;
      }
      default:
        return fields;
    }
  });
}

/** A fuzz case: a mutated seed of one target, or random bytes sent to one target. */
export type FuzzCase =
  | {
      readonly type: 'mutant';
      readonly target: number;
      readonly seed: number;
      readonly message: number;
      readonly mutations: readonly Mutation[];
    }
  | { readonly type: 'random'; readonly target: number; readonly bytes: Uint8Array };

const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom(...MUTATIONS),
  a: fc.nat(),
  b: fc.nat(),
  c: fc.nat(),
});

export const fuzzCaseArb: fc.Arbitrary<FuzzCase> = fc.oneof(
  {
    weight: 9,
    arbitrary: fc.record({
      type: fc.constant('mutant' as const),
      target: fc.nat(),
      seed: fc.nat(),
      message: fc.nat(),
      mutations: fc.array(mutationArb, { minLength: 1, maxLength: 4 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      type: fc.constant('random' as const),
      target: fc.nat(),
      bytes: fc.uint8Array({ maxLength: 2_048 }),
    }),
  },
);

/** The messages a case sends (a stream's other messages stay valid, so the mutated one is what is judged). */
export function caseMessages(
  c: FuzzCase,
  seeds: readonly (readonly Uint8Array[])[],
  limits: MutationLimits = DEFAULT_LIMITS,
): Uint8Array[] {
  if (c.type === 'random') return [c.bytes];
  const seed = [...pick(seeds, c.seed)];
  const index = c.message % seed.length;
  // A mutation that would grow the message past the cap is skipped: stacking oversize and duplicate could otherwise
  // build gigabytes, which tests the client's memory rather than the server.
  seed[index] = c.mutations.reduce((bytes, m) => {
    const next = mutate(bytes, m, limits);
    return next.byteLength > limits.maxMessageBytes ? bytes : next;
  }, seed[index]!);
  return seed;
}

/** A short description of a case for failure reports (bytes summarized, never dumped). */
export function describeCase(c: FuzzCase): string {
  if (c.type === 'random') return `random ${c.bytes.byteLength} bytes`;
  return c.mutations.map((m) => `${m.kind}(${m.a},${m.b},${m.c})`).join(' → ');
}
