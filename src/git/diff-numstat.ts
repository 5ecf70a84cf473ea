/**
 * `git diff --numstat -z -M` records: how many files and lines a change touches, and which paths.
 * diff-raw.ts reads the file modes of the same diff.
 */

export interface NumstatTotals {
  filesChanged: number;
  linesAdded: number;
  linesDeleted: number;
  /** Sorted, no repeats; a rename or copy gives its old and its new path. */
  paths: string[];
}

/**
 * The arguments of `git diff` whose output parseNumstat reads, for a range like
 * `origin/main...HEAD`: paths unquoted, and no external diff or textconv program, so the counts
 * are git's own.
 */
export function numstatArgs(range: string): string[] {
  return [
    "-c",
    "core.quotePath=false",
    "diff",
    "--numstat",
    "-z",
    "-M",
    "--no-ext-diff",
    "--no-textconv",
    "--ignore-submodules=none",
    range,
    "--",
  ];
}

/** Parses `git diff --numstat -z -M` output. */
export function parseNumstat(output: string): NumstatTotals {
  const fields = output.split("\0");
  const paths = new Set<string>();
  let filesChanged = 0;
  let linesAdded = 0;
  let linesDeleted = 0;
  let i = 0;
  while (i < fields.length) {
    const record = fields[i++] ?? "";
    if (record === "") continue;
    const match = /^(\d+|-)\t(\d+|-)\t(.*)$/s.exec(record);
    if (!match) continue;
    filesChanged++;
    if (match[1] !== "-") linesAdded += Number(match[1]);
    if (match[2] !== "-") linesDeleted += Number(match[2]);
    if (match[3]) {
      paths.add(match[3]);
    } else {
      // A rename or copy: the old and the new path follow as their own fields.
      const from = fields[i++];
      const to = fields[i++];
      if (from) paths.add(from);
      if (to) paths.add(to);
    }
  }
  return { filesChanged, linesAdded, linesDeleted, paths: [...paths].sort() };
}
