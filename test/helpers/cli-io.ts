import type { CliIo } from "../../src/cli/io.js";

/**
 * A CLI's standard output and error, kept apart and together, for in-process runs. Without
 * `stdin` standard input is a terminal; with it, a pipe that `stdin` reads.
 */
export function captureIo(stdin?: () => Promise<string>) {
  const out: string[] = [];
  const err: string[] = [];
  const both: string[] = [];
  const io: CliIo = {
    stdout: (text) => {
      out.push(text);
      both.push(text);
    },
    stderr: (text) => {
      err.push(text);
      both.push(text);
    },
    readStdin: stdin ?? (async () => ""),
    isStdinTTY: stdin === undefined,
  };
  return { io, out: () => out.join(""), err: () => err.join(""), text: () => both.join("") };
}
