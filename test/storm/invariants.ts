// What must hold whatever the storm did, read from GitHub's state (labels, trusted markers, pull
// requests), origin's branches, the runner machine's disk and its processes. README.md in this
// folder states each rule and why it is the right one; the names here are the ones it uses.
import { attemptsUsed, latestClaim } from "../../src/core/attempts.js";
import { type TrustedMarker, trustedMarkers } from "../../src/core/markers.js";
import { isStateLabel } from "../../src/core/states.js";
import type { Phase } from "./phases.js";
import { OWNER, onDisk, onOrigin, REPO, type World } from "./world.js";

export const CHECKS = [
  "one-state-label",
  "max-running",
  "double-claim",
  "second-pr",
  "run-after-pr",
  "attempts-over-max",
  "work-lost",
  "running-after-run-ended",
  "agent-outlived-runner",
  "blocked-not-marked",
  "dispatch-lock-stalled",
  "step-hung",
] as const;
export type Check = (typeof CHECKS)[number];

export interface Violation {
  seed: number;
  cycle: number;
  goal: number | null;
  check: Check;
  what: string;
}

/** One runner job (main step, maybe its post step) as the harness saw it. */
export interface JobRecord {
  cycle: number;
  runId: number;
  goal: number;
  attempt: number;
  /** The agent printed its first line (or its log file exists). */
  agentStarted: boolean;
  /** Commits the agent reported ("agent: committed <sha>"). */
  commits: string[];
  /** The phase it was to be killed at, and whether the kill happened. */
  phase: Phase | null;
  killed: boolean;
  /** Its post step ran (false: the VM died with the main step). */
  post: boolean;
  mainCode: number | null;
  postCode: number | null;
  /** The main step ended by itself (neither killed nor timed out). */
  endedOnItsOwn: boolean;
  outcome: string;
}

export interface PullView {
  number: number;
  head: string;
  open: boolean;
  merged: boolean;
  autoMerge: boolean;
}

export interface GoalView {
  number: number;
  stateLabels: string[];
  markers: TrustedMarker[];
  pulls: PullView[];
}

/** A goal as GitHub holds it now (read from the server's model: no request, no fault). */
export function readGoal(world: World, goal: number): GoalView {
  const issue = world.server.getIssue(OWNER, REPO, goal);
  if (!issue) throw new Error(`storm: goal #${goal} does not exist`);
  const comments = issue.comments.map((comment) => ({
    author: comment.author.login,
    body: comment.body,
    createdAt: comment.createdAt,
  }));
  const pulls: PullView[] = [];
  for (const other of world.server.state.requireRepo(OWNER, REPO).issues.values()) {
    const pull = other.pull;
    if (!pull?.head.startsWith(`goal/${goal}-`)) continue;
    pulls.push({
      number: other.number,
      head: pull.head,
      open: other.state === "open",
      merged: pull.merged,
      autoMerge: pull.autoMerge !== null,
    });
  }
  return {
    number: goal,
    stateLabels: issue.labels.map((label) => label.name).filter(isStateLabel),
    markers: trustedMarkers(comments, world.trusted),
    pulls,
  };
}

/**
 * A pull request that decides the goal: merged, or open (set to merge, or waiting for a
 * review). In the storm nothing closes a goal's pull request unmerged (CI always passes, no one
 * rejects), so a goal with one never needs another agent run.
 */
export function decidingPull(view: GoalView): PullView | undefined {
  return view.pulls.find((pull) => pull.merged || pull.open);
}

const state = (view: GoalView) => view.stateLabels[0]?.replace(/^goal:/, "") ?? null;

/** Collects violations, each once (the first cycle it was seen), with the seed and cycle. */
export class Checker {
  readonly violations: Violation[] = [];
  private readonly seen = new Set<string>();
  cycle = 0;
  /** Queued dependents of a stuck goal checked for their blocked marker (how much it was tested). */
  blockedChecked = 0;

