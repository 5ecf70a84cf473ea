import { mkdir, open } from "node:fs/promises";
import { dirname } from "node:path";
import type { Readable, Writable } from "node:stream";
import { UserError } from "../core/errors.js";
import { LOG_TAIL_LINES } from "../core/markers.js";
import { LineSplitter } from "./lines.js";

type StreamName = "stdout" | "stderr";

/**
 * An agent's output (design §7): stdout and stderr read line by line, each line handed to
 * `onLine` and appended to the log file, with the agent's pipes paused while the file falls
 * behind (the agent then blocks on its writes), so memory stays bounded whatever the volume.
 */
export class AgentOutput {
  /** Bytes read from stdout and stderr together. */
  bytes = 0;
  /** True while the pipes wait for the log file to drain. */
  paused = false;
  readonly #log: Writable;
  readonly #onLine: ((line: string, stream: StreamName) => void) | undefined;
  readonly #last = new RingBuffer<string>(LOG_TAIL_LINES);
  readonly #pipes: Readable[] = [];
  #logError: string | undefined;

  private constructor(
    file: string,
    log: Writable,
    onLine: ((line: string, stream: StreamName) => void) | undefined,
  ) {
    this.#log = log;
    this.#onLine = onLine;
    log.on("error", (error) => {
      this.#logError ??= `could not write the agent log ${file}: ${error.message}`;
      this.#resume();
    });
  }

  /** Opens (appends to) the log file, creating its folders. */
  static async open(
    file: string,
    onLine?: (line: string, stream: StreamName) => void,
  ): Promise<AgentOutput> {
    try {
      await mkdir(dirname(file), { recursive: true });
      const handle = await open(file, "a");
      return new AgentOutput(
        file,
        handle.createWriteStream({ highWaterMark: 1024 * 1024 }),
        onLine,
      );
    } catch (error) {
      throw new UserError(
        `Cannot write the agent log ${file}: ${(error as Error).message}. Check the log directory setting and its permissions.`,
      );
    }
  }

  /** Reads one of the agent's pipes until it ends (or is destroyed). */
  read(stream: Readable, name: StreamName): void {
    this.#pipes.push(stream);
    const splitter = new LineSplitter();
    stream.on("data", (chunk: Buffer) => {
      this.bytes += chunk.length;
      this.#write(splitter.push(chunk), name);
    });
    // "end" (all data read) or "close" (destroyed while an escaped process held the pipe).
    const flush = () => this.#write(splitter.end(), name);
    stream.once("end", flush);
    stream.once("close", flush);
    stream.on("error", () => {});
  }

  /** Stops reading: the pipes are dropped even if a process outside the group holds them. */
  destroyPipes(): void {
    for (const pipe of this.#pipes) pipe.destroy();
  }

  lastLines(): string[] {
    return this.#last.toArray();
  }

  /** Closes the log file; resolves with what went wrong writing it, if anything. */
  end(): Promise<string | undefined> {
    return new Promise((resolve) => {
      this.#log.end(() => resolve(this.#logError));
      // end()'s callback is not called when the stream failed; "close" always comes.
      this.#log.once("close", () => resolve(this.#logError));
    });
  }

  #write(lines: string[], name: StreamName): void {
    if (lines.length === 0) return;
    for (const line of lines) {
      try {
        this.#onLine?.(line, name);
      } catch {
        // Documented: the callback's errors must not stop the run or the log.
      }
    }
    this.#last.pushAll(lines);
    if (this.#logError === undefined && !this.#log.write(`${lines.join("\n")}\n`)) this.#pause();
  }

  #pause(): void {
    if (this.paused) return;
    this.paused = true;
    for (const pipe of this.#pipes) pipe.pause();
    this.#log.once("drain", () => this.#resume());
  }

  #resume(): void {
    if (!this.paused) return;
    this.paused = false;
    for (const pipe of this.#pipes) pipe.resume();
  }
}

/** The last `size` items pushed. */
class RingBuffer<T> {
  readonly #items: T[] = [];
  #next = 0;
  constructor(readonly size: number) {}

  pushAll(items: readonly T[]): void {
    for (let i = Math.max(0, items.length - this.size); i < items.length; i++) {
      const item = items[i] as T;
      if (this.#items.length < this.size) this.#items.push(item);
      else this.#items[this.#next] = item;
      this.#next = (this.#next + 1) % this.size;
    }
  }

  toArray(): T[] {
    if (this.#items.length < this.size) return [...this.#items];
    return [...this.#items.slice(this.#next), ...this.#items.slice(0, this.#next)];
  }
}
