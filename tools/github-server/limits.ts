// GitHub's rate-limit arithmetic as pure functions: the GraphQL primary-limit point formula, the
// secondary-limit points of a request, and which requests are content-generating. The README's
// "Rate limits" section quotes the documentation each rule follows.
import {
  type DocumentNode,
  getOperationAST,
  Kind,
  type OperationDefinitionNode,
  parse,
  type SelectionSetNode,
  type ValueNode,
} from "graphql";

/** The largest `first`/`last` GitHub accepts; an unresolvable page size counts as this. */
const MAX_PAGE_SIZE = 100;

type Document = string | DocumentNode;

function documentOf(document: Document): DocumentNode {
  return typeof document === "string" ? parse(document) : document;
}

function operationOf(document: Document, operationName?: string): OperationDefinitionNode | null {
  return getOperationAST(documentOf(document), operationName ?? null) ?? null;
}

/** What a GraphQL call costs: GitHub's primary-limit points and its node count. */
export interface GraphQLCost {
  /** Requests needed to fulfil each connection, assuming every page is full. */
  requests: number;
  /** The primary-limit points: requests / 100, rounded, at least 1. */
  points: number;
  /** Nodes the call may return (the node limit's count). */
  nodes: number;
}

/**
 * GitHub's formula for a call's primary-limit points ("Rate limits and query limits for the
 * GraphQL API"): add up the requests needed to fulfil each connection (a field with a `first` or
 * `last` argument), assuming each reaches its page size, so a connection inside another costs
 * one request per node of its parent; divide by 100, round, minimum 1. Fragments and inline
 * fragments count where they are spread. Throws on a document that does not parse.
 */
export function graphqlCost(
  document: Document,
  variables: Record<string, unknown> = {},
  operationName?: string,
): GraphQLCost {
  const doc = documentOf(document);
  const operation = operationOf(doc, operationName);
  if (!operation) return { requests: 0, points: 1, nodes: 0 };
  const fragments = new Map<string, SelectionSetNode>();
  for (const definition of doc.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) {
      fragments.set(definition.name.value, definition.selectionSet);
    }
  }
  const defaults = new Map<string, ValueNode>();
  for (const definition of operation.variableDefinitions ?? []) {
    if (definition.defaultValue)
      defaults.set(definition.variable.name.value, definition.defaultValue);
  }
  const pageSize = (value: ValueNode): number => {
    let resolved: unknown;
    if (value.kind === Kind.INT) resolved = Number(value.value);
    else if (value.kind === Kind.VARIABLE) {
      const name = value.name.value;
      const given = variables[name];
      const fallback = defaults.get(name);
      resolved = given ?? (fallback?.kind === Kind.INT ? Number(fallback.value) : undefined);
    }
    return typeof resolved === "number" && Number.isFinite(resolved) && resolved > 0
      ? Math.min(resolved, MAX_PAGE_SIZE)
      : MAX_PAGE_SIZE;
  };
  let requests = 0;
  let nodes = 0;
  const walk = (selectionSet: SelectionSetNode, parents: number, seen: Set<string>): void => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        walk(selection.selectionSet, parents, seen);
      } else if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        if (fragment && !seen.has(name)) walk(fragment, parents, new Set([...seen, name]));
      } else if (selection.selectionSet) {
        const sizes = (selection.arguments ?? [])
          .filter((argument) => argument.name.value === "first" || argument.name.value === "last")
          .map((argument) => pageSize(argument.value));
        if (sizes.length === 0) {
          walk(selection.selectionSet, parents, seen);
          continue;
        }
        const size = Math.max(...sizes);
        requests += parents;
        nodes += parents * size;
        walk(selection.selectionSet, parents * size, seen);
      }
    }
  };
  walk(operation.selectionSet, 1, new Set());
  return { requests, points: Math.max(1, Math.round(requests / 100)), nodes };
}

/** GitHub's primary-limit points of a GraphQL call (see graphqlCost). */
export function graphqlPoints(
  document: Document,
  variables?: Record<string, unknown>,
  operationName?: string,
): number {
  return graphqlCost(document, variables, operationName).points;
}

