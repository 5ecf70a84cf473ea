import { messageOf } from "../core/errors.js";
import {
  isNotified,
  type Notify,
  type NotifyFormat,
  type OptionalNotifyEvent,
  renderNotification,
  requestFor,
} from "../core/notifications.js";

export type { Notify } from "../core/notifications.js";

/** Sends nothing: the default when no `notify-url` is set. */
export const notifyNothing: Notify = async () => {};

export interface NotifierOptions {
  /** A capability: whoever knows it can post. Never logged, never stored. */
  url: string | null;
  format: NotifyFormat;
  on: readonly OptionalNotifyEvent[];
  log: (line: string) => void;
  warn: (line: string) => void;
  /** Tries in all (default 3); a 4xx answer is not tried again. */
  tries?: number;
  /** How long one try may take (default 10 s). */
  timeoutMs?: number;
  /** The wait before the second try, doubled before each further one (default 1 s). */
  backoffMs?: number;
}

/**
 * A Notify that POSTs to `url` with a timeout per try, retries a refused connection, a timeout
 * or a 5xx/429 answer with backoff, and then warns. No message names the URL, its host or its
 * path: the URL is a secret (an ntfy topic is its own password).
 */
export function httpNotifier(options: NotifierOptions): Notify {
  const { url } = options;
  if (url === null) return notifyNothing;
  const tries = options.tries ?? 3;
  const timeoutMs = options.timeoutMs ?? timeoutFromEnvironment() ?? 10_000;
  const backoffMs = options.backoffMs ?? 1_000;
  return async (event) => {
    try {
      if (!isNotified(event, options.on)) return;
      const notification = renderNotification(event);
      const request = requestFor(notification, options.format);
      let problem = "";
      for (let attempt = 1; attempt <= tries; attempt++) {
        if (attempt > 1) await sleep(backoffMs * 2 ** (attempt - 2));
        try {
          const response = await fetch(url, {
            method: "POST",
            headers: request.headers,
            body: request.body,
            signal: AbortSignal.timeout(timeoutMs),
            redirect: "error",
          });
          await response.body?.cancel().catch(() => {});
          if (response.ok) {
            options.log(`sent notification "${notification.title}"`);
            return;
          }
          problem = `the receiver answered ${response.status}`;
          // A 4xx (but 408 and 429) will be answered the same way again.
          if (response.status < 500 && response.status !== 408 && response.status !== 429) break;
        } catch (error) {
          problem = describeFetchError(error, timeoutMs);
        }
      }
      options.warn(
        `the notification "${notification.title}" was not sent (${problem}); the goal's state is unaffected. Check notify-url.`,
      );
    } catch (error) {
      // Rendering or logging failed: still never the caller's failure.
      options.warn(`a notification was not sent: ${messageOf(error)}`);
    }
  };
}

/** Why a fetch failed, in words that never include the URL (undici's messages may). */
function describeFetchError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError"))
    return `no answer within ${timeoutMs / 1000} s`;
  const cause =
    error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  const code = typeof cause?.code === "string" ? cause.code : null;
  if (code === "ECONNREFUSED") return "connection refused";
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return "the host name did not resolve";
  if (code !== null && /^[A-Z_]+$/.test(code)) return `network error ${code}`;
  return "network error";
}

/**
 * GOAL_ORCHESTRATOR_NOTIFY_TIMEOUT_MS: only the tests set it, so a slow receiver costs them
 * a fraction of a second rather than three times ten.
 */
function timeoutFromEnvironment(): number | null {
  const value = Number(process.env.GOAL_ORCHESTRATOR_NOTIFY_TIMEOUT_MS);
  return Number.isInteger(value) && value > 0 ? value : null;
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}
