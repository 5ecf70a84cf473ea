import { attemptsUsed } from "../core/attempts.js";
import { dependencyStuck, namedBlockers } from "../core/eligibility.js";
import { messageOf, UserError } from "../core/errors.js";
import { parseGoalBody, parseVisibleGoalBody } from "../core/goal-body.js";
import { formatIssueRef, type IssueRef, issueKey } from "../core/issue-ref.js";
import type { TrustedMarker } from "../core/markers.js";
import type { GoalSnapshot, GoalStore, MergeMethod } from "../core/ports.js";
import { MERGE_METHODS } from "../core/settings.js";
import { GOAL_STATES, type GoalState, parseState, stateLabel } from "../core/states.js";
import { queueGoal } from "../flows/queue-goal.js";
import { approveGoal, rejectGoal } from "../flows/review.js";
import { GitHubPullRequests } from "../github/pull-requests.js";
import { parseCommandLine } from "./args.js";
import { connect } from "./connection.js";
import { type CliIo, parseIssueNumber, processIo, runCli } from "./io.js";

const GOAL_USAGE = `Usage: goal <command> [--repo owner/name] [--json]

Commands:
  list [STATE]                  goals in one state (${GOAL_STATES.join(", ")}); all but done by default
  show N                        one goal: state, attempts, story, dependencies, history
  queue N                       mark goal N ready to run (goal:queued)
  approve N [--merge-method M]  accept a spot-checked goal: merge or auto-merge its PR (squash, merge, rebase)
  reject N --feedback "…"       ask for changes on a spot-checked goal: a review round (its PR stays open,
                                the next run continues it with the feedback)

Token: GITHUB_TOKEN or GH_TOKEN. Repository: --repo, GITHUB_REPOSITORY or the git remote.`;

/** What `goal list` shows without a state: everything that may still need attention. */
const LIST_DEFAULT: readonly GoalState[] = ["running", "queued", "spot-check", "stuck", "draft"];

