import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DeadlineClock } from "../agent/deadlines.js";
import {
  type AgentNetwork,
  FORWARDER_SOURCE,
  proxyEnvironment,
  SANDBOX_PROXY_PORT,
  startEgressProxy,
} from "../agent/egress.js";
import { buildAgentEnv } from "../agent/environment.js";
import { type AgentResult, describeAgentResult, launchAgent } from "../agent/launch.js";
import { type Isolation, runnerPaths, type SandboxMounts, sandboxArgs } from "../agent/sandbox.js";
import { type AgentStats, readAgentStatsFile } from "../agent/stats.js";
import { renderArgv } from "../core/argv.js";
import { formatDuration } from "../core/duration.js";
import type { WorkspacePaths } from "./run-workspace.js";

export interface AgentRunSettings {
  agentCommand: string[];
  /** Exact names of variables passed to the agent besides the contract ones. */
  agentEnv: string[];
  durationSeconds: number;
  idleTimeoutSeconds: number | null;
  isolation: Isolation;
  /** Bound read-only into the sandbox at the same path. */
  agentReadPaths: string[];
  agentNetwork: AgentNetwork;
  /**
   * While the agent works, how often the runner pushes its commits to the goal branch
   * (run-checkpoint.ts), in seconds; null for never. Default: DEFAULT_CHECKPOINT_SECONDS.
   */
  checkpointEverySeconds?: number | null;
}

export interface AgentRunRequest {
  paths: WorkspacePaths;
  values: { goal: string; attempt: string; repository: string; model: string; reasoning: string };
  logFile: string;
}

export interface AgentRunContext {
  /** The runner's environment: the agent's base variables and allow-list come from it. */
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
  warn?: ((line: string) => void) | undefined;
  agentLine?: ((line: string) => void) | undefined;
  signal?: AbortSignal | undefined;
  /** The time the agent's duration and limits go by (default: real time). */
  clock?: DeadlineClock | undefined;
}

export interface AgentRun {
  agent: AgentResult;
  /** One sentence on how the agent ended. */
  agentEnded: string;
  stats: AgentStats | null;
}

/**
 * Runs the agent on the workspace (design §4) behind the wall `isolation` puts up. Nothing here
 * holds a secret: the environment is built from scratch (buildAgentEnv).
 */
export async function runAgent(
  context: AgentRunContext,
  settings: AgentRunSettings,
  request: AgentRunRequest,
): Promise<AgentRun> {
  const { paths, values } = request;
  const sandboxed = settings.isolation === "sandbox";
  const duration = formatDuration(settings.durationSeconds);
  const argv = renderArgv(settings.agentCommand, {
    goal_file: paths.goalFile,
    model: values.model,
    reasoning: values.reasoning,
    duration,
    goal: values.goal,
    attempt: values.attempt,
    repository: values.repository,
  });
  const env = buildAgentEnv({
    contract: {
      GOAL_FILE: paths.goalFile,
      GOAL_NUMBER: values.goal,
      GOAL_REPOSITORY: values.repository,
      GOAL_ATTEMPT: values.attempt,
      RALPH_MODEL: values.model,
      RALPH_REASONING: values.reasoning,
      RALPH_DURATION_SECONDS: String(settings.durationSeconds),
      RALPH_STATS_FILE: paths.agentStats,
      HOME: paths.home,
      TMPDIR: sandboxed ? "/tmp" : paths.tmp,
      // Not a secret: the Actions runner finds the processes a job left behind by it.
      ...(context.env.RUNNER_TRACKING_ID
        ? { RUNNER_TRACKING_ID: context.env.RUNNER_TRACKING_ID }
        : {}),
    },
    allow: settings.agentEnv,
    from: context.env,
  });
  const mounts: SandboxMounts = {
    workTree: paths.work,
    home: paths.home,
    tmp: paths.tmp,
    writable: [paths.out],
    readOnly: [paths.trusted, paths.goalDir, ...settings.agentReadPaths],
    network: settings.agentNetwork.kind === "open",
    hidden: runnerPaths(context.env),
  };
  const egress =
    sandboxed && settings.agentNetwork.kind === "allow"
      ? await openEgress(settings.agentNetwork.hosts, context)
      : null;
  let wrapped = argv;
  if (sandboxed) {
    const inside = egress ? [...egress.forwarderArgv, ...argv] : argv;
    if (egress) {
      mounts.readOnly = [...mounts.readOnly, process.execPath];
      mounts.writable = [...mounts.writable, egress.socketDir];
      Object.assign(env, proxyEnvironment(SANDBOX_PROXY_PORT));
    }
    wrapped = ["bwrap", ...sandboxArgs(mounts), ...inside];
  }
  context.log(
    `running ${argv[0]} (model ${values.model}, reasoning ${values.reasoning}, up to ${duration}, isolation ${settings.isolation}, network ${describeNetwork(settings.agentNetwork)}); log: ${request.logFile}`,
  );
  const limits = {
    timeoutSeconds: settings.durationSeconds,
    idleTimeoutSeconds: settings.idleTimeoutSeconds,
  };
  let agent: AgentResult;
  try {
    agent = await launchAgent({
      argv: wrapped,
      cwd: paths.work,
      env,
      ...limits,
      logFile: request.logFile,
      sandboxed,
      ...(context.agentLine ? { onLine: context.agentLine } : {}),
      ...(context.signal ? { signal: context.signal } : {}),
      ...(context.clock ? { clock: context.clock } : {}),
    });
  } finally {
    await egress?.close();
  }
  const agentEnded = describeAgentResult(agent, limits);
  context.log(agentEnded);

  const read =
    (await readAgentStatsFile(paths.agentStats, 0)) ??
    (await readAgentStatsFile(join(paths.home, ".local", "state", "ralph", "stats.jsonl"), 0));
  if (read && read.problems.length > 0) {
    context.warn?.(
      `the agent's stats are invalid, so none of its figures are recorded and the run's cost is unknown (it counts against the budget by an estimate): ${read.problems.join("; ")}`,
    );
  }
  return { agent, agentEnded, stats: read?.stats ?? null };
}

function describeNetwork(network: AgentNetwork): string {
  return network.kind === "allow" ? `allow:${network.hosts.join(",")}` : network.kind;
}

/**
 * The allow-list proxy, outside the sandbox, on a Unix socket in a private temporary folder
 * (socket paths are short-lived and must stay under ~100 bytes), and the forwarder script the
 * sandbox runs in front of the agent.
 */
async function openEgress(hosts: string[], context: AgentRunContext) {
  const socketDir = await mkdtemp(join(tmpdir(), "goal-egress-"));
  const socketPath = join(socketDir, "proxy.sock");
  const script = join(socketDir, "forwarder.cjs");
  await writeFile(script, FORWARDER_SOURCE, { mode: 0o500 });
  const proxy = await startEgressProxy({
    socketPath,
    hosts,
    onDecision: (decision) => {
      if (!decision.allowed) {
        context.warn?.(
          `blocked the agent's connection to ${decision.host}:${decision.port} (not in agent-network)`,
        );
      }
    },
  });
  return {
    socketDir,
    forwarderArgv: [
      process.execPath,
      script,
      String(SANDBOX_PROXY_PORT),
      socketPath,
      "--",
    ] as string[],
    close: async () => {
      await proxy.close();
      await rm(socketDir, { recursive: true, force: true });
    },
  };
}
