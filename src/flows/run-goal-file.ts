import { failureHistory } from "../core/attempts.js";
import { formatIssueRef } from "../core/issue-ref.js";
import { LOG_TAIL_LINES } from "../core/markers.js";
import type { GoalSnapshot } from "../core/ports.js";
import { openReviewRound } from "../core/review-rounds.js";
import {
  addHidden,
  describeHidden,
  type HiddenCount,
  visibleLine,
  visibleMarkdown,
} from "../core/visible-text.js";

/** The story line of a goal file: its title only when someone with write access vouched for it. */
export interface GoalFileStory {
  number: number;
  title?: string;
  /** Why the title is left out. */
  omitted?: string;
}

/**
 * The goal file the agent reads (design §4): title, body, story and, on a retry, what went
 * wrong before: failed runs with their log tails, and human or CI feedback. Text from GitHub
 * goes in as a reader of the issue page sees it (core/visible-text.ts); `hidden` counts what
 * was cut out, and the file says so.
 */
export function renderGoalFile(
  goal: GoalSnapshot,
  attempt: number,
  story: GoalFileStory | null,
): { text: string; hidden: HiddenCount[] } {
  const found: HiddenCount[][] = [];
  const visible = (text: string, clean: typeof visibleLine) => {
    const result = clean(text);
    found.push(result.removed);
    return result.text;
  };
  const title = visible(goal.title, visibleLine);
  const body = visible(goal.body, visibleMarkdown).trim();
  const lines = [
    `# Goal #${goal.ref.number}: ${title}`,
    "",
    `Repository: ${goal.ref.owner}/${goal.ref.repo}`,
    `Issue: ${goal.url}`,
    `Attempt: ${attempt}`,
  ];
  if (story) {
    const ref = formatIssueRef({ ...goal.ref, number: story.number }, goal.ref);
    const storyTitle = story.title ? visible(story.title, visibleLine) : "";
    lines.push(
      `Story: ${ref}${storyTitle ? ` ${storyTitle}` : ""}${story.omitted ? ` (title left out: ${story.omitted})` : ""}`,
    );
  }
  const hiddenAt = lines.length;
  lines.push("", body, "");
  const round = openReviewRound(goal.markers);
  if (round) {
    lines.push(
      `## Review round ${round.round}`,
      "",
      `Your earlier work on this goal is pull request #${round.pullRequest}, and this run starts from its branch. People with write access asked for the changes below: make them on top of that work, do not start over.`,
      "",
    );
    for (const entry of goal.markers) {
      if (entry.kind === "feedback" && entry.round === round.round) {
        lines.push(visible(entry.text, visibleMarkdown), "");
      }
    }
  }
  const history = failureHistory(goal.markers).filter(
    (entry) => !(round && entry.kind === "feedback" && entry.round === round.round),
  );
  if (history.length > 0) {
    lines.push("## Earlier attempts", "");
    lines.push("Earlier attempts at this goal did not succeed. Learn from what went wrong:", "");
    for (const entry of history) {
      if (entry.kind === "run-result") {
        lines.push(`### Attempt ${entry.attempt} failed`, "", `Reason: ${entry.reason}`, "");
        const tail = (entry.logTail ?? "").split("\n").slice(-LOG_TAIL_LINES).join("\n").trim();
        if (tail) lines.push("Last lines of its log:", "", fence(tail), "");
      } else {
        const from = {
          reject: "a reviewer",
          "pr-closed": "the closed PR",
          "ci-failed": "CI",
          review: "review",
        }[entry.source];
        lines.push(
          entry.round
            ? `### Review round ${entry.round}: feedback from ${from} on pull request #${entry.pullRequest ?? "?"}`
            : `### Feedback on attempt ${entry.attempt} from ${from}`,
          "",
          visible(entry.text, visibleMarkdown),
          "",
        );
      }
    }
  }
  const hidden = addHidden(...found);
  if (hidden.length > 0) {
    lines.splice(
      hiddenAt,
      0,
      `Hidden content removed: ${describeHidden(hidden)} (what the issue page does not show never reaches you).`,
    );
  }
  return { text: `${lines.join("\n").trimEnd()}\n`, hidden };
}

/** A code fence longer than any backtick run inside the text. */
function fence(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const ticks = "`".repeat(longest + 1);
  return `${ticks}\n${text}\n${ticks}`;
}
