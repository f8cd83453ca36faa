/**
 * A small validator for OpenAPI 3.0 response schemas, enough for Pipedrive's specs: `$ref`,
 * `type`, `nullable`, `enum`, `properties`, `required`, `items`, `additionalProperties`,
 * `allOf`/`oneOf`/`anyOf`, and the formats `uuid`, `date` and `date-time`. Extra properties are
 * allowed unless a schema sets `additionalProperties: false`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

// biome-ignore lint/suspicious/noExplicitAny: OpenAPI documents are untyped JSON
export type Schema = Record<string, any>;

export interface SchemaError {
  /** JSON pointer into the validated value, e.g. `/data/0/org_id`. */
  pointer: string;
  message: string;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, Schema>>;
  components?: Schema;
}

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** `../shared/pipedrive-openapi` relative to the repository root (where CI puts the specs). */
export const SPEC_DIR = resolve(REPO_ROOT, '../shared/pipedrive-openapi');

export function loadSpec(version: 'v1' | 'v2'): OpenApiDocument {
  const file = resolve(SPEC_DIR, `openapi-${version}.yaml`);
  if (!existsSync(file)) {
    throw new Error(
      `Pipedrive OpenAPI spec not found at ${file}. The conformance check needs ../shared/pipedrive-openapi/openapi-${version}.yaml next to the repository.`,
    );
  }
  return parse(readFileSync(file, 'utf8'), { maxAliasCount: -1 }) as OpenApiDocument;
}

/** The JSON schema of one documented response, or undefined when the spec has none. */
export function responseSchema(
  doc: OpenApiDocument,
  path: string,
  method: string,
  status: number,
): Schema | undefined {
  const op = doc.paths[path]?.[method.toLowerCase()];
  if (!op) throw new Error(`The spec has no ${method.toUpperCase()} ${path}`);
  const response = op.responses?.[String(status)] ?? op.responses?.default;
  const resolved = response?.$ref ? deref(doc, response.$ref) : response;
  return resolved?.content?.['application/json']?.schema;
}

function deref(doc: OpenApiDocument, ref: string): Schema {
  if (!ref.startsWith('#/')) throw new Error(`Only local $refs are supported, got ${ref}`);
  let node: unknown = doc;
  for (const part of ref.slice(2).split('/')) {
    node = (node as Record<string, unknown>)?.[part.replaceAll('~1', '/').replaceAll('~0', '~')];
  }
  if (node === undefined) throw new Error(`Unresolvable $ref ${ref}`);
  return node as Schema;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

const FORMATS: Record<string, RegExp> = {
  uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  date: /^\d{4}-\d{2}-\d{2}$/,
  'date-time': /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/,
};

export function validate(doc: OpenApiDocument, schema: Schema, value: unknown, pointer = ''): SchemaError[] {
  if (schema.$ref) return validate(doc, deref(doc, schema.$ref), value, pointer);
  const errors: SchemaError[] = [];
  const err = (message: string, at = pointer) => errors.push({ pointer: at || '/', message });

  if (value === null) {
    // `nullable: true` on the schema or on any allOf member; untyped schemas accept anything.
    const nullable =
      schema.nullable === true ||
      (schema.allOf ?? []).some((s: Schema) => resolveRef(doc, s).nullable === true);
    const typed = schema.type !== undefined || schema.properties !== undefined || schema.allOf !== undefined;
    if (!nullable && typed) err('is null but the schema is not nullable');
    return errors;
  }

  for (const sub of schema.allOf ?? []) errors.push(...validate(doc, sub, value, pointer));
  if (schema.oneOf || schema.anyOf) {
    const options: Schema[] = schema.oneOf ?? schema.anyOf;
    const fits = options.filter((s) => validate(doc, s, value, pointer).length === 0).length;
    if (fits === 0) err(`matches none of the ${schema.oneOf ? 'oneOf' : 'anyOf'} schemas`);
  }

  const actual = typeOf(value);
  if (schema.type) {
    const ok = schema.type === actual || (schema.type === 'number' && actual === 'integer');
    if (!ok) {
      err(`is ${actual} (${JSON.stringify(value)?.slice(0, 60)}) but the schema says ${schema.type}`);
      return errors;
    }
  }
  if (schema.enum && !schema.enum.includes(value))
    err(`${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  if (
    typeof value === 'string' &&
    schema.format &&
    FORMATS[schema.format] &&
    !FORMATS[schema.format]!.test(value)
  ) {
    err(`"${value}" is not a ${schema.format}`);
  }
  if (actual === 'array' && schema.items) {
    (value as unknown[]).forEach((item, i) => {
      errors.push(...validate(doc, schema.items, item, `${pointer}/${i}`));
    });
  }
  if (actual === 'object') {
    const obj = value as Record<string, unknown>;
    for (const key of schema.required ?? []) {
      if (!(key in obj)) err(`is missing required property "${key}"`);
    }
    const props: Record<string, Schema> = schema.properties ?? {};
    for (const [key, v] of Object.entries(obj)) {
      const at = `${pointer}/${key}`;
      if (props[key]) errors.push(...validate(doc, props[key], v, at));
      else if (schema.additionalProperties === false) err('is not allowed (additionalProperties: false)', at);
      else if (typeof schema.additionalProperties === 'object') {
        errors.push(...validate(doc, schema.additionalProperties, v, at));
      }
    }
  }
  return errors;
}

function resolveRef(doc: OpenApiDocument, schema: Schema): Schema {
  return schema.$ref ? resolveRef(doc, deref(doc, schema.$ref)) : schema;
}
