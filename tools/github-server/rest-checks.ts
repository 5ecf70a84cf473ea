// REST: check runs on a commit (seeded by tests through GitHubServer.addCheckRun).
import * as git from "./git.js";
import type { Json, Renderer } from "./render.js";
import {
  ApiError,
  notFound,
  ok,
  paginate,
  type RestContext,
  type RestHandler,
  repoOf,
} from "./rest-common.js";
import type { CheckRunModel, RepoModel } from "./state.js";

/** The GitHub Actions app, which owns the check runs of workflow jobs. */
function actionsApp(render: Renderer): Json {
  const owner = render.user({
    id: 9919,
    nodeId: "MDEyOk9yZ2FuaXphdGlvbjk5MTk=",
    login: "github",
    type: "User",
    token: "",
    createdAt: "2008-05-11T04:37:31Z",
  });
  return {
    id: 15368,
    slug: "github-actions",
    node_id: "MDM6QXBwMTUzNjg=",
    owner: { ...owner, type: "Organization" },
    name: "GitHub Actions",
    description: "Automate your workflow from idea to production",
    external_url: "https://help.github.com/en/actions",
    html_url: `${render.api}/apps/github-actions`,
    created_at: "2018-07-30T09:30:17Z",
    updated_at: "2024-04-10T20:33:16Z",
    permissions: { checks: "write", contents: "write", metadata: "read" },
    events: ["check_run", "check_suite", "pull_request", "push"],
  };
}

function renderCheckRun(render: Renderer, repo: RepoModel, run: CheckRunModel): Json {
  const api = render.repoApi(repo);
  const url = `${api}/check-runs/${run.id}`;
  const html = `${render.repoHtml(repo)}/runs/${run.id}`;
  const repoRef = { id: repo.id, url: api, name: repo.name };
  const pulls = [...repo.issues.values()].filter(
    (i) => i.pull && i.state === "open" && i.pull.headSha === run.headSha,
  );
  return {
    id: run.id,
    name: run.name,
    node_id: run.nodeId,
    head_sha: run.headSha,
    external_id: "",
    url,
    html_url: html,
    details_url: run.detailsUrl ?? html,
    status: run.status,
    conclusion: run.conclusion,
    started_at: run.startedAt,
    completed_at: run.completedAt,
    output: {
      ...run.output,
      annotations_count: 0,
      annotations_url: `${url}/annotations`,
    },
    check_suite: { id: run.id },
    app: actionsApp(render),
    pull_requests: pulls.map((i) => ({
      url: `${api}/pulls/${i.number}`,
      id: i.pull?.id,
      number: i.number,
      head: { ref: i.pull?.head, sha: i.pull?.headSha, repo: repoRef },
      base: { ref: i.pull?.base, sha: i.pull?.baseSha, repo: repoRef },
    })),
  };
}

/** `ref` as GitHub takes it: a SHA, a branch (`x` or `heads/x`) or a tag (`tags/x`). */
async function resolveRef(repo: RepoModel, ref: string): Promise<string> {
  let sha: string | null;
  if (repo.gitDir) sha = await git.resolveCommit(repo.gitDir, ref);
  else if (/^[0-9a-f]{40}$/i.test(ref)) sha = ref.toLowerCase();
  else sha = repo.branches.get(ref.replace(/^(refs\/)?heads\//, "")) ?? null;
  if (!sha) throw new ApiError(422, `No commit found for SHA: ${ref}`);
  return sha;
}

async function listForRef(ctx: RestContext) {
  const repo = repoOf(ctx);
  const sha = await resolveRef(repo, ctx.params.ref ?? "");
  const name = ctx.query.get("check_name");
  const status = ctx.query.get("status");
  const all = ctx.query.get("filter") === "all";
  const runs = (
    all
      ? [...repo.checkRuns.values()].filter((r) => r.headSha === sha)
      : ctx.state.latestCheckRuns(repo, sha)
  )
    .filter((r) => !name || r.name === name)
    .filter((r) => !status || r.status === status)
    .sort((a, b) => b.id - a.id);
  const reply = paginate(ctx, runs, (r) => renderCheckRun(ctx.render, repo, r));
  return { ...reply, body: { total_count: runs.length, check_runs: reply.body } };
}

function get(ctx: RestContext) {
  const repo = repoOf(ctx);
  const run = repo.checkRuns.get(Number(ctx.params.check_run_id));
  if (!run) throw notFound();
  return ok(renderCheckRun(ctx.render, repo, run));
}

export const checkHandlers: Record<string, RestHandler> = {
  "checks/list-for-ref": listForRef,
  "checks/get": get,
};
