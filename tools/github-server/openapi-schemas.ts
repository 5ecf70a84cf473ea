// Converts OpenAPI 3.0 schema objects (as used by GitHub's REST description) into JSON Schema
// that Ajv 8 (draft-07 mode) compiles.
//
// - `nullable: true` becomes `type: [T, "null"]` (plus `null` in `enum`) when the schema is a plain
//   typed schema, and `{anyOf: [{type: "null"}, rest]}` when it combines schemas (`allOf`, `anyOf`,
//   `oneOf`, `$ref`, `not`) or has no type.
// - `oneOf` becomes `anyOf`: GitHub's description has many `oneOf`s whose branches overlap (for
//   example `{type: string, nullable}` next to `{type: integer, nullable}`: `null` matches both), so
//   `oneOf` would reject data GitHub itself sends and accepts.
// - `#/components/schemas/X` references become `${refBase}X`; every name referenced is reported
//   through `onRef` so the caller can register that schema with Ajv before compiling.
// - OpenAPI-only keywords (`example`, `discriminator`, `readOnly`, `x-*`, …) are dropped, as are
//   the siblings of `$ref` (OpenAPI 3.0 ignores them).
// - With `closeObjects`, object schemas that list `properties` but say nothing about
//   `additionalProperties` get `additionalProperties: false` (not inside `allOf`, where it would
//   reject the other branches' properties). Used for request bodies: GitHub silently ignores
//   unknown fields, which in our code is almost always a misspelt or misplaced field.

export type JsonSchema = Record<string, unknown>;

export interface ConvertOptions {
  /** Prefix that replaces `#/components/schemas/`, e.g. `https://contract.local/res/`. */
  refBase: string;
  /** Add `additionalProperties: false` to object schemas that do not say otherwise. */
  closeObjects: boolean;
  /**
   * With `closeObjects`: prefix for references met directly inside `allOf`, whose target must stay
   * open at its top level (convert it with `convertSchema(component, options, true)`).
   */
  openRefBase?: string;
  /** Called with the component name of each `#/components/schemas/…` reference met. */
  onRef: (name: string, open: boolean) => void;
}

const COMPONENT_REF = "#/components/schemas/";

const DROPPED = new Set([
  "nullable",
  "example",
  "examples",
  "discriminator",
  "readOnly",
  "writeOnly",
  "deprecated",
  "xml",
  "externalDocs",
  "description",
]);

const COMBINERS = ["allOf", "anyOf", "oneOf", "not", "$ref"];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `open`: do not close the top-level object (it is a branch of an `allOf`). */
export function convertSchema(schema: unknown, options: ConvertOptions, open = false): JsonSchema {
  return convert(schema, options, open);
}

function convert(schema: unknown, options: ConvertOptions, inAllOf: boolean): JsonSchema {
  if (!isObject(schema)) return {};
  if (typeof schema.$ref === "string") {
    const ref = schema.$ref;
    if (!ref.startsWith(COMPONENT_REF)) throw new Error(`unsupported $ref ${ref}`);
    const name = ref.slice(COMPONENT_REF.length);
    const open = inAllOf && options.closeObjects && options.openRefBase !== undefined;
    options.onRef(name, open);
    // OpenAPI 3.0 ignores the siblings of $ref; `nullable` next to `$ref` does not occur in
    // GitHub's description (nullable variants are separate components, e.g. nullable-simple-user).
    const base = open ? (options.openRefBase as string) : options.refBase;
    return { $ref: base + encodeURIComponent(name) };
  }
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (DROPPED.has(key) || key.startsWith("x-")) continue;
    switch (key) {
      case "properties":
      case "patternProperties": {
        const props: JsonSchema = {};
        for (const [name, sub] of Object.entries(isObject(value) ? value : {})) {
          props[name] = convert(sub, options, false);
        }
        out[key] = props;
        break;
      }
      case "items":
        out.items = Array.isArray(value)
          ? value.map((sub) => convert(sub, options, false))
          : convert(value, options, false);
        break;
      case "additionalProperties":
        out.additionalProperties = isObject(value) ? convert(value, options, false) : value;
        break;
      case "not":
        out.not = convert(value, options, false);
        break;
      case "allOf":
        out.allOf = (value as unknown[]).map((sub) => convert(sub, options, true));
        break;
      case "anyOf":
      case "oneOf": {
        const branches = (value as unknown[]).map((sub) => convert(sub, options, inAllOf));
        // Both may occur on one schema: combine them with allOf.
        if (out.anyOf) out.allOf = [...((out.allOf as unknown[]) ?? []), { anyOf: branches }];
        else out.anyOf = branches;
        break;
      }
      default:
        out[key] = value;
    }
  }
  if (
    options.closeObjects &&
    !inAllOf &&
    isObject(out.properties) &&
    !("additionalProperties" in out) &&
    !("patternProperties" in out) &&
    (out.type === undefined || out.type === "object")
  ) {
    out.additionalProperties = false;
  }
  if (schema.nullable === true) return makeNullable(out);
  return out;
}

function makeNullable(schema: JsonSchema): JsonSchema {
  const combines = COMBINERS.some((key) => key in schema);
  if (!combines && typeof schema.type === "string") {
    const out: JsonSchema = { ...schema, type: [schema.type, "null"] };
    if (Array.isArray(schema.enum) && !schema.enum.includes(null))
      out.enum = [...schema.enum, null];
    return out;
  }
  if (!combines && schema.type === undefined && schema.enum === undefined) {
    // `{nullable: true}` with nothing that constrains the type accepts null already.
    return schema;
  }
  return { anyOf: [{ type: "null" }, schema] };
}
