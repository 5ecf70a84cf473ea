import { failureHistory } from "../core/attempts.js";
import { formatIssueRef } from "../core/issue-ref.js";
import type { GoalSnapshot } from "../core/ports.js";

/** Most log-tail lines of one earlier failure that go into the goal file. */
const TAIL_LINES = 40;

/**
 * The goal file the agent reads (design §4): title, body, story and, on a retry, what went
 * wrong before: failed runs with their log tails, and human or CI feedback.
 */
export function renderGoalFile(
  goal: GoalSnapshot,
  attempt: number,
  story: { number: number; title?: string } | null,
): string {
  const lines = [
    `# Goal #${goal.ref.number}: ${goal.title}`,
    "",
    `Repository: ${goal.ref.owner}/${goal.ref.repo}`,
    `Issue: ${goal.url}`,
    `Attempt: ${attempt}`,
  ];
  if (story) {
    const ref = formatIssueRef({ ...goal.ref, number: story.number }, goal.ref);
    lines.push(`Story: ${ref}${story.title ? ` ${story.title}` : ""}`);
  }
  lines.push("", goal.body.trim(), "");
  const history = failureHistory(goal.markers);
  if (history.length > 0) {
    lines.push("## Earlier attempts", "");
    lines.push("Earlier attempts at this goal did not succeed. Learn from what went wrong:", "");
    for (const entry of history) {
      if (entry.kind === "run-result") {
        lines.push(`### Attempt ${entry.attempt} failed`, "", `Reason: ${entry.reason}`, "");
        const tail = (entry.logTail ?? "").split("\n").slice(-TAIL_LINES).join("\n").trim();
        if (tail) lines.push("Last lines of its log:", "", fence(tail), "");
      } else {
        const from = { reject: "a reviewer", "pr-closed": "the closed PR", "ci-failed": "CI" }[
          entry.source
        ];
        lines.push(`### Feedback on attempt ${entry.attempt} from ${from}`, "", entry.text, "");
      }
    }
  }
  return `${lines.join("\n").trimEnd()}\n`;
}

/** A code fence longer than any backtick run inside the text. */
function fence(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const ticks = "`".repeat(longest + 1);
  return `${ticks}\n${text}\n${ticks}`;
}
