// Public entry point of the local GitHub API test server.
export type { AccountedRequest, Usage } from "./accounting.js";
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
  CONTENT_CREATING_MUTATIONS,
  CONTENT_CREATING_OPERATIONS,
  contentCreatedBy,
  graphqlCost,
  graphqlPoints,
  isMutation,
  mutationFields,
  secondaryPoints,
} from "./limits.js";
export {
  ACTIONS_TOKEN_LIMITS,
  INSTALLATION_LIMITS,
  type LimitsOptions,
  type PrimaryLimits,
  SECONDARY_LIMITS,
  USER_LIMITS,
} from "./rate-limiter.js";
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
