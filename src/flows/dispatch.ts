import { type Budget, budgetExhausted, type DayCost } from "../core/budget.js";
import { UserError } from "../core/errors.js";
import type { Claimant } from "../core/markers.js";
import type {
  ActionsPort,
  CycleOverview,
  DispatchLockPort,
  GoalStore,
  PullRequestStatusPort,
} from "../core/ports.js";
import { DEFAULT_MAX_REVIEW_ROUNDS } from "../core/review-rounds.js";
import { DEFAULT_UNKNOWN_RUN_COST_USD } from "../core/settings.js";
import { LABELS } from "../core/states.js";
import { step } from "../github/errors.js";
import type { BlockedEvent } from "./blocked-goals.js";
import { type ClaimedGoal, claimRequested, takeFromQueue } from "./claim-goals.js";
import { costOfToday } from "./day-cost.js";
import {
  closeFinishedStories,
  type GoalEvent,
  reconcileRunning,
  reconcileSpotChecks,
  watchGoalPullRequests,
} from "./reconcile.js";

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
  /** Claims withdrawn this cycle: they never became a run (see core/attempts.ts unrunClaims). */
  withdrawn: number;
  /** A dry run's writes that would move no goal (answers on pull requests). */
  skippedWrites: string[];
  /**
   * Runs finished today (UTC) and what they cost, estimates apart; read only with a budget, so
   * null without one, and when the cycle stopped early.
   */
  today: DayCost | null;
  /** Why fewer goals than `max` were claimed, when that is the case. */
  notes: string[];
  /** The budget holds claims back and this cycle is the day's first to find it: tell people. */
  budgetNotice: boolean;
  dryRun: boolean;
}

/**
 * How far back a cycle looks for goals that became goal:done (their stories may be finished)
 * or goal:stuck (queued goals may be blocked): several cron periods, delays included, so a
 * change is seen by some cycle even when a few are skipped.
 */
export const RECENT_CHANGE_MS = 2 * 60 * 60 * 1000;

/** Which parts of a cycle have anything to look at, from the cycle's overview. */
interface CyclePlan {
  overview: CycleOverview;
  /** Whether the queue is read: a slot may be free, or a queued goal may have become blocked. */
  readQueue: boolean;
}

/**
 * One dispatch cycle. It starts with one cheap read (the overview) and stops there when no
 * goal needs it. When nothing can be claimed, it first looks without the lock (a dry run) and
 * takes the lock only when that look finds something to write; otherwise (claims, or a goal
 * asked for by number) it runs under the dispatch lock: reconcile (lost attempts, pull
 * requests, finished stories), count running goals, select eligible queued goals, claim them.
 */
export async function dispatch(
  context: DispatchContext,
  settings: DispatchSettings,
): Promise<DispatchReport> {
  const now = context.now ?? (() => new Date());
  const overview = await step("reading which goals need the dispatcher", () =>
    context.store.overview(new Date(now().getTime() - RECENT_CHANGE_MS), LABELS),
  );
  const mayClaim = overview.queued > 0 && overview.running < settings.max;
  const plan: CyclePlan = {
    overview,
    readQueue:
      overview.queued > 0 && (mayClaim || overview.stuckSince > 0 || overview.queuedSince > 0),
  };
  if (settings.goal !== null || settings.dryRun || mayClaim) return cycle(context, settings, plan);
  const nothingToLook =
    overview.running === 0 &&
    overview.spotCheck === 0 &&
    overview.awaitingMerge === 0 &&
    overview.storiesToCheck.length === 0 &&
    !plan.readQueue;
  if (nothingToLook) return { ...emptyReport(false), queued: overview.queued };
  // The look is silent: if it finds work, the real cycle says what it does.
  const look = await cycle({ ...context, log: () => {} }, { ...settings, dryRun: true }, plan);
  if (!wouldWrite(look)) return { ...look, dryRun: false };
  return cycle(context, settings, plan);
}

/** Whether a dry run of a cycle found anything to write. */
function wouldWrite(report: DispatchReport): boolean {
  return (
    report.claimed.length > 0 ||
    report.requeued.length > 0 ||
    report.stuck.length > 0 ||
    report.toDraft.length > 0 ||
    report.storiesClosed.length > 0 ||
    report.reviewed.length > 0 ||
    report.withdrawn > 0 ||
    report.skippedWrites.length > 0 ||
    report.blocked.some((event) => event.told)
  );
}