export async function goalMain(argv: string[], io: CliIo = processIo): Promise<number> {
  return runCli(
    "goal",
    async () => {
      const { values, positionals } = parseCommandLine(
        {
          args: argv,
          allowPositionals: true,
          options: {
            repo: { type: "string" },
            json: { type: "boolean", default: false },
            feedback: { type: "string" },
            "merge-method": { type: "string", default: "squash" },
            help: { type: "boolean", short: "h", default: false },
          },
        },
        GOAL_USAGE,
      );
      const [command, ...rest] = positionals;
      if (values.help || command === "help") {
        io.stdout(`${GOAL_USAGE}\n`);
        return 0;
      }
      if (!command) throw new UserError(`a command is required.\n\n${GOAL_USAGE}`);
      const expectArgs = (count: number) => {
        if (rest.length !== count) {
          throw new UserError(
            `"goal ${command}" takes ${count === 0 ? "no arguments" : "one issue number"}.\n\n${GOAL_USAGE}`,
          );
        }
      };
      const print = (text: string, json: unknown) =>
        io.stdout(values.json ? `${JSON.stringify(json, null, 2)}\n` : `${text}\n`);

      switch (command) {
        case "list": {
          if (rest.length > 1) expectArgs(1);
          const states = rest[0] === undefined ? LIST_DEFAULT : [stateArgument(rest[0])];
          const { store } = await connect({ repo: values.repo });
          const goals: GoalSnapshot[] = [];
          for (const state of states)
            for await (const goal of store.listGoals(state)) goals.push(goal);
          const blocked = await stuckDependencies(store, goals);
          const blockedBy = (goal: GoalSnapshot) => blocked.get(goal.ref.number) ?? [];
          print(
            goals.length === 0
              ? `No goals in ${states.map(stateLabel).join(", ")}.`
              : goals.map((goal) => listLine(goal, blockedBy(goal))).join("\n"),
            goals.map((goal) => goalJson(goal, blockedBy(goal))),
          );
          return 0;
        }
        case "show": {
          expectArgs(1);
          const number = parseIssueNumber(rest[0], "goal show");
          const { store } = await connect({ repo: values.repo });
          const goal = await store.getGoal(number);
          const blockedBy = (await stuckDependencies(store, [goal])).get(number) ?? [];
          print(describeGoal(goal, blockedBy), {
            ...goalJson(goal, blockedBy),
            body: goal.body,
            markers: goal.markers,
          });
          return 0;
        }
        case "queue": {
          expectArgs(1);
          const number = parseIssueNumber(rest[0], "goal queue");
          const { store } = await connect({ repo: values.repo });
          const { from } = await queueGoal(store, number);
          print(`#${number}: ${from ? stateLabel(from) : "no state"} → ${stateLabel("queued")}`, {
            number,
            from,
            to: "queued",
          });
          return 0;
        }
        case "approve": {
          expectArgs(1);
          const number = parseIssueNumber(rest[0], "goal approve");
          const method = values["merge-method"];
          if (!MERGE_METHODS.includes(method as MergeMethod)) {
            throw new UserError(
              `--merge-method: "${method}" is not one of ${MERGE_METHODS.join(", ")}.`,
            );
          }
          const { store, client } = await connect({ repo: values.repo });
          const result = await approveGoal(
            store,
            new GitHubPullRequests(client, store.repo),
            number,
            method as MergeMethod,
          );
          print(
            `#${number}: approved; pull request #${result.pullRequest} ${result.outcome}. Goal is ${stateLabel("done")}.`,
            {
              number,
              ...result,
            },
          );
          return 0;
        }
        case "reject": {
          expectArgs(1);
          const number = parseIssueNumber(rest[0], "goal reject");
          if (values.feedback === undefined) {
            throw new UserError(
              'goal reject needs --feedback "what to change", for the next attempt.',
            );
          }
          const { store, client } = await connect({ repo: values.repo });
          const result = await rejectGoal(
            store,
            new GitHubPullRequests(client, store.repo),
            number,
            values.feedback,
          );
          print(
            `#${number}: review round ${result.round} on pull request #${result.pullRequest}. Goal is ${stateLabel("queued")}; its next run pushes to that pull request.`,
            {
              number,
              ...result,
            },
          );
          return 0;
        }
        default:
          throw new UserError(`unknown command "${command}".\n\n${GOAL_USAGE}`);
      }
    },
    io,
  );
}

function stateArgument(text: string): GoalState {
  const state = parseState(text) ?? parseState(stateLabel(text as GoalState));
  if (!state)
    throw new UserError(`"${text}" is not a goal state; use one of ${GOAL_STATES.join(", ")}.`);
  return state;
}

/**
 * The dependencies of each queued goal that are goal:stuck now, so it cannot run until a human
 * acts: those of its Depends: line and those the dispatcher named in a blocked marker (which
 * include native blocked-by links). One dependency query for all of them.
 */
async function stuckDependencies(
  store: GoalStore,
  goals: readonly GoalSnapshot[],
): Promise<Map<number, IssueRef[]>> {
  const candidates = new Map<number, IssueRef[]>();
  for (const goal of goals) {
    if (goal.state !== "queued") continue;
    let depends: IssueRef[] = [];
    try {
      depends = parseVisibleGoalBody(goal.body, goal.ref).depends;
    } catch {
      // A body that is no goal has no Depends: line; the dispatcher makes such a goal stuck.
    }
    const refs = [...depends, ...namedBlockers(goal.markers, goal.ref)];
    if (refs.length > 0)
      candidates.set(goal.ref.number, [...new Map(refs.map((r) => [issueKey(r), r])).values()]);
  }
  const refs = [...candidates.values()].flat();
  if (refs.length === 0) return new Map();
  const unique = [...new Map(refs.map((ref) => [issueKey(ref), ref])).values()];
  const stuck = new Set(
    (await store.dependencyInfo(unique))
      .filter(
        (info) =>
          info.exists &&
          dependencyStuck({
            state: info.open ? "open" : "closed",
            stateReason: info.stateReason,
            labels: info.labels,
          }),
      )
      .map((info) => issueKey(info.ref)),
  );
  const blocked = new Map<number, IssueRef[]>();
  for (const [number, list] of candidates) {
    const held = list.filter((ref) => stuck.has(issueKey(ref)));
    if (held.length > 0) blocked.set(number, held);
  }
  return blocked;
}

