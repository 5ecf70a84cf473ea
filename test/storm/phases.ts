// The nine moments at which the storm kills a runner with `kill -9`, as a dying VM would: each is
// recognised by what the runner does at that moment (a request reaching the server, a line of
// its agent, a push reaching origin), so the kill lands exactly there whatever the timing.
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { decodeMarkers } from "../../src/core/markers.js";
import type { HookedRequest } from "../../tools/github-server/index.js";
import { OWNER, REPO, type World } from "./world.js";

export const PHASES = [
  /** Its claim check: the runner's first read of the goal, which never arrives. */
  "claim-check",
  /** Its agent has committed work and is still working. */
  "agent-working",
  /** Its push of the goal branch is under way (and never lands). */
  "push",
  /** Opening the pull request: the request never arrives. */
  "pr-create:before",
  /** The pull request was opened; the runner never hears so. */
  "pr-create:after",
  /** Enabling auto-merge: the request never arrives. */
  "auto-merge:before",
  /** Auto-merge was enabled; the runner never hears so. */
  "auto-merge:after",
  /** Its result comment (run-result marker) was written; the runner never hears so. */
  "result:after",
  /** The goal's final label was set; the runner never hears so. */
  "label:after",
] as const;
export type Phase = (typeof PHASES)[number];

export interface ArmedPhase {
  /** Feed every line the runner prints (the agent-working phase watches them). */
  onLine(line: string): void;
  /** True once the kill happened. */
  fired(): boolean;
  disarm(): void;
}

/**
 * Arms `phase` for the runner of `goal`: when it comes, `kill` (SIGKILL of the runner's process
 * group, resolving once it is dead) runs before the request goes on.
 */
export function armPhase(
  world: World,
  goal: number,
  phase: Phase,
  kill: () => Promise<void>,
): ArmedPhase {
  let fired = false;
  const fire = async () => {
    fired = true;
    await kill();
  };
  const removers: Array<() => void> = [];
  const hook = (
    route: string,
    at: "before" | "after",
    match: (request: HookedRequest) => boolean,
    graphqlOperation?: string,
  ) =>
    removers.push(
      world.server.faults.hook({
        route,
        at,
        drop: true,
        match,
        run: fire,
        ...(graphqlOperation ? { graphqlOperation } : {}),
      }),
    );
  const bodyOf = (request: HookedRequest) => (request.body ?? {}) as Record<string, unknown>;
  const onGoal = (request: HookedRequest) => request.params.issue_number === String(goal);
  let onLine: (line: string) => void = () => {};
  let poll: NodeJS.Timeout | undefined;

  switch (phase) {
    case "claim-check":
      hook(
        "graphql",
        "before",
        (request) =>
          (bodyOf(request).variables as { number?: unknown } | undefined)?.number === goal,
        "Goal",
      );
      break;
    case "agent-working": {
      const committed = new RegExp(`agent: committed [0-9a-f]{40} for goal ${goal} attempt`);
      onLine = (line) => {
        if (!fired && committed.test(line)) void fire();
      };
      break;
    }
    case "push": {
      // origin's pre-receive hook (world.ts) holds the push while the harness kills the runner
      const arm = join(world.pushHookDir, `arm-${goal}`);
      const pushing = join(world.pushHookDir, `pushing-${goal}`);
      const verdict = join(world.pushHookDir, `verdict-${goal}`);
      writeFileSync(arm, "");
      poll = setInterval(() => {
        if (fired || !existsSync(pushing)) return;
        clearInterval(poll);
        void fire().then(() => writeFileSync(verdict, "reject"));
      }, 20);
      // Disarmed once the runner's step has ended: the push and its hook died with it (they
      // are in its process group), so nothing is left to wait for; a stale verdict must not
      // decide a later push of this goal.
      removers.push(() => {
        clearInterval(poll);
        for (const file of [arm, pushing, verdict]) rmSync(file, { force: true });
      });
      break;
    }
    case "pr-create:before":
    case "pr-create:after":
      hook("pulls/create", phase.endsWith("before") ? "before" : "after", (request) =>
        String(bodyOf(request).head ?? "").startsWith(`goal/${goal}-`),
      );
      break;
    case "auto-merge:before":
    case "auto-merge:after":
      hook(
        "graphql",
        phase.endsWith("before") ? "before" : "after",
        (request) => {
          const id = (bodyOf(request).variables as { pullRequestId?: unknown } | undefined)
            ?.pullRequestId;
          return pullOfGoal(world, goal, id);
        },
        "EnableAutoMerge",
      );
      break;
    case "result:after": {
      // The result goes into the attempt's claim comment (an edit), or, when that cannot hold
      // it, into a comment of its own.
      const holdsResult = (request: HookedRequest) =>
        decodeMarkers(String(bodyOf(request).body ?? "")).some((m) => m.kind === "run-result");
      hook("issues/update-comment", "after", (request) => {
        const comment = Number(request.params.comment_id);
        return holdsResult(request) && commentOnGoal(world, goal, comment);
      });
      hook("issues/create-comment", "after", (request) => onGoal(request) && holdsResult(request));
      break;
    }
    case "label:after":
      hook(
        "issues/set-labels",
        "after",
        (request) =>
          onGoal(request) &&
          !(bodyOf(request).labels as unknown[] | undefined)?.includes("goal:running"),
      );
      break;
  }
  return {
    onLine: (line) => onLine(line),
    fired: () => fired,
    disarm: () => {
      for (const remove of removers) remove();
    },
  };
}

/** True when comment `id` is on the goal's issue. */
function commentOnGoal(world: World, goal: number, id: number): boolean {
  const issue = world.server.state.requireRepo(OWNER, REPO).issues.get(goal);
  return issue?.comments.some((comment) => comment.id === id) ?? false;
}

/** True when GraphQL node `id` is a pull request of the goal's branch. */
function pullOfGoal(world: World, goal: number, id: unknown): boolean {
  for (const issue of world.server.state.requireRepo(OWNER, REPO).issues.values()) {
    if (issue.pull && (issue.nodeId === id || issue.pull.nodeId === id)) {
      return issue.pull.head.startsWith(`goal/${goal}-`);
    }
  }
  return false;
}
