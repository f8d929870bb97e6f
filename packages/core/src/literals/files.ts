import { clone, create, isMessage } from '@bufbuild/protobuf';
import {
  BlobMetadataSchema,
  BlobSchema,
  SchemaSchema,
  StructuredDatasetMetadataSchema,
  StructuredDatasetSchema,
  type Blob,
  type Schema,
  type StructuredDataset,
} from '../gen/v2/flyteidl2/core/literals_pb.js';
import {
  BlobType_BlobDimensionality,
  BlobTypeSchema,
  LiteralTypeSchema,
  SchemaType_SchemaColumn_SchemaColumnType as SchemaColumnKind,
  SchemaType_SchemaColumnSchema,
  SchemaTypeSchema,
  StructuredDatasetType_DatasetColumnSchema,
  StructuredDatasetTypeSchema,
  type BlobType,
  type SchemaType,
  type StructuredDatasetType,
} from '../gen/v2/flyteidl2/core/types_pb.js';
import { describeValue } from './describe.js';
import { fail, type Location } from './problem.js';
import { isPlainObject } from './struct.js';
import type {
  BlobDimensionality,
  BlobValue,
  DatasetColumn,
  SchemaColumn,
  SchemaColumnType,
  SchemaValue,
  StructuredDatasetValue,
} from './values.js';

// Blobs, structured datasets and schemas are references to data in storage: core only passes the URI and its
// typing metadata along, it never reads the data.

// ---- Literal → value. The literal's own metadata describes the actual data; the declared type fills gaps.

export function blobToValue(blob: Blob, declared: BlobType | undefined): BlobValue {
  const type = blob.metadata?.type ?? declared;
  return {
    uri: blob.uri,
    format: blob.metadata?.type?.format || declared?.format || '',
    dimensionality: dimensionalityName(type?.dimensionality ?? BlobType_BlobDimensionality.SINGLE),
  };
}

export function datasetToValue(
  dataset: StructuredDataset,
  declared: StructuredDatasetType | undefined,
): StructuredDatasetValue {
  const own = dataset.metadata?.structuredDatasetType;
  const format = own?.format || declared?.format || '';
  const columns = own !== undefined && own.columns.length > 0 ? own.columns : (declared?.columns ?? []);
  const named = columns.flatMap((c): DatasetColumn[] =>
    c.literalType === undefined ? [] : [{ name: c.name, type: c.literalType }],
  );
  return named.length > 0 ? { uri: dataset.uri, format, columns: named } : { uri: dataset.uri, format };
}

export function schemaToValue(schema: Schema, declared: SchemaType | undefined): SchemaValue {
  const own = schema.type?.columns ?? [];
  const columns = own.length > 0 ? own : (declared?.columns ?? []);
  if (columns.length === 0) return { uri: schema.uri };
  return {
    uri: schema.uri,
    // A column kind this IDL does not know (a newer Flyte) has no name to give; it is left out.
    columns: columns.flatMap((c): SchemaColumn[] => {
      const type = SchemaColumnKind[c.type] as SchemaColumnType | undefined;
      return type === undefined ? [] : [{ name: c.name, type }];
    }),
  };
}

function dimensionalityName(d: BlobType_BlobDimensionality): BlobDimensionality {
  return d === BlobType_BlobDimensionality.MULTIPART ? 'MULTIPART' : 'SINGLE';
}

// ---- Value → literal. A plain string is a URI; missing fields come from the declared type.

export function valueToBlob(value: unknown, declared: BlobType, at: Location): Blob {
  const given = reference(value, 'a blob', at);
  const format = optionalString(given.format, 'format', at) || declared.format;
  let dimensionality = declared.dimensionality;
  if (given.dimensionality !== undefined) {
    if (given.dimensionality !== 'SINGLE' && given.dimensionality !== 'MULTIPART') {
      fail(at, "blob dimensionality must be 'SINGLE' or 'MULTIPART'");
    }
    dimensionality = BlobType_BlobDimensionality[given.dimensionality];
    // A directory where a file is declared (or the reverse) would break every consumer downstream.
    if (dimensionality !== declared.dimensionality) {
      fail(
        at,
        `expected a ${dimensionalityName(declared.dimensionality)} blob, found ${given.dimensionality}`,
      );
    }
  }
  const type = create(BlobTypeSchema, { format, dimensionality });
  return create(BlobSchema, { uri: given.uri, metadata: create(BlobMetadataSchema, { type }) });
}

export function valueToDataset(
  value: unknown,
  declared: StructuredDatasetType,
  at: Location,
): StructuredDataset {
  const given = reference(value, 'a structured dataset', at);
  const type = clone(StructuredDatasetTypeSchema, declared);
  type.format = optionalString(given.format, 'format', at) || declared.format;
  if (given.columns !== undefined) {
    type.columns = columnList(given.columns, at).map((c) => {
      if (!isPlainObject(c) || typeof c.name !== 'string' || !isMessage(c.type, LiteralTypeSchema)) {
        return fail(at, 'each structured dataset column must be { name: string, type: LiteralType }');
      }
      return create(StructuredDatasetType_DatasetColumnSchema, { name: c.name, literalType: c.type });
    });
  }
  return create(StructuredDatasetSchema, {
    uri: given.uri,
    metadata: create(StructuredDatasetMetadataSchema, { structuredDatasetType: type }),
  });
}

export function valueToSchema(value: unknown, declared: SchemaType, at: Location): Schema {
  const given = reference(value, 'a schema', at);
  const type = clone(SchemaTypeSchema, declared);
  if (given.columns !== undefined) {
    type.columns = columnList(given.columns, at).map((c) => {
      const kind = isPlainObject(c) && typeof c.type === 'string' ? schemaColumnKind(c.type) : undefined;
      if (!isPlainObject(c) || typeof c.name !== 'string' || kind === undefined) {
        return fail(
          at,
          'each schema column must be { name: string, type: INTEGER|FLOAT|STRING|BOOLEAN|DATETIME|DURATION }',
        );
      }
      return create(SchemaType_SchemaColumnSchema, { name: c.name, type: kind });
    });
  }
  return create(SchemaSchema, { uri: given.uri, type });
}

interface Reference {
  readonly uri: string;
  readonly format?: unknown;
  readonly dimensionality?: unknown;
  readonly columns?: unknown;
}

function reference(value: unknown, what: string, at: Location): Reference {
  const given: unknown = typeof value === 'string' ? { uri: value } : value;
  if (!isPlainObject(given)) {
    return fail(at, `expected ${what} (a URI string or { uri, ... }), found ${describeValue(value)}`);
  }
  if (typeof given.uri !== 'string' || given.uri === '') fail(at, `${what} needs a non-empty 'uri' string`);
  return given as unknown as Reference;
}

function optionalString(value: unknown, field: string, at: Location): string | undefined {
  if (value === undefined || typeof value === 'string') return value;
  return fail(at, `'${field}' must be a string, found ${describeValue(value)}`);
}

function columnList(value: unknown, at: Location): readonly unknown[] {
  if (!Array.isArray(value)) return fail(at, `'columns' must be an array, found ${describeValue(value)}`);
  return value as readonly unknown[];
}

function schemaColumnKind(name: string): SchemaColumnKind | undefined {
  // Numeric enums also map numbers back to names, so only a known name yields a number.
  const kind: unknown = (SchemaColumnKind as Record<string, unknown>)[name];
  return typeof kind === 'number' && Object.hasOwn(SchemaColumnKind, name) ? kind : undefined;
}
