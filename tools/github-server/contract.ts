// Checks HTTP requests and responses of the local GitHub test server against GitHub's REST
// description (`@octokit/openapi`, api.github.com, OpenAPI 3.0.3).
//
// The description is read once per process on first use; schemas are converted and compiled lazily
// per operation (and per response status) and cached. See openapi-schemas.ts for the conversion.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import { convertSchema, type JsonSchema } from "./openapi-schemas.js";

export interface RequestCheck {
  /** e.g. "issues/create"; null when no operation matches method+path. */
  operationId: string | null;
  /** e.g. "/repos/{owner}/{repo}/issues"; null when no path template matches. */
  pathTemplate: string | null;
  /** Raw (URL-decoded) path parameter values by name. */
  pathParams: Record<string, string>;
  /** Empty when the request conforms. */
  problems: string[];
}

export interface CheckedRequest {
  method: string;
  /** Path without query string, e.g. "/repos/o/r/issues". */
  path: string;
  query: URLSearchParams;
  /** Parsed JSON body, or undefined when the request has none. */
  body: unknown;
  contentType?: string;
}

export interface ContractChecker {
  checkRequest(req: CheckedRequest): RequestCheck;
  /** Problems with a response; empty when it conforms. */
  checkResponse(operationId: string, status: number, body: unknown): string[];
  hasOperation(operationId: string): boolean;
}

// ---------------------------------------------------------------------------------------------
// The description (only the parts read here)

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  schema?: unknown;
  "x-multi-segment"?: boolean;
}
interface MediaType {
  schema?: unknown;
}
interface RequestBody {
  required?: boolean;
  content?: Record<string, MediaType>;
}
interface Response {
  $ref?: string;
  content?: Record<string, MediaType>;
}
interface Operation {
  operationId: string;
  parameters?: Array<Parameter | { $ref: string }>;
  requestBody?: RequestBody;
  responses: Record<string, Response>;
}
interface Description {
  paths: Record<string, Record<string, Operation>>;
  components: {
    schemas: Record<string, unknown>;
    parameters: Record<string, Parameter>;
    responses: Record<string, Response>;
  };
}

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
const RES_BASE = "https://contract.local/res/";
const REQ_BASE = "https://contract.local/req/";
// Request-side components referenced from inside `allOf`: open at their top level.
const REQ_OPEN_BASE = "https://contract.local/req-open/";

interface Route {
  template: string;
  regex: RegExp;
  paramNames: string[];
  literalSegments: number;
  literalChars: number;
  multiSegment: boolean;
  operations: Map<string, Operation>; // by upper-case method
}

interface OperationEntry {
  method: string;
  template: string;
  op: Operation;
  params: Parameter[];
  // Lazily compiled:
  pathValidator?: ValidateFunction;
  queryValidator?: ValidateFunction;
  bodyValidator?: ValidateFunction | null;
  responseValidators: Map<string, ValidateFunction | null>;
}

