import { UserError } from "../core/errors.js";
import { issueNumber } from "../core/input-values.js";

/** What a CLI reads and writes, so tests can run it in-process or as a real process. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** All of standard input, as UTF-8 (at most MAX_STDIN_BYTES, or a UserError). */
  readStdin: () => Promise<string>;
  isStdinTTY: boolean;
}

/** The most standard input a CLI reads: far more than any text GitHub accepts. */
export const MAX_STDIN_BYTES = 4 * 1024 * 1024;

/**
 * Reads a stream to its end as UTF-8. Async iteration waits for a writer that starts late and
 * takes input of any size (a synchronous read of fd 0 fails with EAGAIN on a non-blocking pipe
 * and stops at 64 KB). Past `maxBytes` it stops reading with a UserError.
 */
export async function readStream(
  stream: AsyncIterable<Buffer | string>,
  maxBytes: number = MAX_STDIN_BYTES,
): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
    size += bytes.length;
    if (size > maxBytes) {
      throw new UserError(
        `standard input: the body is too large (over ${maxBytes.toLocaleString("en-US")} bytes, the most read from standard input).`,
      );
    }
    chunks.push(bytes);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readStdin: () => readStream(process.stdin),
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

/** An issue number given on the command line (12 or #12), or a UserError naming the argument. */
export function parseIssueNumber(text: string | undefined, what: string): number {
  const read = issueNumber(text ?? "");
  if (!read.ok) throw new UserError(`${what}: ${read.problem}.`);
  return read.value;
}

/** Issue titles are anyone's text: no control characters (terminal escapes) reach the screen. */
export function terminalSafe(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, " ");
}
