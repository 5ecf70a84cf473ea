import { createAppAuth } from "@octokit/auth-app";
import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import { Octokit } from "@octokit/rest";
import Bottleneck from "bottleneck/light.js";
import { UserError } from "../core/errors.js";

/** The Octokit class every GitHub call in this project goes through. */
export const GitHubClient = Octokit.plugin(retry, throttling);
export type GitHubClient = InstanceType<typeof GitHubClient>;

/** Largest page GitHub serves, for both REST and GraphQL connections. */
export const MAX_PAGE_SIZE = 100;

export interface ClientOptions {
  /** A token (PAT, GITHUB_TOKEN, a pre-minted installation token); or `app`. */
  token?: string | undefined;
  /**
   * Authenticate as a GitHub App instead: with `installationId`, as that installation, whose
   * token @octokit/auth-app mints and renews (see app-auth.ts); without it, as the App itself
   * (JWT), which only the App's own routes accept.
   */
  app?: AppAuthOptions | undefined;
  /** REST base URL; GitHub Enterprise Server uses https://HOST/api/v3. */
  apiUrl?: string;
  /**
   * The unit of every wait, in ms: between writes (and GraphQL calls) and before retries.
   * GitHub asks for a second between mutating requests; the local test server needs none.
   */
  paceMs?: number;
  /** Where warnings about retries and rate limits go. */
  warn?: (message: string) => void;
}

export interface AppAuthOptions {
  /** The App's id (or its client id). */
  appId: string | number;
  /** The App's private key, PEM. */
  privateKey: string;
  installationId?: number | undefined;
  /** Where @octokit/auth-app keeps installation tokens (see app-auth.ts). */
  cache?: { get(key: string): string | undefined; set(key: string, value: string): void };
}

export const DEFAULT_API_URL = "https://api.github.com";

/** Longest primary rate-limit wait we sit out instead of failing (GitHub resets hourly). */
const MAX_RATE_LIMIT_WAIT_SECONDS = 120;

export function createClient(options: ClientOptions): GitHubClient {
  const warn = options.warn ?? ((message: string) => process.stderr.write(`${message}\n`));
  const paceMs = options.paceMs ?? 1000;
  if (!options.token === !options.app) throw new Error("createClient needs a token or an app");
  const auth = options.app
    ? {
        authStrategy: createAppAuth,
        auth: {
          appId: options.app.appId,
          privateKey: options.app.privateKey,
          ...(options.app.installationId === undefined
            ? {}
            : { installationId: options.app.installationId }),
          ...(options.app.cache ? { cache: options.app.cache } : {}),
        },
      }
    : { auth: options.token };
  const client = new GitHubClient({
    ...auth,
    baseUrl: (options.apiUrl ?? DEFAULT_API_URL).replace(/\/+$/, ""),
    userAgent: "goal-orchestrator",
    // Failed requests reach the caller as errors with context; logging each one here too
    // would print the same failure twice.
    log: { debug: () => {}, info: () => {}, warn, error: () => {} },
    // 400/401/403/404/410/422/451 mean the request itself is wrong: retrying cannot help.
    retry: { retryAfterBaseValue: paceMs },
    throttle: {
      retryAfterBaseValue: paceMs,
      // GitHub's guidance, measured in paces: a second between mutating requests. The plugin
      // counts every GraphQL call as a write, queries too, so its write queue only keeps writes
      // one at a time here; the second is taken below (pacedMutations), where a query can be
      // told from a mutation. Writes that notify people (comments, issues) get the same second,
      // not the plugin's default three: GitHub documents a second between writes and at most
      // 80 content-creating requests a minute, which a second apart keeps (60), and a
      // dispatcher must be able to claim 48 goals, a comment each, within a minute.
      write: pacingGroup("write", 0),
      notifications: pacingGroup("notifications", paceMs),
      onRateLimit: (retryAfter, request, _octokit, retryCount) => {
        const wait = `${retryAfter}s`;
        if (retryCount < 1 && retryAfter <= MAX_RATE_LIMIT_WAIT_SECONDS) {
          warn(`GitHub rate limit hit on ${request.method} ${request.url}; retrying in ${wait}.`);
          return true;
        }
        warn(
          `GitHub rate limit hit on ${request.method} ${request.url}; giving up (reset in ${wait}).`,
        );
        return false;
      },
      onSecondaryRateLimit: (retryAfter, request, _octokit, retryCount) => {
        if (retryCount < 3) {
          warn(
            `GitHub secondary rate limit on ${request.method} ${request.url}; retrying in ${retryAfter}s.`,
          );
          return true;
        }
        return false;
      },
    },
  });
  // Registered last, so it runs before the plugins: every mutating request of the process waits
  // its turn, a pace after the previous one started; reads, GraphQL queries included, do not.
  const mutations = pacingGroup("mutations", paceMs).key("process");
  client.hook.wrap("request", async (request, options) => {
    if (isMutating(options)) await mutations.schedule(() => Promise.resolve());
    return request(options);
  });
  return client;
}

/** Installation tokens are minted by POST, which mutates nothing of the repository. */
const APP_TOKEN_ROUTE = /^\/app\/installations\/[^/]+\/access_tokens$/;

/**
 * Whether a request mutates: a REST write (not a token mint), or a GraphQL document that is a
 * mutation (ours all start with `mutation`; a query starts with `query` or `{`).
 */
export function isMutating(options: { method?: string; url?: string; query?: unknown }): boolean {
  const method = (options.method ?? "GET").toUpperCase();
  if (method === "GET" || method === "HEAD") return false;
  if (options.url === "/graphql") return /^\s*mutation\b/.test(String(options.query ?? ""));
  return !APP_TOKEN_ROUTE.test(options.url ?? "");
}

/** Requests are spaced per process, across every client with the same pace. */
const pacingGroups = new Map<string, Bottleneck.Group>();
function pacingGroup(kind: string, minTime: number): Bottleneck.Group {
  const id = `goal-orchestrator-${kind}-${minTime}`;
  let group = pacingGroups.get(id);
  if (!group) {
    group = new Bottleneck.Group({ id, maxConcurrent: 1, minTime });
    pacingGroups.set(id, group);
  }
  return group;
}

/**
 * GOAL_ORCHESTRATOR_PACE_MS overrides the pace (see ClientOptions.paceMs). Only the local
 * test server can take requests faster than GitHub's guidance; tests and the demo set it.
 */
export function paceFromEnvironment(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env.GOAL_ORCHESTRATOR_PACE_MS;
  if (!raw) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new UserError(
      `GOAL_ORCHESTRATOR_PACE_MS: "${raw}" is not a whole number of milliseconds.`,
    );
  }
  return value;
}
