import { randomUUID } from "node:crypto";
import { nextAttemptNumber } from "../core/attempts.js";
import { isSameClaim, winningClaim } from "../core/claims.js";
import { UserError } from "../core/errors.js";
import { formatIssueRef } from "../core/issue-ref.js";
import type { Claimant, ClaimMarker } from "../core/markers.js";
import type {
  GoalSnapshot,
  GoalStore,
  LockLease,
  RecordedComment,
  RunStart,
} from "../core/ports.js";
import { stateLabel } from "../core/states.js";
import { goalBranchName } from "../git/branch-name.js";
import { step } from "../github/errors.js";
import { tellBlockedGoals } from "./blocked-goals.js";
import type { DispatchContext, DispatchReport, DispatchSettings } from "./dispatch.js";
import { type Selection, selectGoals, withdrawal } from "./select-goals.js";
import { TextVetter, type Vetting } from "./vet-goals.js";

// How a dispatch cycle (dispatch.ts) takes goals: claim, then verify; the manual path's one
// requested goal; and the withdrawal of claims that never became a run.

/** Added to `duration` for a claim's lease: cloning, pushing, and waiting for a runner. */
export const LEASE_GRACE_SECONDS = 30 * 60;

export interface ClaimedGoal {
  number: number;
  attempt: number;
  title: string;
  url: string;
}

/** What claiming needs of the dispatch cycle's context (DispatchContext). */
export interface ClaimContext {
  store: GoalStore;
  claimant: Claimant;
  now?: () => Date;
}

/** What claiming needs of the dispatch settings (DispatchSettings). */
export interface ClaimSettings {
  durationSeconds: number;
  dryRun: boolean;
}

/** The manual path: a queued or draft (or stuck) goal runs now, ahead of the queue and of max. */
export async function claimRequested(
  context: ClaimContext,
  settings: ClaimSettings,
  number: number,
  log: (line: string) => void,
): Promise<ClaimedGoal> {
  const { store } = context;
  let goal = await store.getGoal(number);
  if (!goal.open) throw new UserError(`Goal #${number} is closed; reopen it to run it.`);
  if (goal.state === "running" || goal.state === "done" || goal.state === "spot-check") {
    const why =
      goal.state === "running"
        ? "an agent is already working on it"
        : goal.state === "done"
          ? "it is finished; queue it again with `goal queue` to redo it"
          : "it waits for a human review (`goal approve` or `goal reject`)";
    throw new UserError(
      `Goal #${number} is ${stateLabel(goal.state)}: ${why}. Nothing was started.`,
    );
  }
  const selection = await selectGoals(store, single(goal), 1, null, new TextVetter(store));
  await withdrawUnrunClaims(store, selection, settings.dryRun, log);
  // A person asked for this goal: say what stands in the way, and change nothing.
  const problem = selection.unsatisfiable[0] ?? selection.toDraft[0];
  if (problem) throw new UserError(problem.reason);
  if (selection.eligible.length === 0) {
    const stuck = selection.blocked[0]?.stuck.map((ref) => formatIssueRef(ref, goal.ref)) ?? [];
    throw new UserError(
      stuck.length > 0
        ? `Goal #${number} cannot run: its dependency ${stuck.join(", ")} ${stuck.length === 1 ? "is" : "are"} ${stateLabel("stuck")}; fix and queue ${stuck.length === 1 ? "it" : "them"} again, or remove ${stuck.length === 1 ? "it" : "them"} from its Depends: line (see \`goal show ${number}\`).`
        : `Goal #${number} cannot run yet: its dependencies are not all done (see \`goal show ${number}\`).`,
    );
  }
  if (settings.dryRun) {
    return { number, attempt: nextAttemptNumber(goal.markers), title: goal.title, url: goal.url };
  }
  if (goal.state !== "queued") {
    await store.transition(number, {
      to: "queued",
      expectedFrom: goal.state,
      reason: "queued to run now (workflow_dispatch).",
    });
    goal = await store.getGoal(number);
  }
  const vetting = selection.vettings.get(number);
  const [claimed] = vetting
    ? await claimAll(context, settings, [{ goal, vetting }], () => null, log)
    : [];
  if (!claimed) throw new UserError(`Goal #${number} was claimed by another dispatcher first.`);
  return claimed;
}

/**
 * Records the withdrawal of each claim that never became a run, so it uses no attempt; the
 * dispatch lock makes sure no other dispatcher is between its claim and its label move now.
 */
export async function withdrawUnrunClaims(
  store: GoalStore,
  selection: Selection,
  dryRun: boolean,
  log: (line: string) => void,
): Promise<void> {
  for (const { goal, attempts } of selection.withdrawn) {
    log(
      `#${goal.ref.number}: withdrawing attempt(s) ${attempts.join(", ")}, claimed but never run`,
    );
    if (dryRun) continue;
    for (const attempt of attempts) {
      await store.recordMarker(
        goal.ref.number,
        `Attempt ${attempt} was claimed but never ran: withdrawn, it does not count.`,
        withdrawal(attempt),
      );
    }
  }
}

/**
 * Claim, then verify, for a batch of goals: post a claim marker on each (one request), read them
 * all back in one request, and move to running (one request, github/run-starts.ts) only the goals
 * whose first live claim of the round is ours. A claim that lost is deleted: the dispatcher backs
 * off. `stop` is asked before the claims are posted (a lost dispatch lock): a reason posts none.
 */
