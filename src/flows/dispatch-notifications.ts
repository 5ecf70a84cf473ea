import { type Budget, budgetExhausted } from "../core/budget.js";
import type { NotificationEvent, Notify } from "../core/notifications.js";
import type { DispatchReport } from "./dispatch.js";

/**
 * What a finished dispatch cycle tells people: every goal it made stuck (reconciled, out of
 * attempts, or unsatisfiable) and, when the day's budget holds claims back, that, once a day
 * (`budgetNotice`). Nothing for a dry run, which changed nothing.
 */
export function dispatchEvents(
  report: DispatchReport,
  repository: string,
  budget: Budget | null,
  links: { runUrl: string | null },
): NotificationEvent[] {
  if (report.dryRun) return [];
  const events: NotificationEvent[] = report.stuck.map((event) => ({
    kind: "stuck",
    repository,
    number: event.number,
    title: event.title,
    url: event.url,
    lastFailure: event.reason,
  }));
  const over = report.today ? budgetExhausted(budget, report.today) : null;
  if (over !== null && report.budgetNotice)
    events.push({ kind: "budget", repository, message: over, url: links.runUrl });
  return events;
}

/** Sends them one after the other (a Notify never throws). */
export async function notifyAll(notify: Notify, events: readonly NotificationEvent[]) {
  for (const event of events) await notify(event);
}
