// A stand-in for the ralph harness, for the runner's tests. Usage:
//   agent.mjs <mode> --goal=<goal file>
// Every mode first copies what it was given (goal file, environment, .git/config) into the
// work tree's .git/dump/ (the sandbox lets it write nowhere else that outlives the run, and
// .git is never part of a commit), so tests can check what an agent sees. Modes:
//   commit  write work.txt, commit it, write stats, exit 0
//   leave   write work.txt, leave it uncommitted, exit 0
//   fail    print some lines, exit 1
//   review  write work.txt, commit it, exit 3
//   nothing change nothing, exit 0
//   hang    commit, write .git/dump/working, then wait forever (the test kills it)
//   lock    commit, leave more.txt uncommitted and .git/index.lock behind, write
//           .git/dump/working, then wait forever (the test lets the runner's time run out)
//   await   write .git/dump/waiting, wait until the test writes .git/dump/go, then as commit
//   net:<url>,<url>  GET each URL through $HTTP_PROXY (absolute-form) and directly, write
//           what came back to .git/dump/net.json, then commit
//   cost:<text>  commit, then write stats whose cost_usd is <text> as written (-1, NaN, 1e12…,
//           not always JSON); cost:none writes no stats at all. It runs at least 300 ms, so
//           the agent time the runner measures (to a tenth of a second) is never 0
//   storm:<outcome>  for the storm harness (test/storm/): append "attempt <n>" to
//           work-<goal>.txt (one file per goal, so goals never conflict), commit, print
//           "agent: committed <sha> for goal <g> attempt <n>", then by outcome: success (exit 0),
//           fail (exit 1), review (exit 3), hang (wait forever); nothing (no change, exit 0)
//           and crash (no change, exit 1) commit nothing
import { execFileSync } from "node:child_process";
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";

const [mode] = process.argv.slice(2);
const dump = join(".git", "dump");
mkdirSync(dump, { recursive: true });
const goalFile = process.env.GOAL_FILE;
copyFileSync(goalFile, join(dump, "goal.md"));
writeFileSync(join(dump, "env.json"), JSON.stringify(process.env));
writeFileSync(join(dump, "argv.json"), JSON.stringify(process.argv.slice(2)));
let config = "";
for (const file of [".git/config", ".git/FETCH_HEAD", ".git/packed-refs"]) {
  try {
    config += readFileSync(file, "utf8");
  } catch {}
}
writeFileSync(join(dump, "git-config.txt"), config);
writeFileSync(join(dump, "pid"), String(process.pid));

const git = (...args) =>
  execFileSync("git", ["-c", "user.name=Agent", "-c", "user.email=agent@example.com", ...args]);
const work = () => writeFileSync("work.txt", `work for goal ${process.env.GOAL_NUMBER}\n`);
const stats = () =>
  appendFileSync(
    process.env.RALPH_STATS_FILE,
    `${JSON.stringify({
      exit_reason: "done",
      iterations: 4,
      tokens: { input: 1200, output: 340, cache_read: 9000 },
      cost_usd: 0.42,
      time_seconds: { llm: 1.5, tools: 0.5, total: 2 },
    })}\n`,
  );

