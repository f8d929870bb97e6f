import { fromBinary, toBinary, type DescMessage, type MessageShape } from '@bufbuild/protobuf';

/**
 * Re-reads a message of one IDL as the wire-compatible message of the other: Flyte 1 and Flyte 2 share field
 * numbers for templates, literals and resources (a map on the wire is a repeated entry message), so a binary round
 * trip converts them; fields only one side knows are kept as unknown fields.
 */
export function convertMessage<From extends DescMessage, To extends DescMessage>(
  from: From,
  to: To,
  message: MessageShape<From>,
): MessageShape<To> {
  return fromBinary(to, toBinary(from, message));
}
