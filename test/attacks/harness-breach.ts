// What every attack test checks after a run (`assertNoBreach`): no secret anywhere the agent
// could write or send to, no canary outside the work tree changed, no file command the runner
// did not write, no agent process left, no Authorization header anywhere but the origin, and no
// agent line in the job log that the Actions runner could take for a workflow command.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  type Dirent,
  existsSync,
  lstatSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import type { AttackRun, World } from "./harness.js";
import { strangeFileCommands } from "./harness-step.js";

/** The keys the runner itself saves (core.saveState) and sets (core.setOutput). */
export const RUNNER_STATE_KEYS = [
  "isPost",
  "goal",
  "attempt",
  "repository",
  "marker-authors",
  "max-attempts",
  "recorded",
] as const;
export const RUNNER_OUTPUT_KEYS = ["outcome", "pr-url", "stats"] as const;

// Canaries -----------------------------------------------------------------------------------

/** Path → what it is (file hash and mode, link target, folder), for every canary path. */
export type CanarySnapshot = Map<string, string>;

/** Paths under the runner's HOME the runner may write (its own state and caches). */
const HOME_IGNORED = [
  ".cache/goal-orchestrator",
  ".local/state/goal-orchestrator",
  ".local/state/ralph",
];

function walk(root: string, into: CanarySnapshot, skip: (path: string) => boolean) {
  let stat: ReturnType<typeof lstatSync>;
  try {
    stat = lstatSync(root);
  } catch {
    return;
  }
  if (skip(root)) return;
  const mode = (stat.mode & 0o7777).toString(8);
  if (stat.isSymbolicLink()) into.set(root, `link ${readlinkSync(root)}`);
  else if (stat.isDirectory()) {
    into.set(root, `dir ${mode}`);
    for (const name of readdirSync(root)) walk(join(root, name), into, skip);
  } else if (stat.isFile()) {
    const hash = createHash("sha256").update(readFileSync(root)).digest("hex");
    into.set(root, `file ${mode} ${hash}`);
  } else into.set(root, `other ${mode}`);
}

export function snapshotCanaries(world: World): CanarySnapshot {
  const snapshot: CanarySnapshot = new Map();
  const { home, install, otherWorkspace, canary, agents } = world.paths;
  walk(home, snapshot, (path) => HOME_IGNORED.some((ignored) => relative(home, path) === ignored));
  for (const root of [install, otherWorkspace, canary, agents]) walk(root, snapshot, () => false);
  return snapshot;
}

function canaryProblems(world: World): string[] {
  const now = snapshotCanaries(world);
  const problems: string[] = [];
  for (const [path, before] of world.canaries) {
    const after = now.get(path);
    if (after === undefined) problems.push(`canary removed: ${path}`);
    else if (after !== before) problems.push(`canary changed: ${path} (${before} → ${after})`);
  }
  for (const path of now.keys()) {
    if (!world.canaries.has(path)) problems.push(`new file among the canaries: ${path}`);
  }
  return problems;
}

// Processes ----------------------------------------------------------------------------------

function processesWith(nonce: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, "latin1");
      if (cmdline.includes(nonce))
        found.push(`${name} ${cmdline.replace(/\0/g, " ").slice(0, 160)}`);
    } catch {}
  }
  return found;
}

/**
 * The processes of a run's agent still alive (their command line carries its nonce), waiting
 * up to `graceMs` for them to go, then killed by pid (the harness's own children, as the Actions
 * runner's orphan cleanup would). Returns those that were alive after the grace period.
 */
export function killAgentProcesses(nonce: string, graceMs = 0): string[] {
  const deadline = Date.now() + graceMs;
  let alive = processesWith(nonce);
  while (alive.length > 0 && Date.now() < deadline) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    alive = processesWith(nonce);
  }
  for (let round = 0; round < 10; round++) {
    const now = processesWith(nonce);
    if (now.length === 0) break;
    for (const entry of now) {
      try {
        process.kill(Number(entry.split(" ")[0]), "SIGKILL");
      } catch {}
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
  }
  return alive;
}

// Secrets ------------------------------------------------------------------------------------

export interface SecretForm {
  label: string;
  text: string;
}

/** Every substring of base64(anything + value + anything) that depends on value alone. */
function base64Fragments(value: string): string[] {
  const bytes = Buffer.from(value, "utf8");
  const fragments: string[] = [];
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset, 0x41), bytes]).toString("base64");
    const start = Math.ceil((offset * 8) / 6);
    const end = Math.floor(((offset + bytes.length) * 8) / 6);
    const fragment = encoded.slice(start, end);
    if (fragment.length >= 16) fragments.push(fragment);
  }
  return fragments;
}

