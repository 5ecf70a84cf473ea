/**
 * Cloning from a local mirror (`git clone --mirror`, kept up to date by the machine): whether a
 * mirror can be used, and the steps that turn a hardlinked local clone of it into what a clone
 * of origin gives. Git.clone decides when, and falls back to a plain clone.
 */
import { existsSync } from "node:fs";
import { stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { CloneOptions } from "./git.js";
import { GitRunner } from "./runner.js";

/**
 * Why `mirror` cannot be hardlinked into a clone under `parent`, or null when it can: it must
 * be a repository (bare, as `git clone --mirror` makes it, or not) on the same filesystem.
 */
export async function mirrorProblem(mirror: string, parent: string): Promise<string | null> {
  let objects: Awaited<ReturnType<typeof stat>> | null = null;
  for (const candidate of [join(mirror, "objects"), join(mirror, ".git", "objects")]) {
    objects = await stat(candidate).catch(() => null);
    if (objects?.isDirectory()) break;
    objects = null;
  }
  if (objects === null) {
    return existsSync(mirror) ? "is not a git repository" : "does not exist";
  }
  const target = await stat(parent);
  if (objects.dev !== target.dev) {
    return `is on another filesystem than ${parent}, so its objects cannot be hardlinked`;
  }
  return null;
}

/**
 * A hardlinked local clone of `mirror` into `dir`, re-pointed at origin and brought up to date
 * (see Git.clone), with `git` running in `dir`.
 */
export async function cloneFromMirror(
  mirror: string,
  dir: string,
  options: Pick<CloneOptions, "url" | "token" | "env" | "checkout">,
  git: GitRunner,
): Promise<void> {
  const { url, token, env } = options;
  const outside = new GitRunner(dirname(dir), { token, env, remote: url });
  // origin's default branch, asked while the local clone runs (git fetch does not tell it)
  const remoteHead = outside
    .run(["ls-remote", "--symref", url, "HEAD"], { network: true })
    .then((result) => /^ref: refs\/heads\/(\S+)\tHEAD$/m.exec(result.stdout)?.[1] ?? null);
  remoteHead.catch(() => {}); // awaited below; not unhandled if the local clone fails first
  await outside.run(["clone", "--quiet", "--local", "--no-checkout", "--", mirror, dir]);
  await git.run(["config", "--", "remote.origin.url", url]);
  // no automatic maintenance in a fresh clone (a plain clone runs none either)
  await git.run(
    [
      "-c",
      "maintenance.auto=false",
      "fetch",
      "--quiet",
      "--prune",
      "--prune-tags",
      "--force",
      url,
      "+refs/heads/*:refs/remotes/origin/*",
      "+refs/tags/*:refs/tags/*",
    ],
    { network: true },
  );
  const branch = await remoteHead;
  if (branch === null) throw new Error(`origin ${url} names no default branch`);
  // One look at the refs: the local clone made one local branch, the mirror's HEAD branch.
  const refs = (
    await git.run([
      "for-each-ref",
      "--format=%(refname) %(symref)",
      "refs/heads/",
      "refs/remotes/origin/",
    ])
  ).stdout
    .split("\n")
    .filter(Boolean)
    .map((line) => line.split(" ") as [string, string]);
  const remote = new Map(refs.filter(([name]) => name.startsWith("refs/remotes/")));
  const local = refs.filter(([name]) => name.startsWith("refs/heads/")).map(([name]) => name);
  const tracking = (name: string) => `refs/remotes/origin/${name}`;
  if (!remote.has(tracking(branch))) throw new Error(`origin has no branch ${branch}`);
  const originHead = tracking("HEAD");
  if (remote.get(originHead) !== tracking(branch)) {
    await git.run(["symbolic-ref", originHead, tracking(branch)]);
  }
  await git.run(["update-ref", `refs/heads/${branch}`, tracking(branch)]);
  if (local.length !== 1 || local[0] !== `refs/heads/${branch}`) {
    // the mirror's HEAD was another branch: HEAD, the local branch and its upstream move over
    await git.run(["symbolic-ref", "HEAD", `refs/heads/${branch}`]);
    await git.run(["branch", "--quiet", `--set-upstream-to=origin/${branch}`]);
    const others = local.filter((name) => name !== `refs/heads/${branch}`);
    if (others.length > 0) {
      const names = others.map((name) => name.slice("refs/heads/".length));
      await git.run(["branch", "--quiet", "-D", "--", ...names]);
    }
  }
  if (options.checkout !== false) await git.run(["checkout", "--quiet", "--force"]);
}
