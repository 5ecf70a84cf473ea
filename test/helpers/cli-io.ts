import type { CliIo } from "../../src/cli/io.js";

/** A CLI's standard output and error, kept apart and together, for in-process runs. */
export function captureIo() {
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
    readStdin: () => "",
    isStdinTTY: true,
  };
  return { io, out: () => out.join(""), err: () => err.join(""), text: () => both.join("") };
}
