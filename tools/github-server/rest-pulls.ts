// REST: pull requests (create, get, list, update, merge).
import { commitsAhead, mergePull, refreshPull, resolveBranch } from "./pulls.js";
import { renderPull, renderPullSimple } from "./render-pulls.js";
import {
  ApiError,
  checkLength,
  notFound,
  ok,
  paginate,
  type RestContext,
  type RestHandler,
  repoOf,
  validationFailed,
} from "./rest-common.js";
import type { IssueModel, RepoModel } from "./state.js";

function pullOf(ctx: RestContext, repo: RepoModel): IssueModel {
  const issue = repo.issues.get(Number(ctx.params.pull_number));
  if (!issue?.pull) throw notFound();
  return issue;
}

/** "owner:branch" or "branch" → branch of this repository (forks are not modelled). */
function headBranch(repo: RepoModel, head: string): string | null {
  const colon = head.indexOf(":");
  if (colon < 0) return head;
  return head.slice(0, colon).toLowerCase() === repo.owner.login.toLowerCase()
    ? head.slice(colon + 1)
    : null;
}

async function create(ctx: RestContext) {
  const repo = repoOf(ctx, "write");
  const body = ctx.body ?? {};
  if (typeof body.title !== "string" || body.title.trim() === "") {
    throw validationFailed([{ resource: "PullRequest", code: "missing_field", field: "title" }]);
  }
  checkLength("PullRequest", "title", body.title);
  checkLength("PullRequest", "body", body.body);
  const head = headBranch(repo, String(body.head ?? ""));
  const headSha = head ? await resolveBranch(repo, head) : null;
  if (!head || !headSha) {
    throw validationFailed([{ resource: "PullRequest", field: "head", code: "invalid" }]);
  }
  const base = String(body.base ?? "");
  const baseSha = await resolveBranch(repo, base);
  if (!baseSha)
    throw validationFailed([{ resource: "PullRequest", field: "base", code: "invalid" }]);
  const existing = [...repo.issues.values()].find(
    (i) => i.pull && i.state === "open" && i.pull.head === head && i.pull.base === base,
  );
  if (existing) {
    throw validationFailed([
      {
        resource: "PullRequest",
        code: "custom",
        message: `A pull request already exists for ${repo.owner.login}:${head}.`,
      },
    ]);
  }
  const commits = await commitsAhead(repo, baseSha, headSha);
  if (commits === 0) {
    throw validationFailed([
      {
        resource: "PullRequest",
        code: "custom",
        message: `No commits between ${base} and ${head}`,
      },
    ]);
  }
  const issue = ctx.state.createPull(repo, {
    title: body.title,
    body: body.body ?? null,
    author: ctx.viewer,
    head,
    base,
    headSha,
    baseSha,
    draft: body.draft ?? false,
    commits,
  });
  await refreshPull(issue);
  return ok(renderPull(ctx.render, issue, ctx.viewer), 201, {
    location: `${ctx.render.repoApi(repo)}/pulls/${issue.number}`,
  });
}

async function get(ctx: RestContext) {
  const repo = repoOf(ctx);
  const issue = pullOf(ctx, repo);
  await refreshPull(issue);
  return ok(renderPull(ctx.render, issue, ctx.viewer));
}

function list(ctx: RestContext) {
  const repo = repoOf(ctx);
  const q = ctx.query;
  const state = q.get("state") ?? "open";
  const head = q.get("head");
  const headName = head ? headBranch(repo, head) : null;
  const base = q.get("base");
  const sort = q.get("sort") ?? "created";
  const direction = q.get("direction") ?? (sort === "created" ? "desc" : "asc");
  const pulls = [...repo.issues.values()]
    .filter((i) => i.pull !== null)
    .filter((i) => state === "all" || i.state === state)
    .filter((i) => !head || (headName !== null && i.pull?.head === headName))
    .filter((i) => !base || i.pull?.base === base)
    .sort((a, b) => {
      const key = (i: IssueModel) => (sort === "updated" ? Date.parse(i.updatedAt) : i.number);
      return (key(a) - key(b) || a.number - b.number) * (direction === "asc" ? 1 : -1);
    });
  return paginate(ctx, pulls, (issue) => renderPullSimple(ctx.render, issue, ctx.viewer));
}

async function update(ctx: RestContext) {
  const repo = repoOf(ctx, "write");
  const issue = pullOf(ctx, repo);
  const pull = issue.pull;
  if (!pull) throw notFound();
  const body = ctx.body ?? {};
  checkLength("PullRequest", "title", body.title);
  checkLength("PullRequest", "body", body.body);
  if (body.base !== undefined) {
    if (!(await resolveBranch(repo, body.base))) {
      throw validationFailed([{ resource: "PullRequest", field: "base", code: "invalid" }]);
    }
    pull.base = body.base;
  }
  if (body.state === "closed" && issue.state === "open") {
    issue.state = "closed";
    issue.closedAt = ctx.state.now();
    issue.closedBy = ctx.viewer;
    pull.autoMerge = null;
  } else if (body.state === "open" && issue.state === "closed") {
    if (pull.merged) {
      throw validationFailed([
        {
          resource: "PullRequest",
          code: "custom",
          field: "state",
          message: "state cannot be changed. The pull request has been merged.",
        },
      ]);
    }
    issue.state = "open";
    issue.closedAt = null;
  }
  const at = ctx.state.now();
  if (body.title !== undefined) ctx.state.renameIssue(issue, body.title, ctx.viewer, at);
  if (body.body !== undefined) ctx.state.editIssueBody(issue, body.body, ctx.viewer, at);
  ctx.state.touch(issue, at);
  await refreshPull(issue);
  return ok(renderPull(ctx.render, issue, ctx.viewer));
}

async function merge(ctx: RestContext) {
  const repo = repoOf(ctx, "write");
  const issue = pullOf(ctx, repo);
  const body = ctx.body ?? {};
  const method = body.merge_method ?? "merge";
  if (!["merge", "squash", "rebase"].includes(method)) {
    throw new ApiError(422, "Invalid merge method");
  }
  const { sha } = await mergePull(ctx.state, issue, {
    method,
    title: body.commit_title,
    message: body.commit_message,
    sha: body.sha,
    actor: ctx.viewer,
  });
  return ok({ sha, merged: true, message: "Pull Request successfully merged" });
}

export const pullHandlers: Record<string, RestHandler> = {
  "pulls/create": create,
  "pulls/get": get,
  "pulls/list": list,
  "pulls/update": update,
  "pulls/merge": merge,
};
