import { GOAL_STATES, type GoalState } from "./states.js";

/** Machine-readable facts the orchestrator leaves in its own issue comments (design §3). */

export const MARKER_SCHEMA_VERSION = 1;
const MARKER_TAG = "goal-orchestrator";

export const RUN_OUTCOMES = ["success", "spot-check", "failure", "interrupted"] as const;
export type RunOutcome = (typeof RUN_OUTCOMES)[number];
const FEEDBACK_SOURCES = ["reject", "pr-closed", "ci-failed", "review"] as const;
export type FeedbackSource = (typeof FEEDBACK_SOURCES)[number];

/** Who claims: recorded in every claim so reconciliation can follow the run. */
export interface Claimant {
  runId?: string;
  runUrl?: string;
  host?: string;
  pid?: number;
}

export interface ClaimMarker {
  kind: "claim";
  attempt: number;
  /** Random per claim, so a claimant recognises its own claim when it reads the goal back. */
  claimId?: string;
  claimedBy: Claimant;
  /** ISO 8601. */
  claimedAt: string;
  /** ISO 8601: claim time + duration + grace. */
  leaseExpiresAt: string;
  /** textFingerprint of the title and body the dispatcher vetted (see core/vouching.ts). */
  textFingerprint?: string;
  /** Who vouched for that text: a login with write access. */
  vouchedBy?: string;
  /** The goal branch the attempt pushes to, so its pull request can be found without the runner. */
  branch?: string;
}

export interface RunResultMarker {
  kind: "run-result";
  attempt: number;
  outcome: RunOutcome;
  reason: string;
  /** False for runs that were interrupted through no fault of the goal: they do not use up an attempt. */
  countsAsAttempt: boolean;
  prUrl?: string;
  /** The last {@link LOG_TAIL_LINES} lines of the agent's output, at most {@link LOG_TAIL_CHARS}. */
  logTail?: string;
  stats?: Record<string, unknown>;
  /** See {@link TransitionMarker.at}. */
  at?: string;
}

/**
 * How much of the agent's output a failed run's result keeps (`logTail`): the agent keeps this
 * many last lines, the result at most this many characters of them, and the goal file of the
 * next attempt shows them.
 */
export const LOG_TAIL_LINES = 30;
export const LOG_TAIL_CHARS = 6000;

export interface TransitionMarker {
  kind: "transition";
  from: GoalState | null;
  to: GoalState;
  reason: string;
  attempt?: number;
  /**
   * ISO 8601: when it was written, for a marker added to an existing comment (an attempt's
   * result goes into its claim comment), whose creation time is not its own. Read within the
   * comment's life (see trustedMarkers).
   */
  at?: string;
}

export interface FeedbackMarker {
  kind: "feedback";
  attempt: number;
  source: FeedbackSource;
  text: string;
  /**
   * The review round this feedback opens or adds to (see core/review-rounds.ts): the next run
   * continues the goal's branch and pull request. Absent for feedback that starts a new attempt.
   */
  round?: number;
  /** The pull request under review, for a round. */
  pullRequest?: number;
  /** The review requests this feedback took in (`review:<id>`, `comment:<id>`), so none is taken twice. */
  requests?: string[];
}

/**
 * The orchestrator's answer on a goal's pull request to review requests it did not act on: from
 * people without write access, `/goal revise` without text, or past `max-review-rounds`. The
 * requests it names are answered; an `outsider` answer is given once per pull request.
 */
export interface ReviewReplyMarker {
  kind: "review-reply";
  reason: ReviewReplyReason;
  requests: string[];
  attempt?: never;
}
export const REVIEW_REPLY_REASONS = ["outsider", "no-text", "rounds-used"] as const;
export type ReviewReplyReason = (typeof REVIEW_REPLY_REASONS)[number];

/**
 * The dispatcher told a queued goal that it cannot run: these dependencies are goal:stuck.
 * Written once per set of stuck dependencies (see core/eligibility.ts blockedNotice).
 */
export interface BlockedMarker {
  kind: "blocked";
  /** The stuck dependencies as `owner/repo#12`. */
  by: string[];
  /** Not about an attempt; declared so that `marker.attempt` stays readable on any marker. */
  attempt?: never;
}

export type Marker =
  | ClaimMarker
  | RunResultMarker
  | TransitionMarker
  | FeedbackMarker
  | BlockedMarker
  | ReviewReplyMarker;
/** A marker from a trusted author, with the time its comment was written. */
export type TrustedMarker = Marker & { createdAt: string };

