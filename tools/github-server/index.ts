// Public entry point of the local GitHub API test server.
export type {
  ActiveFault,
  FaultSpec,
  HookedRequest,
  RequestHookSpec,
  StormFaultKind,
  StormOptions,
  StormStats,
} from "./faults.js";
export { STORM_FAULT_KINDS, seededRandom } from "./faults.js";
export { createBareRepository } from "./git.js";
export {
  GitHubServer,
  type RequestLogEntry,
  type StartOptions,
  startGitHubServer,
} from "./server.js";
export type {
  CheckRunModel,
  CheckRunSeed,
  CreateRepositoryOptions,
  GitHubState,
  IssueModel,
  Permission,
  PullModel,
  RepoModel,
  RunnerSeed,
  WorkflowDispatchModel,
  WorkflowRunSeed,
  WorkflowSeed,
} from "./state.js";
