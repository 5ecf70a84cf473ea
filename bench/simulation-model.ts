// The simulation's arithmetic (bench/simulation.ts): seeded random draws, what a logged request
// costs under GitHub's limits, how long our client's pacing makes a run of requests take, and
// the goals per hour a token's limits allow.
import { seededRandom } from "../tools/github-server/faults.js";
import type { RequestLogEntry } from "../tools/github-server/server.js";

/** mulberry32, the test server's seeded PRNG: every run of the simulation draws the same numbers. */
export { seededRandom };

/** A lognormal draw: `median` × e^(sigma·z), z standard normal (Box–Muller). */
export function lognormal(random: () => number, median: number, sigma: number): number {
  const u = 1 - random(); // (0, 1]: log(u) is finite
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  return median * Math.exp(sigma * z);
}

// What a request counts for --------------------------------------------------------------------

/**
 * What a request counts for is what the server accounted for it (tools/github-server/limits.ts
 * and accounting.ts, GitHub's documented rules): its primary points, its secondary points, and
 * how much content it creates. A request the server did not perform (a fault) counts nothing on
 * the secondary limits, as in `usageOf`.
 */
export function contentCreated(entry: RequestLogEntry): number {
  return entry.secondaryPoints > 0 ? entry.contentCreating : 0;
}

/** GitHub's GraphQL rate-limit points of a request, as the server computed them. */
export function graphqlPoints(entry: RequestLogEntry): number {
  return isGraphQL(entry) ? entry.points : 0;
}

export const isGraphQL = (entry: RequestLogEntry) => entry.operationId === "graphql";
const isGet = (entry: RequestLogEntry) => entry.method === "GET" || entry.method === "HEAD";

/** A limit GitHub documents, as an hourly budget and what one request takes of it. */
export interface Limit {
  name: string;
  perHour: number;
  use: (entry: RequestLogEntry) => number;
}

/**
 * Every documented limit a repository's goals run into, for a token whose primary limits are
 * `rest` requests and `graphql` points an hour (GITHUB_TOKEN: 1,000 each per repository; an App
 * installation: at least 5,000 each). Secondary limits per minute count here at 60 times their
 * rate: this is about sustained throughput; bursts are looked at separately (pacing).
 * Not modelled: 100 concurrent requests, CPU time (90 s per minute), which we do not come near.
 */
export function limitsOf(rest: number, graphql: number): Limit[] {
  const content = contentCreated;
  return [
    { name: "REST requests", perHour: rest, use: (e) => (isGraphQL(e) ? 0 : 1) },
    { name: "GraphQL points", perHour: graphql, use: graphqlPoints },
    { name: "content-creating requests (500/h)", perHour: 500, use: content },
    { name: "content-creating requests (80/min)", perHour: 80 * 60, use: content },
    {
      // Secondary: 900 points a minute on REST, GET 1 point, other methods 5.
      name: "REST secondary points (900/min)",
      perHour: 900 * 60,
      use: (e) => (isGraphQL(e) ? 0 : e.secondaryPoints),
    },
    {
      // Secondary: 2,000 points a minute on the GraphQL endpoint, queries 1, mutations 5.
      name: "GraphQL secondary points (2,000/min)",
      perHour: 2000 * 60,
      use: (e) => (isGraphQL(e) ? e.secondaryPoints : 0),
    },
  ];
}

export const sumOf = (entries: readonly RequestLogEntry[], use: (e: RequestLogEntry) => number) =>
  entries.reduce((total, entry) => total + use(entry), 0);

/**
 * Goals an hour a token sustains. At a throughput of g goals an hour, a limit's hourly use is
 * g × (per-goal use) + (cron cycles an hour) × (an idle cycle's use): cron cycles happen
 * whatever the load, and cost at least what an idle one does; everything else the simulation
 * measured (runners, claims, the rest of each cron cycle's cost, every wake-up cycle, which one
 * job end or more asks for) is shared by the goals. So per-goal use = (total use − cron cycles
 * × idle cycle use) ÷ goals, and g = min over limits of (limit − cron fixed) ÷ per-goal use.
 */
