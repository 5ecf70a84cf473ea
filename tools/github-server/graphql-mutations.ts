// GraphQL mutations the orchestrator uses: enabling/disabling auto-merge on a pull request, and
// the issue edits of graphql-issue-mutations.ts (updateIssue, updateIssueComment).
// Which refusal applies is controlled through the model: `repo.allowAutoMerge`,
// `repo.protectedBranches` and `pull.mergeStateStatus` ("CLEAN" → "clean status").
import { issueMutations } from "./graphql-issue-mutations.js";
import { GitHubGraphQLError, VIEW, type View, type Views } from "./graphql-views.js";
import type { GitHubState, IssueModel, UserModel } from "./state.js";

type Input = Record<string, unknown>;

function pullOf(state: GitHubState, viewer: UserModel, id: unknown): IssueModel {
  const model = state.nodes.get(String(id));
  if (!model || !("pull" in model) || !model.pull || !state.can(model.repo, viewer, "read")) {
    throw new GitHubGraphQLError(
      "NOT_FOUND",
      `Could not resolve to a node with the global id of '${String(id)}'`,
      true,
    );
  }
  if (!state.can(model.repo, viewer, "write")) {
    throw new GitHubGraphQLError(
      "FORBIDDEN",
      `${viewer.login} does not have permission to enable auto-merge on this pull request.`,
      true,
    );
  }
  return model;
}

const refuse = (reason: string) =>
  new GitHubGraphQLError("UNPROCESSABLE", `Pull request ${reason}`, true);

export function mutationRoot(state: GitHubState, views: Views, viewer: UserModel): View {
  return {
    ...issueMutations(state, views, viewer),
    enablePullRequestAutoMerge: (args: { input: Input }) => {
      const issue = pullOf(state, viewer, args.input.pullRequestId);
      const pull = issue.pull;
      if (!pull) throw new Error("unreachable");
      if (!issue.repo.allowAutoMerge) refuseWith("Auto merge is not allowed for this repository");
      if (pull.merged) refuseWith("Pull request is already merged");
      if (issue.state === "closed") refuseWith("Pull request is closed");
      if (!issue.repo.protectedBranches.has(pull.base)) {
        refuseWith("Protected branch rules not configured for this branch");
      }
      if (pull.mergeStateStatus === "CLEAN") refuseWith("Pull request is in clean status");
      if (pull.mergeStateStatus === "UNSTABLE") refuseWith("Pull request is in unstable status");
      pull.autoMerge = {
        enabledAt: state.now(),
        enabledBy: viewer,
        mergeMethod: (args.input.mergeMethod as "MERGE" | "SQUASH" | "REBASE") ?? "MERGE",
      };
      state.touch(issue);
      return payload(views, viewer, issue, args.input);
    },
    disablePullRequestAutoMerge: (args: { input: Input }) => {
      const issue = pullOf(state, viewer, args.input.pullRequestId);
      if (issue.pull) issue.pull.autoMerge = null;
      state.touch(issue);
      return payload(views, viewer, issue, args.input);
    },
  };
}

function refuseWith(reason: string): never {
  throw refuse(reason);
}

function payload(views: Views, viewer: UserModel, issue: IssueModel, input: Input): View {
  return {
    [VIEW]: true,
    clientMutationId: input.clientMutationId ?? null,
    actor: views.user(viewer),
    pullRequest: views.pullRequest(issue),
  };
}
