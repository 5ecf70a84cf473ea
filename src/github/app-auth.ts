import { createPrivateKey } from "node:crypto";
import { RequestError } from "@octokit/request-error";
import { UserError } from "../core/errors.js";
import { formatRepo, type RepoRef } from "../core/issue-ref.js";
import { type ClientOptions, createClient, type GitHubClient } from "./client.js";

/**
 * Authentication as a GitHub App installation, for runs longer than an installation token
 * lives (one hour).
 *
 * @octokit/auth-app (the client's authStrategy) signs a JWT with the App's private key, mints
 * installation tokens (`POST /app/installations/{id}/access_tokens`) and caches them: every
 * request, and every `auth({ type: "installation" })` call (which git's token provider makes
 * before each network command), gets the cached token or, once it is gone from the cache, a
 * freshly minted one. Its own cache keeps a token 59 minutes whatever its `expires_at`; the
 * cache here drops it as it nears its expiry instead (see tokenCache), so a push after four
 * hours of agent work goes out with a token minted for it.
 */
export interface AppCredentials {
  /** The App's id (digits) or client id (Iv…). */
  appId: string;
  /** PEM, as checked by checkAppPrivateKey. */
  privateKey: string;
}

export interface AppConnection {
  /** Authenticated as the installation on the repository; renews its token by itself. */
  client: GitHubClient;
  /** A valid installation token (cached, or minted when the cached one nears expiry). */
  token: () => Promise<string>;
  installationId: number;
}

/** Renew a token this long before it expires, at most (a quarter of its life for short ones). */
const RENEW_BEFORE_MS = 5 * 60_000;
/** What @octokit/auth-app's own cache allows, for a cached entry whose times cannot be read. */
const LIBRARY_TTL_MS = 59 * 60_000;

/**
 * Finds the App's installation on `repo` (`GET /repos/{owner}/{repo}/installation`, as the App)
 * and returns a client authenticated as that installation. `now` (milliseconds since the epoch,
 * default real time) is the time the token cache judges expiry by; tests pass the local GitHub
 * server's clock, so that a token expires when they move that clock rather than after a wait.
 */
export async function connectAsApp(
  credentials: AppCredentials,
  repo: RepoRef,
  options: Omit<ClientOptions, "token" | "app"> & { now?: () => number },
): Promise<AppConnection> {
  const { now, ...clientOptions } = options;
  const app = { appId: credentials.appId, privateKey: credentials.privateKey };
  const asApp = createClient({ ...clientOptions, app });
  let installationId: number;
  try {
    const { data } = await asApp.request("GET /repos/{owner}/{repo}/installation", {
      owner: repo.owner,
      repo: repo.repo,
    });
    installationId = data.id;
  } catch (error) {
    if (error instanceof RequestError && error.status === 404) {
      throw new UserError(
        `The GitHub App ${credentials.appId} is not installed on ${formatRepo(repo)} (or cannot see it): install it there, with contents, issues and pull requests write access.`,
      );
    }
    if (error instanceof RequestError && error.status === 401) {
      throw new UserError(
        `GitHub refused to authenticate as the App ${credentials.appId} (${error.message}): check that app-private-key is a current private key of that App (app-id).`,
      );
    }
    throw error;
  }
  const client = createClient({
    ...clientOptions,
    app: { ...app, installationId, cache: tokenCache(now) },
  });
  const token = async () => {
    const result = (await client.auth({ type: "installation" })) as { token: string };
    return result.token;
  };
  return { client, token, installationId };
}

/**
 * The installation-token cache given to @octokit/auth-app. Its entries are the library's
 * `token|createdAt|expiresAt|…` strings; an entry is dropped (so the next use mints a new token)
 * once its token is within five minutes of `expiresAt`, or within a quarter of its lifetime
 * for tokens that live less than twenty minutes.
 */
export function tokenCache(now: () => number = Date.now) {
  const entries = new Map<string, { value: string; storedAt: number }>();
  return {
    get(key: string): string | undefined {
      const entry = entries.get(key);
      if (!entry) return undefined;
      const [, createdText = "", expiresText = ""] = entry.value.split("|");
      const created = Date.parse(createdText);
      const expires = Date.parse(expiresText);
      const stale =
        Number.isFinite(created) && Number.isFinite(expires)
          ? now() >= expires - Math.min(RENEW_BEFORE_MS, (expires - created) / 4)
          : now() >= entry.storedAt + LIBRARY_TTL_MS;
      if (!stale) return entry.value;
      entries.delete(key);
      return undefined;
    },
    set(key: string, value: string): void {
      entries.set(key, { value, storedAt: now() });
    },
  };
}

/**
 * The App's private key as given (a secret pasted with literal `\n`s is repaired), or null when
 * it is not a PEM private key that node can read. Never includes the key in an error.
 */
export function checkAppPrivateKey(text: string): string | null {
  const key = text.trim().replace(/\\n/g, "\n").replace(/\r\n/g, "\n");
  if (
    !/^-----BEGIN (RSA )?PRIVATE KEY-----\n[\s\S]+\n-----END (RSA )?PRIVATE KEY-----$/.test(key)
  ) {
    return null;
  }
  try {
    return createPrivateKey({ key, format: "pem" }).asymmetricKeyType === "rsa" ? key : null;
  } catch {
    return null;
  }
}
