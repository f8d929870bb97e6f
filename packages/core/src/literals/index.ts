/**
 * Conversion between Flyte literals and the JS values connectors work with, driven by declared types. The value
 * model is documented in `values.ts`.
 */
export { declaredOutputTypes, literalsToValues, valuesToLiterals, variableTypes } from './variables.js';
export { literalToValue, type LiteralToValueOptions } from './to-value.js';
export { valueToLiteral, type ValueToLiteralOptions } from './to-literal.js';
export { MAX_DEPTH, type Role } from './problem.js';
export type {
  BlobDimensionality,
  BlobValue,
  DatasetColumn,
  SchemaColumn,
  SchemaColumnType,
  SchemaValue,
  StructEncoding,
  StructuredDatasetValue,
} from './values.js';
