import { parseDocument } from "yaml";
import { UserError } from "./errors.js";
import { SETTINGS_FILE } from "./settings.js";

/**
 * Reads the text of `.github/goal-orchestrator.yml` into the plain object resolveSettings
 * takes. An empty file means no settings. Syntax errors name the file, line and column.
 */
export function parseSettingsFile(
  text: string,
  fileName = SETTINGS_FILE,
): Record<string, unknown> | null {
  const document = parseDocument(text, { uniqueKeys: true });
  const [error] = document.errors;
  if (error) {
    const where = error.linePos?.[0];
    const position = where ? `line ${where.line}, column ${where.col}: ` : "";
    throw new UserError(
      `${fileName}: ${position}${error.message.split("\n")[0]?.replace(/ at line \d+, column \d+:?$/, "")}. It must be YAML like "max: 3".`,
    );
  }
  const value: unknown = document.toJS();
  if (value === null || value === undefined) return null;
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new UserError(
      `${fileName}: expected settings as "key: value" lines (like "max: 3"), found ${Array.isArray(value) ? "a list" : `a ${typeof value}`}.`,
    );
  }
  return value as Record<string, unknown>;
}
