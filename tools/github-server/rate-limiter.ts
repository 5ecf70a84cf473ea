// GitHub's rate limits, kept per identity on the server's clock: the primary limits (an hourly
// window per resource, `core` for REST and `graphql`, starting at the identity's first request)
// and the secondary limits (content creation: 80 a minute and 500 an hour; points: 900 a minute
// per REST endpoint and 2,000 a minute for GraphQL; sliding windows). Also the ETag and the
// answers GitHub gives when a limit is exceeded. The arithmetic is in limits.ts.
import { createHash, randomUUID } from "node:crypto";
import { SECONDARY_RATE_LIMIT_MESSAGE } from "./faults.js";
import type { Clock } from "./state.js";

export type RateResource = "core" | "graphql";

/** Primary limits of one identity: REST requests and GraphQL points per hour. */
export interface PrimaryLimits {
  core: number;
  graphql: number;
}

/** A user's token (5,000 requests/points an hour), GitHub's default. */
export const USER_LIMITS: PrimaryLimits = { core: 5000, graphql: 5000 };
/** A GitHub App installation (5,000 an hour, the minimum; GitHub raises it with its size). */
export const INSTALLATION_LIMITS: PrimaryLimits = { core: 5000, graphql: 5000 };
/** The GITHUB_TOKEN of an Actions workflow: 1,000 an hour per repository. */
export const ACTIONS_TOKEN_LIMITS: PrimaryLimits = { core: 1000, graphql: 1000 };

export const SECONDARY_LIMITS = {
  contentPerMinute: 80,
  contentPerHour: 500,
  restPointsPerMinute: 900,
  graphqlPointsPerMinute: 2000,
} as const;

/** What the server enforces (accounting is always on). */
export interface LimitsOptions {
  /** Refuse requests over the primary limits (default true). */
  primary?: boolean;
  /** Refuse requests over the secondary limits (default true). */
  secondary?: boolean;
  /** Primary limits of chosen identities (a login, `installation:<id>`); "actions": GITHUB_TOKEN's. */
  identities?: Record<string, Partial<PrimaryLimits> | "actions">;
}

/** Who a request counts against and which default limits apply to it. */
export interface RateIdentity {
  /** A user's login, `installation:<id>` for installation tokens, `app:<id>` for an App's JWT. */
  key: string;
  kind: "user" | "installation" | "app";
  /** GitHub's id in its messages: "API rate limit exceeded for user ID 1." */
  id: number;
}

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;
export const RATE_LIMIT_DOCS = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api";

interface Window {
  resetAtMs: number;
  used: number;
}

interface Stamp {
  at: number;
  points: number;
}

export class RateLimiter {
  enforcePrimary = true;
  enforceSecondary = true;
  private readonly limits = new Map<string, PrimaryLimits>();
  private readonly windows = new Map<string, Window>();
  private readonly content = new Map<string, number[]>();
  private readonly endpoints = new Map<string, Stamp[]>();

  constructor(private readonly clock: Clock) {}

  configure(options: LimitsOptions): void {
    if (options.primary !== undefined) this.enforcePrimary = options.primary;
    if (options.secondary !== undefined) this.enforceSecondary = options.secondary;
    for (const [key, limits] of Object.entries(options.identities ?? {})) {
      const base = this.limits.get(key) ?? USER_LIMITS;
      this.limits.set(key, limits === "actions" ? ACTIONS_TOKEN_LIMITS : { ...base, ...limits });
    }
  }

  limitsOf(identity: RateIdentity): PrimaryLimits {
    const set = this.limits.get(identity.key);
    if (set) return set;
    return identity.kind === "installation" ? INSTALLATION_LIMITS : USER_LIMITS;
  }

  /** The identity's current window for a resource (a new one once the last has reset). */
  private window(identity: RateIdentity, resource: RateResource, now: number): Window {
    const key = `${identity.key}\u0000${resource}`;
    let window = this.windows.get(key);
    if (!window || now >= window.resetAtMs) {
      window = { resetAtMs: now + HOUR_MS, used: 0 };
      this.windows.set(key, window);
    }
    return window;
  }

  /** Whether `points` more would go over the identity's primary limit (when enforced). */
  exceedsPrimary(identity: RateIdentity, resource: RateResource, points: number): boolean {
    if (!this.enforcePrimary) return false;
    const window = this.window(identity, resource, this.clock.nowMs());
    return window.used + points > this.limitsOf(identity)[resource];
  }

  chargePrimary(identity: RateIdentity, resource: RateResource, points: number): void {
    this.window(identity, resource, this.clock.nowMs()).used += points;
  }

  /** The primary limit's state as GitHub reports it (headers, GraphQL's `rateLimit`). */
  status(identity: RateIdentity, resource: RateResource) {
    const window = this.window(identity, resource, this.clock.nowMs());
    const limit = this.limitsOf(identity)[resource];
    return {
      limit,
      used: window.used,
      remaining: Math.max(0, limit - window.used),
      resetAtMs: window.resetAtMs,
    };
  }

  headers(identity: RateIdentity, resource: RateResource): Record<string, string> {
    const status = this.status(identity, resource);
    return {
      "x-ratelimit-limit": String(status.limit),
      "x-ratelimit-remaining": String(status.remaining),
      "x-ratelimit-used": String(status.used),
      "x-ratelimit-reset": String(Math.ceil(status.resetAtMs / 1000)),
      "x-ratelimit-resource": resource,
    };
  }

