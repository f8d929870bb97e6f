import { create, fromJson, type JsonValue } from '@bufbuild/protobuf';
import {
  BlobType_BlobDimensionality,
  LiteralTypeSchema,
  SimpleType,
  TypeStructureSchema,
  type LiteralType,
} from '../gen/v2/flyteidl2/core/types_pb.js';
import { InvalidArgumentError } from '../errors.js';

/**
 * The small type vocabulary of task files, mapped to Flyte `LiteralType`s:
 *
 * | written                                          | LiteralType                                  |
 * | ------------------------------------------------ | -------------------------------------------- |
 * | `integer` (`int`), `float`, `string` (`str`), `boolean` (`bool`), `datetime`, `duration`, `none`, `binary` (`bytes`) | simple |
 * | `struct` (`dict`, `json`): dataclasses, pydantic models, untyped dicts | simple STRUCT                 |
 * | `list<T>`                                        | collection of T                              |
 * | `map<T>` (`dict<T>`): string keys                | map of T                                     |
 * | `optional<T>`                                    | union of T and none                          |
 * | `union<T1, T2, ...>`                             | union                                        |
 * | `enum(a, b, c)`                                  | enum                                         |
 * | `file`, `file(csv)`                              | blob, single, with an optional format        |
 * | `directory` (`dir`), `directory(csv)`            | blob, multipart                              |
 * | `structured_dataset` (`dataframe`), `structured_dataset(parquet)` | structured dataset          |
 *
 * Names are case-insensitive. Anything else can be written as the proto JSON of a `LiteralType`
 * (e.g. `{ simple: INTEGER }`).
 */
export function parseTypeSpec(spec: unknown, what: string): LiteralType {
  if (typeof spec === 'string') return new TypeParser(spec, what).parse();
  if (typeof spec === 'object' && spec !== null && !Array.isArray(spec)) {
    try {
      return fromJson(LiteralTypeSchema, spec as JsonValue);
    } catch (error) {
      throw new InvalidArgumentError(
        `${what}: not a LiteralType in proto JSON (${(error as Error).message})`,
      );
    }
  }
  throw new InvalidArgumentError(`${what}: expected a type name such as "integer" or "list<string>"`);
}

const SIMPLE: Readonly<Record<string, SimpleType>> = {
  integer: SimpleType.INTEGER,
  int: SimpleType.INTEGER,
  float: SimpleType.FLOAT,
  string: SimpleType.STRING,
  str: SimpleType.STRING,
  boolean: SimpleType.BOOLEAN,
  bool: SimpleType.BOOLEAN,
  datetime: SimpleType.DATETIME,
  duration: SimpleType.DURATION,
  none: SimpleType.NONE,
  binary: SimpleType.BINARY,
  bytes: SimpleType.BINARY,
  struct: SimpleType.STRUCT,
  dict: SimpleType.STRUCT,
  json: SimpleType.STRUCT,
};

/** A recursive-descent parser over the grammar `name ('<' type (',' type)* '>' | '(' word (',' word)* ')')?`. */
class TypeParser {
  private pos = 0;

  constructor(
    private readonly text: string,
    private readonly what: string,
  ) {}

  parse(): LiteralType {
    const type = this.type();
    this.skipSpace();
    if (this.pos < this.text.length) this.fail(`unexpected '${this.text.slice(this.pos)}'`);
    return type;
  }

  private type(): LiteralType {
    const name = this.word().toLowerCase();
    const simple = SIMPLE[name];
    if (simple !== undefined && !this.peek('<'))
      return create(LiteralTypeSchema, { type: { case: 'simple', value: simple } });
    switch (name) {
      case 'list':
        return create(LiteralTypeSchema, { type: { case: 'collectionType', value: this.single() } });
      case 'map':
      case 'dict':
        return create(LiteralTypeSchema, { type: { case: 'mapValueType', value: this.single() } });
      case 'optional': {
        const none = create(LiteralTypeSchema, { type: { case: 'simple', value: SimpleType.NONE } });
        return union([this.single(true), tagged(none, 'none')]);
      }
      case 'union':
        return union(this.parameters(true));
      case 'enum':
        return create(LiteralTypeSchema, { type: { case: 'enumType', value: { values: this.words() } } });
      case 'file':
      case 'directory':
      case 'dir': {
        const format = this.format();
        const dimensionality =
          name === 'file' ? BlobType_BlobDimensionality.SINGLE : BlobType_BlobDimensionality.MULTIPART;
        return create(LiteralTypeSchema, { type: { case: 'blob', value: { format, dimensionality } } });
      }
      case 'structured_dataset':
      case 'dataframe':
        return create(LiteralTypeSchema, {
          type: { case: 'structuredDatasetType', value: { format: this.format() } },
        });
      default:
        return this.fail(`unknown type '${name}'`);
    }
  }

  /** `<T>`; tagged when it is a union variant (`optional<T>`). */
  private single(tag = false): LiteralType {
    const types = this.parameters(tag);
    if (types.length !== 1) this.fail('expected exactly one type parameter');
    return types[0]!;
  }

  /** `<T1, T2, ...>`; union variants are tagged with their own text (Flyte matches union variants by tag). */
  private parameters(tag: boolean): LiteralType[] {
    this.expect('<');
    const types: LiteralType[] = [];
    do {
      this.skipSpace();
      const start = this.pos;
      const type = this.type();
      types.push(tag ? tagged(type, this.text.slice(start, this.pos).trim()) : type);
      this.skipSpace();
    } while (this.accept(','));
    this.expect('>');
    return types;
  }

  /** `(a, b, c)` */
  private words(): string[] {
    this.expect('(');
    const words: string[] = [];
    do words.push(this.word());
    while (this.accept(','));
    this.expect(')');
    return words;
  }

  /** An optional `(format)`. */
  private format(): string {
    if (!this.peek('(')) return '';
    const words = this.words();
    if (words.length !== 1) this.fail('expected one format, e.g. file(csv)');
    return words[0]!;
  }

  private word(): string {
    this.skipSpace();
    const match = /^[A-Za-z0-9_.\-/]+/.exec(this.text.slice(this.pos));
    if (match === null) return this.fail('expected a name');
    this.pos += match[0].length;
    return match[0];
  }

  private peek(char: string): boolean {
    this.skipSpace();
    return this.text[this.pos] === char;
  }

  private accept(char: string): boolean {
    if (!this.peek(char)) return false;
    this.pos += 1;
    return true;
  }

  private expect(char: string): void {
    if (!this.accept(char)) this.fail(`expected '${char}'`);
  }

  private skipSpace(): void {
    while (this.text[this.pos] === ' ' || this.text[this.pos] === '\t') this.pos += 1;
  }

  private fail(problem: string): never {
    throw new InvalidArgumentError(`${this.what}: invalid type "${this.text}": ${problem}`);
  }
}

/** Sets the variant tag (on a type this parser just created). */
function tagged(type: LiteralType, tag: string): LiteralType {
  type.structure = create(TypeStructureSchema, { tag });
  return type;
}

function union(variants: LiteralType[]): LiteralType {
  return create(LiteralTypeSchema, { type: { case: 'unionType', value: { variants } } });
}
