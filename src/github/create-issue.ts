import { randomUUID } from "node:crypto";
import { RequestError } from "@octokit/request-error";
import { messageOf } from "../core/errors.js";
import { formatRepo, type RepoRef } from "../core/issue-ref.js";
import type { GitHubClient } from "./client.js";

export interface CreatedIssue {
  id: number;
  number: number;
  html_url: string;
}

/** How often a create is attempted when GitHub's answer does not arrive. */
const CREATE_ATTEMPTS = 4;
/** Issues created since we started that we look through for our request id. */
const RECENT_ISSUES_PAGE = 100;

/** Hidden in the body so a create whose answer was lost can be found again. */
export function requestIdLine(requestId: string): string {
  return `<!-- goal-orchestrator:request ${requestId} -->`;
}

/** Statuses after which GitHub may or may not have created the issue. */
function outcomeUnknown(error: unknown): boolean {
  return error instanceof RequestError && (error.status >= 500 || error.status === 0);
}

/**
 * Creates an issue exactly once, even when a response is lost after GitHub applied the write
 * (a 502 or a dropped connection). Octokit's own retry would create a duplicate there, so it
 * is switched off for this request; before every new attempt we look for an issue carrying
 * our request id, created since we began.
 */
export async function createIssueOnce(
  client: GitHubClient,
  repo: RepoRef,
  issue: { title: string; body: string; labels: string[] },
  options: { paceMs?: number } = {},
): Promise<CreatedIssue> {
  const requestId = randomUUID();
  const body = `${issue.body.trimEnd()}\n\n${requestIdLine(requestId)}\n`;
  // Start looking well before now: our clock and GitHub's may disagree.
  const since = new Date(Date.now() - 10 * 60_000).toISOString();
  const baseMs = options.paceMs ?? 1000;
  let lastError: unknown;
  for (let attempt = 1; attempt <= CREATE_ATTEMPTS; attempt++) {
    if (attempt > 1) {
      const existing = await findByRequestId(client, repo, requestId, since);
      if (existing) return existing;
      await new Promise((resolve) => setTimeout(resolve, baseMs * attempt ** 2));
    }
    try {
      const { data } = await client.rest.issues.create({
        owner: repo.owner,
        repo: repo.repo,
        title: issue.title,
        body,
        labels: issue.labels,
        request: { retries: 0 },
      });
      return { id: data.id, number: data.number, html_url: data.html_url };
    } catch (error) {
      if (!outcomeUnknown(error)) throw error;
      lastError = error;
    }
  }
  const existing = await findByRequestId(client, repo, requestId, since);
  if (existing) return existing;
  throw new Error(
    `Creating the issue in ${formatRepo(repo)} failed ${CREATE_ATTEMPTS} times and no issue was created: ${messageOf(
      lastError,
    )}`,
  );
}

async function findByRequestId(
  client: GitHubClient,
  repo: RepoRef,
  requestId: string,
  since: string,
): Promise<CreatedIssue | null> {
  const marker = requestIdLine(requestId);
  const { data } = await client.rest.issues.listForRepo({
    owner: repo.owner,
    repo: repo.repo,
    state: "all",
    sort: "created",
    direction: "desc",
    since,
    per_page: RECENT_ISSUES_PAGE,
  });
  const found = data.find(
    (candidate) => !candidate.pull_request && candidate.body?.includes(marker),
  );
  return found ? { id: found.id, number: found.number, html_url: found.html_url } : null;
}
