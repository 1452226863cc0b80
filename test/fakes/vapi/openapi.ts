/**
 * Vapi's OpenAPI document (a committed copy of shared/vapi/openapi.json), made usable by ajv, and the two checks the
 * Vapi fake runs: request bodies against the operation's request schema plus Vapi's whitelist rule, and (for tests)
 * response bodies against the operation's response schema, both read from the `paths` section.
 *
 * Normalisation of the OpenAPI 3.0 document (what the contract asks, plus two fixes the document needs):
 * - `nullable: true` becomes a `null` type (or `anyOf [schema, null]` when the schema has no `type`);
 * - empty `enum: []` is dropped;
 * - `discriminator` is kept for ajv (its `mapping` removed; ajv derives the same mapping from the branches' enums,
 *   and the tag is added to `required`, which ajv needs); a `oneOf` whose branches all require a property with
 *   disjoint enum values gets the same treatment (Vapi's model, voice, transcriber unions: clean error messages);
 * - any other `oneOf` becomes `anyOf`: the document's unions are not exclusive (a `{role:"user", ...}` artifact
 *   message matches both `UserMessage` and `BotMessage`), so strict `oneOf` would reject real Vapi payloads;
 * - `type: "object"` next to a string `enum` (e.g. `BackoffPlan.type: ["fixed","exponential"]`) loses the `type`,
 *   an `enum` on an array (`serverMessages`, 33 places; the items carry the same enum) is dropped,
 *   and `BackoffPlan.excludedStatusCodes` items accept numbers: the document is wrong there and Vapi accepts the
 *   documented `{type: "fixed", excludedStatusCodes: [400]}`;
 * - annotation keywords (`description`, `example`, ...) are dropped to keep compilation fast.
 * Compilation is lazy (per operation) and cached for the life of the process.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Schema = { [key: string]: Json };

const OPENAPI_PATH = join(__dirname, 'openapi.json');
const REF_PREFIX = '#/components/schemas/';
const AJV_REF_PREFIX = 'vapi#/components/schemas/';

interface OpenApiDoc {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}
interface Operation {
  parameters?: { name: string; in: string; required?: boolean; schema?: Schema }[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, { content?: Record<string, { schema?: Schema }> }>;
}

let docCache: OpenApiDoc | null = null;
let normalizedCache: Record<string, Schema> | null = null;
let ajvCache: Ajv | null = null;
const validators = new Map<string, ValidateFunction>();

/** The raw document (parsed once per process). */
export function openApiDocument(): OpenApiDoc {
  docCache ??= JSON.parse(readFileSync(OPENAPI_PATH, 'utf8')) as OpenApiDoc;
  return docCache;
}

/** The normalised component schemas (see the file comment). */
export function normalizedSchemas(): Record<string, Schema> {
  if (normalizedCache) return normalizedCache;
  const raw = openApiDocument().components.schemas;
  const out: Record<string, Schema> = {};
  for (const [name, schema] of Object.entries(raw)) out[name] = normalizeSchema(schema, raw);
  patchKnownDefects(out);
  normalizedCache = out;
  return out;
}

function patchKnownDefects(schemas: Record<string, Schema>): void {
  const backoff = schemas.BackoffPlan as { properties?: Record<string, Schema> } | undefined;
  const excluded = backoff?.properties?.excludedStatusCodes;
  if (excluded) excluded.items = { type: ['number', 'string'] };
}

const ANNOTATIONS = new Set([
  'description',
  'title',
  'example',
  'examples',
  'deprecated',
  'readOnly',
  'writeOnly',
  'default',
  'nullable',
  'discriminator',
  'oneOf',
]);

function deref(schema: Schema | undefined, raw: Record<string, Schema>): Schema | undefined {
  let s = schema;
  for (let i = 0; s && typeof s.$ref === 'string' && i < 20; i++) {
    s = raw[(s.$ref as string).slice(REF_PREFIX.length)];
  }
  return s;
}

