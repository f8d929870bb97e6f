import { create } from '@bufbuild/protobuf';
import {
  LiteralCollectionSchema,
  LiteralMapSchema,
  LiteralSchema,
  PrimitiveSchema,
  ScalarSchema,
  VoidSchema,
  type Literal,
  type Primitive,
  type Scalar,
} from '../gen/v2/flyteidl2/core/literals_pb.js';

// Small constructors for the nested oneofs of Literal; they keep the converters readable.

export function scalarLiteral(value: Scalar['value']): Literal {
  return create(LiteralSchema, { value: { case: 'scalar', value: create(ScalarSchema, { value }) } });
}

export function primitiveLiteral(value: Primitive['value']): Literal {
  return scalarLiteral({ case: 'primitive', value: create(PrimitiveSchema, { value }) });
}

export function noneLiteral(): Literal {
  return scalarLiteral({ case: 'noneType', value: create(VoidSchema) });
}

export function collectionLiteral(literals: Literal[]): Literal {
  return create(LiteralSchema, {
    value: { case: 'collection', value: create(LiteralCollectionSchema, { literals }) },
  });
}

export function mapLiteral(literals: Record<string, Literal>): Literal {
  return create(LiteralSchema, { value: { case: 'map', value: create(LiteralMapSchema, { literals }) } });
}
