import { execFileSync } from "node:child_process";
import { UserError } from "../core/errors.js";
import { parseRepo, type RepoRef } from "../core/issue-ref.js";
import { resolveMarkerAuthors } from "../core/settings.js";
import {
  createClient,
  DEFAULT_API_URL,
  type GitHubClient,
  paceFromEnvironment,
} from "../github/client.js";
import { GitHubGoalStore } from "../github/goal-store.js";
import { readRepositorySettings } from "../github/settings-file.js";

export interface ConnectionFlags {
  repo?: string | undefined;
}

export interface Connection {
  repo: RepoRef;
  apiUrl: string;
  client: GitHubClient;
  store: GitHubGoalStore;
  /** The repository's .github/goal-orchestrator.yml, parsed (null: none), read to connect. */
  settingsFile: Record<string, unknown> | null;
}

/**
 * Where a CLI works and as whom: repository from --repo, GITHUB_REPOSITORY or the git remote
 * of the current directory; token from GITHUB_TOKEN or GH_TOKEN (never a flag: flags end up
 * in shell history and process lists); API from GITHUB_API_URL (GitHub Enterprise Server).
 * The store also trusts the markers of the marker-authors in the repository's settings file
 * (so the token needs contents: read); a wrong marker-authors value there is an error.
 */
export async function connect(
  flags: ConnectionFlags,
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
): Promise<Connection> {
  const repo = resolveRepo(flags, env, cwd);
  const token = env.GITHUB_TOKEN || env.GH_TOKEN;
  if (!token) {
    throw new UserError(
      "No GitHub token: set GITHUB_TOKEN or GH_TOKEN to a token that can read and write issues in " +
        `${repo.owner}/${repo.repo} (for example: export GH_TOKEN=$(gh auth token)).`,
    );
  }
  const apiUrl = env.GITHUB_API_URL || DEFAULT_API_URL;
  const paceMs = paceFromEnvironment(env);
  const client = createClient({ token, apiUrl, paceMs });
  const settingsFile = await readRepositorySettings(client, repo);
  const markerAuthors = resolveMarkerAuthors({ explicit: {}, file: settingsFile });
  const store = await GitHubGoalStore.connect({ client, repo, paceMs, markerAuthors });
  return { repo, apiUrl, client, store, settingsFile };
}

export function resolveRepo(flags: ConnectionFlags, env: NodeJS.ProcessEnv, cwd: string): RepoRef {
  if (flags.repo) return parseRepo(flags.repo);
  if (env.GITHUB_REPOSITORY) return parseRepo(env.GITHUB_REPOSITORY);
  const remote = originUrl(cwd);
  const fromRemote = remote ? repoFromRemoteUrl(remote) : null;
  if (fromRemote) return fromRemote;
  throw new UserError(
    "No repository: pass --repo owner/name, set GITHUB_REPOSITORY, or run inside a clone whose " +
      "origin remote points at GitHub.",
  );
}

function originUrl(cwd: string): string | null {
  try {
    return execFileSync("git", ["remote", "get-url", "origin"], {
      cwd,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    return null;
  }
}

/** owner/name from https://host/owner/name(.git), git@host:owner/name(.git) or ssh://…/owner/name. */
export function repoFromRemoteUrl(url: string): RepoRef | null {
  const match =
    /^(?:[a-z+]+:\/\/)?(?:[^@/]+@)?[^/:]+(?::\d+)?[/:]([^/]+)\/([^/]+?)(?:\.git)?\/?$/i.exec(
      url.trim(),
    );
  if (!match?.[1] || !match[2]) return null;
  try {
    return parseRepo(`${match[1]}/${match[2]}`);
  } catch {
    return null;
  }
}
