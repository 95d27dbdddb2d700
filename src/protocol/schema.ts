/**
 * The declaration language for Kafka messages.
 *
 * Each API is declared once (src/protocol/messages/NN-name.ts), for all its versions, as a
 * struct of fields. A field names the versions in which it exists, the versions in which it
 * may be null, and, for tagged fields (KIP-482), its tag and tagged versions. A field absent
 * from a version reads as its default and is not written. The TypeScript type of a message is
 * inferred from its declaration, so one type serves every version.
 *
 *   export const Heartbeat = defineApi({
 *     key: 12, name: 'Heartbeat', versions: '0-4', flexible: '4+',
 *     request: {
 *       groupId: string('0+'),
 *       generationId: int32('0+'),
 *       memberId: string('0+'),
 *       groupInstanceId: string('3+', { nullable: '3+', default: null }),
 *     },
 *     response: { throttleTimeMs: int32('1+'), errorCode: int16('0+') },
 *   });
 *
 * Field names are Kafka's, camelCased (`ProducerId` → `producerId`). Kinds map to JavaScript
 * values as follows: integers and float64 → number (int64 exact below 2^53), bool → boolean,
 * uuid → lower-case dashed string, string → string, bytes and records → Buffer (records stay
 * opaque: a slice of the frame, never parsed here), arrays → arrays, structs → objects.
 */

export type PrimitiveKind =
  | 'int8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'float64'
  | 'bool'
  | 'uuid'
  | 'string'
  | 'bytes'
  | 'records';

export type FieldKind = PrimitiveKind | 'array' | 'struct';

export interface FieldOptions<T> {
  /** Versions in which the value may be null ("3+"). Nullable strings, bytes, records, arrays and structs. */
  nullable?: string;
  /** Tag number: the field travels in the tagged-field section of flexible versions. */
  tag?: number;
  /** Versions in which the field is tagged; required with `tag`. */
  tagged?: string;
  /** Value when absent from a version (and the value a tagged field is omitted at). */
  default?: T;
  /** Never use the compact encoding, even in flexible versions (the request header's clientId). */
  neverCompact?: boolean;
}

export interface FieldSpec<T = unknown> {
  readonly kind: FieldKind;
  readonly versions: string;
  readonly nullable?: string;
  readonly tag?: number;
  readonly tagged?: string;
  readonly default?: T;
  readonly neverCompact?: boolean;
  /** For arrays: the element kind, or 'struct' with `fields`. */
  readonly items?: PrimitiveKind | 'struct';
  /** For structs and arrays of structs. */
  readonly fields?: StructSpec;
  /** Phantom: carries the value type for inference only. */
  readonly __type?: T;
}

export type StructSpec = { readonly [name: string]: FieldSpec<any> };

/** Tagged fields this declaration does not know, kept so that re-encoding loses nothing. */
export interface UnknownTaggedField {
  tag: number;
  data: Buffer;
}

export type Infer<S extends StructSpec> = {
  -readonly [K in keyof S]: S[K] extends FieldSpec<infer T> ? T : never;
} & { _unknownTaggedFields?: UnknownTaggedField[] };

type Nullable<T, O> = O extends { nullable: string } ? T | null : T;

interface PrimitiveTypes {
  int8: number;
  int16: number;
  uint16: number;
  int32: number;
  uint32: number;
  int64: number;
  float64: number;
  bool: boolean;
  uuid: string;
  string: string;
  bytes: Buffer;
  records: Buffer;
}

function primitive<K extends PrimitiveKind>(kind: K) {
  return <O extends FieldOptions<PrimitiveTypes[K] | null>>(
    versions: string,
    options?: O,
  ): FieldSpec<Nullable<PrimitiveTypes[K], O>> => ({ kind, versions, ...options }) as FieldSpec<Nullable<PrimitiveTypes[K], O>>;
}

export const int8 = primitive('int8');
export const int16 = primitive('int16');
export const uint16 = primitive('uint16');
export const int32 = primitive('int32');
export const uint32 = primitive('uint32');
export const int64 = primitive('int64');
export const float64 = primitive('float64');
export const bool = primitive('bool');
export const uuid = primitive('uuid');
export const string = primitive('string');
export const bytes = primitive('bytes');
export const records = primitive('records');

/** An array of structs: `array('0+', { partition: int32('0+'), ... })`. */
export function array<S extends StructSpec, O extends FieldOptions<Infer<S>[] | null>>(
  versions: string,
  fields: S,
  options?: O,
): FieldSpec<Nullable<Infer<S>[], O>> {
  return { kind: 'array', items: 'struct', versions, fields, ...options } as FieldSpec<Nullable<Infer<S>[], O>>;
}

/** An array of primitives: `arrayOf('int32', '0+')`. */
export function arrayOf<K extends PrimitiveKind, O extends FieldOptions<PrimitiveTypes[K][] | null>>(
  items: K,
  versions: string,
  options?: O,
): FieldSpec<Nullable<PrimitiveTypes[K][], O>> {
  return { kind: 'array', items, versions, ...options } as FieldSpec<Nullable<PrimitiveTypes[K][], O>>;
}

/** A single nested struct (Kafka's non-array struct fields, often tagged). */
export function struct<S extends StructSpec, O extends FieldOptions<Infer<S> | null>>(
  versions: string,
  fields: S,
  options?: O,
): FieldSpec<Nullable<Infer<S>, O>> {
  return { kind: 'struct', versions, fields, ...options } as FieldSpec<Nullable<Infer<S>, O>>;
}

export interface ApiDeclaration<Req extends StructSpec, Res extends StructSpec> {
  /** The API key of the protocol table. */
  key: number;
  /** Kafka's name for the API ("Produce", "ApiVersions"). */
  name: string;
  /** Versions this declaration covers ("0-11"). */
  versions: string;
  /** Versions using compact encodings and tagged fields ("9+"), or "none". */
  flexible: string;
  request: Req;
  response: Res;
}

export interface ApiSpec<Req extends StructSpec = StructSpec, Res extends StructSpec = StructSpec>
  extends Readonly<ApiDeclaration<Req, Res>> {
  readonly lowest: number;
  readonly highest: number;
}

export function defineApi<Req extends StructSpec, Res extends StructSpec>(d: ApiDeclaration<Req, Res>): ApiSpec<Req, Res> {
  const [lowest, highest] = d.versions.split('-').map(Number) as [number, number | undefined];
  return Object.freeze({ ...d, lowest, highest: highest ?? lowest });
}

export type RequestOf<A> = A extends ApiSpec<infer Req, StructSpec> ? Infer<Req> : never;
export type ResponseOf<A> = A extends ApiSpec<StructSpec, infer Res> ? Infer<Res> : never;