/** The property a union can be dispatched on (explicit discriminator, or inferred), or null. */
function unionTag(schema: Schema, raw: Record<string, Schema>): string | null {
  const branches = schema.oneOf as Schema[] | undefined;
  if (!Array.isArray(branches) || branches.length === 0) return null;
  const explicit = (schema.discriminator as { propertyName?: string } | undefined)?.propertyName;
  const resolved = branches.map((b) => deref(b, raw));
  const candidates = explicit ? [explicit] : Object.keys((resolved[0]?.properties as Schema | undefined) ?? {});
  for (const tag of candidates) {
    const seen = new Set<Json>();
    let ok = true;
    for (const b of resolved) {
      const prop = (b?.properties as Record<string, Schema> | undefined)?.[tag];
      const values = prop?.enum ?? (prop && 'const' in prop ? [prop.const as Json] : undefined);
      const required = Array.isArray(b?.required) && (b.required as string[]).includes(tag);
      if (!Array.isArray(values) || values.length === 0 || (!explicit && !required)) {
        ok = false;
        break;
      }
      for (const v of values) {
        if (seen.has(v)) ok = false;
        seen.add(v);
      }
    }
    if (ok) return tag;
  }
  return null;
}

function normalizeSchema(schema: Schema, raw: Record<string, Schema>): Schema {
  if (!schema || typeof schema !== 'object' || Array.isArray(schema)) return schema;
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (ANNOTATIONS.has(key)) continue;
    if (key === '$ref') {
      out.$ref = value;
    } else if (key === 'properties' && value && typeof value === 'object' && !Array.isArray(value)) {
      const props: Schema = {};
      for (const [name, sub] of Object.entries(value)) props[name] = normalizeSchema(sub as Schema, raw);
      out.properties = props;
    } else if ((key === 'items' || key === 'additionalProperties' || key === 'not') && isObject(value)) {
      out[key] = normalizeSchema(value as Schema, raw);
    } else if ((key === 'allOf' || key === 'anyOf') && Array.isArray(value)) {
      out[key] = value.map((s) => normalizeSchema(s as Schema, raw));
    } else if (key === 'enum' && Array.isArray(value) && value.length === 0) {
      continue;
    } else {
      out[key] = value;
    }
  }
  if (Array.isArray(schema.oneOf)) {
    const branches = (schema.oneOf as Schema[]).map((s) => normalizeSchema(s, raw));
    const tag = unionTag(schema, raw);
    if (tag) {
      out.oneOf = branches;
      out.discriminator = { propertyName: tag };
      out.required = [...new Set([...((out.required as string[] | undefined) ?? []), tag])];
      out['x-union-tag'] = tag;
    } else {
      out.anyOf = branches;
    }
  }
  if (out.type === 'object' && Array.isArray(out.enum)) delete out.type;
  // `serverMessages: {type: array, enum: [...], items: {enum: [...]}}`: the enum belongs to the items.
  if (out.type === 'array' && Array.isArray(out.enum)) delete out.enum;
  if (schema.nullable === true) {
    if (typeof out.type === 'string') {
      out.type = [out.type, 'null'];
      if (Array.isArray(out.enum)) out.enum = [...out.enum, null];
      out['x-nullable'] = true;
    } else {
      return { anyOf: [out, { type: 'null' }], 'x-nullable': true };
    }
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function rewriteRefs(schema: Json): Json {
  if (Array.isArray(schema)) return schema.map(rewriteRefs);
  if (!schema || typeof schema !== 'object') return schema;
  const out: { [k: string]: Json } = {};
  for (const [k, v] of Object.entries(schema)) {
    out[k] =
      k === '$ref' && typeof v === 'string' && v.startsWith(REF_PREFIX)
        ? AJV_REF_PREFIX + v.slice(REF_PREFIX.length)
        : rewriteRefs(v);
  }
  return out;
}

function ajv(): Ajv {
  if (ajvCache) return ajvCache;
  const instance = new Ajv({
    strict: false,
    allErrors: true,
    inlineRefs: false,
    discriminator: true,
    validateFormats: true,
  });
  addFormats(instance);
  instance.addFormat('binary', true);
  instance.addKeyword({ keyword: 'x-union-tag', schemaType: 'string' });
  instance.addKeyword({ keyword: 'x-nullable', schemaType: 'boolean' });
  instance.addSchema({ $id: 'vapi', components: { schemas: normalizedSchemas() } });
  ajvCache = instance;
  return instance;
}

/** The JSON schema of an operation's request body or response, straight from the document's `paths`. */
export function operationSchema(
  method: string,
  pathTemplate: string,
  part: 'request' | { response: number },
): Schema | null {
  const op = openApiDocument().paths[pathTemplate]?.[method.toLowerCase()];
  if (!op) return null;
  const content = part === 'request' ? op.requestBody?.content : op.responses?.[String(part.response)]?.content;
  const schema = content?.['application/json']?.schema;
  return schema ?? null;
}

export interface QueryParameter {
  name: string;
  type: string | undefined;
  format: string | undefined;
  minimum: number | undefined;
  maximum: number | undefined;
}

/** The query parameters an operation declares (name, type, format, bounds), from the document's `paths`. */
export function queryParameters(method: string, pathTemplate: string): QueryParameter[] {
  const op = openApiDocument().paths[pathTemplate]?.[method.toLowerCase()];
  return (op?.parameters ?? [])
    .filter((p) => p.in === 'query')
    .map((p) => ({
      name: p.name,
      type: typeof p.schema?.type === 'string' ? p.schema.type : undefined,
      format: typeof p.schema?.format === 'string' ? p.schema.format : undefined,
      minimum: typeof p.schema?.minimum === 'number' ? p.schema.minimum : undefined,
      maximum: typeof p.schema?.maximum === 'number' ? p.schema.maximum : undefined,
    }));
}

/**
 * Checks a query string against the operation's declared query parameters the way Vapi's pipe does: unknown names
 * are rejected, numbers must parse and respect their bounds, date-times must be ISO 8601. Returns the messages.
 */
export function checkQuery(method: string, pathTemplate: string, query: URLSearchParams): string[] {
  const declared = new Map(queryParameters(method, pathTemplate).map((p) => [p.name, p]));
  const messages: string[] = [];
  for (const key of new Set(query.keys())) {
    const p = declared.get(key);
    if (!p) {
      messages.push(`property ${key} should not exist`);
      continue;
    }
    const raw = query.get(key) ?? '';
    if (p.type === 'number') {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n))
        messages.push(`${key} must be a number conforming to the specified constraints`);
      else if (p.minimum !== undefined && n < p.minimum) messages.push(`${key} must not be less than ${p.minimum}`);
      else if (p.maximum !== undefined && n > p.maximum) messages.push(`${key} must not be greater than ${p.maximum}`);
    } else if (p.format === 'date-time') {
      if (!/^\d{4}-\d{2}-\d{2}/.test(raw) || !Number.isFinite(Date.parse(raw))) {
        messages.push(`${key} must be a valid ISO 8601 date string`);
      }
    }
  }
  return messages;
}

