import { messageOf, UserError } from "../core/errors.js";
import { formatCount, GITHUB_LIMITS } from "../core/github-limits.js";
import { parseGoalBody, withMetadata } from "../core/goal-body.js";
import {
  formatIssueRef,
  type IssueRef,
  parseIssueRef,
  type RepoRef,
  sameIssue,
} from "../core/issue-ref.js";
import type { GoalStore } from "../core/ports.js";
import { LABELS, STORY_LABEL } from "../core/states.js";
import { requestIdLine } from "../github/create-issue.js";

export interface CreateGoalInput {
  title: string;
  body: string;
  /** --story: a reference like 42, #42 or owner/repo#42; may also come from the body. */
  story?: string | undefined;
  /** --depends: references; merged with the body's Depends: line. */
  depends?: readonly string[];
  queue: boolean;
  spotCheck: boolean;
  /** Where the body came from, for messages: "--body-file goal.md", "standard input". */
  bodySource?: string | undefined;
}

/**
 * What the orchestrator appends to a goal's body when it creates the issue (after trimming its
 * end): a blank line, the hidden request id (a UUID) and a newline; see createIssueOnce.
 */
export const CREATE_OVERHEAD = `\n\n${requestIdLine("00000000-0000-0000-0000-000000000000")}\n`
  .length;

/**
 * Refuses a title or body GitHub would refuse, naming where it came from, its size and the
 * limit. `finalBody` is the body as it will be sent (with the Story:/Depends: lines written in);
 * the request id is counted here.
 */
export function checkGoalSize(
  input: { title: string; body: string; bodySource?: string | undefined },
  finalBody: string = input.body,
): void {
  const title = input.title.trim();
  if (title.length > GITHUB_LIMITS.title) {
    throw new UserError(
      `--title: the title is ${formatCount(title.length)} characters; GitHub accepts at most ${formatCount(GITHUB_LIMITS.title)}. Nothing was created.`,
    );
  }
  const own = input.body.trimEnd().length;
  const sent = finalBody.trimEnd().length;
  if (sent + CREATE_OVERHEAD <= GITHUB_LIMITS.body) return;
  const added = CREATE_OVERHEAD + Math.max(0, sent - own);
  throw new UserError(
    `${input.bodySource ?? "the body"}: the goal body is ${formatCount(own)} characters; at most ${formatCount(
      GITHUB_LIMITS.body - added,
    )} fit (GitHub accepts ${formatCount(GITHUB_LIMITS.body)} and the orchestrator adds ${formatCount(
      added,
    )} of its own). Nothing was created.`,
  );
}

/**
 * Validates a new goal completely (body, story, dependencies) and only then creates it, so a
 * refused goal leaves nothing behind on GitHub.
 */
export async function createGoal(store: GoalStore, input: CreateGoalInput) {
  const repo = store.repo;
  const title = input.title.trim();
  if (!title) throw new UserError("--title: a goal needs a title (one line saying what to build).");
  // Before parsing: a huge body is refused for its size, not for what the parser finds in it.
  checkGoalSize(input);
  const parsed = parseGoalBody(input.body, repo);

  const flagStory = input.story ? referenceInput(input.story, "--story", repo) : null;
  if (flagStory && parsed.story && !sameIssue(flagStory, parsed.story)) {
    throw new UserError(
      `--story says ${formatIssueRef(flagStory, repo)} but the body's Story: line says ${formatIssueRef(parsed.story, repo)}; use one.`,
    );
  }
  const story = flagStory ?? parsed.story;
  const depends: IssueRef[] = [...parsed.depends];
  for (const text of input.depends ?? []) {
    const ref = referenceInput(text, "--depends", repo);
    if (!depends.some((known) => sameIssue(known, ref))) depends.push(ref);
  }
  const body = withMetadata(input.body, { story, depends }, repo);
  checkGoalSize(input, body);

  // GitHub silently drops the labels of issues opened by people without write access, and
  // goals are only accepted from people with write access anyway. Apps (bots) are checked by
  // their installation's permissions instead.
  if (!store.viewer.endsWith("[bot]") && !(await store.hasWriteAccess(store.viewer))) {
    throw new UserError(
      `${store.viewer} has no write access to ${repo.owner}/${repo.repo}; goals are only accepted from people with write access. Nothing was created.`,
    );
  }

  const infos = await store.dependencyInfo([...(story ? [story] : []), ...depends]);
  const problems: string[] = [];
  if (story) {
    const info = infos[0];
    if (!info?.exists) {
      problems.push(
        `Story ${formatIssueRef(story, repo)} does not exist (or the token cannot see it).`,
      );
    } else if (!info.labels.some((label) => label.toLowerCase() === STORY_LABEL)) {
      problems.push(
        `${formatIssueRef(story, repo)} is not a story: it has no "${STORY_LABEL}" label. Add the label to it, or pick the right issue.`,
      );
    }
  }
  for (const info of infos.slice(story ? 1 : 0)) {
    if (!info.exists) {
      problems.push(
        `Dependency ${formatIssueRef(info.ref, repo)} does not exist (or the token cannot see it).`,
      );
    }
  }
  if (problems.length > 0) {
    throw new UserError(`Nothing was created:\n${problems.map((p) => `- ${p}`).join("\n")}`);
  }

  await store.ensureLabels(LABELS);
  return store.createGoal({
    title,
    body,
    state: input.queue ? "queued" : "draft",
    spotCheck: input.spotCheck,
    story,
    depends,
  });
}

function referenceInput(text: string, flag: string, repo: RepoRef): IssueRef {
  try {
    return parseIssueRef(text, repo);
  } catch (error) {
    throw new UserError(`${flag}: ${messageOf(error)}`);
  }
}
