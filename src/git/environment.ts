/**
 * The environment git runs in, built from scratch, and the GIT_CONFIG_COUNT/KEY/VALUE entries
 * through which settings reach git without any config file.
 */

/** Variables of the caller's environment that git still gets: what it needs to run and reach a network. */
const GIT_PASSED_ENV =
  /^(PATH|TMPDIR|SYSTEMROOT|SSH_AUTH_SOCK|GIT_SSH_COMMAND|GIT_TRACE\w*|GIT_CURL_VERBOSE|GIT_SSL_CAINFO|GIT_SSL_CAPATH|(?:https?|no|all)_proxy|(?:HTTPS?|NO|ALL)_PROXY)$/;

/**
 * The environment every git command runs with, built from scratch: never the caller's secrets
 * (the App key, INPUT_* values), never a config file outside the repository (no system or global
 * config, no HOME, so no ~/.gitconfig, ~/.config/git/attributes or excludes an agent could have
 * written), never a hook or an fsmonitor, never a prompt; messages in English for parsing.
 */
export function gitEnvironment(from: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(from)) {
    if (value !== undefined && GIT_PASSED_ENV.test(name)) env[name] = value;
  }
  Object.assign(env, {
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_TERMINAL_PROMPT: "0",
    GIT_ASKPASS: "", // empty: no askpass program, and core.askPass is not consulted
    SSH_ASKPASS: "",
    GCM_INTERACTIVE: "never",
    LC_ALL: "C",
    LANGUAGE: "C",
  });
  // Config given this way wins over the repository's own .git/config.
  addConfig(env, "core.hooksPath", "/dev/null");
  addConfig(env, "core.fsmonitor", "false");
  addConfig(env, "protocol.ext.allow", "never");
  return env;
}

/** Appends one entry to the GIT_CONFIG_COUNT/KEY/VALUE list (keeping the caller's entries). */
export function addConfig(env: NodeJS.ProcessEnv, key: string, value: string): void {
  const count = Number.parseInt(env.GIT_CONFIG_COUNT ?? "0", 10);
  const index = Number.isSafeInteger(count) && count > 0 ? count : 0;
  env[`GIT_CONFIG_KEY_${index}`] = key;
  env[`GIT_CONFIG_VALUE_${index}`] = value;
  env.GIT_CONFIG_COUNT = String(index + 1);
}
