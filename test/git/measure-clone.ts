// How much a local mirror (Git.clone's `reference`) saves: generates a repository of 5,000 files
// and 2,000 commits, then times Git.clone plain and with a mirror, over file:// and over smart
// HTTP (git http-backend on localhost). Not a test; prints figures.
//   npx tsx test/git/measure-clone.ts [--files 5000] [--commits 2000] [--runs 5] [--keep]
import { execFileSync, spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { Git } from "../../src/git/git.js";
import { sandbox, startGitHttpServer } from "./helpers.js";

const { values } = parseArgs({
  options: {
    files: { type: "string", default: "5000" },
    commits: { type: "string", default: "2000" },
    runs: { type: "string", default: "5" },
    keep: { type: "boolean", default: false },
  },
});
const FILES = Number(values.files);
const COMMITS = Number(values.commits);
const RUNS = Number(values.runs);
const TOKEN = "measure-token";

const box = sandbox("goal-git-measure-");
try {
  const bare = box.path("origin.git");
  box.git(box.root, "init", "--quiet", "--bare", bare);
  let started = performance.now();
  await generateHistory(bare, box.env);
  box.git(bare, "gc", "--quiet"); // like a hosted repository: packed
  console.log(
    `generated ${FILES} files, ${COMMITS} commits in ${seconds(started)} s; ` +
      `packed size ${box.git(bare, "count-objects", "-vH").match(/size-pack: (.*)/)?.[1]}`,
  );

  const mirror = box.path("mirror.git");
  started = performance.now();
  box.git(box.root, "clone", "--quiet", "--mirror", pathToFileURL(bare).href, mirror);
  console.log(`mirror made in ${seconds(started)} s`);
  // origin moves on a little after the mirror was last updated, as it would between runs
  await generateHistory(bare, box.env, 20, "refs/heads/main");

  const server = await startGitHttpServer(box.root, TOKEN, box.env);
  const urls = {
    "file://": pathToFileURL(bare).href,
    "http (localhost, token)": `${server.url}/origin.git`,
  };
  const configs = Object.entries(urls).flatMap(([transport, url]) =>
    [undefined, mirror].map((reference) => ({
      transport,
      url,
      reference,
      times: [] as number[],
      objectTimes: [] as number[],
      bytes: 0,
    })),
  );
  let n = 0;
  // interleaved, so that a noisy moment on the machine does not land on one configuration only
  for (let run = 0; run < RUNS; run++) {
    for (const config of configs) {
      const dir = box.path(`clone-${++n}`);
      execFileSync("sync"); // the previous clone's writes are not paid for by this one
      const bytesBefore = server.bytesSent();
      const t0 = performance.now();
      const git = await Git.clone({
        url: config.url,
        dir,
        reference: config.reference,
        token: TOKEN,
        env: box.env,
      });
      config.times.push(performance.now() - t0);
      config.bytes = server.bytesSent() - bytesBefore;
      if ((await git.headSha()) !== box.git(bare, "rev-parse", "main")) {
        throw new Error("clone is not at origin's main");
      }
      rmSync(dir, { recursive: true, force: true });
      // the same clone without writing the work tree (as the runner clones): what the mirror
      // can actually save
      const objectsDir = box.path(`objects-${n}`);
      execFileSync("sync");
      const t1 = performance.now();
      await Git.clone({
        url: config.url,
        dir: objectsDir,
        reference: config.reference,
        token: TOKEN,
        checkout: false,
        env: box.env,
      });
      config.objectTimes.push(performance.now() - t1);
      rmSync(objectsDir, { recursive: true, force: true });
    }
  }
  const median = (times: number[]) =>
    (([...times].sort((a, b) => a - b)[Math.floor(times.length / 2)] ?? 0) / 1000).toFixed(2);
  const rows = configs.map(({ transport, reference, times, objectTimes, bytes }) => [
    transport,
    reference ? "mirror (local clone + fetch)" : "plain",
    median(times),
    times.map((t) => (t / 1000).toFixed(2)).join(" "),
    median(objectTimes),
    transport.startsWith("http") ? `${(bytes / 1024).toFixed(0)} KiB` : "-",
  ]);
  await server.close();
  console.log(
    `\n${RUNS} runs each, seconds. "objects only" is the same Git.clone with checkout: false: ` +
      "the part a mirror can shorten; the rest is writing the work tree.",
  );
  const header = [
    "transport",
    "clone",
    "Git.clone median",
    "all runs (in order)",
    "objects only median",
    "downloaded",
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  for (const row of [header, ...rows]) {
    console.log(row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  "));
  }
} finally {
  if (values.keep) console.log(`kept ${box.root}`);
  else box.cleanup();
}

function seconds(since: number): string {
  return ((performance.now() - since) / 1000).toFixed(1);
}

/**
 * Writes history with `git fast-import`: a first commit with FILES files (about 1–3 KB of text
 * each), then commits that each change three files. With `extra`, adds that many commits on
 * top of `branch` instead.
 */
async function generateHistory(
  repo: string,
  env: NodeJS.ProcessEnv,
  extra?: number,
  branch = "refs/heads/main",
): Promise<void> {
  let seed = extra ? 99 : 1;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const words = "goal runner clone branch commit push fetch mirror agent token issue label state"
    .split(" ")
    .concat(Array.from({ length: 200 }, (_, i) => `w${i.toString(36)}`));
  const line = () =>
    Array.from(
      { length: 8 + Math.floor(random() * 8) },
      () => words[Math.floor(random() * words.length)],
    ).join(" ");
  const contents = new Map<string, string>();
  const path = (i: number) => `src/d${i % 64}/f${i}.txt`;
  const chunks: string[] = [];
  const data = (text: string) => `data ${Buffer.byteLength(text)}\n${text}\n`;
  let time = 1_700_000_000;
  const commit = (message: string, changes: string[], from?: string) => {
    chunks.push(
      `commit ${branch}\ncommitter Gen <gen@example.com> ${time++} +0000\n${data(message)}`,
    );
    if (from) chunks.push(`from ${from}\n`);
    for (const p of changes) chunks.push(`M 100644 inline ${p}\n${data(contents.get(p) ?? "")}`);
  };
  if (extra) {
    const existing = box.git(repo, "ls-tree", "-r", "--name-only", "main").split("\n");
    for (let c = 0; c < extra; c++) {
      const p = existing[Math.floor(random() * existing.length)] ?? "extra.txt";
      contents.set(p, `${box.git(repo, "show", `main:${p}`)}\n${line()}\n`);
      commit(`extra ${c}`, [p], c === 0 ? `${branch}^0` : undefined);
    }
  } else {
    for (let i = 0; i < FILES; i++) {
      contents.set(
        path(i),
        `${Array.from({ length: 20 + Math.floor(random() * 40) }, line).join("\n")}\n`,
      );
    }
    commit("initial", [...contents.keys()]);
    for (let c = 1; c < COMMITS; c++) {
      const changed = [0, 1, 2].map(() => path(Math.floor(random() * FILES)));
      for (const p of changed) contents.set(p, `${contents.get(p) ?? ""}${line()}\n`);
      commit(`change ${c}`, changed);
    }
  }
  await new Promise<void>((resolve, reject) => {
    const child = spawn("git", ["fast-import", "--quiet"], {
      cwd: repo,
      env,
      stdio: ["pipe", "inherit", "inherit"],
    });
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve() : reject(new Error(`fast-import exit ${code}`)),
    );
    child.stdin.end(chunks.join(""));
  });
}