function descriptionPath(): string {
  const require = createRequire(import.meta.url);
  // The package has no "exports" map for the JSON; resolve its package.json instead.
  const pkg = require.resolve("@octokit/openapi/package.json");
  return pkg.replace(/package\.json$/, "generated/api.github.com.json");
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function jsonPointerGet(data: unknown, pointer: string): unknown {
  if (pointer === "") return data;
  let current: unknown = data;
  for (const raw of pointer.slice(1).split("/")) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function show(value: unknown): string {
  if (value === undefined) return "undefined";
  let text: string;
  try {
    text = JSON.stringify(value);
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number" && Number.isInteger(value)) return "integer";
  return typeof value;
}

/** Renders Ajv errors as readable lines ("/user/login must be string (got 5)"). */
export function formatErrors(rawErrors: ErrorObject[] | null | undefined, data: unknown): string[] {
  if (!rawErrors || rawErrors.length === 0) return [];
  // Merge consecutive "required" errors of one object into one.
  const errors: ErrorObject[] = [];
  for (const e of rawErrors) {
    const last = errors[errors.length - 1];
    if (
      e.keyword === "required" &&
      last?.keyword === "required" &&
      last.instancePath === e.instancePath &&
      last.schemaPath === e.schemaPath
    ) {
      (last.params as { missing: string[] }).missing.push(String(e.params.missingProperty));
      continue;
    }
    errors.push(
      e.keyword === "required"
        ? { ...e, params: { ...e.params, missing: [String(e.params.missingProperty)] } }
        : e,
    );
  }
  const where = (path: string) => path || "(root)";
  const line = (e: ErrorObject): string | null => {
    const at = where(e.instancePath);
    const value = jsonPointerGet(data, e.instancePath);
    const params = e.params as Record<string, unknown>;
    switch (e.keyword) {
      case "required": {
        const missing = (params.missing as string[] | undefined) ?? [
          String(params.missingProperty),
        ];
        return missing.length === 1
          ? `${e.instancePath}/${missing[0]} is required`
          : `${at} lacks required properties ${missing.join(", ")}`;
      }
      case "additionalProperties":
        return `${e.instancePath}/${String(params.additionalProperty)} is not a documented property`;
      case "type": {
        // "must be null" comes from the nullable conversion; the other branch says more.
        if (params.type === "null") return null;
        const got =
          value === null || value === undefined ? show(value) : `${typeName(value)} ${show(value)}`;
        return `${at} must be ${String(params.type).replace(/,/g, " or ")} (got ${got})`;
      }
      case "enum":
        return `${at} must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")} (got ${show(value)})`;
      case "format":
        return `${at} must match format "${String(params.format)}" (got ${show(value)})`;
      default:
        return `${at} ${e.message ?? e.keyword}${
          typeof value !== "object" || value === null ? ` (got ${show(value)})` : ""
        }`;
    }
  };
  // An anyOf failure is preceded by the errors of each of its branches (all at or below its
  // instancePath). Fold them into one line so the reader sees what each alternative wanted.
  const folded = new Map<number, string>();
  const owned = new Set<number>();
  errors.forEach((e, i) => {
    if (e.keyword !== "anyOf") return;
    const branchLines: string[] = [];
    for (let j = i - 1; j >= 0; j--) {
      const b = errors[j] as ErrorObject;
      if (b.instancePath !== e.instancePath && !b.instancePath.startsWith(`${e.instancePath}/`)) {
        break;
      }
      if (owned.has(j)) continue;
      owned.add(j);
      const text = folded.get(j) ?? line(b);
      if (text !== null && !branchLines.includes(text)) branchLines.unshift(text);
    }
    folded.set(
      i,
      branchLines.length === 1
        ? (branchLines[0] as string)
        : `${where(e.instancePath)} matches none of the allowed shapes: ${
            branchLines.length === 0
              ? "(no detail)"
              : branchLines.length > 6
                ? `${branchLines.slice(0, 6).join(" | ")} | … (${branchLines.length - 6} more)`
                : branchLines.join(" | ")
          }`,
    );
  });
  const out: string[] = [];
  errors.forEach((e, i) => {
    if (owned.has(i)) return;
    const text = folded.get(i) ?? line(e);
    if (text !== null && !out.includes(text)) out.push(text);
  });
  return out;
}

// ---------------------------------------------------------------------------------------------

class Contract implements ContractChecker {
  private readonly description: Description;
  private readonly routes: Route[] = [];
  private readonly byFirstSegment = new Map<string, Route[]>();
  private readonly paramRoutes: Route[] = []; // routes whose first segment is a parameter
  private readonly operations = new Map<string, OperationEntry>();
  private readonly ajv: Ajv;
  private readonly registered = new Set<string>();

  constructor(description: Description) {
    this.description = description;
    this.ajv = new Ajv({
      strict: false,
      allErrors: true,
      validateSchema: false,
      allowUnionTypes: true,
      logger: false,
    });
    const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
    addFormats(this.ajv);
    // GitHub-specific format: "owner/name".
    this.ajv.addFormat("repo.nwo", /^[^/\s]+\/[^/\s]+$/);

    for (const [template, item] of Object.entries(description.paths)) {
      const operations = new Map<string, Operation>();
      const multi = new Set<string>();
      for (const [method, op] of Object.entries(item)) {
        if (!METHODS.includes(method)) continue;
        operations.set(method.toUpperCase(), op);
        const params = this.resolveParams(op);
        for (const p of params) {
          const schema = p.schema as Record<string, unknown> | undefined;
          if (p.in === "path" && (p["x-multi-segment"] || schema?.["x-multi-segment"])) {
            multi.add(p.name);
          }
        }
        this.operations.set(op.operationId, {
          method: method.toUpperCase(),
          template,
          op,
          params,
          responseValidators: new Map(),
        });
      }
      const route = this.compileRoute(template, multi, operations);
      this.routes.push(route);
      const first = template.split("/")[1] ?? "";
      if (first.includes("{")) this.paramRoutes.push(route);
      else {
        const list = this.byFirstSegment.get(first) ?? [];
        list.push(route);
        this.byFirstSegment.set(first, list);
      }
    }
  }

  private resolveParams(op: Operation): Parameter[] {
    return (op.parameters ?? []).map((p) => {
      if ("$ref" in p) {
        const name = p.$ref.replace("#/components/parameters/", "");
        const resolved = this.description.components.parameters[name];
        if (!resolved) throw new Error(`unresolved parameter ${p.$ref}`);
        return resolved;
      }
      return p;
    });
  }

  private compileRoute(template: string, multi: Set<string>, operations: Map<string, Operation>) {
    const paramNames: string[] = [];
    let literalSegments = 0;
    let literalChars = 0;
    let multiSegment = false;
    const parts = template.split("/").slice(1);
    const pattern = parts
      .map((segment) => {
        if (!segment.includes("{")) {
          literalSegments++;
          literalChars += segment.length;
          return escapeRegex(segment);
        }
        return segment
          .split(/(\{[^}]+\})/)
          .map((piece) => {
            const m = /^\{([^}]+)\}$/.exec(piece);
            if (!m) {
              literalChars += piece.length;
              return escapeRegex(piece);
            }
            const name = m[1] as string;
            paramNames.push(name);
            if (multi.has(name)) {
              multiSegment = true;
              return "(.+?)";
            }
            return "([^/]+?)";
          })
          .join("");
      })
      .join("/");
    return {
      template,
      regex: new RegExp(`^/${pattern}$`),
      paramNames,
      literalSegments,
      literalChars,
      multiSegment,
      operations,
    } satisfies Route;
  }

  hasOperation(operationId: string): boolean {
    return this.operations.has(operationId);
  }

  /** Matching routes, most specific first. */
  private match(path: string): Array<{ route: Route; raw: string[] }> {
    const first = path.split("/")[1] ?? "";
    const candidates = [...(this.byFirstSegment.get(first) ?? []), ...this.paramRoutes];
    const found: Array<{ route: Route; raw: string[] }> = [];
    for (const route of candidates) {
      const m = route.regex.exec(path);
      if (!m) continue;
      const raw = m.slice(1) as string[];
      found.push({ route, raw });
    }
    found.sort(
      (a, b) =>
        b.route.literalSegments - a.route.literalSegments ||
        b.route.literalChars - a.route.literalChars ||
        Number(a.route.multiSegment) - Number(b.route.multiSegment) ||
        a.route.paramNames.length - b.route.paramNames.length,
    );
    return found;
  }

  checkRequest(req: CheckedRequest): RequestCheck {
    const method = req.method.toUpperCase();
    const matches = this.match(req.path);
    if (matches.length === 0) {
      return {
        operationId: null,
        pathTemplate: null,
        pathParams: {},
        problems: [
          `${method} ${req.path}: no path in GitHub's REST description matches ${req.path}`,
        ],
      };
    }
    const withMethod = matches.find((m) => m.route.operations.has(method));
    if (!withMethod) {
      const best = matches[0] as { route: Route; raw: string[] };
      return {
        operationId: null,
        pathTemplate: best.route.template,
        pathParams: this.decodeParams(best.route, best.raw, []),
        problems: [
          `${method} ${req.path} is not in GitHub's REST description (documented methods: ${[
            ...best.route.operations.keys(),
          ].join(", ")} for ${best.route.template})`,
        ],
      };
    }
    const { route, raw } = withMethod;
    const op = route.operations.get(method) as Operation;
    const entry = this.operations.get(op.operationId) as OperationEntry;
    const problems: string[] = [];
    const pathParams = this.decodeParams(route, raw, problems);
    const label = `${method} ${req.path} (${op.operationId})`;
    for (const p of problems.splice(0)) problems.push(`${label}: ${p}`);

    this.checkPathParams(entry, pathParams, label, problems);
    this.checkQuery(entry, req.query, label, problems);
    this.checkBody(entry, req, label, problems);
    return { operationId: op.operationId, pathTemplate: route.template, pathParams, problems };
  }

  private decodeParams(route: Route, raw: string[], problems: string[]): Record<string, string> {
    const params: Record<string, string> = {};
    route.paramNames.forEach((name, i) => {
      const value = raw[i] ?? "";
      try {
        params[name] = decodeURIComponent(value);
      } catch {
        params[name] = value;
        problems.push(`path parameter '${name}' is not validly percent-encoded: ${value}`);
      }
    });
    return params;
  }

  // ---- parameters

  private paramsValidator(entry: OperationEntry, location: "path" | "query"): ValidateFunction {
    const cached = location === "path" ? entry.pathValidator : entry.queryValidator;
    if (cached) return cached;
    const properties: JsonSchema = {};
    const required: string[] = [];
    for (const p of entry.params) {
      if (p.in !== location) continue;
      properties[p.name] = this.convert(p.schema ?? {}, false);
      if (p.required || location === "path") required.push(p.name);
    }
    const validator = this.ajv.compile({ type: "object", properties, required });
    if (location === "path") entry.pathValidator = validator;
    else entry.queryValidator = validator;
    return validator;
  }

  private checkPathParams(
    entry: OperationEntry,
    values: Record<string, string>,
    label: string,
    problems: string[],
  ) {
    const data: Record<string, unknown> = {};
    for (const p of entry.params) {
      if (p.in !== "path") continue;
      const value = values[p.name];
      if (value !== undefined) data[p.name] = this.coerce([value], p.schema);
    }
    const validate = this.paramsValidator(entry, "path");
    if (!validate(data)) {
      for (const text of formatErrors(validate.errors, data)) {
        problems.push(`${label}: path parameter ${text.replace(/^\/(\S+)/, "'$1'")}`);
      }
    }
  }

  private checkQuery(
    entry: OperationEntry,
    query: URLSearchParams,
    label: string,
    problems: string[],
  ) {
    const declared = new Map(entry.params.filter((p) => p.in === "query").map((p) => [p.name, p]));
    const grouped = new Map<string, string[]>();
    for (const [rawName, value] of query) {
      let name = rawName;
      if (!declared.has(name) && name.endsWith("[]") && declared.has(name.slice(0, -2))) {
        name = name.slice(0, -2);
      }
      if (!declared.has(name)) {
        const accepted = [...declared.keys()];
        const text = `query parameter '${rawName}' is not accepted by ${entry.op.operationId}; accepted: ${
          accepted.length > 0 ? accepted.join(", ") : "none"
        }`;
        if (!problems.includes(`${label}: ${text}`)) problems.push(`${label}: ${text}`);
        continue;
      }
      const list = grouped.get(name) ?? [];
      list.push(value);
      grouped.set(name, list);
    }
    const data: Record<string, unknown> = {};
    for (const [name, values] of grouped) {
      data[name] = this.coerce(values, declared.get(name)?.schema);
    }
    const validate = this.paramsValidator(entry, "query");
    if (!validate(data)) {
      for (const text of formatErrors(validate.errors, data)) {
        problems.push(`${label}: query parameter ${text.replace(/^\/(\S+)/, "'$1'")}`);
      }
    }
  }

  /** The JSON types a (raw OpenAPI) schema admits, following $ref and anyOf/oneOf. */
  private typesOf(schema: unknown, depth = 0): Set<string> {
    const types = new Set<string>();
    if (depth > 10 || typeof schema !== "object" || schema === null) return types;
    const s = schema as Record<string, unknown>;
    if (typeof s.$ref === "string") {
      const name = s.$ref.replace("#/components/schemas/", "");
      return this.typesOf(this.description.components.schemas[name], depth + 1);
    }
    if (typeof s.type === "string") types.add(s.type);
    for (const key of ["anyOf", "oneOf", "allOf"]) {
      const list = s[key];
      if (Array.isArray(list))
        for (const sub of list) for (const t of this.typesOf(sub, depth + 1)) types.add(t);
    }
    if (types.size === 0 && Array.isArray(s.enum)) types.add("string");
    return types;
  }

  private itemsOf(schema: unknown, depth = 0): unknown {
    if (depth > 10 || typeof schema !== "object" || schema === null) return undefined;
    const s = schema as Record<string, unknown>;
    if (typeof s.$ref === "string") {
      const name = s.$ref.replace("#/components/schemas/", "");
      return this.itemsOf(this.description.components.schemas[name], depth + 1);
    }
    if (s.type === "array") return s.items;
    for (const key of ["anyOf", "oneOf", "allOf"]) {
      const list = s[key];
      if (Array.isArray(list)) {
        for (const sub of list) {
          const items = this.itemsOf(sub, depth + 1);
          if (items !== undefined) return items;
        }
      }
    }
    return undefined;
  }

  /**
   * Turns query/path strings into the JSON value the schema expects: "5" → 5 for integers,
   * "true" → true for booleans, "a,b" or repeated names → arrays (Octokit joins arrays with
   * commas). Values that do not convert stay strings, so validation reports them.
   */
  private coerce(values: string[], schema: unknown): unknown {
    const types = this.typesOf(schema);
    if (types.has("array") && (values.length > 1 || !types.has("string"))) {
      const items = this.itemsOf(schema);
      const parts = values.length > 1 ? values : (values[0] ?? "").split(",");
      return parts.map((v) => this.coerceScalar(v, this.typesOf(items)));
    }
    if (values.length > 1) return values; // repeated scalar: validation says "must be string"
    return this.coerceScalar(values[0] ?? "", types);
  }

  private coerceScalar(value: string, types: Set<string>): unknown {
    if (types.size === 0 || types.has("string")) return value;
    if (
      (types.has("integer") || types.has("number")) &&
      /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(value)
    ) {
      return Number(value);
    }
    if (types.has("boolean") && (value === "true" || value === "false")) return value === "true";
    return value;
  }

  // ---- bodies

  private jsonMedia(content: Record<string, MediaType> | undefined): MediaType | undefined {
    if (!content) return undefined;
    for (const [type, media] of Object.entries(content)) {
      if (type === "application/json" || /\+json$/.test(type) || type === "*/*") return media;
    }
    return undefined;
  }

  private checkBody(entry: OperationEntry, req: CheckedRequest, label: string, problems: string[]) {
    const requestBody = entry.op.requestBody;
    const hasBody = req.body !== undefined;
    if (!requestBody) {
      if (hasBody) {
        problems.push(
          `${label}: ${entry.op.operationId} takes no request body, but one was sent: ${show(req.body)}`,
        );
      }
      return;
    }
    if (!hasBody) {
      if (requestBody.required)
        problems.push(`${label}: ${entry.op.operationId} requires a request body`);
      return;
    }
    const contentTypes = Object.keys(requestBody.content ?? {});
    const sentType = req.contentType?.split(";")[0]?.trim().toLowerCase();
    if (sentType && !contentTypes.includes(sentType)) {
      const jsonish = sentType === "application/json" || sentType.endsWith("+json");
      if (!(jsonish && this.jsonMedia(requestBody.content))) {
        problems.push(
          `${label}: content type ${sentType} is not accepted; documented: ${contentTypes.join(", ")}`,
        );
        return;
      }
    }
    const media = this.jsonMedia(requestBody.content);
    if (!media?.schema) return; // not a JSON body (markdown/raw, release assets): not checked
    if (entry.bodyValidator === undefined) {
      entry.bodyValidator = this.ajv.compile(this.convert(media.schema, true));
    }
    const validate = entry.bodyValidator;
    if (validate && !validate(req.body)) {
      for (const text of formatErrors(validate.errors, req.body)) {
        problems.push(`request body of ${entry.op.operationId}: ${text}`);
      }
    }
  }

  checkResponse(operationId: string, status: number, body: unknown): string[] {
    const entry = this.operations.get(operationId);
    if (!entry) return [`${operationId} is not an operation in GitHub's REST description`];
    const documented = Object.keys(entry.op.responses);
    const key = documented.includes(String(status))
      ? String(status)
      : documented.includes("default")
        ? "default"
        : null;
    if (key === null) {
      return [
        `status ${status} is not documented for ${operationId}; documented: ${documented.join(", ")}`,
      ];
    }
    let response = entry.op.responses[key] as Response;
    if (response.$ref) {
      const name = response.$ref.replace("#/components/responses/", "");
      response = this.description.components.responses[name] ?? {};
    }
    const label = `response ${status} of ${operationId}`;
    const media = this.jsonMedia(response.content);
    const hasBody = body !== undefined && body !== null && body !== "";
    if (!response.content || Object.keys(response.content).length === 0) {
      return hasBody ? [`${label} must have no body (got ${show(body)})`] : [];
    }
    if (!media?.schema) return []; // non-JSON media types (diff, patch, raw, html): not checked
    if (body === undefined) return [`${label} must have a JSON body`];
    let validate = entry.responseValidators.get(key);
    if (validate === undefined) {
      validate = this.ajv.compile(this.convert(media.schema, false));
      entry.responseValidators.set(key, validate);
    }
    if (validate && !validate(body)) {
      return formatErrors(validate.errors, body).map((text) => `${label}: ${text}`);
    }
    return [];
  }

  // ---- schemas

  /** Converts an inline schema, registering the component schemas it needs with Ajv. */
  private convert(schema: unknown, request: boolean): JsonSchema {
    const pending: Array<{ name: string; open: boolean }> = [];
    const options = {
      refBase: request ? REQ_BASE : RES_BASE,
      openRefBase: request ? REQ_OPEN_BASE : undefined,
      closeObjects: request,
      onRef: (name: string, open: boolean) => pending.push({ name, open }),
    };
    const converted = convertSchema(schema, options);
    while (pending.length > 0) {
      const { name, open } = pending.pop() as { name: string; open: boolean };
      const id = (open ? REQ_OPEN_BASE : options.refBase) + encodeURIComponent(name);
      if (this.registered.has(id)) continue;
      this.registered.add(id);
      const component = this.description.components.schemas[name];
      if (component === undefined)
        throw new Error(`unresolved schema #/components/schemas/${name}`);
      this.ajv.addSchema({ ...convertSchema(component, options, open), $id: id });
    }
    return converted;
  }
}

let contract: Contract | undefined;

/** Loads GitHub's REST description on first call (once per process) and returns the checker. */
export function getContract(): ContractChecker {
  if (!contract) {
    const description = JSON.parse(readFileSync(descriptionPath(), "utf8")) as Description;
    contract = new Contract(description);
  }
  return contract;
}
