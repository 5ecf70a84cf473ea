import { constants } from "node:fs";
import { lstat, open, readdir, realpath } from "node:fs/promises";
import { join } from "node:path";

/** A full object name: SHA-1, or SHA-256. */
const OBJECT_NAME = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
/** More than any real HEAD or packed-refs file the runner needs to read. */
const MAX_BYTES = 16 * 1024 * 1024;

/**
 * The commit the agent's HEAD names, read from its repository's files as data: no git runs in
 * the agent's repository (its config, hooks and fsmonitor are the agent's). Only the plain
 * layout is read — `.git` a folder, HEAD a branch (loose or packed) or a commit — and no link
 * is followed; anything else is an error, which fails the attempt.
 */
export async function readAgentHead(workTree: string): Promise<string> {
  const gitDir = join(workTree, ".git");
  const read = async (name: string) => {
    await refuseLinks(workTree, join(".git", name));
    return readPlainFile(join(gitDir, name));
  };
  const head = (await read("HEAD")).trim();
  if (OBJECT_NAME.test(head)) return head;
  const branch = /^ref: (refs\/heads\/\S+)$/.exec(head)?.[1];
  if (branch === undefined || branch.split("/").some((part) => part === ".." || part === "")) {
    throw new Error(
      `its HEAD is neither a branch nor a commit: ${JSON.stringify(head.slice(0, 80))}`,
    );
  }
  const loose = await read(branch).catch(() => null);
  if (loose !== null && OBJECT_NAME.test(loose.trim())) return loose.trim();
  const packed = await read("packed-refs").catch(() => "");
  for (const line of packed.split("\n")) {
    const [name, ref] = line.trim().split(" ");
    if (ref === branch && name !== undefined && OBJECT_NAME.test(name)) return name;
  }
  throw new Error(`its HEAD names ${branch}, which holds no commit`);
}

/**
 * Refuses a path inside the work tree reached through a link. A `.git`, `refs` or `objects`
 * that links elsewhere would have the runner read another repository on this machine (another
 * goal's, say: their paths are predictable) as if it were the agent's, and push it.
 */
export async function refuseLinks(workTree: string, relativePath: string): Promise<void> {
  const real = await realpath(join(workTree, relativePath));
  if (real !== join(await realpath(workTree), relativePath)) {
    throw new Error(`${relativePath} in its work tree is reached through a link`);
  }
}

/**
 * Checks that the agent's object store is its own folder: `.git`, `objects`, `objects/info` and
 * `objects/pack` are no links, and nothing in `objects` or `objects/pack` is one.
 */
export async function checkAgentObjects(workTree: string): Promise<void> {
  for (const dir of [".git", ".git/objects", ".git/objects/info", ".git/objects/pack"]) {
    await refuseLinks(workTree, dir);
  }
  for (const dir of [".git/objects", ".git/objects/pack"]) {
    for (const name of await readdir(join(workTree, dir))) {
      if ((await lstat(join(workTree, dir, name))).isSymbolicLink()) {
        throw new Error(`${dir}/${name} in its work tree is a link`);
      }
    }
  }
}

/** A regular file's text, refusing links, anything that is not a file, and large files. */
export async function readPlainFile(path: string, maxBytes = MAX_BYTES): Promise<string> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new Error(`${path} is not a regular file`);
    if (info.size > maxBytes) throw new Error(`${path} is larger than ${maxBytes} bytes`);
    return await handle.readFile("utf8");
  } finally {
    await handle.close();
  }
}
