import { readFileSync } from "node:fs";
import { UserError } from "../core/errors.js";

/** What a CLI reads and writes, so tests can run it in-process or as a real process. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  readStdin: () => string;
  isStdinTTY: boolean;
}

export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readStdin: () => readFileSync(0, "utf8"),
  isStdinTTY: Boolean(process.stdin.isTTY),
};

/**
 * Runs a CLI's main function: a UserError prints its message alone (it is written for the
 * user); anything else prints the stack, since it is our bug. Returns the exit code.
 */
export async function runCli(name: string, main: () => Promise<number>, io: CliIo = processIo) {
  try {
    return await main();
  } catch (error) {
    if (error instanceof UserError) {
      io.stderr(`${name}: ${error.message}\n`);
      return 2;
    }
    io.stderr(
      `${name}: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return 1;
  }
}

/** A positive whole number given on the command line, or a UserError naming the argument. */
export function parseIssueNumber(text: string | undefined, what: string): number {
  const trimmed = (text ?? "").trim().replace(/^#/, "");
  if (!/^\d+$/.test(trimmed) || Number(trimmed) < 1) {
    throw new UserError(
      `${what}: "${text ?? ""}" is not an issue number (use a number like 12 or #12).`,
    );
  }
  return Number(trimmed);
}

/** Issue titles are anyone's text: no control characters (terminal escapes) reach the screen. */
export function terminalSafe(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, " ");
}
