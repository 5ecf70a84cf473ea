/**
 * `git diff --raw` records: the file modes a line count cannot show. A symbolic link can point
 * the build or a later run at any file, and a submodule (gitlink) pulls in another repository's
 * code at a commit, so changes to either need a human's look whatever their paths are.
 */

export interface RawDiffEntry {
  /** Git's status letter: A, C, D, M, R, T, U or X (a rename's or copy's score is dropped). */
  status: string;
  /** Six octal digits, like 100644; 000000 for the side where the path does not exist. */
  oldMode: string;
  newMode: string;
  /** The path after the change; for a rename or copy, the new path. */
  path: string;
  /** A rename's or copy's source path; null otherwise. */
  oldPath: string | null;
}

const SYMLINK_MODE = "120000";
const GITLINK_MODE = "160000";

/**
 * The arguments of `git diff` whose output parseRawDiff reads, for a range like
 * `origin/main...HEAD`. `--ignore-submodules=none` wins over `diff.ignoreSubmodules` in the git
 * configuration and `ignore = all` in .gitmodules, either of which would hide gitlink changes.
 */
export function rawDiffArgs(range: string): string[] {
  if (range === "" || range.startsWith("-")) throw new Error(`Not a revision range: ${range}`);
  return ["diff", "--raw", "-z", "-M", "--no-abbrev", "--ignore-submodules=none", range, "--"];
}

// `:oldmode newmode oldsha newsha status`; SHA-1 or SHA-256 object names.
const HEADER =
  /^:([0-7]{6}) ([0-7]{6}) [0-9a-f]{40}(?:[0-9a-f]{24})? [0-9a-f]{40}(?:[0-9a-f]{24})? ([A-Z])\d*$/;

/**
 * Parses the output of `git diff --raw -z -M --no-abbrev` (see rawDiffArgs). Anything else
 * throws rather than being skipped: a record read wrongly could hide a link or a submodule.
 */
export function parseRawDiff(output: string): RawDiffEntry[] {
  if (output === "") return [];
  if (!output.endsWith("\0")) throw unexpected("it does not end with a NUL (was -z given?)");
  const fields = output.slice(0, -1).split("\0");
  const entries: RawDiffEntry[] = [];
  let i = 0;
  while (i < fields.length) {
    const header = fields[i++] as string;
    const match = HEADER.exec(header);
    if (match === null) {
      throw unexpected(`a record starts with ${JSON.stringify(header.slice(0, 120))}`);
    }
    const [oldMode, newMode, status] = match.slice(1) as [string, string, string];
    const twoPaths = status === "R" || status === "C";
    const first = fields[i++];
    const second = twoPaths ? fields[i++] : undefined;
    if (!first || (twoPaths && !second)) throw unexpected(`a ${status} record lacks a path`);
    entries.push({
      status,
      oldMode,
      newMode,
      path: second ?? first,
      oldPath: twoPaths ? first : null,
    });
  }
  return entries;
}

/**
 * The paths of symbolic links and of submodules among the changes: any entry with that mode on
 * either side, so adding, retargeting, removing and turning a file into one or back all count.
 * A rename lists both its paths. Sorted, no repeats.
 */
export function specialChanges(entries: readonly RawDiffEntry[]): {
  links: string[];
  submodules: string[];
} {
  const links = new Set<string>();
  const submodules = new Set<string>();
  for (const entry of entries) {
    const paths = entry.oldPath === null ? [entry.path] : [entry.oldPath, entry.path];
    const modes = [entry.oldMode, entry.newMode];
    if (modes.includes(SYMLINK_MODE)) for (const path of paths) links.add(path);
    if (modes.includes(GITLINK_MODE)) for (const path of paths) submodules.add(path);
  }
  return { links: [...links].sort(), submodules: [...submodules].sort() };
}

function unexpected(detail: string): Error {
  return new Error(`Unexpected git diff --raw output: ${detail}`);
}
