import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import { InvalidArgumentError } from '../errors.js';

/**
 * The bytes of a length-delimited top-level field of an encoded message (the last occurrence, as protobuf merges),
 * as a view without copying; undefined when absent. Reading a sub-message's size or re-reading it under another
 * schema from the wire costs nothing, where re-encoding a decoded 1 MiB input costs milliseconds.
 *
 * @throws InvalidArgumentError naming `messageName` when the bytes cannot be walked. protobuf-es decodes some
 *   malformed messages leniently (an unterminated group runs to the end of the input), so a request that decoded
 *   can still fail here; it is the caller's mistake either way.
 */
export function lengthDelimitedField(
  message: Uint8Array,
  fieldNumber: number,
  messageName: string,
): Uint8Array | undefined {
  const reader = new BinaryReader(message);
  let found: Uint8Array | undefined;
  try {
    while (reader.pos < reader.len) {
      const [number, wireType] = reader.tag();
      if (number === fieldNumber && wireType === WireType.LengthDelimited) found = reader.bytes();
      else reader.skip(wireType, number);
    }
  } catch (error) {
    throw new InvalidArgumentError(
      `the request is not a valid ${messageName}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return found;
}