/** A compiled validator for an operation part (cached per process). Throws when the document has no such schema. */
export function operationValidator(
  method: string,
  pathTemplate: string,
  part: 'request' | { response: number },
): ValidateFunction {
  const key = `${method.toUpperCase()} ${pathTemplate} ${part === 'request' ? 'request' : part.response}`;
  const cached = validators.get(key);
  if (cached) return cached;
  const schema = operationSchema(method, pathTemplate, part);
  if (!schema) throw new Error(`the OpenAPI document has no schema for ${key}`);
  const normalized = rewriteRefs(normalizeSchema(schema, openApiDocument().components.schemas) as Json) as Schema;
  const validate = ajv().compile(normalized);
  validators.set(key, validate);
  return validate;
}

/** A compiled validator for one component schema, e.g. `Call` or `ServerMessageEndOfCallReport`. */
export function componentValidator(name: string): ValidateFunction {
  const key = `component ${name}`;
  const cached = validators.get(key);
  if (cached) return cached;
  if (!normalizedSchemas()[name]) throw new Error(`no component schema ${name}`);
  const validate = ajv().compile({ $ref: AJV_REF_PREFIX + name });
  validators.set(key, validate);
  return validate;
}

/** Validates a response body against the operation's response schema. Returns the ajv errors ([] when valid). */
export function validateResponse(method: string, pathTemplate: string, status: number, body: unknown): ErrorObject[] {
  const validate = operationValidator(method, pathTemplate, { response: status });
  return validate(body) ? [] : [...(validate.errors ?? [])];
}

// ------------------------------------------------------------------------------------------------------------------
// Request validation: the NestJS ValidationPipe Vapi runs (whitelist + forbidNonWhitelisted), approximated.

export interface RequestCheck {
  /** The body with nulls of optional properties removed (class-validator's @IsOptional treats null as absent). */
  body: Record<string, unknown>;
  /** Top-level optional properties sent as null: a PATCH clears them. */
  cleared: string[];
  /** class-validator style messages, e.g. "property serverUrl should not exist", "server.property secret should not exist". */
  messages: string[];
}

/**
 * Checks a request body against the operation's request schema: unknown properties (recursively, wherever the DTO
 * declares its properties), then the schema itself through ajv. Messages mimic class-validator's, with NestJS's
 * `parent.` prefix for nested errors.
 */