  /**
   * Seconds until a request fits the secondary limits (0: it fits now, or they are not
   * enforced): content creation per minute and per hour, points per minute of the endpoint.
   */
  secondaryWait(
    identity: RateIdentity,
    endpoint: string,
    points: number,
    /** Pieces of content the request creates (several for aliased GraphQL mutations). */
    contentCreating: number,
  ): number {
    if (!this.enforceSecondary) return 0;
    const now = this.clock.nowMs();
    let waitMs = 0;
    if (contentCreating > 0) {
      const stamps = this.prune(this.content.get(identity.key) ?? [], now);
      const inMinute = stamps.filter((at) => at > now - MINUTE_MS);
      // The stamp that must leave its window before `contentCreating` more fit in it.
      const freeing = (window: number[], limit: number) =>
        window[window.length + contentCreating - 1 - limit];
      const minuteFrees = freeing(inMinute, SECONDARY_LIMITS.contentPerMinute);
      if (minuteFrees !== undefined) waitMs = Math.max(waitMs, minuteFrees + MINUTE_MS - now);
      const hourFrees = freeing(stamps, SECONDARY_LIMITS.contentPerHour);
      if (hourFrees !== undefined) waitMs = Math.max(waitMs, hourFrees + HOUR_MS - now);
      // More than a minute's window can ever hold: refused (GitHub's answer here is unknown).
      if (contentCreating > SECONDARY_LIMITS.contentPerMinute) waitMs = Math.max(waitMs, MINUTE_MS);
    }
    const limit =
      endpoint === "graphql"
        ? SECONDARY_LIMITS.graphqlPointsPerMinute
        : SECONDARY_LIMITS.restPointsPerMinute;
    const stamps = (this.endpoints.get(`${identity.key}\u0000${endpoint}`) ?? []).filter(
      (stamp) => stamp.at > now - MINUTE_MS,
    );
    let total = stamps.reduce((sum, stamp) => sum + stamp.points, 0) + points;
    for (const stamp of stamps) {
      if (total <= limit) break;
      total -= stamp.points;
      waitMs = Math.max(waitMs, stamp.at + MINUTE_MS - now);
    }
    return waitMs > 0 ? Math.ceil(waitMs / 1000) : 0;
  }

  recordSecondary(
    identity: RateIdentity,
    endpoint: string,
    points: number,
    contentCreating: number,
  ): void {
    // Windows fill only while enforced: switching the limits off for a burst leaves no debt.
    if (!this.enforceSecondary) return;
    const now = this.clock.nowMs();
    if (contentCreating > 0) {
      const stamps = this.prune(this.content.get(identity.key) ?? [], now);
      for (let piece = 0; piece < contentCreating; piece++) stamps.push(now);
      this.content.set(identity.key, stamps);
    }
    const key = `${identity.key}\u0000${endpoint}`;
    const stamps = (this.endpoints.get(key) ?? []).filter((stamp) => stamp.at > now - MINUTE_MS);
    stamps.push({ at: now, points });
    this.endpoints.set(key, stamps);
  }

  /** Content-creation stamps of the last hour, oldest first. */
  private prune(stamps: number[], now: number): number[] {
    return stamps.filter((at) => at > now - HOUR_MS);
  }
}

/** GitHub's message when an identity's primary limit is used up. */
export function primaryLimitMessage(identity: RateIdentity): string {
  const who = identity.kind === "installation" ? "installation" : "user";
  return `API rate limit exceeded for ${who} ID ${identity.id}.`;
}

/** A strong ETag of a JSON body: its SHA-256, quoted, as GitHub's `"abc…"`. */
export function etagOf(body: unknown): string {
  return `"${createHash("sha256").update(JSON.stringify(body)).digest("hex")}"`;
}

/**
 * Whether an If-None-Match header matches an ETag (weak comparison, as RFC 9110 prescribes for
 * If-None-Match: `W/"x"` matches `"x"`; `*` matches any).
 */
export function matchesETag(header: string | string[] | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const strip = (tag: string) => tag.trim().replace(/^W\//, "");
  const wanted = strip(etag);
  return (Array.isArray(header) ? header.join(",") : header)
    .split(",")
    .some((tag) => tag.trim() === "*" || strip(tag) === wanted);
}

/** An answer the server sends instead of performing a request. */
export interface Refusal {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

/**
 * GitHub's answer over a primary limit: REST 403 with `x-ratelimit-remaining: 0`; GraphQL 200
 * with a `RATE_LIMITED` error (what @octokit/plugin-throttling looks for).
 */
export function primaryRefusal(
  identity: RateIdentity,
  resource: RateResource,
  headers: Record<string, string>,
): Refusal {
  const message = primaryLimitMessage(identity);
  if (resource === "graphql") {
    return {
      status: 200,
      body: { errors: [{ type: "RATE_LIMITED", code: "graphql_rate_limit", message }] },
      headers,
    };
  }
  const requestId = randomUUID();
  return {
    status: 403,
    body: {
      message: `${message} If you reach out to GitHub Support for help, please include the request ID ${requestId}.`,
      documentation_url: RATE_LIMIT_DOCS,
      status: "403",
    },
    headers: { ...headers, "x-github-request-id": requestId },
  };
}

/** GitHub's answer over a secondary limit: 403, its message and `retry-after` in seconds. */
export function secondaryRefusal(retryAfterS: number, headers: Record<string, string>): Refusal {
  return {
    status: 403,
    body: {
      message: SECONDARY_RATE_LIMIT_MESSAGE,
      documentation_url: `${RATE_LIMIT_DOCS}#about-secondary-rate-limits`,
      status: "403",
    },
    headers: { ...headers, "retry-after": String(retryAfterS) },
  };
}
