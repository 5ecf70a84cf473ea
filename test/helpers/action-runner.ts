import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type RunResult, run } from "./runtimes.js";

export interface ActionRun extends RunResult {
  outputs: Record<string, string>;
  summary: string;
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
 * Runs an action's bundle as the runner does: inputs as INPUT_* variables, GITHUB_OUTPUT and
 * GITHUB_STEP_SUMMARY files, and the workflow's environment.
 */
export async function runActionBundle(
  node: string,
  action: string,
  inputs: Record<string, string>,
  env: NodeJS.ProcessEnv,
): Promise<ActionRun> {
  const dir = mkdtempSync(join(tmpdir(), "goal-action-"));
  try {
    const output = join(dir, "output");
    const summary = join(dir, "summary");
    writeFileSync(output, "");
    writeFileSync(summary, "");
    const fullEnv: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      ...env,
      GITHUB_OUTPUT: output,
      GITHUB_STEP_SUMMARY: summary,
    };
    for (const [name, value] of Object.entries(inputs))
      fullEnv[`INPUT_${name.toUpperCase()}`] = value;
    const result = await run(node, [resolve("dist", action, "index.js")], { env: fullEnv });
    return {
      ...result,
      outputs: readOutputs(readFileSync(output, "utf8")),
      summary: readFileSync(summary, "utf8"),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