export async function claimAll(
  context: ClaimContext,
  settings: Pick<ClaimSettings, "durationSeconds">,
  candidates: ReadonlyArray<{ goal: GoalSnapshot; vetting: Extract<Vetting, { ok: true }> }>,
  stop: () => string | null,
  log: (line: string) => void,
): Promise<ClaimedGoal[]> {
  const { store } = context;
  const now = context.now ?? (() => new Date());
  if (candidates.length === 0) return [];
  const why = stop();
  if (why) {
    log(why);
    return [];
  }
  const claimedAt = now();
  const claims = candidates.map(({ goal, vetting }) => {
    const marker: ClaimMarker = {
      kind: "claim",
      attempt: nextAttemptNumber(goal.markers),
      claimId: randomUUID(),
      claimedBy: context.claimant,
      claimedAt: claimedAt.toISOString(),
      leaseExpiresAt: new Date(
        claimedAt.getTime() + (settings.durationSeconds + LEASE_GRACE_SECONDS) * 1000,
      ).toISOString(),
      textFingerprint: vetting.fingerprint,
      vouchedBy: vetting.vouchedBy,
      branch: goalBranchName(goal.ref.number, goal.title),
    };
    const text = `Claiming attempt ${marker.attempt} (${describeClaimant(context.claimant)}).`;
    return { goal, marker, text };
  });
  // One request for every claim comment: one paced write, however many goals are claimed.
  const recorded = await store.recordMarkers(claims);
  const posted: Array<{ goal: GoalSnapshot; marker: ClaimMarker; recorded: RecordedComment }> = [];
  claims.forEach(({ goal, marker }, index) => {
    const comment = recorded[index];
    if (comment) posted.push({ goal, marker, recorded: comment });
    else log(`#${goal.ref.number}: GitHub refused its claim comment; not claimed this cycle`);
  });
  if (posted.length === 0) return [];
  const current = await store.getGoals(posted.map(({ goal }) => goal.ref.number));
  const verifiedAt = now();
  const starts: RunStart[] = [];
  const claimed: ClaimedGoal[] = [];
  for (const { goal, marker, recorded } of posted) {
    const number = goal.ref.number;
    const read = current.get(number);
    const winner = read ? winningClaim(read.markers, verifiedAt) : null;
    if (read?.state !== "queued" || !winner || !isSameClaim(winner, marker)) {
      log(`#${number}: claimed by someone else first; backing off`);
      await store.deleteComment(recorded.commentId);
      continue;
    }
    starts.push({
      goal: read,
      reason: `attempt ${marker.attempt} claimed by ${describeClaimant(context.claimant)}; lease until ${marker.leaseExpiresAt}.`,
      claim: recorded,
    });
    claimed.push({ number, attempt: marker.attempt, title: goal.title, url: goal.url });
  }
  await store.startRuns(starts);
  for (const { number, attempt } of claimed) log(`#${number}: attempt ${attempt} claimed`);
  return claimed;
}

export function describeClaimant(claimant: Claimant): string {
  if (claimant.runUrl) return `workflow run ${claimant.runUrl}`;
  if (claimant.runId) return `workflow run ${claimant.runId}`;
  return `${claimant.host ?? "unknown host"} pid ${claimant.pid ?? "?"}`;
}

async function* single<T>(item: T): AsyncGenerator<T> {
  yield item;
}

/**
 * Reads the queue in dispatch order and claims up to `slots` eligible goals; moves the goals that
 * cannot run, withdraws claims that never ran, tells blocked goals. Returns how many goals left
 * the queue.
 */
export async function takeFromQueue(
  context: DispatchContext,
  settings: DispatchSettings,
  slots: number,
  lease: LockLease | null,
  report: DispatchReport,
): Promise<number> {
  const { store } = context;
  const log = context.log ?? (() => {});
  const selection = await step("reading the queue", () =>
    selectGoals(
      store,
      store.listGoals("queued"),
      slots,
      settings.maxAttempts,
      new TextVetter(store),
    ),
  );
  await withdrawUnrunClaims(store, selection, settings.dryRun, log);
  report.withdrawn = selection.withdrawn.length;
  log(
    `read ${selection.scanned} queued goals; ${selection.eligible.length} eligible for ${slots} free slots`,
  );
  for (const { goal, reason } of selection.unsatisfiable) {
    report.stuck.push({
      number: goal.ref.number,
      title: goal.title,
      url: goal.url,
      to: "stuck",
      reason,
    });
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
  const candidates = selection.eligible.flatMap((goal) => {
    const vetting = selection.vettings.get(goal.ref.number);
    return vetting ? [{ goal, vetting }] : [];
  });
  // Another cycle may be counting and claiming once the lock is lost: stop rather than exceed `max`.
  const lockLost = () => {
    if (!lease?.lost()) return null;
    const note = "This cycle may have lost the dispatch lock; it stopped claiming.";
    report.notes.push(note);
    return note;
  };
  const taken = settings.dryRun
    ? candidates.map(({ goal }) => ({
        number: goal.ref.number,
        attempt: nextAttemptNumber(goal.markers),
        title: goal.title,
        url: goal.url,
      }))
    : await claimAll(context, settings, candidates, lockLost, log);
  report.claimed.push(...taken);
  const claimed = taken.length;
  report.running += claimed;
  return claimed + selection.unsatisfiable.length + selection.toDraft.length;
}
