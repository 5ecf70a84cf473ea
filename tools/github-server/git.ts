// Real git operations on a repository's bare git directory: branch lookup, commit counts,
// mergeability (merge-tree) and merges (merge/squash via merge-tree + commit-tree, rebase in a
// temporary worktree), committed as GitHub would ("GitHub <noreply@github.com>").
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

const GITHUB_IDENTITY = {
  GIT_AUTHOR_NAME: "GitHub",
  GIT_AUTHOR_EMAIL: "noreply@github.com",
  GIT_COMMITTER_NAME: "GitHub",
  GIT_COMMITTER_EMAIL: "noreply@github.com",
};

interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

function run(args: string[], options: { gitDir?: string; cwd?: string } = {}): Promise<GitResult> {
  const full = options.gitDir ? ["--git-dir", options.gitDir, ...args] : args;
  return new Promise((resolve) => {
    execFile(
      "git",
      full,
      {
        cwd: options.cwd,
        env: { ...process.env, ...GITHUB_IDENTITY, GIT_TERMINAL_PROMPT: "0" },
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout: stdout.toString(), stderr: stderr.toString() });
      },
    );
  });
}

async function must(
  args: string[],
  options: { gitDir?: string; cwd?: string } = {},
): Promise<string> {
  const result = await run(args, options);
  if (result.code !== 0) {
    throw new Error(`git ${args.join(" ")} failed (${result.code}): ${result.stderr.trim()}`);
  }
  return result.stdout.trim();
}

/** The commit a branch points at, or null when the branch does not exist. */
export async function branchSha(gitDir: string, branch: string): Promise<string | null> {
  const result = await run(["rev-parse", "--verify", "--quiet", `refs/heads/${branch}^{commit}`], {
    gitDir,
  });
  return result.code === 0 ? result.stdout.trim() : null;
}

/** A commit SHA, branch (`x`, `heads/x`, `refs/heads/x`) or tag (`tags/x`) → full SHA, or null. */
export async function resolveCommit(gitDir: string, ref: string): Promise<string | null> {
  const candidates = /^[0-9a-f]{7,40}$/i.test(ref)
    ? [ref]
    : [`refs/heads/${ref}`, `refs/${ref}`, ref.startsWith("refs/") ? ref : `refs/tags/${ref}`];
  for (const candidate of candidates) {
    const result = await run(["rev-parse", "--verify", "--quiet", `${candidate}^{commit}`], {
      gitDir,
    });
    if (result.code === 0) return result.stdout.trim();
  }
  return null;
}

/** Commits on `head` that are not on `base`. */
export async function commitsAhead(gitDir: string, base: string, head: string): Promise<number> {
  return Number(await must(["rev-list", "--count", `${base}..${head}`], { gitDir }));
}

export interface DiffStats {
  additions: number;
  deletions: number;
  changedFiles: number;
}

export async function diffStats(gitDir: string, base: string, head: string): Promise<DiffStats> {
  const out = await must(["diff", "--numstat", `${base}...${head}`], { gitDir });
  const stats = { additions: 0, deletions: 0, changedFiles: 0 };
  for (const line of out.split("\n").filter(Boolean)) {
    const [added, deleted] = line.split("\t");
    stats.additions += Number(added) || 0;
    stats.deletions += Number(deleted) || 0;
    stats.changedFiles += 1;
  }
  return stats;
}

/**
 * The unified diff of a pull request (`base...head`: from their merge base, as GitHub shows it),
 * three lines of context, renames detected.
 */
export async function pullDiff(gitDir: string, base: string, head: string): Promise<string> {
  const result = await run(
    [
      "-c",
      "core.quotePath=false",
      "diff",
      "--no-color",
      "--no-ext-diff",
      "-U3",
      "-M",
      `${base}...${head}`,
    ],
    { gitDir },
  );
  if (result.code !== 0) throw new Error(`git diff failed: ${result.stderr.trim()}`);
  return result.stdout;
}

/** Whether `ancestor` is `commit` or one of its ancestors (false when either is unknown). */
export async function isAncestor(
  gitDir: string,
  ancestor: string,
  commit: string,
): Promise<boolean> {
  return (await run(["merge-base", "--is-ancestor", ancestor, commit], { gitDir })).code === 0;
}

/** The merged tree of base and head, or null when they conflict. */
async function mergeTree(gitDir: string, baseSha: string, headSha: string): Promise<string | null> {
  const result = await run(["merge-tree", "--write-tree", baseSha, headSha], { gitDir });
  if (result.code === 1) return null;
  if (result.code !== 0) throw new Error(`git merge-tree failed: ${result.stderr.trim()}`);
  return result.stdout.split("\n")[0]?.trim() ?? null;
}

export async function canMerge(gitDir: string, baseSha: string, headSha: string): Promise<boolean> {
  return (await mergeTree(gitDir, baseSha, headSha)) !== null;
}

