// POST /graphql: documents are parsed, validated and executed by graphql-js against GitHub's real
// schema (from @octokit/graphql-schema's SDL), with resolvers only for the fields we serve.
// Anything the client could have avoided (parse/validation errors, bad pagination, a field the
// server does not implement) is a contract problem; NOT_FOUND and refused mutations are not.
import { schema as githubSchema } from "@octokit/graphql-schema";
import {
  buildSchema,
  defaultFieldResolver,
  execute,
  type GraphQLError,
  type GraphQLFieldResolver,
  type GraphQLSchema,
  getOperationAST,
  parse,
  validate,
} from "graphql";
import { mutationRoot } from "./graphql-mutations.js";
import { GitHubGraphQLError, VIEW, type View, Views } from "./graphql-views.js";
import type { GitHubState, UserModel } from "./state.js";

let cachedSchema: GraphQLSchema | undefined;

/** GitHub's GraphQL schema (built once; the SDL repeats two fields, hence assumeValidSDL). */
export function githubGraphQLSchema(): GraphQLSchema {
  cachedSchema ??= buildSchema(githubSchema.idl, { assumeValidSDL: true });
  return cachedSchema;
}

/** What GraphQL's `rateLimit` field reports (the server's RateLimiter status plus the call's cost). */
export interface RateLimitStatus {
  cost: number;
  limit: number;
  nodeCount: number;
  remaining: number;
  used: number;
  resetAtMs: number;
}

export interface GraphQLOutcome {
  status: number;
  body: unknown;
  operationName: string | undefined;
  problems: string[];
}

/** Reports, instead of silently answering null, any field a view does not provide. */
const fieldResolver: GraphQLFieldResolver<unknown, unknown> = (source, args, context, info) => {
  if (source && typeof source === "object" && VIEW in source && !(info.fieldName in source)) {
    throw new GitHubGraphQLError(
      "NOT_IMPLEMENTED",
      `The local GitHub API test server does not implement ${info.parentType.name}.${info.fieldName}.`,
      false,
    );
  }
  return defaultFieldResolver(source, args, context, info);
};

function formatError(error: GraphQLError): Record<string, unknown> {
  const original = error.originalError;
  const out: Record<string, unknown> = {};
  if (original instanceof GitHubGraphQLError) out.type = original.type;
  if (error.path) out.path = error.path;
  if (error.locations) out.locations = error.locations;
  out.message = error.message;
  return out;
}

export class GraphQLEndpoint {
  readonly views: Views;

  constructor(
    private readonly state: GitHubState,
    base: () => string,
  ) {
    this.views = new Views(state, base);
  }

  private root(viewer: UserModel, rateLimit?: () => RateLimitStatus): View {
    const views = this.views;
    return {
      [VIEW]: true,
      rateLimit: () => {
        if (!rateLimit) return null;
        const { cost, limit, nodeCount, remaining, used, resetAtMs } = rateLimit();
        const resetAt = new Date(resetAtMs).toISOString().replace(/\.\d{3}Z$/, "Z");
        return { [VIEW]: true, cost, limit, nodeCount, remaining, used, resetAt };
      },
      // An installation token's viewer is a User named like REST names the bot: "slug[bot]"
      // (a Bot actor elsewhere, e.g. a comment's author, is "slug").
      viewer: () => ({ ...views.user(viewer), login: viewer.login }),
      repository: (args: Record<string, unknown>) => {
        const repo = this.state.getRepo(String(args.owner), String(args.name));
        if (!repo || !this.state.can(repo, viewer, "read")) {
          throw new GitHubGraphQLError(
            "NOT_FOUND",
            `Could not resolve to a Repository with the name '${String(args.owner)}/${String(args.name)}'.`,
            true,
          );
        }
        return views.repository(repo);
      },
      node: (args: Record<string, unknown>) => views.node(String(args.id)),
      nodes: (args: Record<string, unknown>) => (args.ids as string[]).map((id) => views.node(id)),
      user: (args: Record<string, unknown>) => {
        const user = this.state.userByLogin(String(args.login));
        if (!user) {
          throw new GitHubGraphQLError(
            "NOT_FOUND",
            `Could not resolve to a User with the login of '${String(args.login)}'.`,
            true,
          );
        }
        return views.user(user);
      },
      ...mutationRoot(this.state, views, viewer),
    };
  }

  /** Executes a request as `viewer`; `rateLimit` answers the `rateLimit` field. */
  async handle(
    body: unknown,
    viewer: UserModel,
    rateLimit?: () => RateLimitStatus,
  ): Promise<GraphQLOutcome> {
    const request = (body ?? {}) as {
      query?: unknown;
      variables?: unknown;
      operationName?: unknown;
    };
    const problems: string[] = [];
    const answer = (errors: Record<string, unknown>[], operationName?: string) => ({
      status: 200,
      body: { errors },
      operationName,
      problems,
    });
    if (typeof request.query !== "string") {
      problems.push("GraphQL request without a `query` string");
      return answer([{ message: "A query attribute must be specified and must be a string." }]);
    }
    let document: ReturnType<typeof parse>;
    try {
      document = parse(request.query);
    } catch (error) {
      const e = error as GraphQLError;
      problems.push(`GraphQL parse error: ${e.message}`);
      return answer([formatError(e)]);
    }
    const requestedName = typeof request.operationName === "string" ? request.operationName : null;
    const operation = getOperationAST(document, requestedName);
    const operationName = operation?.name?.value ?? requestedName ?? undefined;
    const schema = githubGraphQLSchema();
    const validationErrors = validate(schema, document);
    if (validationErrors.length > 0) {
      for (const e of validationErrors) problems.push(`GraphQL validation error: ${e.message}`);
      return answer(validationErrors.map(formatError), operationName);
    }
    const result = await execute({
      schema,
      document,
      rootValue: this.root(viewer, rateLimit),
      variableValues: (request.variables ?? {}) as Record<string, unknown>,
      operationName: requestedName,
      fieldResolver,
    });
    const out: Record<string, unknown> = {};
    if (result.errors && result.errors.length > 0) {
      out.errors = result.errors.map(formatError);
      for (const e of result.errors) {
        const original = e.originalError;
        if (!(original instanceof GitHubGraphQLError && original.legitimate)) {
          problems.push(`GraphQL error at ${(e.path ?? []).join(".") || "(root)"}: ${e.message}`);
        }
      }
    }
    out.data = result.data ?? null;
    return { status: 200, body: out, operationName, problems };
  }
}
