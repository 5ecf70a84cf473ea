import { UserError } from "./errors.js";

/** Durations as people write them in settings: `90m`, `4h`, `1h30m`, `2h15m30s`. */

const UNIT_SECONDS = { h: 3600, m: 60, s: 1 } as const;
type Unit = keyof typeof UNIT_SECONDS;
const UNIT_ORDER: readonly Unit[] = ["h", "m", "s"];
const PART = /(\d+)([a-z]+)/gy;
export const DURATION_FORMS = "hours, minutes and seconds like 90m, 4h or 1h30m";

/** Parses a duration into whole seconds; throws a UserError naming `key` otherwise. */
export function parseDuration(text: string, key = "duration"): number {
  const seconds = tryParseDuration(text);
  if (seconds !== null) return seconds;
  throw new UserError(
    `Invalid duration for "${key}": "${text}". Use ${DURATION_FORMS}.${durationHint(String(text))}`,
  );
}

/** A hint for common mistakes (a bare number, zero), starting with a space; "" when none applies. */
export function durationHint(text: string): string {
  const compact = text.trim();
  if (/^[0hms]+$/i.test(compact) && /\d/.test(compact)) return " It must be longer than zero.";
  if (/^\d+$/.test(compact)) return ` Add a unit, like ${compact}m.`;
  return "";
}

/** Like parseDuration, but returns null instead of throwing. */
export function tryParseDuration(text: string): number | null {
  if (typeof text !== "string") return null;
  // Spaces are allowed between parts ("1h 30m"), never inside one ("1 30m" is not 130m).
  const trimmed = text
    .trim()
    .replace(/([a-z])\s+(?=\d)/gi, "$1")
    .toLowerCase();
  if (trimmed === "") return null;
  let total = 0;
  let lastUnit = -1;
  let consumed = 0;
  for (const match of trimmed.matchAll(PART)) {
    const unitIndex = UNIT_ORDER.indexOf(match[2] as Unit);
    // Units must be known, appear once each, and go from largest to smallest.
    if (unitIndex <= lastUnit) return null;
    lastUnit = unitIndex;
    total += Number(match[1]) * UNIT_SECONDS[UNIT_ORDER[unitIndex] as Unit];
    consumed += match[0].length;
  }
  if (consumed !== trimmed.length || total <= 0 || !Number.isSafeInteger(total)) return null;
  return total;
}

/** `1h30m`, `45s`, `4h`; zero is `0s`. */
export function formatDuration(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = whole % 60;
  const text = `${h > 0 ? `${h}h` : ""}${m > 0 ? `${m}m` : ""}${s > 0 ? `${s}s` : ""}`;
  return text === "" ? "0s" : text;
}
