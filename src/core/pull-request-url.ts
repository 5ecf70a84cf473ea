import { type RepoRef, sameRepo } from "./issue-ref.js";

/** The number of a pull request from its URL (https://HOST/owner/repo/pull/N), if it is in repo. */
export function pullNumberFromUrl(url: string, repo: RepoRef): number | null {
  const match = /\/([^/]+)\/([^/]+)\/pull\/(\d+)\/?$/.exec(url.trim());
  if (!match?.[1] || !match[2] || !match[3]) return null;
  return sameRepo({ owner: match[1], repo: match[2] }, repo) ? Number(match[3]) : null;
}
