import { nextAttemptNumber } from "../core/attempts.js";
import { type Budget, budgetExhausted, type DayCost } from "../core/budget.js";
import { UserError } from "../core/errors.js";
import type { Claimant } from "../core/markers.js";
import type {
  ActionsPort,
  DispatchLockPort,
  GoalStore,
  PullRequestStatusPort,
} from "../core/ports.js";
import { DEFAULT_MAX_REVIEW_ROUNDS } from "../core/review-rounds.js";
import { DEFAULT_UNKNOWN_RUN_COST_USD } from "../core/settings.js";
import { LABELS } from "../core/states.js";
import { step } from "../github/errors.js";
import { type BlockedEvent, tellBlockedGoals } from "./blocked-goals.js";
import {
  type ClaimedGoal,
  claim,
  claimRequested,
  describeClaimant,
  withdrawUnrunClaims,
} from "./claim-goals.js";
import { costOfToday } from "./day-cost.js";
import {
  closeFinishedStories,
  type GoalEvent,
  reconcileRunning,
  reconcileSpotChecks,
  watchGoalPullRequests,
} from "./reconcile.js";
import { selectGoals } from "./select-goals.js";
import { TextVetter } from "./vet-goals.js";

/** How long a scheduled cycle waits for another dispatcher; a manual one waits longer. */
const LOCK_WAIT_SECONDS = { scheduled: 120, manual: 600 };

export interface DispatchSettings {
  max: number;
  maxAttempts: number;
  /** Review rounds a goal may have (core/review-rounds.ts); default 3. */
  maxReviewRounds?: number;
  durationSeconds: number;
  /** The workflow_dispatch path: run this goal now. */
  goal: number | null;
  dryRun: boolean;
  /** Labels of the self-hosted runners; capacity is checked when `checkRunners`. */
  runnerLabels: string[];
  checkRunners: boolean;
  /** No new claims once today's cost, estimates included, reaches it; null: no budget. */
  budget: Budget | null;
  /** What a run of unknown cost counts when no rate estimates it (default 5 USD). */
  unknownRunCostUsd?: number;
  /**
   * At most this many claims this cycle besides `max` (a local orchestrator's free agent slots).
   * A function is asked when the cycle claims, and the running goals are then counted again (one
   * more request): a local orchestrator's agents finish while the cycle reconciles, and the
   * slots they free belong to this cycle, not the next.
   */
  claimLimit?: number | (() => number);
}

export interface DispatchContext {
  store: GoalStore;
  actions: ActionsPort;
  pulls: PullRequestStatusPort;
  lock: DispatchLockPort;
  claimant: Claimant;
  now?: () => Date;
  log?: (line: string) => void;
}

export interface DispatchReport {
  claimed: ClaimedGoal[];
  requeued: GoalEvent[];
  stuck: GoalEvent[];
  /** Queued goals sent back to draft: their text was not vouched for, or nothing visible is left. */
  toDraft: GoalEvent[];
  /** Queued goals read this cycle whose dependency is goal:stuck; `told` when commented now. */
  blocked: BlockedEvent[];
  storiesClosed: number[];
  /** Spot-check goals a reviewer merged (done) or closed (queued) on GitHub. */
  reviewed: GoalEvent[];
  /** Goals running after this cycle (claims included). */
  running: number;
  /** Goals still queued after this cycle. */
  queued: number;
  /** Runs finished today (UTC) and what they cost, estimates apart; null when the cycle stopped early. */
  today: DayCost | null;
  /** Why fewer goals than `max` were claimed, when that is the case. */
  notes: string[];
  /** The budget holds claims back and this cycle is the day's first to find it: tell people. */
  budgetNotice: boolean;
  dryRun: boolean;
}

/**
 * One dispatch cycle, under the dispatch lock: reconcile (lost attempts, finished stories),
 * count running goals, select eligible queued goals in order, claim them.
 */
