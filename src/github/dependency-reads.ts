/**
 * The state of the issues goals depend on, in this repository or any other: one aliased
 * GraphQL query per batch, so a queue's dependencies cost a request or two, not one each.
 */
import { parseVisibleGoalBody } from "../core/goal-body.js";
import { type IssueRef, issueKey, sameRepo } from "../core/issue-ref.js";
import type { DependencyInfo } from "../core/ports.js";
import type { GitHubClient } from "./client.js";
import { readGraphql } from "./graphql-read.js";
import { type DependencyIssue, dependencyQuery } from "./queries.js";

/** Issues asked for in one dependency query: keeps GraphQL's node cost small. */
const DEPENDENCY_BATCH = 50;

/** State of each referenced issue, in the order asked; a missing one says `exists: false`. */
export async function readDependencyInfo(
  client: GitHubClient,
  refs: readonly IssueRef[],
): Promise<DependencyInfo[]> {
  const found = new Map<string, DependencyIssue | null>();
  for (let start = 0; start < refs.length; start += DEPENDENCY_BATCH) {
    const groups = groupByRepo(refs.slice(start, start + DEPENDENCY_BATCH));
    const { query, variables } = dependencyQuery(groups);
    // Missing issues and repositories come back as nulls, not as a failure.
    const data = await readGraphql<Record<string, Record<string, DependencyIssue | null> | null>>(
      client,
      query,
      variables,
      "reading the state of dependencies",
    );
    groups.forEach((group, r) => {
      group.numbers.forEach((number, i) => {
        const issue = data[`r${r}`]?.[`i${i}`] ?? null;
        found.set(issueKey({ owner: group.owner, repo: group.repo, number }), issue);
      });
    });
  }
  return refs.map((ref) => {
    const issue = found.get(issueKey(ref)) ?? null;
    if (!issue) {
      return {
        ref,
        exists: false,
        id: null,
        open: false,
        stateReason: null,
        labels: [],
        dependsOn: [],
      };
    }
    return {
      ref,
      exists: true,
      id: issue.databaseId,
      open: issue.state === "OPEN",
      stateReason: issue.stateReason,
      labels: issue.labels.nodes.map((label) => label.name),
      dependsOn: dependsLineOf(issue.body, ref),
    };
  });
}

/** One group per repository (the query asks each once), each number once. */
function groupByRepo(refs: readonly IssueRef[]) {
  const groups: Array<{ owner: string; repo: string; numbers: number[] }> = [];
  for (const ref of refs) {
    let group = groups.find((candidate) => sameRepo(candidate, ref));
    if (!group) {
      group = { owner: ref.owner, repo: ref.repo, numbers: [] };
      groups.push(group);
    }
    if (!group.numbers.includes(ref.number)) group.numbers.push(ref.number);
  }
  return groups;
}

/** The Depends: line of another goal, for cycle detection; a body that is no goal has none. */
function dependsLineOf(body: string, ref: IssueRef): IssueRef[] {
  try {
    return parseVisibleGoalBody(body, ref).depends;
  } catch {
    return [];
  }
}
