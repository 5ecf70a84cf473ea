import { UserError } from "./errors.js";

/**
 * Agent commands are argv templates: split into words like a shell would, but with no expansion
 * at all ($VAR, ~, globs and backticks stay literal), then filled in per argument. Issue text only
 * ever becomes the value of one argument, so it can never inject a command.
 */

export const ARGV_PLACEHOLDERS = [
  "goal_file",
  "model",
  "reasoning",
  "duration",
  "goal",
  "attempt",
  "repository",
] as const;

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_-]*)\}/g;

/** Splits a command line into words. Supports '…', "…" (with \" and \\) and backslash escapes. */
export function splitArgv(text: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let quote: "'" | '"' | null = null;
  let quoteStart = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string;
    if (quote === "'") {
      if (char === "'") quote = null;
      else word += char;
      continue;
    }
    if (quote === '"') {
      const next = text[i + 1];
      if (char === "\\" && (next === '"' || next === "\\")) {
        word += next;
        i++;
      } else if (char === '"') quote = null;
      else word += char;
      continue;
    }
    if (char === "'" || char === '"') {
      quote = char;
      quoteStart = i;
      inWord = true;
    } else if (char === "\\") {
      const next = text[i + 1];
      if (next === undefined) {
        throw new UserError(
          `The command "${text}" ends with a lone backslash: remove it, or write \\\\ for a literal backslash.`,
        );
      }
      i++;
      // Backslash-newline joins lines, as in a shell.
      if (next !== "\n") {
        word += next;
        inWord = true;
      }
    } else if (/\s/.test(char)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else {
      word += char;
      inWord = true;
    }
  }
  if (quote !== null) {
    throw new UserError(
      `The command "${text}" has an unclosed ${quote} quote (at character ${quoteStart + 1}): close it, or escape it with a backslash.`,
    );
  }
  if (inWord) words.push(word);
  return words;
}

/** Placeholder names used in a template that are not known, in order of first use. */
export function unknownPlaceholders(template: readonly string[]): string[] {
  const known = new Set<string>(ARGV_PLACEHOLDERS);
  const unknown = template.flatMap((arg) =>
    [...arg.matchAll(PLACEHOLDER)].map((m) => m[1] ?? "").filter((name) => !known.has(name)),
  );
  return [...new Set(unknown)];
}

/** Fills placeholders in each argument. Values are inserted once, never re-read as placeholders. */
export function renderArgv(template: readonly string[], values: Record<string, string>): string[] {
  return template.map((arg) =>
    arg.replace(PLACEHOLDER, (whole, name: string) => {
      const value = Object.hasOwn(values, name) ? values[name] : undefined;
      if (value === undefined) {
        throw new UserError(
          `The agent command uses ${whole}, which has no value here. Known placeholders: ${ARGV_PLACEHOLDERS.map((p) => `{${p}}`).join(", ")}.`,
        );
      }
      return value;
    }),
  );
}