export function sustainableGoalsPerHour(
  limits: readonly Limit[],
  run: { entries: readonly RequestLogEntry[]; goals: number; cronCycles: number },
  idle: readonly RequestLogEntry[],
  cronPerHour: number,
): { goalsPerHour: number; bound: string } {
  let best = { goalsPerHour: Number.POSITIVE_INFINITY, bound: "none" };
  for (const limit of limits) {
    const idleUse = sumOf(idle, limit.use);
    const perGoal = (sumOf(run.entries, limit.use) - run.cronCycles * idleUse) / run.goals;
    if (perGoal <= 0) continue;
    const goalsPerHour = Math.max(0, limit.perHour - cronPerHour * idleUse) / perGoal;
    if (goalsPerHour < best.goalsPerHour) best = { goalsPerHour, bound: limit.name };
  }
  return best;
}

// Pacing -----------------------------------------------------------------------------------------

// @octokit/plugin-throttling's generated list of routes that notify people (not exported by the
// package; copied from dist-src/generated/triggers-notification-paths.js), matched as it does.
const NOTIFYING_PATHS = [
  "/orgs/{org}/invitations",
  "/orgs/{org}/invitations/{invitation_id}",
  "/orgs/{org}/teams/{team_slug}/discussions",
  "/orgs/{org}/teams/{team_slug}/discussions/{discussion_number}/comments",
  "/repos/{owner}/{repo}/collaborators/{username}",
  "/repos/{owner}/{repo}/commits/{commit_sha}/comments",
  "/repos/{owner}/{repo}/issues",
  "/repos/{owner}/{repo}/issues/{issue_number}/comments",
  "/repos/{owner}/{repo}/issues/{issue_number}/sub_issue",
  "/repos/{owner}/{repo}/issues/{issue_number}/sub_issues/priority",
  "/repos/{owner}/{repo}/pulls",
  "/repos/{owner}/{repo}/pulls/{pull_number}/comments",
  "/repos/{owner}/{repo}/pulls/{pull_number}/comments/{comment_id}/replies",
  "/repos/{owner}/{repo}/pulls/{pull_number}/merge",
  "/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers",
  "/repos/{owner}/{repo}/pulls/{pull_number}/reviews",
  "/repos/{owner}/{repo}/releases",
  "/teams/{team_id}/discussions",
  "/teams/{team_id}/discussions/{discussion_number}/comments",
];
const NOTIFYING = new RegExp(
  `^(?:${NOTIFYING_PATHS.map(
    (path) =>
      `(?:${path
        .split("/")
        .map((part) => (part.startsWith("{") ? "(?:.+?)" : part))
        .join("/")})`,
  ).join("|")})[^/]*$`,
  "i",
);

/**
 * Whether our client paces a logged request (src/github/client.ts `isMutating`): a REST write,
 * not a token mint, or a GraphQL mutation. Reads, GraphQL queries included, are not paced.
 */
export function isMutatingRequest(entry: RequestLogEntry): boolean {
  if (isGraphQL(entry)) return entry.mutation === true;
  return !isGet(entry) && entry.operationId !== "apps/create-installation-access-token";
}

/** src/github/client.ts paces notifying writes like the others: a second (GitHub's guidance). */
const NOTIFYING_PACE_SECONDS = 1;

/**
 * Seconds our client's pacing (src/github/client.ts) spreads these requests over, each answered
 * at once: mutating requests start ≥ 1 s apart, and writes to a notifying route also ≥
 * NOTIFYING_PACE_SECONDS apart (the throttling plugin's notifications group). Computed, not
 * measured.
 */
export function pacedSeconds(entries: readonly RequestLogEntry[]): number {
  let t = 0;
  let lastWrite = Number.NEGATIVE_INFINITY;
  let lastNotifying = Number.NEGATIVE_INFINITY;
  for (const entry of entries) {
    const write = !isGet(entry) && !isGraphQL(entry);
    if (isMutatingRequest(entry)) {
      t = Math.max(t, lastWrite + 1);
      lastWrite = t;
    }
    if (write && NOTIFYING.test(entry.path)) {
      t = Math.max(t, lastNotifying + NOTIFYING_PACE_SECONDS);
      lastNotifying = t;
    }
  }
  return t;
}