export async function dispatch(
  context: DispatchContext,
  settings: DispatchSettings,
): Promise<DispatchReport> {
  const { store } = context;
  const now = context.now ?? (() => new Date());
  const log = context.log ?? (() => {});
  const report: DispatchReport = {
    claimed: [],
    requeued: [],
    stuck: [],
    toDraft: [],
    blocked: [],
    storiesClosed: [],
    reviewed: [],
    running: 0,
    queued: 0,
    today: null,
    notes: [],
    budgetNotice: false,
    dryRun: settings.dryRun,
  };

  if (!settings.dryRun) await store.ensureLabels(LABELS);
  const lease = settings.dryRun
    ? null
    : await context.lock.acquire(
        describeClaimant(context.claimant),
        settings.goal === null ? LOCK_WAIT_SECONDS.scheduled : LOCK_WAIT_SECONDS.manual,
      );
  if (!settings.dryRun && !lease) {
    if (settings.goal !== null) {
      throw new UserError(
        `Another dispatcher held the dispatch lock for ${LOCK_WAIT_SECONDS.manual / 60} minutes; goal #${settings.goal} was not started. Run the workflow again.`,
      );
    }
    report.notes.push("Another dispatch cycle was still running; this one claimed nothing.");
    return report;
  }
  try {
    const reconcile = {
      maxAttempts: settings.maxAttempts,
      maxReviewRounds: settings.maxReviewRounds ?? DEFAULT_MAX_REVIEW_ROUNDS,
      dryRun: settings.dryRun,
      now: now(),
      log,
    };
    const running = await step("listing the running goals", () =>
      collect(store.listGoals("running")),
    );
    const moved = await step("reconciling the running goals", () =>
      reconcileRunning(store, context.actions, context.pulls, running, reconcile),
    );
    report.requeued = moved.filter((event) => event.to === "queued");
    report.stuck = moved.filter((event) => event.to === "stuck");
    report.reviewed = await step("reconciling the goals waiting for review", () =>
      reconcileSpotChecks(store, context.pulls, reconcile),
    );
    const failedPulls = await step("watching the pull requests of done goals", () =>
      watchGoalPullRequests(store, context.pulls, reconcile),
    );
    report.requeued.push(...failedPulls.filter((event) => event.to === "queued"));
    report.stuck.push(...failedPulls.filter((event) => event.to === "stuck"));
    report.storiesClosed = await step("closing finished stories", () =>
      closeFinishedStories(store, reconcile),
    );
    report.running = running.length - moved.length;
    report.today = await step("adding up today's cost", () =>
      costOfToday(store, now(), settings.unknownRunCostUsd ?? DEFAULT_UNKNOWN_RUN_COST_USD),
    );
    const overBudget = budgetExhausted(settings.budget, report.today);
    if (overBudget && lease) report.budgetNotice = await lease.firstBudgetNotice(report.today.day);

    if (settings.goal !== null) {
      if (overBudget) throw new UserError(`${overBudget} Goal #${settings.goal} was not started.`);
      const claimed = await claimRequested(context, settings, settings.goal, log);
      report.claimed.push(claimed);
      report.running += 1;
    } else {
      if (overBudget) {
        report.notes.push(overBudget);
        log(overBudget);
      }
      const vetter = new TextVetter(store);
      // Over budget, no slot: selection still reads the queue's first page for blocked goals.
      const slots = overBudget ? 0 : await freeSlots(context, settings, report);
      const selection = await step("reading the queue", () =>
        selectGoals(store, store.listGoals("queued"), slots, settings.maxAttempts, vetter),
      );
      await withdrawUnrunClaims(store, selection, settings.dryRun, log);
      log(
        `read ${selection.scanned} queued goals; ${selection.eligible.length} eligible for ${slots} free slots`,
      );
      for (const { goal, reason } of selection.unsatisfiable) {
        const event: GoalEvent = {
          number: goal.ref.number,
          title: goal.title,
          url: goal.url,
          to: "stuck",
          reason,
        };
        report.stuck.push(event);
        log(`#${goal.ref.number}: ${reason} → goal:stuck`);
        if (!settings.dryRun)
          await store.transition(goal.ref.number, { to: "stuck", expectedFrom: "queued", reason });
      }
      for (const { goal, reason } of selection.toDraft) {
        report.toDraft.push({
          number: goal.ref.number,
          title: goal.title,
          url: goal.url,
          to: "draft",
          reason,
        });
        log(`#${goal.ref.number}: ${reason} → goal:draft`);
        if (!settings.dryRun)
          await store.transition(goal.ref.number, { to: "draft", expectedFrom: "queued", reason });
      }
      report.blocked = await tellBlockedGoals(store, selection.blocked, settings.dryRun, log);
      for (const goal of selection.eligible) {
        const vetting = selection.vettings.get(goal.ref.number);
        if (!vetting) continue;
        if (lease?.lost()) {
          // Another cycle may be counting and claiming now: stop rather than exceed `max`.
          const note = "This cycle may have lost the dispatch lock; it stopped claiming.";
          report.notes.push(note);
          log(note);
          break;
        }
        const claimed = settings.dryRun
          ? {
              number: goal.ref.number,
              attempt: nextAttemptNumber(goal.markers),
              title: goal.title,
              url: goal.url,
            }
          : await claim(context, settings, goal, vetting, log);
        if (claimed) report.claimed.push(claimed);
      }
      report.running += report.claimed.length;
    }
    report.queued = await step("counting the queued goals", () => store.countGoals("queued"));
    if (settings.dryRun) report.queued -= report.claimed.length;
    return report;
  } finally {
    await lease?.release();
  }
}

async function freeSlots(
  context: DispatchContext,
  settings: DispatchSettings,
  report: DispatchReport,
) {
  let limit = settings.claimLimit;
  if (typeof limit === "function") {
    report.running = await step("counting the running goals again", () =>
      context.store.countGoals("running"),
    );
    limit = limit();
  }
  let slots = Math.max(0, settings.max - report.running);
  if (slots === 0)
    report.notes.push(`${report.running} goals are running, the maximum is ${settings.max}.`);
  if (limit !== undefined && limit < slots) slots = limit;
  if (slots > 0 && settings.checkRunners) {
    const idle = await context.actions.idleRunners(settings.runnerLabels);
    if (idle < slots) {
      report.notes.push(
        `Only ${idle} idle self-hosted runner(s) labelled ${settings.runnerLabels.join(", ")}.`,
      );
      slots = idle;
    }
  }
  return slots;
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}
