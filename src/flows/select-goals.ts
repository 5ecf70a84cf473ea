import { attemptsLeft, isRetry, unrunClaims } from "../core/attempts.js";
import {
  blockedNotice,
  type DependencyStatus,
  dependencyDone,
  dependencyStuck,
  type Eligibility,
  eligibility,
  findCycle,
  orderForDispatch,
} from "../core/eligibility.js";
import { messageOf } from "../core/errors.js";
import { parseGoalBody } from "../core/goal-body.js";
import { type IssueRef, issueKey, sameIssue } from "../core/issue-ref.js";
import type { BlockedMarker, RunResultMarker } from "../core/markers.js";
import type { DependencyInfo, GoalSnapshot, GoalStore } from "../core/ports.js";
import { stateFromLabels, stateLabel } from "../core/states.js";
import { describeHidden, visibleMarkdown } from "../core/visible-text.js";
import type { TextVetter, Vetting } from "./vet-goals.js";

/** Goals read and judged together: one GraphQL page, one dependency query. */
const CHUNK = 100;
/** Blocked-by reads a selection has under way at once (GitHub allows 100 concurrent requests). */
const BLOCKED_BY_READS_AHEAD = 10;
/** Issues followed when looking for a dependency cycle, per goal. */
const CYCLE_SEARCH_LIMIT = 100;

export interface Unsatisfiable {
  goal: GoalSnapshot;
  reason: string;
}

/** A queued goal that a goal:stuck dependency holds back. */
export interface BlockedGoal {
  goal: GoalSnapshot;
  stuck: IssueRef[];
  /** What to tell it; null when its markers already say so. */
  notice: BlockedMarker | null;
}

export interface Selection {
  /** Eligible goals in dispatch order: never attempted first, then retries; lower number first. */
  eligible: GoalSnapshot[];
  /** What vetting the text of each eligible goal found: the claim records it. */
  vettings: Map<number, Extract<Vetting, { ok: true }>>;
  /** Goals with claims that never became a run (see unrunClaims): to withdraw, not to count. */
  withdrawn: Array<{ goal: GoalSnapshot; attempts: number[] }>;
  /** Goals that can never run as written (bad body, missing dependency, cycle). */
  unsatisfiable: Unsatisfiable[];
  /** Goals whose text no one with write access vouched for, or with nothing visible to do: back to draft. */
  toDraft: Unsatisfiable[];
  /**
   * Every goal read from the queue (whether or not its turn came) whose dependency is goal:stuck,
   * or becomes stuck in this cycle as unsatisfiable. Judged from what selection read anyway.
   */
  blocked: BlockedGoal[];
  /** Goals read from the queue, to show that reading stopped early. */
  scanned: number;
}

/**
 * Walks the queue oldest first and picks up to `wanted` eligible goals. Goals never attempted
 * come before retries, so reading stops as soon as `wanted` fresh goals are found; retries are
 * kept aside in case the queue runs out of fresh ones. Only goals that would be picked have
 * their text vetted (who wrote it, who queued it), in batches.
 */
