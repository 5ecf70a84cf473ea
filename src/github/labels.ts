/**
 * The orchestrator's labels in a repository: made to exist, with our colours, without
 * overwriting a description a human wrote.
 */
import { formatRepo, type RepoRef } from "../core/issue-ref.js";
import type { ExistingLabel } from "../core/ports.js";
import type { LabelSpec } from "../core/states.js";
import { type GitHubClient, MAX_PAGE_SIZE } from "./client.js";
import { explainGitHubError, isStatus } from "./errors.js";

/**
 * Creates the missing labels and fixes the colour (or empty description) of the others.
 * `known`: the labels as a read just found them (a cycle overview), instead of listing them all.
 */
export async function ensureLabels(
  client: GitHubClient,
  repo: RepoRef,
  labels: readonly LabelSpec[],
  known?: ReadonlyArray<Omit<ExistingLabel, "id">>,
): Promise<{ created: string[]; updated: string[] }> {
  const where = { owner: repo.owner, repo: repo.repo };
  const existing =
    known ??
    (await client
      .paginate(client.rest.issues.listLabelsForRepo, { ...where, per_page: MAX_PAGE_SIZE })
      .catch((error) => {
        throw explainGitHubError(error, `listing the labels of ${formatRepo(repo)}`);
      }));
  const byName = new Map(existing.map((label) => [label.name.toLowerCase(), label]));
  const created: string[] = [];
  const updated: string[] = [];
  for (const spec of labels) {
    const found = byName.get(spec.name.toLowerCase());
    if (!found) {
      try {
        await client.rest.issues.createLabel({ ...where, ...spec });
        created.push(spec.name);
      } catch (error) {
        // Another process created it between our list and our create: that is fine.
        if (!isStatus(error, 422)) throw explainGitHubError(error, `creating label ${spec.name}`);
      }
    } else if (found.color.toLowerCase() !== spec.color.toLowerCase() || !found.description) {
      // Keep a description a human wrote; fill in ours where there is none.
      await client.rest.issues.updateLabel({
        ...where,
        name: found.name,
        color: spec.color,
        description: found.description || spec.description,
      });
      updated.push(spec.name);
    }
  }
  return { created, updated };
}
