/**
 * GitHub's native links between issues: a story's sub-issues and a goal's "blocked by"
 * dependencies, made and read. The Story:/Depends: lines in a goal's body are the source of
 * truth; these links make the same facts visible in GitHub's UI.
 */
import { messageOf } from "../core/errors.js";
import {
  formatIssueRef,
  type IssueRef,
  parseRepo,
  type RepoRef,
  sameIssue,
} from "../core/issue-ref.js";
import type { DependencyInfo, NewGoal, StorySummary } from "../core/ports.js";
import { STORY_LABEL } from "../core/states.js";
import { type GitHubClient, MAX_PAGE_SIZE } from "./client.js";
import { explainGitHubError, isStatus } from "./errors.js";
import { readGraphql, repositoryNotFound } from "./graphql-read.js";
import { STORY_QUERY, type StoryNode, type StoryResult } from "./queries.js";

/**
 * Links a goal just created to its story and its dependencies. A link that fails is reported
 * in the warnings returned, not thrown: the goal and its body already stand. `linked` holds
 * the dependencies' ids (a missing dependency gets no link).
 */
export async function linkNewGoal(
  client: GitHubClient,
  repo: RepoRef,
  created: { id: number; number: number },
  goal: Pick<NewGoal, "story" | "depends">,
  linked: readonly DependencyInfo[],
): Promise<string[]> {
  const warnings: string[] = [];
  const idOf = (ref: IssueRef) => linked.find((info) => sameIssue(info.ref, ref))?.id ?? null;
  if (goal.story) {
    try {
      await addSubIssue(client, goal.story, created.id);
    } catch (error) {
      warnings.push(
        `Could not link #${created.number} as a sub-issue of ${formatIssueRef(goal.story, repo)}: ${messageOf(error)}`,
      );
    }
  }
  for (const dependency of goal.depends) {
    const dependencyId = idOf(dependency);
    if (dependencyId === null) continue;
    try {
      await addBlockedBy(client, { ...repo, number: created.number }, dependencyId);
    } catch (error) {
      warnings.push(
        `Could not record #${created.number} as blocked by ${formatIssueRef(dependency, repo)}: ${messageOf(error)}`,
      );
    }
  }
  return warnings;
}

/** The issues whose "blocked by" links hold `goal` back, in whatever repository they are. */
export async function readBlockedBy(client: GitHubClient, goal: IssueRef): Promise<IssueRef[]> {
  try {
    const blockers = await listBlockedBy(client, goal);
    return blockers.map((issue) => ({
      ...repoFromApiUrl(issue.repository_url),
      number: issue.number,
    }));
  } catch (error) {
    throw explainGitHubError(error, `reading what blocks #${goal.number}`);
  }
}

/** These stories, each if it is an open issue labelled story; a request per story. */
export async function readStories(
  client: GitHubClient,
  repo: RepoRef,
  numbers: readonly number[],
): Promise<StorySummary[]> {
  const stories: StorySummary[] = [];
  for (const number of numbers) {
    const result = await readGraphql<StoryResult>(
      client,
      STORY_QUERY,
      { owner: repo.owner, name: repo.repo, number },
      `reading story #${number}`,
    );
    if (!result.repository) throw repositoryNotFound(repo);
    const story = result.repository.issue;
    const labelled = story?.labels.nodes.some((label) => label.name === STORY_LABEL);
    if (story?.state === "OPEN" && labelled) stories.push(...storySummary(story));
  }
  return stories;
}

/** A story with more sub-issues than one page shows is never judged complete: none then. */
function storySummary(story: StoryNode): StorySummary[] {
  if (story.subIssues.totalCount > story.subIssues.nodes.length) return [];
  return [
    {
      number: story.number,
      title: story.title,
      goals: story.subIssues.nodes.map((goal) => ({
        ref: { ...parseRepo(goal.repository.nameWithOwner), number: goal.number },
        open: goal.state === "OPEN",
        stateReason: goal.stateReason,
        labels: goal.labels.nodes.map((label) => label.name),
      })),
    },
  ];
}

async function addSubIssue(client: GitHubClient, story: IssueRef, childId: number) {
  try {
    await client.request("POST /repos/{owner}/{repo}/issues/{issue_number}/sub_issues", {
      owner: story.owner,
      repo: story.repo,
      issue_number: story.number,
      sub_issue_id: childId,
    });
  } catch (error) {
    // A retried request whose first answer was lost finds the link already made.
    if (isStatus(error, 422) && (await isSubIssueOf(client, story, childId))) return;
    throw error;
  }
}

async function isSubIssueOf(client: GitHubClient, story: IssueRef, childId: number) {
  const children = await client.paginate(
    "GET /repos/{owner}/{repo}/issues/{issue_number}/sub_issues",
    {
      owner: story.owner,
      repo: story.repo,
      issue_number: story.number,
      per_page: MAX_PAGE_SIZE,
    },
  );
  return children.some((child) => child.id === childId);
}

async function addBlockedBy(client: GitHubClient, goal: IssueRef, blockerId: number) {
  try {
    await client.request(
      "POST /repos/{owner}/{repo}/issues/{issue_number}/dependencies/blocked_by",
      {
        owner: goal.owner,
        repo: goal.repo,
        issue_number: goal.number,
        issue_id: blockerId,
      },
    );
  } catch (error) {
    // As with sub-issues: a lost answer to a retried request leaves the link already made.
    if (isStatus(error, 422)) {
      const blockers = await listBlockedBy(client, goal);
      if (blockers.some((blocker) => blocker.id === blockerId)) return;
    }
    throw error;
  }
}

/** The issues that block `goal` (its blocked-by links), every page: the one read of them. */
function listBlockedBy(client: GitHubClient, goal: IssueRef) {
  return client.paginate(
    "GET /repos/{owner}/{repo}/issues/{issue_number}/dependencies/blocked_by",
    {
      owner: goal.owner,
      repo: goal.repo,
      issue_number: goal.number,
      per_page: MAX_PAGE_SIZE,
    },
  );
}

/** owner/repo from an API URL like https://api.github.com/repos/owner/repo. */
function repoFromApiUrl(url: string): RepoRef {
  const match = /\/repos\/([^/]+)\/([^/]+)$/.exec(url);
  if (!match?.[1] || !match[2]) throw new Error(`Unexpected repository URL from GitHub: ${url}`);
  return { owner: match[1], repo: match[2] };
}
