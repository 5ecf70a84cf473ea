import picomatch from "picomatch";
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

const SPOT_CHECK_EXIT_CODE = 3;

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
 * Whether a changed path matches a spot-check-paths pattern, read as a line of `.gitignore` or
 * CODEOWNERS is (matched with picomatch):
 * - `*` and `?` stay within one path segment, `**` crosses segments (a `**` segment matches
 *   zero or more folders: `src/**` then `/*.ts` matches `src/a.ts` and `src/a/b.ts`), `[abc]`
 *   is one of the characters;
 * - a leading `/`, or a `/` in the middle, anchors the pattern to the repository's root: `/build`
 *   and `.github/**` match nothing in a subfolder; a pattern with no `/` but a trailing one
 *   matches at any depth, like `.gitignore`: `CODEOWNERS`, `*.lock` and `migrations/` do;
 * - a pattern names files and folders alike: a matching folder takes everything below it
 *   (`docs` matches `docs/a.md`); a trailing `/` names folders only (`migrations/`);
 * - dotfiles and dot folders match like any other name (`*` matches `.gitattributes`);
 * - there is no `!` negation, no `{a,b}` and no extglob: such characters match themselves.
 */
export function matchesGlob(path: string, glob: string): boolean {
  let pattern = glob.trim().replace(/^\.\//, "");
  if (pattern === "") return false;
  const folderOnly = pattern.endsWith("/");
  pattern = pattern.replace(/\/+$/, "");
  const anchored = pattern.includes("/");
  pattern = pattern.replace(/^\/+/, "");
  if (pattern === "") return true; // `/`: the root folder, so everything
  const base = `${anchored ? "" : "**/"}${pattern.replace(/[()]/g, "\\$&")}`;
  const below = `${base}/**/*`; // not `${base}/**`, which matches the name itself too
  return picomatch.isMatch(path, folderOnly ? below : [base, below], GLOB_OPTIONS);
}

/** gitignore has no brace lists, extglobs or negation inside one pattern; dotfiles are files. */
const GLOB_OPTIONS: picomatch.PicomatchOptions = {
  dot: true,
  nobrace: true,
  noextglob: true,
  nonegate: true,
};
