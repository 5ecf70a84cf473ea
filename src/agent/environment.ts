import { UserError } from "../core/errors.js";
import { ENV_NAME } from "../core/input-values.js";

/**
 * The environment an agent process gets (design §4). It is built from scratch, never inherited:
 * the runner's own environment holds secrets (GITHUB_TOKEN, GH_TOKEN, the INPUT_* and ACTIONS_*
 * variables of the Actions runtime) that an agent working on untrusted issue text must not see.
 */

/** Variables passed through from the runner's environment when they are set. */
const BASE_ENV_NAMES = ["PATH", "HOME", "LANG", "LC_ALL", "TERM", "TMPDIR", "USER"] as const;

export interface AgentEnvInput {
  /** GOAL_FILE, GOAL_NUMBER, … (design §4). They win over anything taken from `from`. */
  contract: Record<string, string>;
  /** Exact variable names from the agent-env allow-list; no patterns. */
  allow: readonly string[];
  /** The environment to take the base and allow-listed variables from (normally process.env). */
  from: NodeJS.ProcessEnv;
}

/**
 * The complete environment for the agent: the base variables that are set in `from`
 * (PATH, HOME, LANG, LC_ALL, TERM, TMPDIR, USER), the allow-listed names that are set in `from`,
 * then the contract variables. Nothing else: GITHUB_TOKEN, GH_TOKEN, INPUT_*, ACTIONS_* and every
 * other variable stay out unless the allow-list names them exactly.
 */
export function buildAgentEnv(input: AgentEnvInput): Record<string, string> {
  const problems = input.allow.filter((name) => !ENV_NAME.test(name));
  if (problems.length > 0) {
    throw new UserError(
      `The agent-env allow-list holds ${problems.map((p) => `"${p}"`).join(", ")}: it takes exact variable names (letters, digits and _, not starting with a digit), no patterns.`,
    );
  }
  const env: Record<string, string> = {};
  for (const name of [...BASE_ENV_NAMES, ...input.allow]) {
    const value = Object.hasOwn(input.from, name) ? input.from[name] : undefined;
    if (value !== undefined) env[name] = value;
  }
  for (const [name, value] of Object.entries(input.contract)) {
    if (!ENV_NAME.test(name)) {
      throw new UserError(`"${name}" is not a valid environment variable name for the agent.`);
    }
    env[name] = value;
  }
  return env;
}
