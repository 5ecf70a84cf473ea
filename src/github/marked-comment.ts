/**
 * The comment a marker travels in: human-readable text, then the markers, within GitHub's
 * comment limit. Pure; the goal store posts what this returns.
 */
import { cutNote, fitBody, GITHUB_LIMITS } from "../core/github-limits.js";
import { encodeMarker, type Marker } from "../core/markers.js";
import type { GoalState } from "../core/states.js";

/** Room kept for the human-readable text when markers have to be shortened. */
const TEXT_RESERVE = 2_000;
/** Ends a marker's free text that was shortened to fit the comment. */
const MARKER_CUT_NOTE = "… (cut)";
const MARKER_TEXT_FIELDS = ["reason", "logTail", "text"] as const;

/**
 * The comment of a move between states: a headline for people, the transition marker, `extra`.
 * With `at`, the markers are dated (see TransitionMarker.at): they are being added to an
 * existing comment.
 */
export function moveComment(
  from: GoalState | null,
  to: GoalState,
  reason: string,
  extra: readonly Marker[] = [],
  at?: Date,
): string {
  const dated = (marker: Marker): Marker =>
    at && (marker.kind === "run-result" || marker.kind === "transition")
      ? { ...marker, at: at.toISOString() }
      : marker;
  const transition: Marker = { kind: "transition", from, to, reason };
  return markedComment(
    `**${from ?? "no state"} → ${to}**: ${reason}`,
    [transition, ...extra].map(dated),
  );
}

/**
 * `comment` with a move (as moveComment writes it, dated `at` when given) added at its end;
 * null when the whole would not fit in a comment, so nothing of either is cut.
 */
export function withMove(
  comment: string,
  move: { from: GoalState | null; to: GoalState; reason: string; extra?: readonly Marker[] },
  at?: Date,
): string | null {
  const body = `${comment}\n\n${moveComment(move.from, move.to, move.reason, move.extra, at)}`;
  return body.length <= GITHUB_LIMITS.body ? body : null;
}

/**
 * A comment of human-readable `text`, a blank line and the markers (one a line), within GitHub's
 * comment limit. The markers stay whole and parseable: when they alone would leave less than
 * TEXT_RESERVE for the text, their free-text fields are shortened to one common, largest cap
 * that fits; then the text is cut to the room that is left.
 */
export function markedComment(text: string, markers: readonly Marker[]): string {
  const encode = (list: readonly Marker[]) => list.map(encodeMarker).join("\n");
  const markerRoom = GITHUB_LIMITS.body - TEXT_RESERVE;
  let tail = encode(markers);
  if (tail.length > markerRoom) {
    // Binary search for the largest cap whose encoding fits.
    let low = MARKER_CUT_NOTE.length;
    let high = GITHUB_LIMITS.body;
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      if (encode(capMarkers(markers, middle)).length <= markerRoom) low = middle;
      else high = middle - 1;
    }
    tail = encode(capMarkers(markers, low));
  }
  const room = Math.max(0, GITHUB_LIMITS.body - tail.length - 2);
  return `${fitBody(text, room, cutNote())}\n\n${tail}`;
}

/** The markers with every free-text field (reasons, log tails, feedback) at most `cap` long. */
function capMarkers(markers: readonly Marker[], cap: number): Marker[] {
  return markers.map((marker) => {
    const copy: Record<string, unknown> = { ...marker };
    for (const key of MARKER_TEXT_FIELDS) {
      const value = copy[key];
      if (typeof value === "string") copy[key] = fitBody(value, cap, MARKER_CUT_NOTE);
    }
    return copy as unknown as Marker;
  });
}
