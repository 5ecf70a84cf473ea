/**
 * Claims verified in one dispatch cycle become runs with one GraphQL request of aliased
 * mutations, which GitHub runs in order: every goal's label set (goal:running), then every
 * claim comment edited to hold its move. One request is one paced write, where a claim moved
 * by REST took two (a label set and a comment edit): claiming 48 goals fits in a minute.
 */
import type { RepoRef } from "../core/issue-ref.js";
import type { RunStart } from "../core/ports.js";
import { stateLabel, withState } from "../core/states.js";
import type { GitHubClient } from "./client.js";
import { explainGitHubError } from "./errors.js";
import { readGraphql, repositoryNotFound } from "./graphql-read.js";
import { withMove } from "./marked-comment.js";

type LabelIdsResult = {
  repository: Record<string, { id: string; name: string } | null> | null;
};

/** The node ids of labels by name (lower case); names with no label are left out. */
async function labelIds(
  client: GitHubClient,
  repo: RepoRef,
  names: readonly string[],
): Promise<Map<string, string>> {
  const fields = names
    .map((name, index) => `label${index}: label(name: ${JSON.stringify(name)}) { id name }`)
    .join("\n    ");
  const result = await readGraphql<LabelIdsResult>(
    client,
    `query LabelIds($owner: String!, $name: String!) {\n  repository(owner: $owner, name: $name) {\n    ${fields}\n  }\n}`,
    { owner: repo.owner, name: repo.repo },
    "reading the ids of the goals' labels",
  );
  if (!result.repository) throw repositoryNotFound(repo);
  const ids = new Map<string, string>();
  for (const label of Object.values(result.repository))
    if (label) ids.set(label.name.toLowerCase(), label.id);
  return ids;
}

/** `known`: label node ids by lower-case name already read (a cycle overview); others are read. */
export async function startRuns(
  client: GitHubClient,
  repo: RepoRef,
  starts: readonly RunStart[],
  known: ReadonlyMap<string, string> = new Map(),
): Promise<void> {
  if (starts.length === 0) return;
  const labelSets = starts.map((start) => withState(start.goal.labels, "running"));
  const names = [...new Set(labelSets.flat().map((name) => name.toLowerCase()))];
  const unknown = names.filter((name) => !known.has(name));
  const ids = new Map([
    ...known,
    ...(unknown.length > 0 ? await labelIds(client, repo, unknown) : []),
  ]);
  if (!ids.has(stateLabel("running").toLowerCase()))
    throw new Error(`The label ${stateLabel("running")} is missing from the repository.`);
  const declarations: string[] = [];
  const labelMoves: string[] = [];
  const notes: string[] = [];
  const variables: Record<string, unknown> = {};
  starts.forEach((start, index) => {
    declarations.push(`$issue${index}: ID!`, `$labels${index}: [ID!]`);
    variables[`issue${index}`] = start.goal.nodeId;
    variables[`labels${index}`] = labelSets[index]?.flatMap(
      (name) => ids.get(name.toLowerCase()) ?? [],
    );
    labelMoves.push(
      `start${index}: updateIssue(input: {id: $issue${index}, labelIds: $labels${index}}) { issue { number } }`,
    );
    const move = { from: start.goal.state, to: "running" as const, reason: start.reason };
    const body = withMove(start.claim.body, move);
    // A claim comment too long to hold its move keeps it out; the label and claim still say it.
    if (body === null) return;
    declarations.push(`$comment${index}: ID!`, `$body${index}: String!`);
    variables[`comment${index}`] = start.claim.nodeId;
    variables[`body${index}`] = body;
    notes.push(
      `note${index}: updateIssueComment(input: {id: $comment${index}, body: $body${index}}) { issueComment { id } }`,
    );
  });
  const document = `mutation StartRuns(${declarations.join(", ")}) {\n  ${[...labelMoves, ...notes].join("\n  ")}\n}`;
  try {
    await client.graphql(document, variables);
  } catch (error) {
    throw explainGitHubError(
      error,
      `moving ${starts.map((start) => `#${start.goal.ref.number}`).join(", ")} to ${stateLabel("running")}`,
    );
  }
}