function emptyReport(dryRun: boolean): DispatchReport {
  return {
    claimed: [],
    requeued: [],
    stuck: [],
    toDraft: [],
    blocked: [],
    storiesClosed: [],
    reviewed: [],
    withdrawn: 0,
    skippedWrites: [],
    running: 0,
    queued: 0,
    today: null,
    notes: [],
    budgetNotice: false,
    dryRun,
  };
}

async function cycle(
  context: DispatchContext,
  settings: DispatchSettings,
  plan: CyclePlan,
): Promise<DispatchReport> {
  const { store } = context;
  const { overview } = plan;
  const now = context.now ?? (() => new Date());
  const log = context.log ?? (() => {});
  const report = emptyReport(settings.dryRun);

  if (!settings.dryRun) await store.ensureLabels(LABELS, overview.labels);
  const lease = settings.dryRun
    ? null
    : await context.lock.acquire(
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
      skipped: (write: string) => report.skippedWrites.push(write),
    };
    // Each part reads only when the overview found goals for it; but the running goals are
    // counted again under the lock, as another cycle may have claimed some since the overview.
    const running =
      overview.running > 0 || !settings.dryRun
        ? await step("listing the running goals", () => collect(store.listGoals("running")))
        : [];
    const moved = await step("reconciling the running goals", () =>
      reconcileRunning(store, context.actions, context.pulls, running, reconcile),
    );
    report.requeued = moved.filter((event) => event.to === "queued");
    report.stuck = moved.filter((event) => event.to === "stuck");
    if (overview.spotCheck > 0) {
      report.reviewed = await step("reconciling the goals waiting for review", () =>
        reconcileSpotChecks(store, context.pulls, reconcile),
      );
    }
    if (overview.awaitingMerge > 0) {
      const failedPulls = await step("watching the pull requests of done goals", () =>
        watchGoalPullRequests(store, context.pulls, reconcile),
      );
      report.requeued.push(...failedPulls.filter((event) => event.to === "queued"));
      report.stuck.push(...failedPulls.filter((event) => event.to === "stuck"));
    }
    if (overview.storiesToCheck.length > 0) {
      report.storiesClosed = await step("closing finished stories", () =>
        closeFinishedStories(store, overview.storiesToCheck, reconcile),
      );
    }
    report.running = running.length - moved.length;
    // Today's cost is read only to keep to a budget: it means reading every comment of the day.
    if (settings.budget) {
      report.today = await step("adding up today's cost", () =>
        costOfToday(store, now(), settings.unknownRunCostUsd ?? DEFAULT_UNKNOWN_RUN_COST_USD),
      );
    }
    // Goals this cycle takes out of the queue (claimed, stuck, back to draft).
    let leftQueue = 0;
    const overBudget = report.today ? budgetExhausted(settings.budget, report.today) : null;
    if (overBudget && lease && report.today)
      report.budgetNotice = await lease.firstBudgetNotice(report.today.day);

    if (settings.goal !== null) {
      if (overBudget) throw new UserError(`${overBudget} Goal #${settings.goal} was not started.`);
      const claimed = await claimRequested(context, settings, settings.goal, log);
      report.claimed.push(claimed);
      report.running += 1;
    } else if (overview.queued + joinedQueue(report) > 0) {
      if (overBudget) {
        report.notes.push(overBudget);
        log(overBudget);
      }
      const slots = overBudget ? 0 : await freeSlots(context, settings, report);
      // With no slot free the queue's first page is still read when a goal became stuck, or one
      // was queued, lately (RECENT_CHANGE_MS): the queued goals a stuck one blocks are told so.
      if (slots > 0 || plan.readQueue)
        leftQueue += await takeFromQueue(context, settings, slots, lease, report);
    }
    report.queued =
      settings.goal === null
        ? queuedAfter(overview.queued, report, leftQueue)
        : await step("counting the queued goals", () => store.countGoals("queued"));
    return report;
  } finally {
    await lease?.release();
  }
}

/** Goals this cycle sent back to the queue (lost attempts, review rounds, refused pull requests). */
function joinedQueue(report: DispatchReport): number {
  return [...report.requeued, ...report.reviewed].filter((event) => event.to === "queued").length;
}

/** The queue's length after a cycle, from its length before and the moves (no request spent). */
function queuedAfter(before: number, report: DispatchReport, leftQueue: number): number {
  return Math.max(0, before + joinedQueue(report) - leftQueue);
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