export interface MergeRequest {
  base: string;
  baseSha: string;
  headSha: string;
  method: "merge" | "squash" | "rebase";
  title: string;
  message: string;
}

/** Merges head into the base branch; null when they conflict. Returns the new base commit. */
export async function merge(gitDir: string, request: MergeRequest): Promise<string | null> {
  const text = request.message ? `${request.title}\n\n${request.message}` : request.title;
  let sha: string;
  if (request.method === "rebase") {
    const rebased = await rebase(gitDir, request.baseSha, request.headSha);
    if (rebased === null) return null;
    sha = rebased;
  } else {
    const tree = await mergeTree(gitDir, request.baseSha, request.headSha);
    if (tree === null) return null;
    const parents =
      request.method === "merge"
        ? ["-p", request.baseSha, "-p", request.headSha]
        : ["-p", request.baseSha];
    sha = await must(["commit-tree", tree, ...parents, "-m", text], { gitDir });
  }
  await must(["update-ref", `refs/heads/${request.base}`, sha, request.baseSha], { gitDir });
  return sha;
}

async function rebase(gitDir: string, baseSha: string, headSha: string): Promise<string | null> {
  const dir = await mkdtemp(join(tmpdir(), "github-server-rebase-"));
  const worktree = join(dir, "wt");
  try {
    await must(["worktree", "add", "--detach", worktree, headSha], { gitDir });
    const result = await run(["rebase", "--no-autosquash", baseSha], { cwd: worktree });
    if (result.code !== 0) {
      await run(["rebase", "--abort"], { cwd: worktree });
      return null;
    }
    return await must(["rev-parse", "HEAD"], { cwd: worktree });
  } finally {
    await run(["worktree", "remove", "--force", worktree], { gitDir });
    await rm(dir, { recursive: true, force: true });
    await run(["worktree", "prune"], { gitDir });
  }
}

/**
 * Test helper: a bare repository whose default branch holds one commit, and `commitOnBranch` to
 * add a commit to a branch (created from `from`, default the default branch) through a scratch
 * clone. The caller removes `root` when done.
 */
export async function createBareRepository(defaultBranch = "main"): Promise<{
  root: string;
  gitDir: string;
  commitOnBranch: (branch: string, file: string, content: string, from?: string) => Promise<string>;
}> {
  const root = await mkdtemp(join(tmpdir(), "github-server-git-"));
  const gitDir = join(root, "repo.git");
  const work = join(root, "work");
  await must(["init", "--bare", "--quiet", `--initial-branch=${defaultBranch}`, gitDir]);
  await must(["init", "--quiet", `--initial-branch=${defaultBranch}`, work]);
  await must(["remote", "add", "origin", gitDir], { cwd: work });
  await writeFile(join(work, "README.md"), "# test\n");
  await must(["add", "README.md"], { cwd: work });
  await must(["commit", "--quiet", "-m", "initial commit"], { cwd: work });
  await must(["push", "--quiet", "origin", defaultBranch], { cwd: work });
  const commitOnBranch = async (
    branch: string,
    file: string,
    content: string,
    from = defaultBranch,
  ) => {
    await must(["fetch", "--quiet", "origin"], { cwd: work });
    const remote = await run(
      ["rev-parse", "--verify", "--quiet", `refs/remotes/origin/${branch}`],
      {
        cwd: work,
      },
    );
    const start = remote.code === 0 ? `origin/${branch}` : `origin/${from}`;
    await must(["checkout", "--quiet", "-B", branch, start], { cwd: work });
    await mkdir(dirname(join(work, file)), { recursive: true });
    await writeFile(join(work, file), content);
    await must(["add", file], { cwd: work });
    await must(["commit", "--quiet", "-m", `${branch}: ${file}`], { cwd: work });
    await must(["push", "--quiet", "origin", `${branch}:refs/heads/${branch}`], { cwd: work });
    return must(["rev-parse", "HEAD"], { cwd: work });
  };
  return { root, gitDir, commitOnBranch };
}

/** A file's blob at a ref (`main`, a SHA): its SHA and bytes, or null when either is missing. */
export async function readFileAt(
  gitDir: string,
  ref: string,
  path: string,
): Promise<{ sha: string; content: Buffer } | null> {
  const commit = await resolveCommit(gitDir, ref);
  if (!commit) return null;
  const object = await run(["rev-parse", "--verify", "--quiet", `${commit}:${path}`], { gitDir });
  if (object.code !== 0) return null;
  const sha = object.stdout.trim();
  const type = await run(["cat-file", "-t", sha], { gitDir });
  if (type.stdout.trim() !== "blob") return null;
  const content = await new Promise<Buffer>((done, fail) => {
    execFile(
      "git",
      ["--git-dir", gitDir, "cat-file", "blob", sha],
      { encoding: "buffer", maxBuffer: 64 * 1024 * 1024 },
      (error, stdout) => (error ? fail(error) : done(stdout)),
    );
  });
  return { sha, content };
}