/** The marker as one line: `<!-- goal-orchestrator:v1 {json} -->`. */
export function encodeMarker(marker: Marker): string {
  const json = escapeForComment(JSON.stringify({ v: MARKER_SCHEMA_VERSION, ...marker }));
  return `<!-- ${MARKER_TAG}:v${MARKER_SCHEMA_VERSION} ${json} -->`;
}

// "--" inside a string would end the HTML comment early; "\u002d" is the same character to JSON.parse.
// Outside strings "-" only appears singly (as a sign or exponent), so it never forms "--".
// "<" and ">" are escaped too, so no text in a marker looks like HTML to anything that reads it.
const COMMENT_SAFE: Record<string, string> = { "-": "\\u002d", "<": "\\u003c", ">": "\\u003e" };
function escapeForComment(json: string): string {
  let out = "";
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const char = json[i];
    if (inString && char === "\\") {
      out += char + (json[i + 1] ?? "");
      i++;
      continue;
    }
    if (char === '"') inString = !inString;
    out += inString ? (COMMENT_SAFE[char as string] ?? char) : char;
  }
  return out;
}

const MARKER_LINE = new RegExp(
  `^[ \\t]*<!--[ \\t]*${MARKER_TAG}:v(\\d{1,6})[ \\t]+(\\{.*\\})[ \\t]*-->[ \\t]*$`,
  "gm",
);

/**
 * Every well-formed marker in a text, in order. Never throws: malformed JSON, unknown kinds and
 * markers missing required fields are skipped. Markers from newer schema versions are kept when
 * their required fields parse; fields this version does not know are dropped.
 */
export function decodeMarkers(text: string): Marker[] {
  if (typeof text !== "string") return [];
  const markers: Marker[] = [];
  for (const match of text.matchAll(MARKER_LINE)) {
    const version = Number(match[1]);
    if (version < 1) continue;
    let value: unknown;
    try {
      value = JSON.parse(match[2] ?? "");
    } catch {
      continue;
    }
    const marker = toMarker(value);
    if (marker !== null) markers.push(marker);
  }
  return markers;
}

type Fields = Record<string, unknown>;

function toMarker(value: unknown): Marker | null {
  if (!isObject(value)) return null;
  switch (value.kind) {
    case "claim":
      return toClaim(value);
    case "run-result":
      return toRunResult(value);
    case "transition":
      return toTransition(value);
    case "feedback":
      return toFeedback(value);
    case "blocked":
      return toBlocked(value);
    case "review-reply":
      return toReviewReply(value);
    default:
      return null;
  }
}

function toClaim(v: Fields): ClaimMarker | null {
  if (!isAttempt(v.attempt) || !isTime(v.claimedAt) || !isTime(v.leaseExpiresAt)) return null;
  if (!isObject(v.claimedBy)) return null;
  const by = v.claimedBy;
  const claimedBy: Claimant = {};
  // Run ids are numbers in GitHub's API; keep them as text so they never lose precision.
  if (typeof by.runId === "string" || isWholeNumber(by.runId)) claimedBy.runId = String(by.runId);
  if (typeof by.runUrl === "string") claimedBy.runUrl = by.runUrl;
  if (typeof by.host === "string") claimedBy.host = by.host;
  if (isWholeNumber(by.pid)) claimedBy.pid = by.pid;
  const claim: ClaimMarker = {
    kind: "claim",
    attempt: v.attempt,
    claimedBy,
    claimedAt: v.claimedAt,
    leaseExpiresAt: v.leaseExpiresAt,
  };
  if (typeof v.claimId === "string") claim.claimId = v.claimId;
  if (typeof v.textFingerprint === "string") claim.textFingerprint = v.textFingerprint;
  if (typeof v.vouchedBy === "string") claim.vouchedBy = v.vouchedBy;
  if (typeof v.branch === "string") claim.branch = v.branch;
  return claim;
}

function toRunResult(v: Fields): RunResultMarker | null {
  if (!isAttempt(v.attempt) || !isOneOf(v.outcome, RUN_OUTCOMES)) return null;
  if (typeof v.reason !== "string" || typeof v.countsAsAttempt !== "boolean") return null;
  const marker: RunResultMarker = {
    kind: "run-result",
    attempt: v.attempt,
    outcome: v.outcome,
    reason: v.reason,
    countsAsAttempt: v.countsAsAttempt,
  };
  if (typeof v.prUrl === "string") marker.prUrl = v.prUrl;
  if (typeof v.logTail === "string") marker.logTail = v.logTail;
  if (isObject(v.stats)) marker.stats = v.stats;
  if (isTime(v.at)) marker.at = v.at;
  return marker;
}