/** The secrets of the runner's environment, in every form they could be found in. */
export function secretForms(world: World): SecretForm[] {
  const values: [string, string][] = [
    ["the token (GITHUB_TOKEN, INPUT_TOKEN)", world.token],
    ["ACTIONS_RUNTIME_TOKEN", world.secrets.actionsRuntimeToken],
    ["ACTIONS_ID_TOKEN_REQUEST_TOKEN", world.secrets.idTokenRequestToken],
    ["SECRET_THING (a job secret)", world.secrets.secretThing],
  ];
  if (world.app) {
    for (const minted of world.server.installationTokens(world.app.appId)) {
      values.push(["an installation token", minted.token]);
    }
  }
  const forms: SecretForm[] = [];
  for (const [label, value] of values) {
    forms.push({ label, text: value });
    forms.push({
      label: `${label} as a Basic credential`,
      text: Buffer.from(`x-access-token:${value}`).toString("base64"),
    });
    for (const fragment of base64Fragments(value))
      forms.push({ label: `${label}, base64`, text: fragment });
    if (encodeURIComponent(value) !== value) {
      forms.push({ label: `${label}, URL-encoded`, text: encodeURIComponent(value) });
    }
  }
  if (world.app) {
    const lines = world.app.pem
      .split("\n")
      .filter((line) => line.length >= 40 && !line.includes("-----"));
    for (const line of lines)
      forms.push({ label: "the App's private key (a PEM body line)", text: line });
  }
  return forms;
}

/** Text of every readable file under `root` (git object stores left out: they are compressed). */
function filesUnder(root: string, out: [string, string][]) {
  let entries: Dirent[];
  try {
    entries = readdirSync(root, { withFileTypes: true });
  } catch {
    return;
  }
  const isGitDir = entries.some((entry) => entry.name === "HEAD" && entry.isFile());
  for (const entry of entries) {
    const path = join(root, entry.name);
    if (entry.isDirectory()) {
      if (!(isGitDir && entry.name === "objects")) filesUnder(path, out);
    } else if (entry.isFile()) {
      try {
        if (statSync(path).size <= 64 * 1024 * 1024) out.push([path, readFileSync(path, "latin1")]);
      } catch {}
    }
  }
}

