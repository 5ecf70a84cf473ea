import { readdirSync, readFileSync } from "node:fs";

/**
 * Host pids of the live processes whose command line contains `text`. An agent's own idea of its
 * pid is useless outside its sandbox (it has a PID namespace of its own), so tests find agents by
 * something unique in their argv, like their goal file's path.
 */
export function processesWith(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").replace(/\0/g, " ");
      const state = readFileSync(`/proc/${entry}/stat`, "utf8");
      // a zombie has finished; its parent just has not reaped it yet
      if (cmdline.includes(text) && state.slice(state.lastIndexOf(")") + 2)[0] !== "Z") {
        pids.push(Number(entry));
      }
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}