console.log(
  `agent: ${mode} for goal ${process.env.GOAL_NUMBER} attempt ${process.env.GOAL_ATTEMPT}`,
);
const commit = () => {
  work();
  git("add", "work.txt");
  git("commit", "-q", "-m", "agent work");
  stats();
};
if (mode.startsWith("net:")) {
  const { request } = await import("node:http");
  const get = (options) =>
    new Promise((resolve) => {
      const req = request({ ...options, timeout: 5000 }, (res) => {
        let body = "";
        res.on("data", (chunk) => {
          body += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode, body }));
      });
      req.on("error", (error) => resolve({ error: error.code ?? error.message }));
      req.on("timeout", () => req.destroy(new Error("timeout")));
      req.end();
    });
  const proxy = process.env.HTTP_PROXY ? new URL(process.env.HTTP_PROXY) : null;
  const results = {};
  for (const url of mode.slice("net:".length).split(",")) {
    const target = new URL(url);
    results[url] = {
      proxied: proxy
        ? await get({
            host: proxy.hostname,
            port: proxy.port,
            path: url,
            headers: { host: target.host },
          })
        : null,
      direct: await get({ host: target.hostname, port: target.port, path: target.pathname }),
    };
  }
  writeFileSync(join(dump, "net.json"), JSON.stringify(results));
  commit();
  process.exit(0);
}
if (mode.startsWith("cost:")) {
  await new Promise((resolve) => setTimeout(resolve, 300));
  work();
  git("add", "work.txt");
  git("commit", "-q", "-m", "agent work");
  const cost = mode.slice("cost:".length);
  if (cost !== "none") {
    appendFileSync(
      process.env.RALPH_STATS_FILE,
      `{"exit_reason":"done","iterations":4,"tokens":{"input":1200,"output":340},"cost_usd":${cost}}\n`,
    );
  }
  process.exit(0);
}
if (mode.startsWith("slow:")) {
  await new Promise((resolve) => setTimeout(resolve, Number(mode.slice("slow:".length))));
  commit();
  process.exit(0);
}
if (mode === "await") {
  // Waits for an event, not for a time: the test writes "go" when it has done its part.
  writeFileSync(join(dump, "waiting"), "");
  while (!existsSync(join(dump, "go"))) await new Promise((resolve) => setTimeout(resolve, 20));
  commit();
  process.exit(0);
}
if (mode.startsWith("storm:")) {
  const outcome = mode.slice("storm:".length);
  if (outcome === "nothing") process.exit(0);
  if (outcome === "crash") process.exit(1);
  const file = `work-${process.env.GOAL_NUMBER}.txt`;
  appendFileSync(file, `attempt ${process.env.GOAL_ATTEMPT}\n`);
  git("add", file);
  git("commit", "-q", "-m", `goal ${process.env.GOAL_NUMBER} attempt ${process.env.GOAL_ATTEMPT}`);
  const sha = execFileSync("git", ["rev-parse", "HEAD"]).toString().trim();
  console.log(
    `agent: committed ${sha} for goal ${process.env.GOAL_NUMBER} attempt ${process.env.GOAL_ATTEMPT}`,
  );
  stats();
  if (outcome === "hang") {
    console.log("agent: waiting");
    setInterval(() => {}, 1000);
    await new Promise(() => {}); // never goes on to the modes below
  }
  process.exit({ success: 0, fail: 1, review: 3 }[outcome] ?? 2);
}
switch (mode) {
  case "commit":
    work();
    git("add", "work.txt");
    git("commit", "-q", "-m", "agent work");
    stats();
    break;
  case "leave":
    work();
    break;
  case "fail":
    console.log("::error::an agent must not be able to issue workflow commands");
    for (let i = 1; i <= 5; i++) console.log(`step ${i} went wrong`);
    process.exit(1);
    break;
  case "review":
    work();
    git("add", "work.txt");
    git("commit", "-q", "-m", "agent work");
    process.exit(3);
    break;
  case "nothing":
    break;
  case "lock":
    // Like an agent killed in the middle of a git command: work committed, more left
    // uncommitted, and the index still locked.
    work();
    git("add", "work.txt");
    git("commit", "-q", "-m", "agent work");
    writeFileSync("more.txt", "unfinished\n");
    writeFileSync(".git/index.lock", "");
    writeFileSync(join(dump, "working"), "");
    console.log("agent: waiting");
    setInterval(() => {}, 1000);
    break;
  case "hang":
    work();
    git("add", "work.txt");
    git("commit", "-q", "-m", "agent work");
    // Tests that stop a working agent wait for this: its work is committed by then.
    writeFileSync(join(dump, "working"), "");
    console.log("agent: waiting");
    setInterval(() => {}, 1000);
    break;
  default:
    console.error(`unknown mode ${mode}`);
    process.exit(2);
}