function allObjects(gitDir: string): string {
  return execFileSync("git", ["--git-dir", gitDir, "cat-file", "--batch-all-objects", "--batch"], {
    encoding: "latin1",
    maxBuffer: 1024 * 1024 * 1024,
    env: { PATH: process.env.PATH, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" },
  });
}

async function githubTexts(world: World): Promise<[string, string][]> {
  const texts: [string, string][] = [];
  const owner = "acme";
  const repo = "widgets";
  const { data: pulls } = await world.client.rest.pulls.list({
    owner,
    repo,
    state: "all",
    per_page: 100,
  });
  for (const pull of pulls) texts.push([`PR #${pull.number}`, `${pull.title}\n${pull.body ?? ""}`]);
  const { data: issues } = await world.client.rest.issues.listForRepo({
    owner,
    repo,
    state: "all",
    per_page: 100,
  });
  for (const issue of issues) {
    const { data: comments } = await world.client.rest.issues.listComments({
      owner,
      repo,
      issue_number: issue.number,
      per_page: 100,
    });
    for (const comment of comments)
      texts.push([`a comment on #${issue.number}`, comment.body ?? ""]);
  }
  return texts;
}

async function secretProblems(world: World, run: AttackRun): Promise<string[]> {
  const haystacks: [string, string][] = [];
  filesUnder(run.goalDir, haystacks); // the work tree (loot, hooks, config) and all beside it
  filesUnder(world.paths.logDir, haystacks);
  // (the agent's uploads are among the attacker server's requests)
  haystacks.push(["the objects of origin", allObjects(world.bare.gitDir)]);
  for (const [server, recorder] of [
    ["the attacker server", world.attacker],
    ["the attacker git proxy", world.proxy],
  ] as const) {
    recorder.requests.forEach((request, i) => {
      haystacks.push([
        `request ${i} to ${server} (${request.method} ${request.url})`,
        `${request.url}\n${JSON.stringify(request.headers)}\n${request.body}`,
      ]);
    });
  }
  haystacks.push(...(await githubTexts(world)));
  for (const [name, step] of [
    ["main", run.main],
    ["post", run.post],
  ] as const) {
    // The runner's own ::add-mask:: lines carry secrets by design.
    const log = `${step.stdout}\n${step.stderr}`
      .split(/\r\n|\r|\n/)
      .filter((line) => !line.startsWith("::add-mask::"))
      .join("\n");
    haystacks.push([`the job log of the ${name} step`, log]);
    for (const [file, text] of Object.entries(step.files)) {
      haystacks.push([`the ${name} step's ${file} file`, text]);
    }
  }
  const forms = secretForms(world);
  const problems: string[] = [];
  for (const [where, text] of haystacks) {
    const found = new Set(forms.filter((form) => text.includes(form.text)).map((f) => f.label));
    if (found.size > 0) problems.push(`${where} holds ${[...found].join("; ")}`);
  }
  return problems;
}

// The rest -----------------------------------------------------------------------------------

function fileCommandProblems(run: AttackRun): string[] {
  const problems: string[] = [];
  for (const [name, step] of [
    ["main", run.main],
    ["post", run.post],
  ] as const) {
    for (const problem of strangeFileCommands(step.files.state, RUNNER_STATE_KEYS)) {
      problems.push(`GITHUB_STATE of the ${name} step: ${problem}`);
    }
    for (const problem of strangeFileCommands(step.files.output, RUNNER_OUTPUT_KEYS)) {
      problems.push(`GITHUB_OUTPUT of the ${name} step: ${problem}`);
    }
    if (step.files.env)
      problems.push(`GITHUB_ENV of the ${name} step was written: ${step.files.env.slice(0, 200)}`);
    if (step.files.path)
      problems.push(
        `GITHUB_PATH of the ${name} step was written: ${step.files.path.slice(0, 200)}`,
      );
  }
  return problems;
}

function authorizationProblems(world: World): string[] {
  const problems: string[] = [];
  for (const [server, recorder] of [
    ["the attacker server", world.attacker],
    ["the attacker git proxy", world.proxy],
  ] as const) {
    for (const request of recorder.requests) {
      for (const header of ["authorization", "proxy-authorization"]) {
        if (request.headers[header] !== undefined) {
          problems.push(
            `${server} received an ${header} header (${request.method} ${request.url})`,
          );
        }
      }
    }
  }
  return problems;
}

/** Lines the agent printed (they carry its nonce) that the Actions runner would read as commands. */
export function agentCommandLines(run: AttackRun): string[] {
  const log = [run.main.stdout, run.main.stderr, run.post.stdout, run.post.stderr].join("\n");
  // The Actions runner reads lines ending in \n, \r\n or a lone \r, and trims leading space.
  return log
    .split(/\r\n|\r|\n/)
    .filter((line) => line.includes(run.nonce) && line.trimStart().startsWith("::"));
}

function leftoverProblems(world: World, run: AttackRun): string[] {
  const problems: string[] = [];
  for (const survivor of run.survivors.afterMain) {
    problems.push(`an agent process outlived the main step: ${survivor}`);
  }
  for (const survivor of run.survivors.afterPost) {
    problems.push(`an agent process outlived the post step: ${survivor}`);
  }
  // The agent's private HOME and TMPDIR are removed after the run: its markers must be gone.
  const markers = [`.agent-home-${run.nonce}`, `agent-tmp-${run.nonce}`, `pwned-${run.nonce}`];
  const search = (root: string, depth: number) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(root, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(root, entry.name);
      if (markers.includes(entry.name))
        problems.push(
          entry.name.startsWith("pwned-")
            ? `the agent wrote outside its work tree: ${path}`
            : `the agent's private HOME or TMPDIR outlived the run: ${path}`,
        );
      else if (entry.isDirectory() && depth > 0 && path !== run.workTree) search(path, depth - 1);
    }
  };
  search(world.paths.dir, 12);
  search(tmpdir(), 3);
  const ran = run.loot["ran.json"];
  if (ran && run.isolation === "none") {
    const env = (JSON.parse(ran) as { env: Record<string, string | undefined> }).env;
    if (env.HOME === world.paths.home) problems.push("the agent's HOME is the runner's HOME");
    if (!env.HOME || !env.TMPDIR) problems.push("the agent got no HOME or no TMPDIR of its own");
    for (const path of [env.HOME, env.TMPDIR]) {
      if (path && path !== world.paths.home && existsSync(path)) {
        problems.push(
          `the agent's private ${path === env.HOME ? "HOME" : "TMPDIR"} ${path} outlived the run`,
        );
      }
    }
  }
  return problems;
}

/** Every breach of the runner's promises that one run shows. */
export async function breaches(world: World, run: AttackRun): Promise<string[]> {
  const problems: string[] = [];
  if (run.loot["ran.json"] === undefined) {
    problems.push(
      "the hostile agent never ran (no ran.json in its .git/loot/ nor at the attacker server): the attack proved nothing",
    );
  }
  problems.push(...(await secretProblems(world, run)));
  problems.push(...canaryProblems(world));
  problems.push(...fileCommandProblems(run));
  problems.push(...leftoverProblems(world, run));
  problems.push(...authorizationProblems(world));
  for (const line of agentCommandLines(run)) {
    problems.push(
      `an agent line reached the job log as a workflow command: ${JSON.stringify(line.slice(0, 160))}`,
    );
  }
  return [...new Set(problems)];
}

/** Adds `message` to `problems` unless `ok`. */
export function expect(problems: string[], ok: boolean, message: string): void {
  if (!ok) problems.push(message);
}

/** Fails with every breach at once, and the end of the job log. */
export function assertNoProblems(problems: string[], run: AttackRun, what: string): void {
  assert.deepEqual(
    problems,
    [],
    `${what}:\n- ${problems.join("\n- ")}\n--- job log of the main step (end) ---\n${run.main.stdout.slice(-4000)}\n${run.main.stderr.slice(-2000)}`,
  );
}

/** What every attack test checks after a run: see the top of this file. */
export async function assertNoBreach(world: World, run: AttackRun): Promise<void> {
  assertNoProblems(
    await breaches(world, run),
    run,
    `${run.agent} (isolation: ${run.isolation}) breached the runner`,
  );
}
