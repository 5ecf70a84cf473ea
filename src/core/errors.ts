/** An error whose message is written for the person running the tool: it says what was wrong and what is accepted. */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UserError";
  }
}

/** A goal issue body that cannot be used; `problems` lists every problem found, not just the first. */
export class GoalBodyError extends UserError {
  readonly problems: string[];

  constructor(problems: readonly string[]) {
    super(
      `The goal body has ${describeCount(problems.length)}:\n${problems.map((p) => `- ${p}`).join("\n")}`,
    );
    this.name = "GoalBodyError";
    this.problems = [...problems];
  }
}

function describeCount(count: number): string {
  return count === 1 ? "1 problem" : `${count} problems`;
}

/** What went wrong, as one line of text: an Error's message, or anything else as a string. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The thrown value as an Error, for code that passes failures on as values. */
export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