export async function selectGoals(
  store: GoalStore,
  queue: AsyncIterable<GoalSnapshot>,
  wanted: number,
  /** A goal that used this many attempts cannot be claimed again; null: no check (a person asked). */
  maxAttempts: number | null,
  vetter: TextVetter,
): Promise<Selection> {
  const fresh: GoalSnapshot[] = [];
  const retries: GoalSnapshot[] = [];
  const unsatisfiable: Unsatisfiable[] = [];
  const toDraft: Unsatisfiable[] = [];
  const withdrawn: Selection["withdrawn"] = [];
  const vettings: Selection["vettings"] = new Map();
  const known = new Map<string, DependencyInfo>();
  // The dependencies known for each goal read, to find the blocked ones at the end.
  const considered = new Map<number, { goal: GoalSnapshot; depends: IssueRef[] }>();
  let scanned = 0;
  // With no slot free the first page is still read (claiming nothing), so that goals blocked
  // by a stuck dependency are told so in every cycle.

  // Eligible goals whose text is still to be vetted, in queue order.
  let pending: Array<{ goal: GoalSnapshot; retry: boolean }> = [];
  const waiting = (retry: boolean) =>
    (retry ? retries : fresh).length + pending.filter((entry) => entry.retry === retry).length;
  const flush = async () => {
    if (pending.length === 0) return;
    const found = await vetter.vet(pending.map((entry) => entry.goal.ref.number));
    for (const { goal, retry } of pending) {
      const vetting = found.get(goal.ref.number);
      if (!vetting) continue; // The issue is gone: nothing to claim or move.
      if (!vetting.ok)
        toDraft.push({ goal, reason: `Goal #${goal.ref.number} cannot run: ${vetting.reason}` });
      else {
        vettings.set(goal.ref.number, vetting);
        (retry ? retries : fresh).push(goal);
      }
    }
    pending = [];
  };

  for await (const chunk of chunks(queue, CHUNK)) {
    scanned += chunk.length;
    const parsed = chunk.map((goal) => ({ goal, ...dependsOf(goal) }));
    await learn(
      store,
      known,
      parsed.flatMap((entry) => entry.depends),
    );
    // Native blocked-by links cost a request per goal: read only for goals that may run, and
    // for the next ones still needed at the same time (reads are not paced), so that claiming
    // N goals waits for one round of these reads rather than N in turn.
    const blockedByReads = new Map<number, Promise<IssueRef[]>>();
    const blockedBy = (index: number): Promise<IssueRef[]> => {
      const ahead = Math.min(BLOCKED_BY_READS_AHEAD, Math.max(1, wanted - waiting(false)));
      for (let next = index, started = 0; next < parsed.length && started < ahead; next++) {
        const entry = parsed[next];
        if (!entry || entry.hidden || entry.problem) continue;
        started++;
        const number = entry.goal.ref.number;
        if (blockedByReads.has(number)) continue;
        const read = store.blockedBy(number);
        // A read ahead that is never awaited must not become an unhandled rejection.
        read.catch(() => {});
        blockedByReads.set(number, read);
      }
      const number = parsed[index]?.goal.ref.number ?? Number.NaN;
      return blockedByReads.get(number) ?? store.blockedBy(number);
    };
    for (const [index, entry] of parsed.entries()) {
      considered.set(entry.goal.ref.number, { goal: entry.goal, depends: [...entry.depends] });
      const unrun = unrunClaims(entry.goal.markers);
      if (unrun.length > 0) withdrawn.push({ goal: entry.goal, attempts: unrun });
      const markers = [...entry.goal.markers, ...unrun.map(withdrawal)];
      const retry = isRetry(markers);
      if (waiting(retry) >= wanted) continue;
      if (entry.hidden) {
        toDraft.push({ goal: entry.goal, reason: entry.hidden });
        continue;
      }
      if (entry.problem) {
        unsatisfiable.push({ goal: entry.goal, reason: entry.problem });
        continue;
      }
      if (maxAttempts !== null && attemptsLeft(markers, maxAttempts) === 0) {
        unsatisfiable.push({
          goal: entry.goal,
          reason: `Goal #${entry.goal.ref.number} has used all ${maxAttempts} of its attempts (max-attempts); queue it again after raising max-attempts, or run it by hand`,
        });
        continue;
      }
      let verdict = await judge(store, known, entry.goal, entry.depends, retry);
      if (verdict.eligible) {
        const blockers = (await blockedBy(index)).filter(
          (ref) => !entry.depends.some((dep) => sameIssue(dep, ref)),
        );
        if (blockers.length > 0) {
          considered.get(entry.goal.ref.number)?.depends.push(...blockers);
          await learn(store, known, blockers);
          verdict = await judge(store, known, entry.goal, [...entry.depends, ...blockers], retry);
        }
      }
      if (verdict.eligible) {
        pending.push({ goal: entry.goal, retry });
        if (waiting(false) >= wanted) await flush();
      } else if (verdict.blocked === "unsatisfiable")
        unsatisfiable.push({ goal: entry.goal, reason: verdict.reason });
    }
    await flush();
    if (fresh.length >= wanted) break;
  }
  const eligible = orderForDispatch([
    ...fresh.map((goal) => ({ goal, number: goal.ref.number, isRetry: false })),
    ...retries.map((goal) => ({ goal, number: goal.ref.number, isRetry: true })),
  ])
    .slice(0, wanted)
    .map((entry) => entry.goal);
  return {
    eligible,
    vettings,
    withdrawn,
    unsatisfiable,
    toDraft,
    blocked: blockedGoals(considered.values(), known, { eligible, unsatisfiable, toDraft }),
    scanned,
  };
}

/** The goals read that stay queued with a stuck dependency; see Selection.blocked. */
function blockedGoals(
  considered: Iterable<{ goal: GoalSnapshot; depends: IssueRef[] }>,
  known: ReadonlyMap<string, DependencyInfo>,
  outcome: Pick<Selection, "eligible" | "unsatisfiable" | "toDraft">,
): BlockedGoal[] {
  const leaving = new Set([
    ...outcome.eligible.map((goal) => goal.ref.number),
    ...[...outcome.unsatisfiable, ...outcome.toDraft].map((entry) => entry.goal.ref.number),
  ]);
  const becomingStuck = new Set(outcome.unsatisfiable.map((entry) => issueKey(entry.goal.ref)));
  const isStuck = (ref: IssueRef) => {
    const info = known.get(issueKey(ref));
    if (becomingStuck.has(issueKey(ref))) return true;
    if (!info?.exists) return false;
    const state = info.open ? "open" : "closed";
    return dependencyStuck({ state, stateReason: info.stateReason, labels: info.labels });
  };
  const blocked: BlockedGoal[] = [];
  for (const { goal, depends } of considered) {
    if (leaving.has(goal.ref.number)) continue;
    const stuck = [
      ...new Map(
        depends
          .filter((ref) => !sameIssue(ref, goal.ref) && isStuck(ref))
          .map((ref) => [issueKey(ref), ref]),
      ).values(),
    ];
    if (stuck.length > 0)
      blocked.push({ goal, stuck, notice: blockedNotice(goal.markers, stuck, goal.ref) });
  }
  return blocked;
}

