import { encodeMarker, type FeedbackMarker, type Marker } from "./markers.js";

/**
 * Review rounds: a person with write access asks for changes on a goal's pull request (a review
 * that requests changes, or a `/goal revise <what>` comment) and the goal goes back to the queue
 * with that feedback; the next run continues the goal's branch and pushes to the same pull
 * request. Rounds are numbered from 1 and counted apart from failed attempts: each round starts
 * the attempt count afresh (core/attempts.ts), and past `max-review-rounds` a request sends the
 * goal to a human (goal:spot-check) instead. Pure: the flows read and write GitHub.
 */

/** A request for changes on a goal's pull request, as read from GitHub. */
export interface ReviewRequest {
  /** `review:<id>` or `comment:<id>`: recorded in the feedback that takes it in. */
  id: string;
  author: string;
  /** ISO 8601. */
  submittedAt: string;
  url: string;
  /** What was asked, as the feedback will show it; empty for a `/goal revise` without text. */
  text: string;
}

export const DEFAULT_MAX_REVIEW_ROUNDS = 3;
export const REVISE_COMMAND = "/goal revise";

/**
 * The text of a `/goal revise` comment (what follows the command, trimmed; "" when nothing
 * does), or null when the comment is not one. The command must open the comment.
 */
export function reviseText(body: string): string | null {
  const match = /^\s*\/goal[ \t]+revise(?=\s|$)([\s\S]*)$/i.exec(body);
  return match ? (match[1] ?? "").trim() : null;
}

/** One inline comment of a review, where GitHub placed it. */
export interface InlineComment {
  path: string;
  /** The line in the file (null when GitHub no longer places it, e.g. outdated). */
  line: number | null;
  body: string;
}

/** A review's feedback: its body, then every inline comment as `path:line` and its text. */
export function reviewText(body: string, comments: readonly InlineComment[]): string {
  const parts = body.trim() ? [body.trim()] : [];
  for (const comment of comments) {
    const where = comment.line === null ? comment.path : `${comment.path}:${comment.line}`;
    parts.push(`- \`${where}\`: ${comment.body.trim().replace(/\n/g, "\n  ")}`);
  }
  return parts.join("\n\n");
}

function reviewFeedback(markers: readonly Marker[]): FeedbackMarker[] {
  return markers.filter((m): m is FeedbackMarker => m.kind === "feedback" && m.round !== undefined);
}

/** How many review rounds the goal has had. */
export function reviewRoundsUsed(markers: readonly Marker[]): number {
  return Math.max(0, ...reviewFeedback(markers).map((m) => m.round ?? 0));
}

/** Requests already taken in as feedback or answered on the pull request. */
export function answeredRequests(markers: readonly Marker[]): Set<string> {
  const ids = new Set<string>();
  for (const marker of markers) {
    if (marker.kind === "feedback" || marker.kind === "review-reply") {
      for (const id of marker.requests ?? []) ids.add(id);
    }
  }
  return ids;
}

/**
 * Where the latest review round began in the markers (its first feedback marker), or -1 when
 * the goal has had none. Attempts are counted from there.
 */
export function reviewRoundStart(markers: readonly Marker[]): number {
  const latest = reviewRoundsUsed(markers);
  if (latest === 0) return -1;
  return markers.findIndex((m) => m.kind === "feedback" && m.round === latest);
}

/**
 * The review round the next run serves: the latest one, unless a run of it already delivered
 * (a success or spot-check result) or a later attempt started afresh (feedback outside any
 * round, such as a closed pull request or failed checks). Null when there is none.
 */
export function openReviewRound(
  markers: readonly Marker[],
): { round: number; pullRequest: number } | null {
  const start = reviewRoundStart(markers);
  if (start < 0) return null;
  const first = markers[start] as FeedbackMarker;
  const ended = markers
    .slice(start + 1)
    .some(
      (m) =>
        (m.kind === "run-result" && (m.outcome === "success" || m.outcome === "spot-check")) ||
        (m.kind === "feedback" && m.round === undefined),
    );
  if (ended || first.pullRequest === undefined) return null;
  return { round: first.round as number, pullRequest: first.pullRequest };
}

/**
 * Most of a comment's 65,536 characters for one feedback marker as encoded (escaping can make
 * the JSON several times longer than the text), leaving room for the comment's headline.
 */
export const FEEDBACK_MARKER_CHARS = 60_000;

/**
 * The requests' feedback as one or more markers, each fitting a comment: a long review (say,
 * 200 inline comments) is split between requests, or between inline comments within one, so
 * every word reaches the goal file. Only a single comment longer than a marker can hold is cut.
 */
export function feedbackMarkers(
  base: Omit<FeedbackMarker, "kind" | "text" | "requests">,
  requests: readonly ReviewRequest[],
): FeedbackMarker[] {
  const fits = (text: string) =>
    encodeMarker({ kind: "feedback", ...base, text, requests: ids }).length <=
    FEEDBACK_MARKER_CHARS;
  const ids = requests.map((request) => request.id);
  const pieces = requests.flatMap((request) => {
    const heading = `From @${request.author} (${request.url}):`;
    return [heading, ...request.text.split(/\n\n(?=- `)/)];
  });
  const texts: string[] = [];
  let current = "";
  for (const piece of pieces) {
    const joined = current ? `${current}\n\n${piece}` : piece;
    if (fits(joined)) {
      current = joined;
      continue;
    }
    if (current) texts.push(current);
    current = fits(piece) ? piece : cutToFit(piece, fits);
  }
  if (current) texts.push(current);
  // The requests are named on the first marker, so they count as taken in once it is written.
  return texts.map((text, index) => ({
    kind: "feedback",
    ...base,
    text,
    ...(index === 0 ? { requests: ids } : {}),
  }));
}

function cutToFit(text: string, fits: (text: string) => boolean): string {
  const note = "… (cut: too long for one comment)";
  let low = 0;
  let high = text.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (fits(text.slice(0, mid) + note)) low = mid;
    else high = mid - 1;
  }
  return text.slice(0, low) + note;
}