  constructor(
    private readonly world: World,
    readonly seed: number,
    private readonly limits: { max: number; maxAttempts: number },
  ) {}

  report(check: Check, goal: number | null, what: string, key = what): void {
    const id = `${check}|${goal}|${key}`;
    if (this.seen.has(id)) return;
    this.seen.add(id);
    this.violations.push({ seed: this.seed, cycle: this.cycle, goal, check, what });
  }

  views(): GoalView[] {
    return this.world.goals.map((goal) => readGoal(this.world, goal.number));
  }

  /** After a dispatch: no attempt of a goal handed to two runner jobs, no goal to two jobs of one cycle. */
  afterMatrix(
    matrix: ReadonlyArray<{ goal: number; attempt: number }>,
    handedOut: Map<string, number>,
  ) {
    const goals = new Set<number>();
    for (const { goal, attempt } of matrix) {
      if (goals.has(goal)) this.report("double-claim", goal, `claimed twice in one matrix`);
      goals.add(goal);
      const key = `${goal}:${attempt}`;
      const earlier = handedOut.get(key);
      if (earlier !== undefined) {
        this.report(
          "double-claim",
          goal,
          `attempt ${attempt} handed out in cycle ${earlier} and again in cycle ${this.cycle}`,
        );
      }
      handedOut.set(key, this.cycle);
    }
  }

