/** Values that choose how the agent runs; shared by goal bodies (per-goal overrides) and settings. */

export const REASONING_LEVELS = ["low", "med", "high"] as const;
export type ReasoningLevel = (typeof REASONING_LEVELS)[number];
/** What a user may write; "medium" is read as "med". */
export const REASONING_INPUTS = ["low", "med", "medium", "high"] as const;

export function parseReasoning(text: string): ReasoningLevel | null {
  const value = text.trim().toLowerCase();
  if (value === "medium") return "med";
  return (REASONING_LEVELS as readonly string[]).includes(value) ? (value as ReasoningLevel) : null;
}

const MODEL_MAX_LENGTH = 100;
// Model names are passed to the agent as one argument: keep them to one plain token.
const MODEL_PATTERN = /^[A-Za-z0-9._:/-]+$/;

export function isValidModel(text: string): boolean {
  return text.length <= MODEL_MAX_LENGTH && MODEL_PATTERN.test(text);
}

export const MODEL_RULE = `a name of letters, digits and . _ : / - (at most ${MODEL_MAX_LENGTH} characters), like opus or sonnet`;
