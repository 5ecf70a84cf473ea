import { UserError } from "./errors.js";

export interface RepoRef {
  owner: string;
  repo: string;
}

export interface IssueRef extends RepoRef {
  number: number;
}

// GitHub logins: letters, digits and hyphens, not starting with a hyphen, at most 39 characters;
// "_" appears in Enterprise Managed User logins (login_shortcode).
const OWNER_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,38}$/;
// Repository names: letters, digits, ".", "_" and "-", at most 100 characters.
const REPO_PATTERN = /^[A-Za-z0-9._-]{1,100}$/;
const OWNER_SOURCE = "[A-Za-z0-9][A-Za-z0-9_-]{0,38}";
const REPO_SOURCE = "[A-Za-z0-9._-]{1,100}";
const NUMBER_SOURCE = "[1-9][0-9]{0,9}";

const SHORT_REF = new RegExp(`^#?(${NUMBER_SOURCE})$`);
const QUALIFIED_REF = new RegExp(`^(${OWNER_SOURCE})/(${REPO_SOURCE})#(${NUMBER_SOURCE})$`);
const URL_REF = new RegExp(
  `^https?://[^/\\s]+/(${OWNER_SOURCE})/(${REPO_SOURCE})/issues/(${NUMBER_SOURCE})/?(?:[?#]\\S*)?$`,
);

function isValidRepoName(repo: string): boolean {
  return REPO_PATTERN.test(repo) && repo !== "." && repo !== "..";
}

function isValidOwner(owner: string): boolean {
  return OWNER_PATTERN.test(owner);
}

/** Parses "owner/name", the form GitHub Actions gives in GITHUB_REPOSITORY. */
export function parseRepo(text: string): RepoRef {
  const trimmed = text.trim();
  const parts = trimmed.split("/");
  const [owner, repo] = parts;
  if (parts.length !== 2 || owner === undefined || repo === undefined) {
    throw new UserError(`Invalid repository "${text}": use owner/name, like octo-org/my-repo.`);
  }
  if (!isValidOwner(owner)) {
    throw new UserError(
      `Invalid repository "${text}": owner "${owner}" may only hold letters, digits and hyphens (not first), at most 39 characters.`,
    );
  }
  if (!isValidRepoName(repo)) {
    throw new UserError(
      `Invalid repository "${text}": name "${repo}" may only hold letters, digits, ".", "_" and "-", at most 100 characters.`,
    );
  }
  return { owner, repo };
}

export function formatRepo(ref: RepoRef): string {
  return `${ref.owner}/${ref.repo}`;
}

export function sameRepo(a: RepoRef, b: RepoRef): boolean {
  // GitHub owner and repository names are case-insensitive.
  return (
    a.owner.toLowerCase() === b.owner.toLowerCase() && a.repo.toLowerCase() === b.repo.toLowerCase()
  );
}

export function sameIssue(a: IssueRef, b: IssueRef): boolean {
  return a.number === b.number && sameRepo(a, b);
}

/** A case-insensitive key for maps and sets of issues. */
export function issueKey(ref: IssueRef): string {
  return `${ref.owner.toLowerCase()}/${ref.repo.toLowerCase()}#${ref.number}`;
}

/** Like parseIssueRef, but returns null instead of throwing. */
export function tryParseIssueRef(text: string, defaultRepo: RepoRef): IssueRef | null {
  const trimmed = text.trim();
  const short = SHORT_REF.exec(trimmed);
  if (short) return { owner: defaultRepo.owner, repo: defaultRepo.repo, number: Number(short[1]) };
  const match = QUALIFIED_REF.exec(trimmed) ?? URL_REF.exec(trimmed);
  if (!match) return null;
  const [, owner = "", repo = "", number = ""] = match;
  if (!isValidRepoName(repo)) return null;
  return { owner, repo, number: Number(number) };
}

/** Accepts `#12`, `12`, `owner/repo#7` and issue URLs such as `https://github.com/owner/repo/issues/7`. */
export function parseIssueRef(text: string, defaultRepo: RepoRef): IssueRef {
  const ref = tryParseIssueRef(text, defaultRepo);
  if (ref === null) {
    throw new UserError(
      `Invalid issue reference "${text}": use #12, 12, owner/repo#12 or an issue URL like https://github.com/owner/repo/issues/12.`,
    );
  }
  return ref;
}

/** `#12` when the issue lives in `relativeTo`, else `owner/repo#12`. */
export function formatIssueRef(ref: IssueRef, relativeTo?: RepoRef): string {
  if (relativeTo !== undefined && sameRepo(ref, relativeTo)) return `#${ref.number}`;
  return `${formatRepo(ref)}#${ref.number}`;
}
