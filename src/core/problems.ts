import { UserError } from "./errors.js";
import type { Read } from "./input-values.js";
import { SettingsError } from "./settings.js";

/**
 * The problems found while reading a tool's inputs or flags. Readers note every problem and
 * go on, so the one error at the end lists them all: fixing them one run at a time is slow.
 */
export class Problems {
  /** Appended to directly by readers that take a list (readSandboxSettings, authInputs). */
  readonly list: string[] = [];

  add(...problems: readonly string[]): void {
    this.list.push(...problems);
  }

  /** The value read, or `fallback` after noting `name: problem`. */
  take<T>(name: string, read: Read<T>, fallback: T): T {
    if (read.ok) return read.value;
    this.list.push(`${name}: ${read.problem}`);
    return fallback;
  }

  /**
   * What `read` returns, or null after noting what it refused: each problem of a
   * SettingsError, a UserError's message. Any other error is a bug and goes on up.
   */
  catch<T>(read: () => T): T | null {
    try {
      return read();
    } catch (error) {
      if (error instanceof SettingsError) this.list.push(...error.problems);
      else if (error instanceof UserError) this.list.push(error.message);
      else throw error;
      return null;
    }
  }

  /** Whether any problem was noted. */
  get any(): boolean {
    return this.list.length > 0;
  }

  /** One UserError listing every problem, in the shape `message` gives. */
  error(message: (problems: readonly string[]) => string): UserError {
    return new UserError(message(this.list));
  }
}

/** The actions' shape: "Invalid input(s):", then a "- " line per problem. */
export function invalidInputs(problems: readonly string[]): string {
  return `Invalid input${problems.length > 1 ? "s" : ""}:\n${problems.map((p) => `- ${p}`).join("\n")}`;
}