/** The result that withdraws a claim that never became a run (see unrunClaims). */
export function withdrawal(attempt: number): RunResultMarker {
  return {
    kind: "run-result",
    attempt,
    outcome: "interrupted",
    reason:
      "the claim never became a run (the dispatcher stopped before moving the goal to goal:running); withdrawn, it does not count",
    countsAsAttempt: false,
  };
}

/**
 * The goal's dependencies as a reader of the issue page sees them: hidden parts of the body
 * (core/visible-text.ts) never count. A body that is only a goal with its hidden parts is
 * `hidden`: it goes back to draft, as nothing is left to do.
 */
function dependsOf(goal: GoalSnapshot): {
  depends: IssueRef[];
  problem: string | null;
  hidden: string | null;
} {
  const visible = visibleMarkdown(goal.body);
  try {
    return { depends: parseGoalBody(visible.text, goal.ref).depends, problem: null, hidden: null };
  } catch (error) {
    const message = messageOf(error);
    if (visible.removed.length > 0 && parsesAsGoal(goal)) {
      return {
        depends: [],
        problem: null,
        hidden: `Goal #${goal.ref.number} cannot run: nothing is left to do once what the issue page does not show (${describeHidden(visible.removed)}) is removed: ${message}`,
      };
    }
    return {
      depends: [],
      problem: `Goal #${goal.ref.number} cannot run: ${message}`,
      hidden: null,
    };
  }
}

function parsesAsGoal(goal: GoalSnapshot): boolean {
  try {
    parseGoalBody(goal.body, goal.ref);
    return true;
  } catch {
    return false;
  }
}

async function judge(
  store: GoalStore,
  known: Map<string, DependencyInfo>,
  goal: GoalSnapshot,
  depends: readonly IssueRef[],
  retry: boolean,
): Promise<Eligibility> {
  const statuses: DependencyStatus[] = [];
  for (const ref of depends) statuses.push(await status(store, known, goal.ref, ref));
  return eligibility({
    number: goal.ref.number,
    repo: goal.ref,
    isRetry: retry,
    dependencies: statuses,
  });
}

async function status(
  store: GoalStore,
  known: Map<string, DependencyInfo>,
  self: IssueRef,
  ref: IssueRef,
): Promise<DependencyStatus> {
  if (sameIssue(self, ref)) return { ref, kind: "self" };
  const info = known.get(issueKey(ref));
  if (!info?.exists) return { ref, kind: "missing" };
  const open = info.open ? "open" : "closed";
  if (dependencyDone({ state: open, stateReason: info.stateReason, labels: info.labels }))
    return { ref, kind: "done" };
  const cycle = await cycleThrough(store, known, self, ref);
  if (cycle) return { ref, kind: "cycle", path: cycle };
  const state = stateFromLabels(info.labels).state;
  return { ref, kind: "waiting", state: state ? stateLabel(state) : open };
}

/** A dependency cycle self → ref → … → self along Depends: lines, reading issues as needed. */
async function cycleThrough(
  store: GoalStore,
  known: Map<string, DependencyInfo>,
  self: IssueRef,
  ref: IssueRef,
): Promise<IssueRef[] | null> {
  for (let round = 0; round < CYCLE_SEARCH_LIMIT; round++) {
    const unknown: IssueRef[] = [];
    const cycle = findCycle(self, (at) => {
      if (sameIssue(at, self)) return [ref];
      const info = known.get(issueKey(at));
      if (!info) unknown.push(at);
      // Done issues cannot hold a goal back, so they break any cycle.
      if (
        !info ||
        dependencyDone({
          state: info.open ? "open" : "closed",
          stateReason: info.stateReason,
          labels: info.labels,
        })
      ) {
        return [];
      }
      return info.dependsOn;
    });
    if (cycle || unknown.length === 0 || known.size > CYCLE_SEARCH_LIMIT * 10) return cycle;
    await learn(store, known, unknown);
  }
  return null;
}

async function learn(
  store: GoalStore,
  known: Map<string, DependencyInfo>,
  refs: readonly IssueRef[],
) {
  const missing = refs.filter((ref) => !known.has(issueKey(ref)));
  const unique = [...new Map(missing.map((ref) => [issueKey(ref), ref])).values()];
  if (unique.length === 0) return;
  for (const info of await store.dependencyInfo(unique)) known.set(issueKey(info.ref), info);
}

/** Groups an async sequence into arrays of up to `size`, pulling only as far as consumed. */
async function* chunks<T>(items: AsyncIterable<T>, size: number): AsyncGenerator<T[]> {
  let chunk: T[] = [];
  for await (const item of items) {
    chunk.push(item);
    if (chunk.length === size) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}
