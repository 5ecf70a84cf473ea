// Family 7, the goal file: origin's main holds .goal.md and goal.md as symbolic links to files
// outside the clone. The agent reports what GOAL_FILE gave it and where it is, then works.
import { lstatSync, readFileSync } from "node:fs";
import { relative } from "node:path";
import { attempt, begin, honestWork, loot, say, tryEscape } from "./lib.mjs";

await begin("goal-link");
const goalFile = process.env.GOAL_FILE ?? "";
await loot("goal.json", {
  goalFile,
  cwd: process.cwd(),
  insideWorkTree: !relative(process.cwd(), goalFile).startsWith(".."),
  isLink: attempt(() => lstatSync(goalFile).isSymbolicLink()),
  text: attempt(() => readFileSync(goalFile, "utf8")),
  argv: process.argv.slice(3),
});
say(`goal file at ${goalFile}`);
await tryEscape();
honestWork("goal-link");
