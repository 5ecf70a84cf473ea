import { spawn } from "node:child_process";
import { existsSync, lstatSync, readlinkSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { messageOf } from "../core/errors.js";
import { type AgentNetwork, parseNetworkSetting } from "./egress.js";

/**
 * The agent's sandbox (design §9): a bubblewrap (`bwrap`) container that shows the agent only
 * its work tree, a private HOME and TMP, read-only system paths and what it was explicitly
 * given. Its own PID, IPC and UTS namespaces: no process of the runner is visible (so no
 * /proc/<pid>/environ or mem of anything holding a secret), and when the sandbox's first process
 * dies the kernel kills everything the agent started, daemons included.
 *
 * bwrap is started with the agent's own environment, because inside the sandbox
 * `/proc/1/environ` is bwrap's: `--clearenv` alone would still show the agent whatever the
 * runner handed to bwrap.
 */

/** How the agent is isolated: `sandbox` (bubblewrap) or `none` (a plain child process). */
export type Isolation = "sandbox" | "none";
const ISOLATIONS = ["sandbox", "none"] as const;

/** System paths bound read-only (or re-created as the links they are). */
const SYSTEM_PATHS = [
  "/usr",
  "/bin",
  "/sbin",
  "/lib",
  "/lib32",
  "/lib64",
  "/libx32",
  "/etc",
  "/opt",
];

export interface SandboxMounts {
  /** The goal's work tree: writable, and the agent's working directory. */
  workTree: string;
  /** The run's private HOME: writable. */
  home: string;
  /** The run's private TMP, mounted at /tmp. */
  tmp: string;
  /** Other writable folders of this run (where the agent's stats go). */
  writable: readonly string[];
  /** Bound read-only at the same path: the goal file's folder, agent-read-paths, … */
  readOnly: readonly string[];
  /** false: the sandbox has its own network namespace with nothing but loopback. */
  network: boolean;
  /**
   * Folders of the runner's that lie under a system path the sandbox shows (an Actions runner
   * installed in /opt, say, whose `.credentials` and job files must stay out of sight): each is
   * covered with an empty tmpfs. See runnerPaths.
   */
  hidden?: readonly string[];
}

/**
 * The runner's own folders that the sandbox must not show: the Actions runner's installation
 * (its registration credentials), its work folder and the job's temp folder (GITHUB_OUTPUT,
 * GITHUB_STATE, the job's other files), the running action's code, and the runner's HOME.
 * Only those under a system path the sandbox binds need covering; the rest are not there.
 */
export function runnerPaths(env: NodeJS.ProcessEnv, script = process.argv[1]): string[] {
  const candidates = [env.RUNNER_TEMP, env.HOME, script ? dirname(script) : undefined];
  if (env.RUNNER_WORKSPACE) {
    const work = dirname(resolve(env.RUNNER_WORKSPACE)); // <runner>/_work
    candidates.push(work, dirname(work));
  }
  const bound = SYSTEM_PATHS.filter((path) => {
    const info = lstatSync(path, { throwIfNoEntry: false });
    return info?.isDirectory() === true;
  });
  const hidden = new Set<string>();
  for (const candidate of candidates) {
    if (!candidate || !isAbsolute(candidate)) continue;
    const path = resolve(candidate);
    if (bound.some((root) => path.startsWith(`${root}/`)) && existsSync(path)) hidden.add(path);
  }
  return [...hidden].sort();
}

/** bwrap's arguments for `mounts`, ending with `--`: append the agent's argv. */
export function sandboxArgs(mounts: SandboxMounts): string[] {
  const args = [
    "--die-with-parent",
    "--unshare-pid",
    "--unshare-ipc",
    "--unshare-uts",
    "--unshare-cgroup-try",
    "--hostname",
    "goal-sandbox",
    "--cap-drop",
    "ALL",
  ];
  if (!mounts.network) args.push("--unshare-net");
  args.push(...systemMounts());
  for (const path of mounts.hidden ?? []) args.push("--tmpfs", path);
  args.push("--proc", "/proc", "--dev", "/dev");
  args.push("--bind", mounts.tmp, "/tmp");
  for (const path of mounts.readOnly) args.push("--ro-bind", path, path);
  for (const path of [mounts.home, ...mounts.writable, mounts.workTree]) {
    args.push("--bind", path, path);
  }
  args.push("--chdir", mounts.workTree, "--");
  return args;
}

let systemMountsCache: string[] | null = null;

/** /usr, /etc, … as the host has them: links stay links (Debian's /bin → usr/bin). */
function systemMounts(): string[] {
  if (systemMountsCache) return systemMountsCache;
  const args: string[] = [];
  for (const path of SYSTEM_PATHS) {
    const info = lstatSync(path, { throwIfNoEntry: false });
    if (!info) continue;
    if (info.isSymbolicLink()) args.push("--symlink", readlinkSync(path), path);
    else args.push("--ro-bind", path, path);
  }
  // A resolv.conf that links outside /etc (systemd-resolved's stub) would leave DNS broken.
  const resolvConf = lstatSync("/etc/resolv.conf", { throwIfNoEntry: false });
  if (resolvConf?.isSymbolicLink()) {
    const target = resolve("/etc", readlinkSync("/etc/resolv.conf"));
    if (!target.startsWith("/etc/") && !target.startsWith("/usr/")) {
      args.push("--ro-bind-try", target, target);
    }
  }
  systemMountsCache = args;
  return args;
}

/**
 * Checks agent-read-paths: absolute, existing paths (bwrap would otherwise fail at start with a
 * message that names no setting).
 */
function checkReadPaths(paths: readonly string[]): string[] {
  return paths
    .filter((path) => !isAbsolute(path) || !existsSync(path))
    .map((path) =>
      isAbsolute(path)
        ? `agent-read-paths: ${path} does not exist on this machine.`
        : `agent-read-paths: "${path}" is not an absolute path.`,
    );
}

let probeCache: Promise<string | null> | null = null;

/**
 * Null when bubblewrap can make the namespaces the sandbox needs here, else what to install or
 * allow. Asked once per process: the answer does not change while the runner runs.
 */
export function sandboxProblem(): Promise<string | null> {
  probeCache ??= probe();
  return probeCache;
}

function probe(): Promise<string | null> {
  const args = [
    "--die-with-parent",
    "--unshare-pid",
    "--unshare-ipc",
    "--unshare-uts",
    "--unshare-net",
    "--ro-bind",
    "/",
    "/",
    "--proc",
    "/proc",
    "--dev",
    "/dev",
    "--",
    "true",
  ];
  return new Promise((done) => {
    const child = spawn("bwrap", args, {
      stdio: ["ignore", "ignore", "pipe"],
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("error", (error: NodeJS.ErrnoException) =>
      done(
        error.code === "ENOENT"
          ? "bubblewrap is not installed (no `bwrap` on PATH): install it (Debian/Ubuntu: apt-get install bubblewrap), or set isolation: none to run agents without a sandbox."
          : `bubblewrap could not be started: ${error.message}`,
      ),
    );
    child.on("close", (code) => {
      if (code === 0) done(null);
      else {
        done(
          `bubblewrap cannot create the sandbox's namespaces here (${stderr.trim() || `exit ${code}`}). Unprivileged user namespaces must be allowed: on Ubuntu 24.04 AppArmor restricts them (allow bwrap with an AppArmor profile, or set kernel.apparmor_restrict_unprivileged_userns=0); elsewhere check user.max_user_namespaces. Or set isolation: none to run agents without a sandbox.`,
        );
      }
    });
  });
}

export interface SandboxSettings {
  isolation: Isolation;
  agentReadPaths: string[];
  agentNetwork: AgentNetwork;
}

/**
 * Reads `isolation`, `agent-read-paths` and `agent-network` as an action's inputs or a CLI's
 * flags give them (empty: the default), adding what is wrong to `problems`, each naming its
 * setting as `name` spells it. They are the machine owner's choice, so they are inputs and flags
 * only, never keys of the repository's settings file, which an agent's merged change could edit.
 */
export function readSandboxSettings(
  values: { isolation: string; readPaths: string; network: string },
  problems: string[],
  name: (key: string) => string = (key) => key,
): SandboxSettings {
  const settings: SandboxSettings = {
    isolation: "sandbox",
    agentReadPaths: [],
    agentNetwork: { kind: "open" },
  };
  const isolation = values.isolation.trim().toLowerCase();
  if (isolation !== "") {
    if ((ISOLATIONS as readonly string[]).includes(isolation)) {
      settings.isolation = isolation as Isolation;
    } else {
      problems.push(
        `${name("isolation")}: "${values.isolation}" is not an isolation; use sandbox (the agent runs in bubblewrap) or none (no sandbox: the agent can reach everything the runner's user can).`,
      );
    }
  }
  settings.agentReadPaths = values.readPaths
    .split(/[,\n]/)
    .map((path) => path.trim())
    .filter(Boolean);
  problems.push(
    ...checkReadPaths(settings.agentReadPaths).map((problem) =>
      problem.replace(/^agent-read-paths/, name("agent-read-paths")),
    ),
  );
  if (values.network.trim() !== "") {
    try {
      settings.agentNetwork = parseNetworkSetting(values.network);
    } catch (error) {
      const message = messageOf(error);
      problems.push(message.replace(/^agent-network/, name("agent-network")));
    }
  }
  if (settings.isolation === "none" && settings.agentNetwork.kind !== "open") {
    problems.push(
      `${name("agent-network")}: "${values.network.trim()}" is only enforced in the sandbox; with ${name("isolation")} none the agent has the machine's network. Use isolation: sandbox, or agent-network: open.`,
    );
  }
  return settings;
}
