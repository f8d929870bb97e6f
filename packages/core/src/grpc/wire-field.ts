import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';

/**
 * The bytes of a length-delimited top-level field of an encoded message (the last occurrence, as protobuf merges),
 * as a view without copying; undefined when absent. Reading a sub-message's size or re-reading it under another
 * schema from the wire costs nothing, where re-encoding a decoded 1 MiB input costs milliseconds.
 */
export function lengthDelimitedField(message: Uint8Array, fieldNumber: number): Uint8Array | undefined {
  const reader = new BinaryReader(message);
  let found: Uint8Array | undefined;
  while (reader.pos < reader.len) {
    const [number, wireType] = reader.tag();
    if (number === fieldNumber && wireType === WireType.LengthDelimited) found = reader.bytes();
    else reader.skip(wireType, number);
  }
  return found;
}
