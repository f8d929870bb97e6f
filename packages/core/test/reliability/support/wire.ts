// The protobuf wire format, written from the encoding spec (protobuf.dev/programming-guides/encoding) rather than
// taken from a protobuf library, so that the fuzzer can build bytes no library would produce: wrong wire types,
// lying lengths, overlong varints, nesting deeper than any encoder allows.

export const WireType = { VARINT: 0, I64: 1, LEN: 2, SGROUP: 3, EGROUP: 4, I32: 5 } as const;
export type WireTypeNumber = 0 | 1 | 2 | 3 | 4 | 5;

/** One field as it sits on the wire: varints as bigint, I64/I32 and LEN payloads as bytes. */
export interface WireField {
  readonly field: number;
  readonly wire: WireTypeNumber;
  readonly value: bigint | Uint8Array;
}

export function encodeVarint(value: bigint): Uint8Array {
  // Negative int32/int64 values go on the wire as their 64-bit two's complement (10 bytes).
  let v = BigInt.asUintN(64, value);
  const bytes: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) byte |= 0x80;
    bytes.push(byte);
  } while (v !== 0n);
  return Uint8Array.from(bytes);
}

function tag(field: number, wire: number): Uint8Array {
  return encodeVarint((BigInt(field) << 3n) | BigInt(wire));
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const total = parts.reduce((sum, part) => sum + part.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

export function encodeField(field: WireField): Uint8Array {
  const head = tag(field.field, field.wire);
  if (field.wire === WireType.VARINT) {
    const value = typeof field.value === 'bigint' ? field.value : 0n;
    return concat([head, encodeVarint(value)]);
  }
  const bytes = typeof field.value === 'bigint' ? encodeVarint(field.value) : field.value;
  if (field.wire === WireType.LEN) return concat([head, encodeVarint(BigInt(bytes.byteLength)), bytes]);
  // I64, I32 and the group markers carry their payload raw (the fuzzer may give them the wrong size on purpose).
  return concat([head, bytes]);
}

export function encodeFields(fields: readonly WireField[]): Uint8Array {
  return concat(fields.map(encodeField));
}

/** A LEN field holding a message. */
export function messageField(field: number, fields: readonly WireField[]): WireField {
  return { field, wire: WireType.LEN, value: encodeFields(fields) };
}

export function stringField(field: number, text: string): WireField {
  return { field, wire: WireType.LEN, value: new TextEncoder().encode(text) };
}

class Reader {
  offset = 0;
  constructor(readonly bytes: Uint8Array) {}

  get done(): boolean {
    return this.offset >= this.bytes.byteLength;
  }

  varint(): bigint | undefined {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.offset >= this.bytes.byteLength) return undefined;
      const byte = this.bytes[this.offset++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return BigInt.asUintN(64, result);
    }
    return undefined;
  }

  take(length: number): Uint8Array | undefined {
    if (length < 0 || this.offset + length > this.bytes.byteLength) return undefined;
    const slice = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return slice;
  }
}

/**
 * Splits bytes into fields. Returns undefined unless the whole input is a clean sequence of fields with field
 * numbers ≥ 1 (so that a LEN payload which merely happens to start like a field is not taken for a message).
 */
export function decodeFields(bytes: Uint8Array): WireField[] | undefined {
  const reader = new Reader(bytes);
  const fields: WireField[] = [];
  while (!reader.done) {
    const key = reader.varint();
    if (key === undefined) return undefined;
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (field < 1 || field > 536_870_911) return undefined;
    let value: bigint | Uint8Array | undefined;
    switch (wire) {
      case WireType.VARINT:
        value = reader.varint();
        break;
      case WireType.I64:
        value = reader.take(8);
        break;
      case WireType.I32:
        value = reader.take(4);
        break;
      case WireType.LEN: {
        const length = reader.varint();
        value = length === undefined || length > 0x7fffffffn ? undefined : reader.take(Number(length));
        break;
      }
      default:
        return undefined; // groups are not used by Flyte's messages
    }
    if (value === undefined) return undefined;
    fields.push({ field, wire: wire, value });
  }
  return fields;
}