  /** After every step: one state label each, at most `max` running, attempts within max. */
  afterStep(where: string): GoalView[] {
    const views = this.views();
    for (const view of views) {
      if (view.stateLabels.length !== 1) {
        this.report(
          "one-state-label",
          view.number,
          `${where}: the goal has ${view.stateLabels.length} state labels (${view.stateLabels.join(", ") || "none"})`,
          view.stateLabels.join(","),
        );
      }
      const used = attemptsUsed(view.markers);
      if (used > this.limits.maxAttempts) {
        this.report(
          "attempts-over-max",
          view.number,
          `${where}: ${used} attempts used, max-attempts is ${this.limits.maxAttempts}`,
          "once per goal",
        );
      }
      if (view.pulls.length > 1) {
        this.report(
          "second-pr",
          view.number,
          `${where}: ${view.pulls.length} pull requests (${view.pulls
            .map(
              (p) =>
                `#${p.number} ${p.merged ? "merged" : p.open ? (p.autoMerge ? "open, auto-merge" : "open") : "closed"}`,
            )
            .join("; ")})`,
          "once per goal",
        );
      }
    }
    const running = views.filter((view) => state(view) === "running");
    if (running.length > this.limits.max) {
      this.report(
        "max-running",
        null,
        `${where}: ${running.length} goals running (${running.map((v) => `#${v.number}`).join(", ")}), max is ${this.limits.max}`,
        running.map((v) => v.number).join(","),
      );
    }
    return views;
  }

  /**
   * After a dispatch that succeeded: it reconciled every goal whose run ended, so every goal
   * still running was claimed by this cycle's run; and it has seen every goal stuck before it
   * started, so each queued dependent of one carries a blocked marker naming it.
   */
  afterDispatch(
    views: GoalView[],
    runId: number,
    stuckBefore: ReadonlySet<number>,
    dependsOn: ReadonlyMap<number, number[]>,
    dispatchOutput: string,
  ): void {
    for (const view of views) {
      if (state(view) === "running") {
        const claim = latestClaim(view.markers);
        if (claim?.claimedBy.runId !== String(runId)) {
          // What the dispatcher said about the goal, if anything: a warning explains a lot.
          const said = dispatchOutput
            .split("\n")
            .filter((line) => new RegExp(`#${view.number}(?!\\d)`).test(line))
            .slice(-2)
            .join(" ⏎ ");
          this.report(
            "running-after-run-ended",
            view.number,
            `still goal:running after dispatch cycle ${this.cycle} reconciled, under ${
              claim
                ? `attempt ${claim.attempt} of run ${claim.claimedBy.runId}, which ended`
                : "no claim"
            }${said ? `; the dispatcher said: ${said}` : ""}`,
            `${claim?.attempt}`,
          );
        }
      }
      if (state(view) !== "queued") continue;
      for (const dependency of dependsOn.get(view.number) ?? []) {
        if (!stuckBefore.has(dependency)) continue;
        this.blockedChecked++;
        const named = new RegExp(`#${dependency}(?!\\d)`);
        const marked = view.markers.some(
          (marker) => (marker.kind as string) === "blocked" && named.test(JSON.stringify(marker)),
        );
        if (!marked) {
          this.report(
            "blocked-not-marked",
            view.number,
            `queued, depends on #${dependency}, which is goal:stuck, and has no blocked marker naming it`,
            String(dependency),
          );
        }
      }
    }
  }

  /** After one runner job: what its end must have left behind. */
  afterJob(job: JobRecord, viewBefore: GoalView, view: GoalView, survivors: number[]): void {
    const label = `${job.phase && job.killed ? `killed at ${job.phase}, ` : ""}${job.post ? "post step ran" : job.killed ? "no post step (VM died)" : "main step ended"}`;
    const before = decidingPull(viewBefore);
    if (job.agentStarted && before) {
      this.report(
        "run-after-pr",
        job.goal,
        `attempt ${job.attempt}'s agent ran although pull request #${before.number} was already ${before.merged ? "merged" : before.autoMerge ? "open and set to auto-merge" : "open, waiting for a review"}`,
        String(job.attempt),
      );
    }
    // A job that ended cleanly (main step on its own with exit 0, or a post step that
    // succeeded) must not leave its attempt running: the post step exists for exactly that.
    const clean = job.post ? job.postCode === 0 : job.endedOnItsOwn && job.mainCode === 0;
    const claim = latestClaim(view.markers);
    if (clean && state(view) === "running" && claim?.attempt === job.attempt) {
      this.report(
        "running-after-run-ended",
        job.goal,
        `attempt ${job.attempt} (${label}) left the goal goal:running after its job ended`,
        `job ${job.attempt}`,
      );
    }
    if (survivors.length > 0) {
      this.report(
        "agent-outlived-runner",
        job.goal,
        `attempt ${job.attempt} (${label}): processes ${survivors.join(", ")} of its agent outlived the runner`,
        String(job.attempt),
      );
    }
  }

  /**
   * Committed work (see README.md): an agent's commit is lost when no branch of origin holds
   * it, no later attempt of the goal delivered a pull request that supersedes it, and either
   * its runner ended on its own (it had every chance to push it) or the commit is gone from the
   * goal's workspace too (a later attempt replaced it without salvaging it).
   */
  async workLost(jobs: readonly JobRecord[]): Promise<void> {
    for (const job of jobs) {
      for (const sha of job.commits) {
        if (await onOrigin(this.world, sha)) continue;
        const view = readGoal(this.world, job.goal);
        const superseded = view.markers.some(
          (m) =>
            m.kind === "run-result" &&
            m.attempt > job.attempt &&
            (m.outcome === "success" || m.outcome === "spot-check") &&
            m.prUrl,
        );
        if (superseded) continue;
        const salvageable = await onDisk(this.world, job.goal, sha);
        if (job.endedOnItsOwn || !salvageable) {
          this.report(
            "work-lost",
            job.goal,
            `attempt ${job.attempt}'s commit ${sha.slice(0, 10)} (cycle ${job.cycle}, ${
              job.killed
                ? `runner killed at ${job.phase}${job.post ? ", post step ran" : ", no post step"}`
                : `runner ended on its own, outcome ${job.outcome}`
            }) is on no branch of origin${salvageable ? "" : " nor in the goal's workspace"}; the goal is ${state(view) ?? "without a state"}`,
            sha,
          );
        }
      }
    }
  }
}
