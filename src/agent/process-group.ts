import { readdirSync, readFileSync } from "node:fs";

/** Sends `signal` to every process in the group led by `pid`; a group that is gone is fine. */
export function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: nobody left. EPERM: a member we may not signal (setuid); nothing more we can do.
  }
}

/** Sends `signal` to every process of the group led by `pid`, except the leader. */
export function killGroupBut(pid: number, signal: NodeJS.Signals): void {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === pid) continue;
    try {
      // "pid (comm) state ppid pgrp …": comm may hold spaces and parentheses, so read after the last ")".
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const pgrp = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
      if (pgrp === pid) process.kill(Number(entry), signal);
    } catch {
      // gone meanwhile, or not ours to signal
    }
  }
}