export function checkRequestBody(method: string, pathTemplate: string, body: unknown): RequestCheck {
  const rootSchema = operationSchema(method, pathTemplate, 'request');
  if (!rootSchema) throw new Error(`no request schema for ${method} ${pathTemplate}`);
  if (!isObject(body)) return { body: {}, cleared: [], messages: ['request body must be a JSON object'] };
  const copy = structuredClone(body);
  const schemas = normalizedSchemas();
  const normalizedRoot = normalizeSchema(rootSchema, openApiDocument().components.schemas);
  const messages: string[] = [];
  const before = new Set(Object.keys(copy).filter((k) => copy[k] === null));
  whitelist(normalizedRoot, copy, '', messages, schemas);
  const cleared = [...before].filter((k) => !(k in copy));
  if (messages.length > 0) return { body: copy, cleared, messages };
  const validate = operationValidator(method, pathTemplate, 'request');
  if (!validate(copy)) messages.push(...toMessages(validate.errors ?? []));
  return { body: copy, cleared, messages };
}

interface Shape {
  props: Map<string, Schema[]>;
  required: Set<string>;
  declared: boolean;
  open: boolean;
}

function resolveNormalized(schema: Schema | undefined, schemas: Record<string, Schema>): Schema | undefined {
  let s = schema;
  for (let i = 0; s && typeof s.$ref === 'string' && i < 20; i++) {
    s = schemas[(s.$ref as string).slice(REF_PREFIX.length)];
  }
  return s;
}

/** The declared properties of an object schema for this value, following allOf and picking union branches. */
function shapeOf(schema: Schema | undefined, value: Record<string, unknown>, schemas: Record<string, Schema>): Shape {
  const shape: Shape = { props: new Map(), required: new Set(), declared: false, open: false };
  const visit = (raw: Schema | undefined, depth: number): void => {
    const s = resolveNormalized(raw, schemas);
    if (!s || depth > 30) return;
    if (isObject(s.properties)) {
      shape.declared = true;
      for (const [name, sub] of Object.entries(s.properties as Record<string, Schema>)) {
        const list = shape.props.get(name) ?? [];
        list.push(sub);
        shape.props.set(name, list);
      }
    }
    if (s.additionalProperties !== undefined && s.additionalProperties !== false) shape.open = true;
    if (Array.isArray(s.required)) for (const r of s.required as string[]) shape.required.add(r);
    if (Array.isArray(s.allOf)) for (const sub of s.allOf as Schema[]) visit(sub, depth + 1);
    const union = (s.oneOf ?? s.anyOf) as Schema[] | undefined;
    if (Array.isArray(union)) {
      const branch = pickBranch(s, union, value, schemas);
      if (branch) visit(branch, depth + 1);
    }
  };
  visit(schema, 0);
  return shape;
}

function pickBranch(
  union: Schema,
  branches: Schema[],
  value: Record<string, unknown>,
  schemas: Record<string, Schema>,
): Schema | undefined {
  const objectBranches = branches.filter((b) => {
    const r = resolveNormalized(b, schemas);
    return r && r.type !== 'null' && r.type !== 'string' && r.type !== 'number' && r.type !== 'boolean';
  });
  const tag = union['x-union-tag'];
  if (typeof tag === 'string') {
    const tagValue = value[tag];
    for (const b of objectBranches) {
      const props = resolveNormalized(b, schemas)?.properties as Record<string, Schema> | undefined;
      const values = props?.[tag]?.enum as Json[] | undefined;
      if (Array.isArray(values) && values.includes(tagValue as Json)) return b;
    }
    return undefined; // ajv reports the bad tag
  }
  // No tag: the branch that leaves the fewest unknown keys.
  let best: Schema | undefined;
  let bestUnknown = Infinity;
  for (const b of objectBranches) {
    const shape = shapeOf(b, value, schemas);
    if (!shape.declared) return b;
    const unknown = Object.keys(value).filter((k) => !shape.props.has(k)).length;
    if (unknown < bestUnknown) {
      best = b;
      bestUnknown = unknown;
    }
  }
  return best;
}

function whitelist(
  schema: Schema | undefined,
  value: unknown,
  path: string,
  out: string[],
  schemas: Record<string, Schema>,
): void {
  if (Array.isArray(value)) {
    const itemSchemas = arrayItemSchemas(schema, schemas);
    value.forEach((item, i) => {
      for (const s of itemSchemas) whitelist(s, item, `${path}${i}.`, out, schemas);
    });
    return;
  }
  if (!isObject(value)) return;
  const shape = shapeOf(schema, value, schemas);
  if (!shape.declared) return; // a free-form object (headers, metadata, ...)
  for (const key of Object.keys(value)) {
    const propSchemas = shape.props.get(key);
    if (!propSchemas) {
      if (!shape.open) out.push(`${path}property ${key} should not exist`);
      continue;
    }
    const v = value[key];
    if (v === null || v === undefined) {
      const nullable = propSchemas.some((p) => isNullable(p, schemas));
      if (!nullable && !shape.required.has(key)) delete value[key];
      continue;
    }
    for (const p of propSchemas) whitelist(p, v, `${path}${key}.`, out, schemas);
  }
}

