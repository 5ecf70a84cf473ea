// One step of the runner action as a self-hosted runner runs it: as a non-root user, from an
// installed copy of the bundle, with real GITHUB_OUTPUT / GITHUB_STATE / GITHUB_STEP_SUMMARY /
// GITHUB_ENV / GITHUB_PATH files under RUNNER_TEMP, inputs as INPUT_* and (post step) the
// main step's state as STATE_*.
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { chownSync, lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The runner user when the tests run as root: nobody / nogroup. */
export const RUNNER_UID = 65534;
export const RUNNER_GID = 65534;
export const AS_ROOT = process.getuid?.() === 0;

/** Gives a path (recursively) to the runner user, when the tests run as root. */
export function giveToRunner(path: string): void {
  if (!AS_ROOT) return;
  chownSync(path, RUNNER_UID, RUNNER_GID);
  if (lstatSync(path).isDirectory()) {
    for (const name of readdirSync(path)) giveToRunner(join(path, name));
  }
}

export interface StepFiles {
  output: string;
  state: string;
  summary: string;
  env: string;
  path: string;
}

export interface StepResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  /** What the step wrote to each file command file, raw. */
  files: Record<keyof StepFiles, string>;
  /** GITHUB_OUTPUT and GITHUB_STATE read as the Actions runner reads them. */
  outputs: Record<string, string>;
  state: Record<string, string>;
}

/**
 * Reads a file command file (GITHUB_OUTPUT, GITHUB_STATE, GITHUB_ENV) as the Actions runner
 * does: `name=value` lines and `name<<DELIMITER` heredocs; later values win.
 */
export function readFileCommands(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (!line) continue;
    const equals = line.indexOf("=");
    const heredoc = line.indexOf("<<");
    if (equals >= 0 && (heredoc < 0 || equals < heredoc)) {
      values[line.slice(0, equals)] = line.slice(equals + 1);
      continue;
    }
    if (heredoc < 0) continue; // the runner fails the step on such a line
    const name = line.slice(0, heredoc);
    const delimiter = line.slice(heredoc + 2);
    const value: string[] = [];
    while (i + 1 < lines.length && lines[i + 1] !== delimiter) value.push(lines[++i] ?? "");
    i++;
    values[name] = value.join("\n");
  }
  return values;
}

/**
 * Problems with a file command file that only the runner's @actions/core should have written:
 * every line must belong to a `name<<ghadelimiter_<uuid>` block with a fresh delimiter, each
 * name at most once and one of `allowed`.
 */
export function strangeFileCommands(text: string, allowed: readonly string[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  const delimiters = new Set<string>();
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const match = /^([A-Za-z_][A-Za-z0-9_-]*)<<(ghadelimiter_[0-9a-f-]{36})$/.exec(line);
    if (!match?.[1] || !match[2]) {
      problems.push(`a line no runner command wrote: ${JSON.stringify(line.slice(0, 200))}`);
      continue;
    }
    const [, name, delimiter] = match;
    if (delimiters.has(delimiter)) problems.push(`delimiter ${delimiter} used twice`);
    delimiters.add(delimiter);
    if (seen.has(name)) problems.push(`"${name}" written twice`);
    seen.add(name);
    if (!allowed.includes(name)) problems.push(`"${name}" is not one of the runner's keys`);
    const end = lines.indexOf(delimiter, i + 1);
    if (end < 0) {
      problems.push(`"${name}" is never closed`);
      break;
    }
    i = end;
  }
  return problems;
}

export interface StepOptions {
  /** The installed bundle. */
  bundle: string;
  /** The runner's environment (without INPUT_*, STATE_* and the file command variables). */
  env: NodeJS.ProcessEnv;
  inputs: Record<string, string>;
  /** The main step's state: makes this the post step. */
  state?: Record<string, string>;
  /** RUNNER_TEMP: the file command files go into its _runner_file_commands. */
  runnerTemp: string;
  /** The step's working directory (GITHUB_WORKSPACE). */
  cwd: string;
  timeoutMs?: number;
}

export async function runStep(options: StepOptions): Promise<StepResult> {
  const commands = join(options.runnerTemp, "_runner_file_commands");
  mkdirSync(commands, { recursive: true });
  giveToRunner(commands);
  const id = randomUUID();
  const files: StepFiles = {
    output: join(commands, `set_output_${id}`),
    state: join(commands, `save_state_${id}`),
    summary: join(commands, `step_summary_${id}`),
    env: join(commands, `set_env_${id}`),
    path: join(commands, `add_path_${id}`),
  };
  for (const file of Object.values(files)) {
    writeFileSync(file, "");
    giveToRunner(file);
  }
  const env: NodeJS.ProcessEnv = {
    ...options.env,
    RUNNER_TEMP: options.runnerTemp,
    GITHUB_OUTPUT: files.output,
    GITHUB_STATE: files.state,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_ENV: files.env,
    GITHUB_PATH: files.path,
  };
  for (const [name, value] of Object.entries(options.inputs)) {
    env[`INPUT_${name.replace(/ /g, "_").toUpperCase()}`] = value;
  }
  for (const [name, value] of Object.entries(options.state ?? {})) env[`STATE_${name}`] = value;
  const [command, args] = AS_ROOT
    ? [
        "setpriv",
        [
          `--reuid=${RUNNER_UID}`,
          `--regid=${RUNNER_GID}`,
          "--clear-groups",
          "--",
          process.execPath,
          options.bundle,
        ],
      ]
    : [process.execPath, [options.bundle]];
  const child = spawn(command, args, { env, cwd: options.cwd });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const timer = setTimeout(() => {
    stderr += "\n[harness] the step ran too long: SIGKILL\n";
    child.kill("SIGKILL");
  }, options.timeoutMs ?? 240_000);
  const [code, signal] = await new Promise<[number | null, string | null]>((done) =>
    child.on("close", (c, s) => done([c, s])),
  );
  clearTimeout(timer);
  const read = (file: string) => readFileSync(file, "utf8");
  const raw = {
    output: read(files.output),
    state: read(files.state),
    summary: read(files.summary),
    env: read(files.env),
    path: read(files.path),
  };
  return {
    code,
    signal,
    stdout,
    stderr,
    files: raw,
    outputs: readFileCommands(raw.output),
    state: readFileCommands(raw.state),
  };
}
