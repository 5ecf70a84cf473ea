/** The one-per-line metadata of a goal body: `Story:`, `Depends:`, `Model:` and `Reasoning:`. */

export type MetadataKey = "story" | "depends" | "model" | "reasoning";

export interface MetadataEntry {
  key: MetadataKey;
  /** Text after the colon, trimmed. */
  value: string;
}

export const METADATA_LABELS: Record<MetadataKey, string> = {
  story: "Story",
  depends: "Depends",
  model: "Model",
  reasoning: "Reasoning",
};

// "Depends on:" is read as "Depends:" because people write it that way.
const LINE_START = /^[ \t]*(story|depends(?:[ \t]+on)?|model|reasoning)[ \t]*:/i;
// Model and Reasoning may share a line ("Model: opus   Reasoning: high").
const SHARED_KEY = /(?:^|[ \t])(model|reasoning)[ \t]*:/gi;

/** Returns the entries on a metadata line, or null when the line is not metadata. */
export function readMetadataLine(line: string): MetadataEntry[] | null {
  const start = LINE_START.exec(line);
  if (!start) return null;
  const key = (start[1] ?? "").toLowerCase().split(/[ \t]/)[0] as MetadataKey;
  if (key === "story" || key === "depends") {
    return [{ key, value: line.slice(start[0].length).trim() }];
  }
  const matches = [...line.matchAll(SHARED_KEY)];
  return matches.map((match, i) => {
    const valueStart = (match.index ?? 0) + match[0].length;
    const valueEnd = matches[i + 1]?.index ?? line.length;
    return {
      key: (match[1] ?? "").toLowerCase() as MetadataKey,
      value: line.slice(valueStart, valueEnd).trim(),
    };
  });
}

export function isMetadataLine(line: string): boolean {
  return LINE_START.test(line);
}