function arrayItemSchemas(schema: Schema | undefined, schemas: Record<string, Schema>): Schema[] {
  const found: Schema[] = [];
  const visit = (raw: Schema | undefined, depth: number): void => {
    const s = resolveNormalized(raw, schemas);
    if (!s || depth > 30) return;
    if (isObject(s.items)) found.push(s.items as Schema);
    if (Array.isArray(s.allOf)) for (const sub of s.allOf as Schema[]) visit(sub, depth + 1);
    if (Array.isArray(s.anyOf)) for (const sub of s.anyOf as Schema[]) visit(sub, depth + 1);
  };
  visit(schema, 0);
  return found;
}

function isNullable(schema: Schema, schemas: Record<string, Schema>): boolean {
  const s = resolveNormalized(schema, schemas);
  if (!s) return false;
  if (s['x-nullable'] === true) return true;
  if (Array.isArray(s.type) && (s.type as string[]).includes('null')) return true;
  return false;
}

/** ajv errors → class-validator-like sentences ("name must be shorter than or equal to 40 characters"). */
function toMessages(errors: ErrorObject[]): string[] {
  const out: string[] = [];
  for (const e of errors) {
    const field = e.instancePath.split('/').filter(Boolean).join('.');
    const name = field || 'body';
    switch (e.keyword) {
      case 'required': {
        const missing = (e.params as { missingProperty: string }).missingProperty;
        out.push(`${field ? field + '.' : ''}${missing} should not be empty`);
        break;
      }
      case 'maxLength':
        out.push(`${name} must be shorter than or equal to ${(e.params as { limit: number }).limit} characters`);
        break;
      case 'minLength':
        out.push(`${name} must be longer than or equal to ${(e.params as { limit: number }).limit} characters`);
        break;
      case 'maximum':
        out.push(`${name} must not be greater than ${(e.params as { limit: number }).limit}`);
        break;
      case 'minimum':
        out.push(`${name} must not be less than ${(e.params as { limit: number }).limit}`);
        break;
      case 'maxItems':
        out.push(`${name} must contain no more than ${(e.params as { limit: number }).limit} elements`);
        break;
      case 'enum':
        out.push(
          `${name} must be one of the following values: ${((e.params as { allowedValues: unknown[] }).allowedValues ?? []).join(', ')}`,
        );
        break;
      case 'type': {
        const t = String((e.params as { type: string | string[] }).type);
        if (t.startsWith('number')) out.push(`${name} must be a number conforming to the specified constraints`);
        else if (t.startsWith('boolean')) out.push(`${name} must be a boolean value`);
        else if (t.startsWith('array')) out.push(`${name} must be an array`);
        else if (t.startsWith('object')) out.push(`nested property ${name} must be either object or array`);
        else out.push(`${name} must be a ${t.split(',')[0]}`);
        break;
      }
      case 'format': {
        const f = (e.params as { format: string }).format;
        if (f === 'date-time') out.push(`${name} must be a valid ISO 8601 date string`);
        else if (f === 'uuid') out.push(`${name} must be a UUID`);
        else if (f === 'uri') out.push(`${name} must be a URL address`);
        else out.push(`${name} must match format ${f}`);
        break;
      }
      case 'pattern':
        out.push(`${name} must match ${(e.params as { pattern: string }).pattern} regular expression`);
        break;
      case 'discriminator': {
        const p = e.params as { tag: string; tagValue: unknown };
        const tagField = field ? `${field}.${p.tag}` : p.tag;
        out.push(
          p.tagValue === undefined || typeof p.tagValue !== 'string'
            ? `${tagField} should not be empty`
            : `${tagField} must be one of the supported values (got "${String(p.tagValue)}")`,
        );
        break;
      }
      case 'anyOf':
        break; // branch errors say more
      default:
        out.push(`${name} ${e.message ?? 'is invalid'}`);
    }
  }
  // An anyOf that failed reports every branch: keep the message set short and stable.
  return [...new Set(out)].slice(0, 25);
}
