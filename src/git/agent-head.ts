import { constants, createWriteStream } from "node:fs";
import {
  type FileHandle,
  lstat,
  mkdir,
  open,
  readdir,
  realpath,
  rename,
  rm,
} from "node:fs/promises";
import { dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";

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
  // Each file is opened one path component at a time, none of them a link, so an agent that
  // swaps `.git` or `refs` for a link while this reads (it may still be running: checkpoints)
  // cannot have it read another repository's refs.
  const read = (name: string) => readBeneath(workTree, `.git/${name}`);
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
async function refuseLinks(workTree: string, relativePath: string): Promise<void> {
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
  // O_NONBLOCK: a FIFO put in a file's place must not hang the runner (no effect on files).
  const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  return await readHandle(handle, path, maxBytes);
}

async function readHandle(handle: FileHandle, path: string, maxBytes: number): Promise<string> {
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new Error(`${path} is not a regular file`);
    if (info.size > maxBytes) throw new Error(`${path} is larger than ${maxBytes} bytes`);
    return await handle.readFile("utf8");
  } finally {
    await handle.close();
  }
}

/** The text of a regular file at `relativePath` under `root`, opened as openBeneath does. */
async function readBeneath(
  root: string,
  relativePath: string,
  maxBytes = MAX_BYTES,
): Promise<string> {
  return await readHandle(await openBeneath(root, relativePath), relativePath, maxBytes);
}

/**
 * Opens `relativePath` under `root` one component at a time, each relative to the folder opened
 * before it (through /proc/self/fd) and none followed if it is a link: what is opened is really
 * beneath `root` at the moment it is opened, whatever the agent renames or links meanwhile.
 * Checking a path first and opening it afterwards would leave the agent that moment.
 */
async function openBeneath(
  root: string,
  relativePath: string,
  options: { directory?: boolean } = {},
): Promise<FileHandle> {
  const parts = relativePath.split("/").filter((part) => part !== "");
  if (parts.some((part) => part === "." || part === "..")) {
    throw new Error(`${relativePath} is not a plain path`);
  }
  let current = await open(root, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    for (const [index, part] of parts.entries()) {
      const last = index === parts.length - 1;
      const next = await openChild(current, part, !last || options.directory === true).catch(
        (error: NodeJS.ErrnoException) => {
          const where = parts.slice(0, index + 1).join("/");
          if (error.code === "ELOOP" || error.code === "ENOTDIR") {
            throw new Error(`${where} in its work tree is a link or not a folder`);
          }
          throw new Error(`${where} in its work tree cannot be opened (${error.code ?? error})`);
        },
      );
      await current.close();
      current = next;
    }
    return current;
  } catch (error) {
    await current.close().catch(() => {});
    throw error;
  }
}

/** One entry of an open folder, never through a link; a FIFO does not block. */
function openChild(dir: FileHandle, name: string, directory: boolean): Promise<FileHandle> {
  const flags =
    constants.O_RDONLY |
    constants.O_NOFOLLOW |
    constants.O_NONBLOCK |
    (directory ? constants.O_DIRECTORY : 0);
  return open(`${fdPath(dir)}/${name}`, flags);
}

/** The folder an open handle names, as a path that does not depend on where it is now. */
function fdPath(handle: FileHandle): string {
  return `/proc/self/fd/${handle.fd}`;
}

const LOOSE_DIR = /^[0-9a-f]{2}$/;
const LOOSE_OBJECT = /^(?:[0-9a-f]{38}|[0-9a-f]{62})$/;
const PACK = /^pack-(?:[0-9a-f]{40}|[0-9a-f]{64})\.pack$/;
/** More than any object file a push could carry (GitHub refuses pushes over 2 GB). */
const MAX_OBJECT_FILE_BYTES = 2 * 1024 * 1024 * 1024;

/**
 * Copies the object files of the agent's repository (loose objects, and packs with their
 * index) into `objectsDir`, the object store of a repository of the runner's own, skipping the
 * names in `copied` and adding those it copies. Every file is opened with openBeneath, so only
 * bytes that really are in the agent's own object store are copied, even while the agent runs
 * and swaps links in: no object of another repository on this machine can come along. Files
 * that vanish meanwhile (the agent's git repacking) are skipped. Returns how many it copied.
 */
export async function copyAgentObjects(
  workTree: string,
  objectsDir: string,
  copied: Set<string>,
): Promise<number> {
  let count = 0;
  const copy = async (dir: FileHandle, folder: string, name: string) => {
    const relativePath = `${folder}/${name}`;
    if (copied.has(relativePath)) return;
    if (await copyFile(dir, name, join(objectsDir, relativePath))) {
      copied.add(relativePath);
      count++;
    }
  };
  const objects = await openBeneath(workTree, ".git/objects", { directory: true });
  try {
    for (const folder of await readdir(fdPath(objects))) {
      if (!LOOSE_DIR.test(folder) && folder !== "pack") continue;
      const dir = await openChild(objects, folder, true).catch(() => null);
      if (dir === null) continue; // a link, or gone: nothing of the agent's own
      try {
        const names = await readdir(fdPath(dir));
        if (folder !== "pack") {
          for (const name of names.filter((n) => LOOSE_OBJECT.test(n))) {
            await copy(dir, folder, name);
          }
          continue;
        }
        const indexes = new Set(names);
        for (const pack of names.filter((n) => PACK.test(n))) {
          const index = pack.replace(/\.pack$/, ".idx");
          if (!indexes.has(index)) continue; // still being written
          // The pack first: git only looks for packs through their index.
          await copy(dir, folder, pack);
          if (copied.has(`${folder}/${pack}`)) await copy(dir, folder, index);
        }
      } finally {
        await dir.close();
      }
    }
  } finally {
    await objects.close();
  }
  return count;
}

/** Copies one regular file of an open folder to `target` (whole or not at all); false if gone. */
async function copyFile(dir: FileHandle, name: string, target: string): Promise<boolean> {
  let source: FileHandle;
  try {
    source = await openChild(dir, name, false);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw new Error(`${name} in its object store cannot be opened as a file`);
  }
  const partial = `${target}.partial`;
  try {
    const info = await source.stat();
    if (!info.isFile()) throw new Error(`${name} in its object store is not a regular file`);
    if (info.size > MAX_OBJECT_FILE_BYTES) {
      throw new Error(`${name} in its object store is larger than ${MAX_OBJECT_FILE_BYTES} bytes`);
    }
    await mkdir(dirname(target), { recursive: true });
    await pipeline(
      source.createReadStream({ autoClose: false }),
      createWriteStream(partial, { mode: 0o444 }),
    );
    await rename(partial, target);
    return true;
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  } finally {
    await source.close();
  }
}
