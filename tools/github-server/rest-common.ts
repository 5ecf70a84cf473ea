// Shared pieces of the REST handlers: the handler signature, GitHub-shaped errors, lookups that
// fail like GitHub does, and page-number pagination with a Link header.
import type { AppModel } from "./apps.js";
import type { Renderer } from "./render.js";
import type { GitHubState, IssueModel, Permission, RepoModel, UserModel } from "./state.js";

export interface RestContext {
  state: GitHubState;
  render: Renderer;
  viewer: UserModel;
  /** The App a JWT authenticated (routes GitHub serves to Apps only); the viewer is its bot. */
  app?: AppModel | undefined;
  params: Record<string, string>;
  query: URLSearchParams;
  // biome-ignore lint/suspicious/noExplicitAny: request bodies were already checked against the schema
  body: any;
  /** Absolute URL of this request, for Link headers. */
  url: URL;
}

export interface RestReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type RestHandler = (ctx: RestContext) => RestReply | Promise<RestReply>;

export const DOCS = "https://docs.github.com/rest";

/** An error answer in GitHub's shape (`message`, `documentation_url`, `status`, maybe `errors`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  toBody(): Record<string, unknown> {
    return {
      message: this.message,
      ...this.extra,
      documentation_url: DOCS,
      status: String(this.status),
    };
  }
}

export const notFound = () => new ApiError(404, "Not Found");

export function validationFailed(errors: Record<string, unknown>[], message = "Validation Failed") {
  return new ApiError(422, message, { errors });
}

/**
 * GitHub's size limits: issue, pull request and comment bodies, issue and pull request titles,
 * label names. Measured as JavaScript string length (UTF-16 code units).
 */
/** GitHub's limits; a label's `description` is 100 characters (wording of its 422 assumed as the others'). */
export const MAX_LENGTH = { body: 65_536, title: 256, name: 50, description: 100 } as const;

/** Refuses text over GitHub's limit for `field` with GitHub's 422 "… is too long". */
export function checkLength(
  resource: "Issue" | "IssueComment" | "PullRequest" | "Label",
  field: keyof typeof MAX_LENGTH,
  value: unknown,
) {
  const max = MAX_LENGTH[field];
  if (typeof value === "string" && value.length > max) {
    throw validationFailed([
      {
        resource,
        code: "custom",
        field,
        message: `${field} is too long (maximum is ${max} characters)`,
      },
    ]);
  }
}

export function repoOf(ctx: RestContext, needed: Permission = "read"): RepoModel {
  const { owner, repo: name } = ctx.params;
  const repo = owner && name ? ctx.state.getRepo(owner, name) : undefined;
  if (!repo || !ctx.state.can(repo, ctx.viewer, "read")) throw notFound();
  if (!ctx.state.can(repo, ctx.viewer, needed)) {
    throw new ApiError(403, "Resource not accessible by personal access token");
  }
  return repo;
}

export function issueOf(ctx: RestContext, repo: RepoModel): IssueModel {
  const issue = repo.issues.get(Number(ctx.params.issue_number));
  if (!issue) throw notFound();
  return issue;
}

export function ok(body: unknown, status = 200, headers?: Record<string, string>): RestReply {
  return headers ? { status, body, headers } : { status, body };
}

/** One page of `items` per `per_page`/`page`, with GitHub's Link header when there are more. */
export function paginate<T>(ctx: RestContext, items: T[], map: (item: T) => unknown): RestReply {
  const perPage = Math.min(Math.max(Number(ctx.query.get("per_page") ?? 30) || 30, 1), 100);
  const page = Math.max(Number(ctx.query.get("page") ?? 1) || 1, 1);
  const last = Math.max(Math.ceil(items.length / perPage), 1);
  const slice = items.slice((page - 1) * perPage, page * perPage);
  const link = (n: number, rel: string) => {
    const url = new URL(ctx.url);
    url.searchParams.set("page", String(n));
    if (ctx.query.has("per_page")) url.searchParams.set("per_page", String(perPage));
    return `<${url.toString()}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (page > 1) links.push(link(page - 1, "prev"));
  if (page < last) links.push(link(page + 1, "next"), link(last, "last"));
  if (page > 1) links.push(link(1, "first"));
  return ok(slice.map(map), 200, links.length > 0 ? { link: links.join(", ") } : undefined);
}

/** Label names from any of the shapes GitHub accepts (strings, `{name}` objects). */
export function labelNames(input: unknown): string[] {
  const list = Array.isArray(input) ? input : input === undefined || input === null ? [] : [input];
  return list
    .map((item) => (typeof item === "string" ? item : (item as { name?: string })?.name))
    .filter((name): name is string => typeof name === "string" && name.trim() !== "")
    .map((name) => name.trim());
}
