// TypeScript types derived from JSON schemas written `as const`, so a shape that goes over the wire is
// written once, as its schema, and the code that builds or reads it is checked against that. Covers the
// JSON-schema keywords Eddy's schemas use: type (one or a list), properties, required,
// additionalProperties, items, enum, const, anyOf and oneOf. Other keywords (minLength, pattern, …)
// constrain values without changing their type and are ignored here.

type Primitive<T> = T extends 'string'
  ? string
  : T extends 'integer' | 'number'
    ? number
    : T extends 'boolean'
      ? boolean
      : T extends 'null'
        ? null
        : never;

type RequiredKeys<S> = S extends { readonly required: readonly (infer K)[] } ? K : never;

type Flatten<T> = { [K in keyof T]: T[K] } & {};

type Additional<S> = S extends { readonly additionalProperties: true }
  ? { readonly [key: string]: unknown }
  : S extends { readonly additionalProperties: infer A extends object }
    ? { readonly [key: string]: FromSchema<A> }
    : unknown;

type ObjectOf<S> = S extends { readonly properties: infer P }
  ? Flatten<
      { readonly [K in keyof P as K extends RequiredKeys<S> ? K : never]: FromSchema<P[K]> } & {
        readonly [K in keyof P as K extends RequiredKeys<S> ? never : K]?: FromSchema<P[K]>;
      } & Additional<S>
    >
  : S extends { readonly additionalProperties: true | object }
    ? Flatten<Additional<S>>
    : { readonly [key: string]: unknown };

type OfType<S, T> = T extends 'object' ? ObjectOf<S> : T extends 'array' ? ArrayOf<S> : Primitive<T>;

type ArrayOf<S> = S extends { readonly items: infer I } ? readonly FromSchema<I>[] : readonly unknown[];

type Alternatives<L> = L extends readonly unknown[] ? { [I in keyof L]: FromSchema<L[I]> }[number] : never;

/** The type of the values a JSON schema (declared `as const`) describes. */
export type FromSchema<S> = S extends { readonly const: infer C }
  ? C
  : S extends { readonly enum: readonly (infer E)[] }
    ? E
    : S extends { readonly anyOf: infer L }
      ? Alternatives<L>
      : S extends { readonly oneOf: infer L }
        ? Alternatives<L>
        : S extends { readonly type: infer T }
          ? T extends readonly (infer Each)[]
            ? OfType<S, Each>
            : OfType<S, T>
          : unknown;

type PlainObject<T> = T extends readonly unknown[] ? never : T extends object ? T : never;

/**
 * The members one type has and the other lacks, looking into nested objects (of object unions, every
 * member; of arrays, their items): `never` when both have the same members throughout. Assignability
 * misses a member one side lacks when it is optional; this does not.
 */
export type MissingMembers<A, B, Path extends string = ''> =
  | { [K in Exclude<KeysOf<A>, KeysOf<B>> & string]: `${Path}${K} only in the first` }[Exclude<KeysOf<A>, KeysOf<B>> & string]
  | { [K in Exclude<KeysOf<B>, KeysOf<A>> & string]: `${Path}${K} only in the second` }[Exclude<KeysOf<B>, KeysOf<A>> & string]
  | {
      [K in KeysOf<A> & KeysOf<B> & string]: MissingMembers<Nested<A, K>, Nested<B, K>, `${Path}${K}.`>;
    }[KeysOf<A> & KeysOf<B> & string];

type KeysOf<T> = T extends unknown ? keyof PlainObject<T> : never;
type ValueOf<T, K extends PropertyKey> = T extends unknown ? (K extends keyof T ? T[K] : never) : never;
type Nested<T, K extends PropertyKey> = ItemOf<NonNullable<ValueOf<T, K>>>;
type ItemOf<T> = T extends readonly (infer I)[] ? I : T;
