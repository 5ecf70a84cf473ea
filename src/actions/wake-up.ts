import { runWorkflow } from "../core/actions-environment.js";
import { messageOf } from "../core/errors.js";
import { formatRepo } from "../core/issue-ref.js";
import { requestWorkflowDispatch } from "../github/actions-api.js";
import type { GitHubClient } from "../github/client.js";
import { isStatus } from "../github/errors.js";

/**
 * A wake-up: once a run has recorded its result, the runner asks for the next dispatch cycle now
 * rather than at the next cron, by a `workflow_dispatch` (no goal) of the workflow that ran it.
 * GITHUB_TOKEN may do that (workflow_dispatch is the documented exception to "events made with
 * GITHUB_TOKEN start no workflow run") when the job has `actions: write`. The dispatch job's
 * concurrency group coalesces many wake-ups into a few cycles (docs/design.md, "Wake-ups").
 *
 * Never fails the run: a refusal is a warning that says what to add, since the cron still comes.
 */
export async function requestWakeUp(
  client: GitHubClient,
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
  warn: (line: string) => void,
): Promise<boolean> {
  const workflow = runWorkflow(env);
  if (!workflow) {
    log("No wake-up: GITHUB_WORKFLOW_REF does not name the workflow that ran this job.");
    return false;
  }
  const where = `${formatRepo(workflow.repo)}/.github/workflows/${workflow.file} at ${workflow.ref}`;
  try {
    await requestWorkflowDispatch(client, workflow);
    log(`Wake-up requested: a dispatch cycle of ${where} starts now rather than at the next cron.`);
    return true;
  } catch (error) {
    warn(`${wakeUpRefused(error, where)} The next scheduled cycle dispatches in its place.`);
    return false;
  }
}

function wakeUpRefused(error: unknown, where: string): string {
  const off = "or set the reusable workflow's wake-up input (the run action's) to false";
  if (isStatus(error, 403)) {
    return `The wake-up was refused (403): the token may not start workflows. With GITHUB_TOKEN, grant the calling job \`actions: write\` (the run job asks for it); a GitHub App or a personal access token needs Actions: read and write; ${off}.`;
  }
  if (isStatus(error, 422)) {
    return `The wake-up was refused (422: ${messageOf(error)}): add \`workflow_dispatch:\` to the \`on:\` of ${where}, ${off}.`;
  }
  if (isStatus(error, 404)) {
    return `The wake-up was refused (404): GitHub does not know the workflow ${where}, or the token cannot see it; ${off}.`;
  }
  return `The wake-up could not be requested: ${messageOf(error)}.`;
}
