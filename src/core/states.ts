import { UserError } from "./errors.js";

export const GOAL_STATES = ["draft", "queued", "running", "done", "stuck", "spot-check"] as const;
export type GoalState = (typeof GOAL_STATES)[number];

const STATE_LABEL_PREFIX = "goal:";
/** Plain issue label marking a story, which groups goals as sub-issues. */
export const STORY_LABEL = "story";
/** Flag label: the goal always ends in goal:spot-check instead of auto-merging. */
export const SPOT_CHECK_FLAG_LABEL = "spot-check";

export function stateLabel(state: GoalState): string {
  return `${STATE_LABEL_PREFIX}${state}`;
}

export function parseState(name: string): GoalState | null {
  if (!name.startsWith(STATE_LABEL_PREFIX)) return null;
  const state = name.slice(STATE_LABEL_PREFIX.length);
  return (GOAL_STATES as readonly string[]).includes(state) ? (state as GoalState) : null;
}

export function isStateLabel(name: string): boolean {
  return parseState(name) !== null;
}

export interface LabelSpec {
  name: string;
  /** Six hex digits, no leading "#" (the GitHub API format). */
  color: string;
  /** At most 100 characters (GitHub's limit). */
  description: string;
}

const STATE_LABEL_LOOK: Record<GoalState, { color: string; description: string }> = {
  draft: { color: "d4c5f9", description: "Goal: written, not ready to run" },
  queued: { color: "0e8a16", description: "Goal: ready to run, waits its turn" },
  running: { color: "fbca04", description: "Goal: claimed by a dispatcher; an agent works on it" },
  done: {
    color: "5319e7",
    description: "Goal: the agent succeeded; its PR is merged or set to auto-merge",
  },
  stuck: {
    color: "b60205",
    description: "Goal: failed on its last allowed attempt, or cannot run",
  },
  "spot-check": {
    color: "d93f0b",
    description: "Goal: a human must review the PR before it merges",
  },
};

export const LABELS: readonly LabelSpec[] = [
  ...GOAL_STATES.map((state) => ({ name: stateLabel(state), ...STATE_LABEL_LOOK[state] })),
  { name: STORY_LABEL, color: "1d76db", description: "Story: groups goals as its sub-issues" },
  {
    name: SPOT_CHECK_FLAG_LABEL,
    color: "f9d0c4",
    description:
      "Goal flag: always stop in goal:spot-check for human review instead of auto-merging",
  },
];

/** Reads the goal state from an issue's labels; `conflicting` lists every state label when there is more than one. */
export function stateFromLabels(labels: readonly string[]): {
  state: GoalState | null;
  conflicting: GoalState[];
} {
  const states = [...new Set(labels.map(parseState).filter((s): s is GoalState => s !== null))];
  if (states.length === 1) return { state: states[0] ?? null, conflicting: [] };
  return { state: null, conflicting: states.length > 1 ? states : [] };
}

/** The labels to set so that exactly one state label remains: other labels keep their order. */
export function withState(labels: readonly string[], to: GoalState): string[] {
  return [...labels.filter((name) => !isStateLabel(name)), stateLabel(to)];
}

export const ALLOWED_TRANSITIONS: Record<GoalState, readonly GoalState[]> = {
  draft: ["queued"],
  queued: ["running", "draft", "stuck"],
  running: ["done", "stuck", "spot-check", "queued", "draft"],
  "spot-check": ["done", "queued", "stuck", "draft"],
  stuck: ["queued", "draft"],
  // A human re-opens a finished goal by queueing it again; the dispatcher re-queues one whose
  // pull request failed its checks (or makes it stuck when that was its last attempt), or whose
  // reviewer asked for changes (a review round), or hands it to a human once its review rounds
  // are used up.
  done: ["queued", "stuck", "draft", "spot-check"],
};

export function canTransition(from: GoalState, to: GoalState): boolean {
  return ALLOWED_TRANSITIONS[from].includes(to);
}

/** Throws unless `from` may become `to`. A goal without a state label (`null`) may become anything. */
export function assertTransition(from: GoalState | null, to: GoalState): void {
  if (from === null || canTransition(from, to)) return;
  throw new UserError(
    `goal is ${from}; it cannot become ${to}. From ${from} a goal can become: ${ALLOWED_TRANSITIONS[from].join(", ")}.`,
  );
}
