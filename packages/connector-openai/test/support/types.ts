import type { LiteralType } from '@org/connector-core';
import { literalType } from '@org/connector-core/testing';

/** `list[dict]`: how a task declares inline batch requests. */
export const LIST_OF_STRUCTS: LiteralType = {
  ...literalType('STRUCT'),
  type: { case: 'collectionType', value: literalType('STRUCT') },
};
