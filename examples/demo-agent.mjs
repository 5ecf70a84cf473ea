#!/usr/bin/env node
// An example agent for the offline demo (`npm run demo`), following the agent contract
// (docs/design.md §4): it reads the goal file, makes a real commit in the clone it was started
// in, appends ralph-shaped stats to RALPH_STATS_FILE and exits 0 (done) or non-zero (failure).
// A real setup runs the ralph harness here instead.
//
// A goal whose body has the line `Demo: fail-first-attempt` fails its first attempt (exit 1),
// so the demo shows the runner re-queueing it.
import { execFileSync } from "node:child_process";
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";

const goalFile = process.env.GOAL_FILE;
const goal = Number(process.env.GOAL_NUMBER);
const attempt = Number(process.env.GOAL_ATTEMPT);
const text = readFileSync(goalFile, "utf8");
const title = /^# Goal #\d+: (.*)$/m.exec(text)?.[1] ?? `goal ${goal}`;
const failsFirstAttempt = /^Demo: fail-first-attempt\s*$/m.test(text);
// A review round: the goal file says what a reviewer asked for, and this run continues that work.
const round = /^## Review round (\d+)$/m.exec(text)?.[1];

console.log(`demo-agent: goal #${goal} attempt ${attempt}: ${title}`);
if (round)
  console.log(`demo-agent: review round ${round}: making the changes the reviewer asked for`);
for (let step = 1; step <= 3; step++)
  console.log(`demo-agent: iteration ${step}: thinking, editing, testing`);

// Figures vary by goal so the dashboard has something to show; they are made up.
const seconds = { llm: 40 + goal * 7, tools: 15 + goal * 3 };
const stats = (exitReason, linesAdded) =>
  appendFileSync(
    process.env.RALPH_STATS_FILE,
    `${JSON.stringify({
      exit_reason: exitReason,
      iterations: 3,
      tokens: {
        input: 20_000 + goal * 1_500,
        output: 2_000 + goal * 300,
        cache_read: 50_000,
        cache_create: 4_000,
      },
      cost_usd: Math.round((0.3 + goal * 0.11 + attempt * 0.05) * 100) / 100,
      time_seconds: {
        llm: seconds.llm,
        tools: seconds.tools,
        other: 2,
        total: seconds.llm + seconds.tools + 2,
      },
      lines_added: linesAdded,
      lines_deleted: 0,
    })}\n`,
  );

if (failsFirstAttempt && attempt === 1) {
  console.log("demo-agent: the test suite fails; giving up on this attempt");
  stats("done", 0);
  process.exit(1);
}

const file = `notes/goal-${goal}.md`;
mkdirSync("notes", { recursive: true });
writeFileSync(
  file,
  `# ${title}\n\nDone by the demo agent on attempt ${attempt}${round ? `, after review round ${round}` : ""}.\n`,
);
const git = (...args) =>
  execFileSync("git", [
    "-c",
    "user.name=Demo Agent",
    "-c",
    "user.email=agent@example.invalid",
    ...args,
  ]);
git("add", file);
git("commit", "-q", "-m", `${title} (goal #${goal})`);
stats("done", 3);
console.log(`demo-agent: committed ${file}`);
process.exit(0);
