// Rate-limit accounting of the requests the server logs: what each request is charged and
// whether a limit refuses it (admit), and the totals a benchmark reads (usageOf).
import { secondaryPoints } from "./limits.js";
import {
  primaryRefusal,
  type RateIdentity,
  type RateLimiter,
  type RateResource,
  type Refusal,
  secondaryRefusal,
} from "./rate-limiter.js";

/** The accounting fields of a logged request (`RequestLogEntry`). */
export interface AccountedRequest {
  method: string;
  /** REST operationId, "graphql", or null when the request matched no operation. */
  operationId: string | null;
  /** Who the request counts against (a login, `installation:<id>`, `app:<id>`); unset before authentication. */
  identity?: string;
  /** Primary-limit points charged: REST 1, GraphQL GitHub's formula, 0 for a 304 or a refused request. */
  points: number;
  /** Secondary-limit points (GET 1, other REST 5; GraphQL 1, 5 with a mutation); 0 when not performed. */
  secondaryPoints: number;
  /**
   * How many pieces of content the request creates (the 80/minute, 500/hour secondary limit):
   * 0 or 1, or one per content-creating field of a GraphQL mutation with aliases, counted as
   * separate requests since GitHub does not document how it counts them.
   */
  contentCreating: number;
  /** GraphQL: whether the operation is a mutation. */
  mutation?: boolean;
  /** A 304 answer to If-None-Match (free on the primary limit). */
  notModified?: true;
  /** Refused by a rate limit of the server (not an injected fault). */
  rateLimited?: "primary" | "secondary";
}

/** Requests and points of one identity, or all, since `resetRequests()` (see `usage`). */
export interface Usage {
  requests: number;
  /** Primary-limit points of REST and GraphQL together. */
  points: number;
  graphqlPoints: number;
  secondaryPoints: number;
  contentCreating: number;
  notModified: number;
  rateLimited: number;
}

/** Totals of the logged requests of `identity` (all when omitted). */
export function usageOf(requests: readonly AccountedRequest[], identity?: string): Usage {
  const usage: Usage = {
    requests: 0,
    points: 0,
    graphqlPoints: 0,
    secondaryPoints: 0,
    contentCreating: 0,
    notModified: 0,
    rateLimited: 0,
  };
  for (const entry of requests) {
    if (identity !== undefined && entry.identity !== identity) continue;
    usage.requests += 1;
    usage.points += entry.points;
    if (entry.operationId === "graphql") usage.graphqlPoints += entry.points;
    usage.secondaryPoints += entry.secondaryPoints;
    if (entry.secondaryPoints > 0) usage.contentCreating += entry.contentCreating;
    if (entry.notModified) usage.notModified += 1;
    if (entry.rateLimited) usage.rateLimited += 1;
  }
  return usage;
}

/**
 * Refuses a request over a secondary or primary limit (GitHub's answer), or admits it: records
 * its secondary points and content creation, and charges `points` on the primary limit of
 * `resource`. A conditional GET is admitted with 0 points (a 304 is free; see the server).
 */
export function admit(
  limiter: RateLimiter,
  entry: AccountedRequest,
  rate: RateIdentity,
  resource: RateResource,
  points: number,
): Refusal | undefined {
  const endpoint = entry.operationId ?? "unknown";
  const secondary = secondaryPoints(
    entry.method,
    resource === "graphql" ? entry.mutation : undefined,
  );
  const wait = limiter.secondaryWait(rate, endpoint, secondary, entry.contentCreating);
  if (wait > 0) {
    entry.rateLimited = "secondary";
    return secondaryRefusal(wait, limiter.headers(rate, resource));
  }
  // A conditional GET (points 0) may still be answered 304 when the primary limit is spent.
  if (points > 0 && limiter.exceedsPrimary(rate, resource, points)) {
    entry.rateLimited = "primary";
    return primaryRefusal(rate, resource, limiter.headers(rate, resource));
  }
  limiter.recordSecondary(rate, endpoint, secondary, entry.contentCreating);
  entry.secondaryPoints = secondary;
  limiter.chargePrimary(rate, resource, points);
  entry.points = points;
  return undefined;
}
