import * as core from "@actions/core";
import { LABELS } from "../core/states.js";
import { createClient, paceFromEnvironment } from "../github/client.js";
import { GitHubGoalStore } from "../github/goal-store.js";
import { repositoryInput, runAction, tokenInput } from "./inputs.js";

/** Prepares a repository for goals: creates the state, story and spot-check labels. */
export async function setupAction(): Promise<void> {
  await runAction(async () => {
    const token = tokenInput();
    const repo = repositoryInput();
    const paceMs = paceFromEnvironment(process.env);
    const client = createClient({
      token,
      apiUrl: process.env.GITHUB_API_URL,
      paceMs,
      warn: core.warning,
    });
    const store = await GitHubGoalStore.connect({ client, repo, paceMs });
    const { created, updated } = await store.ensureLabels(LABELS);
    core.info(
      `Labels in ${repo.owner}/${repo.repo}: ${created.length} created, ${updated.length} updated, ${
        LABELS.length - created.length - updated.length
      } already right.`,
    );
    core.setOutput("created", created.join(","));
    core.setOutput("updated", updated.join(","));
    // Outside a runner (a local run of the bundle) there is no job summary to write to.
    if (!process.env.GITHUB_STEP_SUMMARY) return;
    await core.summary
      .addHeading("goal-orchestrator setup", 3)
      .addTable([
        [
          { data: "label", header: true },
          { data: "status", header: true },
        ],
        ...LABELS.map((label) => [
          label.name,
          created.includes(label.name)
            ? "created"
            : updated.includes(label.name)
              ? "updated"
              : "present",
        ]),
      ])
      .write();
  });
}
