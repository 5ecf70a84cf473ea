import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type RunOptions, type RunResult, run } from "./runtimes.js";

export interface ActionRun extends RunResult {
  outputs: Record<string, string>;
  summary: string;
  /** What the step saved for its post step (core.saveState). */
  state: Record<string, string>;
}

/** Reads the name<<delimiter … delimiter blocks that @actions/core writes to GITHUB_OUTPUT. */
export function readOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const match = /^([^<]+)<<(.+)$/.exec(lines[i] ?? "");
    if (!match?.[1] || !match[2]) continue;
    const value: string[] = [];
    while (i + 1 < lines.length && lines[i + 1] !== match[2]) value.push(lines[++i] ?? "");
    i++;
    outputs[match[1]] = value.join("\n");
  }
  return outputs;
}

/**
 * Runs an action's bundle as the runner does: inputs as INPUT_* variables, GITHUB_OUTPUT,
 * GITHUB_STEP_SUMMARY and GITHUB_STATE files, and the workflow's environment. Passing the main
 * step's `state` runs it as the post step.
 */
export async function runActionBundle(
  node: string,
  action: string,
  inputs: Record<string, string>,
  env: NodeJS.ProcessEnv,
  options: { state?: Record<string, string>; started?: RunOptions["started"] } = {},
): Promise<ActionRun> {
  const dir = mkdtempSync(join(tmpdir(), "goal-action-"));
  try {
    const output = join(dir, "output");
    const summary = join(dir, "summary");
    const state = join(dir, "state");
    for (const file of [output, summary, state]) writeFileSync(file, "");
    const fullEnv: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      ...env,
      GITHUB_OUTPUT: output,
      GITHUB_STEP_SUMMARY: summary,
      GITHUB_STATE: state,
    };
    for (const [name, value] of Object.entries(inputs))
      fullEnv[`INPUT_${name.toUpperCase()}`] = value;
    for (const [name, value] of Object.entries(options.state ?? {}))
      fullEnv[`STATE_${name}`] = value;
    const result = await run(node, [resolve("dist", action, "index.js")], {
      env: fullEnv,
      ...(options.started ? { started: options.started } : {}),
    });
    return {
      ...result,
      outputs: readOutputs(readFileSync(output, "utf8")),
      summary: readFileSync(summary, "utf8"),
      state: readOutputs(readFileSync(state, "utf8")),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
