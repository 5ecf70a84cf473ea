import type { AgentResult } from "../agent/launch.js";
import type { AgentStats } from "../agent/stats.js";

/** How a finished agent run is judged (design §4): success, spot-check or failure, and why. */

export interface Verdict {
  outcome: "success" | "spot-check" | "failure" | "interrupted";
  reason: string;
}

/**
 * What the policy reads of the change. Its own type, not git's DiffStats: links and submodules
 * come from the file modes (src/git/diff-raw.ts), which a line count does not see.
 */
export interface PolicyDiff {
  linesAdded: number;
  linesDeleted: number;
  /** Every changed path; a rename's old and new path both. */
  paths: string[];
  /** Symbolic links added, retargeted, removed, or made from or into a file. */
  links: string[];
  /** Submodules (gitlinks) added, moved to another commit, or removed. */
  submodules: string[];
}

export interface VerdictInput {
  agent: AgentResult;
  /** One sentence on how the agent ended (describeAgentResult). */
  agentEnded: string;
  stats: AgentStats | null;
  commitsAhead: number;
  diff: PolicyDiff | null;
  /** The goal carries the spot-check flag label. */
  spotCheckLabel: boolean;
  spotCheckPaths: readonly string[];
  spotCheckMaxLines: number | null;
}

export const SPOT_CHECK_EXIT_CODE = 3;

export function judgeRun(input: VerdictInput): Verdict {
  const { agent } = input;
  if (agent.exitReason === "interrupted") {
    return { outcome: "interrupted", reason: `${input.agentEnded} (the job was cancelled)` };
  }
  if (agent.exitReason !== "exited" || agent.exitCode === null) {
    return { outcome: "failure", reason: input.agentEnded };
  }
  if (agent.exitCode !== 0 && agent.exitCode !== SPOT_CHECK_EXIT_CODE) {
    return { outcome: "failure", reason: input.agentEnded };
  }
  if (input.commitsAhead === 0) {
    if (input.stats?.exit_reason === "timeout") {
      return {
        outcome: "failure",
        reason: "the agent ran out of time (its stats say exit_reason timeout) with no commits",
      };
    }
    return { outcome: "failure", reason: "no changes: the agent left no commits and no edits" };
  }
  const review = spotCheckReasons(input);
  if (review.length > 0) return { outcome: "spot-check", reason: review.join("; ") };
  return { outcome: "success", reason: `${input.agentEnded}; ${input.commitsAhead} commit(s)` };
}

function spotCheckReasons(input: VerdictInput): string[] {
  const reasons: string[] = [];
  if (input.agent.exitCode === SPOT_CHECK_EXIT_CODE) {
    reasons.push("the agent asked for human review (exit status 3)");
  }
  if (input.spotCheckLabel) reasons.push("the goal has the spot-check label");
  if (input.diff) {
    const matched = input.diff.paths.filter((path) =>
      input.spotCheckPaths.some((glob) => matchesGlob(path, glob)),
    );
    if (matched.length > 0) {
      reasons.push(`it changes paths listed in spot-check-paths: ${listed(matched)}`);
    }
    // Not path rules: a link or a submodule can bring in any content, so an empty
    // spot-check-paths does not switch these off.
    if (input.diff.links.length > 0) {
      reasons.push(`it adds or changes symbolic links: ${listed(input.diff.links)}`);
    }
    if (input.diff.submodules.length > 0) {
      reasons.push(`it changes submodules: ${listed(input.diff.submodules)}`);
    }
    const lines = input.diff.linesAdded + input.diff.linesDeleted;
    if (input.spotCheckMaxLines !== null && lines > input.spotCheckMaxLines) {
      reasons.push(
        `it changes ${lines} lines, more than spot-check-max-lines (${input.spotCheckMaxLines})`,
      );
    }
  }
  return reasons;
}

/** At most five paths, then "…". */
function listed(paths: readonly string[]): string {
  return paths.slice(0, 5).join(", ") + (paths.length > 5 ? ", …" : "");
}

/**
 * gitignore-like globs: `*` and `?` stay within one path segment, `**` crosses segments, a
 * trailing `/` matches everything below a folder, and a pattern without `/` matches a file
 * name at any depth.
 */
export function matchesGlob(path: string, glob: string): boolean {
  let pattern = glob.trim().replace(/^\.\//, "");
  if (pattern === "") return false;
  if (pattern.endsWith("/")) pattern += "**";
  const anchored = pattern.includes("/");
  const regex = globToRegExp(pattern.replace(/^\//, ""));
  if (regex.test(path)) return true;
  return !anchored && regex.test(path.split("/").pop() ?? path);
}

function globToRegExp(glob: string): RegExp {
  let out = "";
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i] as string;
    if (char === "*" && glob[i + 1] === "*") {
      i++;
      if (glob[i + 1] === "/") {
        i++;
        out += "(?:.*/)?";
      } else out += ".*";
    } else if (char === "*") out += "[^/]*";
    else if (char === "?") out += "[^/]";
    else out += char.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${out}$`);
}