/** `goal:queued · blocked by #12 (stuck)`, or the state label alone. */
function stateText(goal: GoalSnapshot, blockedBy: readonly IssueRef[]): string {
  const state = goal.state ? stateLabel(goal.state) : "(no state)";
  if (blockedBy.length === 0) return state;
  return `${state} · blocked by ${blockedBy.map((ref) => formatIssueRef(ref, goal.ref)).join(", ")} (stuck)`;
}

function goalJson(goal: GoalSnapshot, blockedBy: readonly IssueRef[]) {
  return {
    number: goal.ref.number,
    title: goal.title,
    state: goal.state,
    /** Dependencies that are goal:stuck now: the goal cannot run until a human acts on them. */
    blockedBy: blockedBy.map((ref) => formatIssueRef(ref, goal.ref)),
    attemptsUsed: attemptsUsed(goal.markers),
    url: goal.url,
    createdAt: goal.createdAt,
  };
}

function listLine(goal: GoalSnapshot, blockedBy: readonly IssueRef[]): string {
  const attempts = attemptsUsed(goal.markers);
  return `${`#${String(goal.ref.number).padEnd(5)} ${stateText(goal, blockedBy).padEnd(16)} ${attempts > 0 ? `attempts ${attempts}` : "new"}`.padEnd(39)} ${goal.title}`;
}

function describeGoal(goal: GoalSnapshot, blockedBy: readonly IssueRef[]): string {
  const lines = [
    `#${goal.ref.number} ${goal.title}`,
    `state:    ${goal.state ? stateText(goal, blockedBy) : "(no state label)"}${goal.open ? "" : " (closed)"}`,
    `attempts: ${attemptsUsed(goal.markers)} used`,
    `url:      ${goal.url}`,
  ];
  try {
    const body = parseGoalBody(goal.body, goal.ref);
    if (body.story) lines.push(`story:    ${formatIssueRef(body.story, goal.ref)}`);
    if (body.depends.length > 0) {
      lines.push(
        `depends:  ${body.depends.map((ref) => formatIssueRef(ref, goal.ref)).join(", ")}`,
      );
    }
    lines.push(
      "",
      "Objective:",
      indent(body.objective),
      "",
      "Acceptance:",
      indent(body.acceptance),
    );
  } catch (error) {
    lines.push("", `The body is not a valid goal: ${messageOf(error)}`);
  }
  if (goal.markers.length > 0) lines.push("", "History:", ...goal.markers.map(historyLine));
  return lines.join("\n");
}

function historyLine(marker: TrustedMarker): string {
  const when = marker.createdAt.replace("T", " ").replace(/\.\d+Z$|Z$/, "Z");
  switch (marker.kind) {
    case "transition":
      return `  ${when}  ${marker.from ?? "no state"} → ${marker.to}: ${marker.reason}`;
    case "claim":
      return `  ${when}  attempt ${marker.attempt} claimed (lease until ${marker.leaseExpiresAt})`;
    case "run-result":
      return `  ${when}  attempt ${marker.attempt}: ${marker.outcome} — ${marker.reason}${marker.prUrl ? ` (${marker.prUrl})` : ""}`;
    case "feedback":
      return `  ${when}  ${marker.round ? `review round ${marker.round}: ` : ""}feedback (${marker.source}) on attempt ${marker.attempt}: ${marker.text}`;
    case "blocked":
      return `  ${when}  blocked by ${marker.by.join(", ")} (stuck)`;
    case "review-reply":
      return `  ${when}  answered ${marker.requests.length} review request(s) on its pull request (${marker.reason})`;
  }
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((line) => `  ${line}`)
    .join("\n");
}
