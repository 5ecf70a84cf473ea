/**
 * Who wrote and who labelled goal issues, read for vetting (see core/vouching.ts): authors,
 * last editors, renames and label events, many issues to a query.
 */
import type { RepoRef } from "../core/issue-ref.js";
import type { TextHistory } from "../core/vouching.js";
import type { GitHubClient } from "./client.js";
import { actorLogin, readGraphql, repositoryNotFound } from "./graphql-read.js";
import { type TextHistoryIssue, textHistoryQuery } from "./queries.js";

/** Issues asked for in one text-history query (each reads up to 50 timeline events). */
const HISTORY_BATCH = 20;

/** The history of each issue asked for, in that order; missing issues are left out. */
export async function readTextHistories(
  client: GitHubClient,
  repo: RepoRef,
  numbers: readonly number[],
): Promise<TextHistory[]> {
  const histories: TextHistory[] = [];
  for (let start = 0; start < numbers.length; start += HISTORY_BATCH) {
    const batch = numbers.slice(start, start + HISTORY_BATCH);
    const { query, variables } = textHistoryQuery(repo.owner, repo.repo, batch);
    const data = await readGraphql<{
      repository: Record<string, TextHistoryIssue | null> | null;
    }>(
      client,
      query,
      variables,
      `reading who wrote and queued ${batch.map((n) => `#${n}`).join(", ")}`,
    );
    if (!data.repository) throw repositoryNotFound(repo);
    batch.forEach((_, i) => {
      const issue = data.repository?.[`i${i}`];
      if (issue) histories.push(textHistoryOf(issue));
    });
  }
  return histories;
}

function textHistoryOf(issue: TextHistoryIssue): TextHistory {
  let titleEdit: TextHistory["titleEdit"] = null;
  const labelled: TextHistory["labelled"] = [];
  for (const item of issue.timelineItems.nodes) {
    if (!("createdAt" in item) || !("actor" in item)) continue;
    const by = actorLogin(item.actor);
    if (item.__typename === "RenamedTitleEvent") titleEdit = { by, at: item.createdAt };
    else if ("label" in item) labelled.push({ label: item.label.name, by, at: item.createdAt });
  }
  return {
    number: issue.number,
    title: issue.title,
    body: issue.body,
    author: actorLogin(issue.author),
    createdAt: issue.createdAt,
    bodyEdit: issue.lastEditedAt ? { by: actorLogin(issue.editor), at: issue.lastEditedAt } : null,
    titleEdit,
    labelled,
  };
}
