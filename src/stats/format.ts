import { formatUsd } from "../core/budget.js";
import { formatDuration } from "../core/duration.js";
import type { PartialSum } from "./report-types.js";

// Figures for people, shared by goal-stats and the dashboard: unknown figures say so, never 0.

export const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? "" : "s"}`;

/** "12,300", "12,300 + 3 runs unknown", or "unknown" when no run reported the figure. */
export function formatPartial(
  sum: PartialSum,
  format: (value: number) => string = (value) => value.toLocaleString("en-US"),
): string {
  if (sum.unknown === 0) return format(sum.total);
  if (sum.known === 0) return "unknown";
  return `${format(sum.total)} + ${plural(sum.unknown, "run")} unknown`;
}

/** "$12.30", "$12.30 + 3 runs unknown", or "unknown". */
export const formatPartialUsd = (sum: PartialSum) => formatPartial(sum, formatUsd);
export const formatPartialSeconds = (sum: PartialSum) => formatPartial(sum, formatDuration);

export function formatRate(rate: number | null): string {
  return rate === null ? "—" : `${Math.round(rate * 1000) / 10}%`;
}