function toTransition(v: Fields): TransitionMarker | null {
  if (!isOneOf(v.to, GOAL_STATES) || typeof v.reason !== "string") return null;
  if (v.from !== null && !isOneOf(v.from, GOAL_STATES)) return null;
  const marker: TransitionMarker = { kind: "transition", from: v.from, to: v.to, reason: v.reason };
  if (isAttempt(v.attempt)) marker.attempt = v.attempt;
  if (isTime(v.at)) marker.at = v.at;
  return marker;
}

function toFeedback(v: Fields): FeedbackMarker | null {
  if (!isAttempt(v.attempt) || !isOneOf(v.source, FEEDBACK_SOURCES)) return null;
  if (typeof v.text !== "string") return null;
  const marker: FeedbackMarker = {
    kind: "feedback",
    attempt: v.attempt,
    source: v.source,
    text: v.text,
  };
  if (isAttempt(v.round)) marker.round = v.round;
  if (isAttempt(v.pullRequest)) marker.pullRequest = v.pullRequest;
  if (Array.isArray(v.requests)) marker.requests = strings(v.requests);
  return marker;
}

function toReviewReply(v: Fields): ReviewReplyMarker | null {
  if (!isOneOf(v.reason, REVIEW_REPLY_REASONS) || !Array.isArray(v.requests)) return null;
  return { kind: "review-reply", reason: v.reason, requests: strings(v.requests) };
}

function strings(values: unknown[]): string[] {
  return values.filter((value): value is string => typeof value === "string");
}

function toBlocked(v: Fields): BlockedMarker | null {
  if (!Array.isArray(v.by)) return null;
  return { kind: "blocked", by: strings(v.by) };
}

function isObject(value: unknown): value is Fields {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isWholeNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

function isAttempt(value: unknown): value is number {
  return isWholeNumber(value) && value >= 1;
}

function isTime(value: unknown): value is string {
  return typeof value === "string" && !Number.isNaN(Date.parse(value));
}

function isOneOf<T extends string>(value: unknown, allowed: readonly T[]): value is T {
  return typeof value === "string" && (allowed as readonly string[]).includes(value);
}

export interface MarkerComment {
  /** The comment author's login. */
  author: string;
  body: string;
  createdAt: string;
  /** When the comment was last edited; markers added by an edit are dated up to it. */
  updatedAt?: string;
}

/**
 * Markers from comments written by trusted authors (the orchestrator's own identities), oldest
 * first. Anyone can paste a marker into a comment, so markers from anyone else are ignored.
 * Each marker is dated by its comment's creation, or by its own `at` (a marker added by an
 * edit) held within the comment's life: never before its comment, never after its last edit,
 * so a writer's clock cannot move a marker outside what GitHub saw.
 */
export function trustedMarkers(
  comments: readonly MarkerComment[],
  trustedAuthors: ReadonlySet<string>,
): TrustedMarker[] {
  const trusted = new Set([...trustedAuthors].map((login) => login.toLowerCase()));
  const found = comments
    .filter((comment) => trusted.has(comment.author.toLowerCase()))
    .flatMap((comment) =>
      decodeMarkers(comment.body).map((marker) => {
        const createdAt = markerTime(marker, comment);
        return { marker: { ...marker, createdAt }, time: Date.parse(createdAt) };
      }),
    );
  // Array.prototype.sort is stable: markers of equal times keep the order of their comments and
  // within them, so a marker added by an edit sorts by its time, after those written before it.
  found.sort((a, b) => compareTimes(a.time, b.time));
  return found.map(({ marker }) => marker);
}

function markerTime(marker: Marker, comment: MarkerComment): string {
  const at = "at" in marker && marker.at !== undefined ? Date.parse(marker.at) : Number.NaN;
  const created = Date.parse(comment.createdAt);
  if (Number.isNaN(at) || Number.isNaN(created) || at <= created) return comment.createdAt;
  const updated = comment.updatedAt === undefined ? Number.NaN : Date.parse(comment.updatedAt);
  if (!Number.isNaN(updated) && at >= updated) return comment.updatedAt as string;
  return new Date(at).toISOString();
}

// Unparseable times sort last rather than breaking the order of the rest.
function compareTimes(a: number, b: number): number {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : 1;
  if (Number.isNaN(b)) return -1;
  return a - b;
}