/** Whether the operation a GraphQL request runs is a mutation. */
export function isMutation(document: Document, operationName?: string): boolean {
  return operationOf(document, operationName)?.operation === "mutation";
}

/** The root fields a mutation calls (`createIssue`, …); empty for a query. */
export function mutationFields(document: Document, operationName?: string): string[] {
  const operation = operationOf(document, operationName);
  if (operation?.operation !== "mutation") return [];
  return operation.selectionSet.selections.flatMap((selection) =>
    selection.kind === Kind.FIELD ? [selection.name.value] : [],
  );
}

/**
 * REST operations that create content: a new issue, pull request, comment, review, release or
 * discussion (the items GitHub's content-creation limit is about). Edits in place, labels,
 * links, merges and deletes create no new content and are not listed.
 */
export const CONTENT_CREATING_OPERATIONS: ReadonlySet<string> = new Set([
  "issues/create",
  "issues/create-comment",
  "pulls/create",
  "pulls/create-review",
  "pulls/create-review-comment",
  "pulls/create-reply-for-review-comment",
  "repos/create-commit-comment",
  "repos/create-release",
  "teams/create-discussion-in-org",
  "teams/create-discussion-comment-in-org",
  "gists/create",
  "gists/create-comment",
]);

/** GraphQL mutations that create content, the counterparts of CONTENT_CREATING_OPERATIONS. */
export const CONTENT_CREATING_MUTATIONS: ReadonlySet<string> = new Set([
  "addComment",
  "addDiscussionComment",
  "addPullRequestReview",
  "addPullRequestReviewComment",
  "addPullRequestReviewThread",
  "addPullRequestReviewThreadReply",
  "createDiscussion",
  "createIssue",
  "createPullRequest",
]);

/**
 * How many pieces of content a request creates, against the content-creation limit (80 a
 * minute, 500 an hour). REST: 1 for a POST of one of CONTENT_CREATING_OPERATIONS, else 0.
 * GraphQL (`operationId` "graphql"): pass the mutation's root fields (mutationFields); each
 * field that creates content counts, aliases of one mutation each, as GitHub does not document
 * how it counts them. A bare `true` (a mutation whose fields are unknown) counts 1, `false` (a
 * query) 0.
 */
export function contentCreatedBy(
  method: string,
  operationId: string | null,
  mutation: boolean | readonly string[] = false,
): number {
  if (operationId === "graphql") {
    if (typeof mutation === "boolean") return mutation ? 1 : 0;
    return mutation.filter((field) => CONTENT_CREATING_MUTATIONS.has(field)).length;
  }
  const creates =
    method.toUpperCase() === "POST" &&
    operationId !== null &&
    CONTENT_CREATING_OPERATIONS.has(operationId);
  return creates ? 1 : 0;
}

/**
 * A request's secondary-limit points: GraphQL (pass `graphqlMutation`) 1, or 5 with a mutation;
 * REST GET, HEAD and OPTIONS 1; POST, PATCH, PUT and DELETE 5.
 */
export function secondaryPoints(method: string, graphqlMutation?: boolean): number {
  if (graphqlMutation !== undefined) return graphqlMutation ? 5 : 1;
  return ["GET", "HEAD", "OPTIONS"].includes(method.toUpperCase()) ? 1 : 5;
}

/**
 * The cost of a GraphQL request body (`{ query, variables, operationName }`): its primary
 * points, node count and mutation root fields; an unreadable request costs 1 point.
 */
export function graphqlCostOf(body: unknown): { points: number; nodes: number; fields: string[] } {
  const request = (body ?? {}) as { query?: unknown; variables?: unknown; operationName?: unknown };
  if (typeof request.query !== "string") return { points: 1, nodes: 0, fields: [] };
  const variables =
    request.variables && typeof request.variables === "object"
      ? (request.variables as Record<string, unknown>)
      : {};
  const name = typeof request.operationName === "string" ? request.operationName : undefined;
  try {
    const document = parse(request.query);
    const cost = graphqlCost(document, variables, name);
    return { points: cost.points, nodes: cost.nodes, fields: mutationFields(document, name) };
  } catch {
    return { points: 1, nodes: 0, fields: [] };
  }
}
