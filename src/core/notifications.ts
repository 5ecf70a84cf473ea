/**
 * Notifications (pure): which events are sent, and how each one renders as ntfy's headers and
 * plain-text body or as a JSON body for other webhooks. Sending is src/notify/http-notifier.ts.
 */

export const NOTIFY_FORMATS = ["ntfy", "json"] as const;
export type NotifyFormat = (typeof NOTIFY_FORMATS)[number];

/** Events sent only when `notify-on` lists them; the others are always sent. */
export const OPTIONAL_NOTIFY_EVENTS = ["done"] as const;
export type OptionalNotifyEvent = (typeof OPTIONAL_NOTIFY_EVENTS)[number];

interface GoalRef {
  /** owner/name */
  repository: string;
  number: number;
  title: string;
  /** The goal's issue. */
  url: string;
}

export type NotificationEvent =
  | (GoalRef & { kind: "spot-check"; reasons: string; prUrl: string | null })
  | (GoalRef & { kind: "stuck"; lastFailure: string })
  | (GoalRef & { kind: "done"; prUrl: string | null })
  | { kind: "budget"; repository: string; message: string; url: string | null }
  | { kind: "cycle-failed"; repository: string; error: string; url: string | null };

export type NotificationKind = NotificationEvent["kind"];

/** Sends one event; never throws and never rejects: a lost notification is only a warning. */
export type Notify = (event: NotificationEvent) => Promise<void>;

/** What one notification says, whatever the format. */
export interface Notification {
  kind: NotificationKind;
  title: string;
  body: string;
  /** ntfy tags: emoji short codes or words. */
  tags: string[];
  /** ntfy's 1 (min) to 5 (max); 3 is the default. */
  priority: 1 | 2 | 3 | 4 | 5;
  /** Where a tap leads: the pull request or the goal, the workflow run for a failed cycle. */
  click: string | null;
}

/** A reason or an error can be long (a log tail); a phone shows a few lines. */
const MAX_DETAIL_CHARS = 600;

export function renderNotification(event: NotificationEvent): Notification {
  switch (event.kind) {
    case "spot-check":
      return {
        kind: event.kind,
        title: `Spot-check: ${event.repository}#${event.number}`,
        body: lines(
          event.title,
          `Needs a human review: ${shorten(event.reasons)}`,
          event.prUrl ?? event.url,
        ),
        tags: ["eyes"],
        priority: 4,
        click: event.prUrl ?? event.url,
      };
    case "stuck":
      return {
        kind: event.kind,
        title: `Stuck: ${event.repository}#${event.number}`,
        body: lines(event.title, `Last failure: ${shorten(event.lastFailure)}`, event.url),
        tags: ["warning"],
        priority: 4,
        click: event.url,
      };
    case "done":
      return {
        kind: event.kind,
        title: `Done: ${event.repository}#${event.number}`,
        body: lines(event.title, event.prUrl ?? event.url),
        tags: ["white_check_mark"],
        priority: 2,
        click: event.prUrl ?? event.url,
      };
    case "budget":
      return {
        kind: event.kind,
        title: `Budget reached: ${event.repository}`,
        body: lines(shorten(event.message), event.url),
        tags: ["money_with_wings"],
        priority: 3,
        click: event.url,
      };
    case "cycle-failed":
      return {
        kind: event.kind,
        title: `Dispatch cycle failed: ${event.repository}`,
        body: lines(shorten(event.error), event.url),
        tags: ["rotating_light"],
        priority: 4,
        click: event.url,
      };
  }
}

/** Whether `event` is sent under the `notify-on` setting (the optional events it lists). */
export function isNotified(event: NotificationEvent, on: readonly OptionalNotifyEvent[]): boolean {
  return !(OPTIONAL_NOTIFY_EVENTS as readonly string[]).includes(event.kind)
    ? true
    : (on as readonly string[]).includes(event.kind);
}

export interface HttpRequestParts {
  headers: Record<string, string>;
  body: string;
}

/**
 * ntfy: `Title`, `Tags`, `Priority`, `Click` headers and a plain-text body. Header values are
 * ASCII without control characters: anything else goes as an RFC 2047 encoded word, which
 * ntfy decodes (HTTP itself has no UTF-8 headers, and Node's fetch refuses them).
 */
export function ntfyRequest(notification: Notification): HttpRequestParts {
  const headers: Record<string, string> = {
    "Content-Type": "text/plain; charset=utf-8",
    Title: headerValue(notification.title),
    Tags: notification.tags.map(headerValue).join(","),
    Priority: String(notification.priority),
  };
  const click = notification.click === null ? null : safeUrl(notification.click);
  if (click !== null) headers.Click = click;
  return { headers, body: notification.body };
}

/** Other webhooks: one JSON object with the same fields. */
export function jsonRequest(notification: Notification): HttpRequestParts {
  return {
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      event: notification.kind,
      title: notification.title,
      body: notification.body,
      tags: notification.tags,
      priority: notification.priority,
      click: notification.click,
    }),
  };
}

export function requestFor(notification: Notification, format: NotifyFormat): HttpRequestParts {
  return format === "json" ? jsonRequest(notification) : ntfyRequest(notification);
}

/**
 * A header value that cannot split or break the request: control characters (CR and LF among
 * them) become spaces; non-ASCII text becomes one RFC 2047 `=?UTF-8?B?…?=` word.
 */
export function headerValue(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
  const flat = text.replace(/[\u0000-\u001f\u007f]+/g, " ").trim();
  if (/^[\u0020-\u007e]*$/.test(flat)) return flat;
  return `=?UTF-8?B?${Buffer.from(flat, "utf8").toString("base64")}?=`;
}

/** A link for the Click header: only an http(s) URL, as ASCII (URL encodes the rest). */
function safeUrl(text: string): string | null {
  try {
    const url = new URL(text);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}

function shorten(text: string): string {
  const flat = text.trim();
  return flat.length > MAX_DETAIL_CHARS ? `${flat.slice(0, MAX_DETAIL_CHARS - 1)}…` : flat;
}

function lines(...parts: Array<string | null>): string {
  return parts.filter((part): part is string => part !== null && part !== "").join("\n");
}
