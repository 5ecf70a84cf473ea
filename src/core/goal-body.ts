import { isValidModel, MODEL_RULE, parseReasoning, REASONING_INPUTS } from "./agent-options.js";
import { GoalBodyError } from "./errors.js";
import {
  isMetadataLine,
  METADATA_LABELS,
  type MetadataEntry,
  readMetadataLine,
} from "./goal-metadata.js";
import {
  formatIssueRef,
  type IssueRef,
  issueKey,
  type RepoRef,
  tryParseIssueRef,
} from "./issue-ref.js";
import { classifyLines, type MarkdownLine } from "./markdown-lines.js";
import { visibleMarkdown } from "./visible-text.js";

export interface GoalBody {
  objective: string;
  acceptance: string;
  story: IssueRef | null;
  depends: IssueRef[];
  model: string | null;
  /** Normalised: low, med or high. */
  reasoning: string | null;
}

type SectionName = "objective" | "acceptance";
const SECTION_TITLES: Record<SectionName, string> = {
  objective: "Objective",
  acceptance: "Acceptance",
};
const SECTION_HINTS: Record<SectionName, string> = {
  objective: "what to build",
  acceptance: "observable criteria that show it is done",
};
const REF_FORMS = "use #12, owner/repo#12 or an issue URL";

function sectionOf(line: MarkdownLine): SectionName | null {
  const heading = line.heading;
  if (heading === null || (heading.level !== 2 && heading.level !== 3)) return null;
  const title = heading.title.replace(/:$/, "").trim().toLowerCase();
  if (title === "objective") return "objective";
  if (title === "acceptance") return "acceptance";
  return null;
}

/** Characters a reader does not see: format controls (zero-width, bidi, tags) and fillers. */
const INVISIBLE = /[\p{Cf}\u115f\u1160\u3164\uffa0]/gu;
const INVISIBLE_NAMES: Record<string, string> = {
  "\u00ad": "SOFT HYPHEN",
  "\u200b": "ZERO WIDTH SPACE",
  "\u200c": "ZERO WIDTH NON-JOINER",
  "\u200d": "ZERO WIDTH JOINER",
  "\u200e": "LEFT-TO-RIGHT MARK",
  "\u200f": "RIGHT-TO-LEFT MARK",
  "\u202e": "RIGHT-TO-LEFT OVERRIDE",
  "\u2060": "WORD JOINER",
  "\u2063": "INVISIBLE SEPARATOR",
  "\ufeff": "ZERO WIDTH NO-BREAK SPACE",
};

/** `U+200B ZERO WIDTH SPACE`, or `U+E0041` for a character without a name here. */
function describeCharacter(char: string): string {
  const code = `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`;
  const name = INVISIBLE_NAMES[char];
  return name ? `${code} ${name}` : code;
}

/**
 * When a section seems missing because its heading holds invisible characters (pasted text,
 * or someone hiding it), the problem that names them and the line; otherwise null.
 */
function disguisedHeading(lines: readonly MarkdownLine[], name: SectionName): string | null {
  for (const [index, line] of lines.entries()) {
    if (line.heading === null) continue;
    const invisible = [...new Set(line.heading.title.match(INVISIBLE) ?? [])];
    const title = line.heading.title.replace(INVISIBLE, "").replace(/:$/, "").trim();
    if (invisible.length > 0 && title.toLowerCase() === name) {
      return `The heading on line ${index + 1} reads "## ${SECTION_TITLES[name]}" but holds invisible characters (${invisible.map(describeCharacter).join(", ")}), so it is not the "## ${SECTION_TITLES[name]}" section: type the heading again.`;
    }
  }
  return null;
}

/**
 * The goal body as a reader of the issue page sees it (core/visible-text.ts), parsed: a
 * `Depends:`, `Story:` or `Model:` line inside an HTML comment is no line of the goal.
 */
export function parseVisibleGoalBody(body: string, repo: RepoRef): GoalBody {
  return parseGoalBody(visibleMarkdown(body).text, repo);
}

export function parseGoalBody(body: string, repo: RepoRef): GoalBody {
  const problems: string[] = [];
  const lines = classifyLines(body);
  const sections = readSections(lines, problems);
  const meta = readMetadata(lines, repo, problems);
  for (const name of ["objective", "acceptance"] as const) {
    const text = sections.get(name);
    const heading = `## ${SECTION_TITLES[name]}`;
    if (text === undefined) {
      problems.push(
        disguisedHeading(lines, name) ??
          `Missing the "${heading}" section: add a line "${heading}" followed by ${SECTION_HINTS[name]}.`,
      );
    } else if (text === "") {
      problems.push(`The "${heading}" section is empty: write ${SECTION_HINTS[name]} below it.`);
    }
  }
  if (problems.length > 0) throw new GoalBodyError(problems);
  return {
    objective: sections.get("objective") ?? "",
    acceptance: sections.get("acceptance") ?? "",
    ...meta,
  };
}

/** Collects each section's text; a section ends at a heading of the same or higher level, another section or metadata. */
function readSections(lines: MarkdownLine[], problems: string[]): Map<SectionName, string> {
  const sections = new Map<SectionName, string>();
  let current: { name: SectionName; level: number; lines: string[] } | null = null;
  const close = () => {
    if (current !== null) sections.set(current.name, current.lines.join("\n").trim());
    current = null;
  };
  for (const line of lines) {
    const name = sectionOf(line);
    if (name !== null) {
      close();
      if (sections.has(name)) {
        problems.push(
          `The "## ${SECTION_TITLES[name]}" section appears more than once: merge them into one.`,
        );
      }
      current = { name, level: line.heading?.level ?? 2, lines: [] };
      continue;
    }
    if (current === null) continue;
    const endsSection =
      (line.heading !== null && line.heading.level <= current.level) ||
      (!line.inFence && isMetadataLine(line.text));
    if (endsSection) {
      close();
      continue;
    }
    current.lines.push(line.text);
  }
  close();
  return sections;
}

function readMetadata(
  lines: MarkdownLine[],
  repo: RepoRef,
  problems: string[],
): Pick<GoalBody, "story" | "depends" | "model" | "reasoning"> {
  const result: Pick<GoalBody, "story" | "depends" | "model" | "reasoning"> = {
    story: null,
    depends: [],
    model: null,
    reasoning: null,
  };
  const seen = new Set<string>();
  const dependencyKeys = new Set<string>();
  for (const line of lines) {
    if (line.inFence) continue;
    for (const entry of readMetadataLine(line.text) ?? []) {
      // Several Depends lines add up; the other keys hold one value.
      if (entry.key !== "depends" && seen.has(entry.key)) {
        problems.push(`"${METADATA_LABELS[entry.key]}:" is given more than once: keep one line.`);
        continue;
      }
      seen.add(entry.key);
      applyEntry(entry, repo, result, dependencyKeys, problems);
    }
  }
  return result;
}

function applyEntry(
  { key, value }: MetadataEntry,
  repo: RepoRef,
  result: Pick<GoalBody, "story" | "depends" | "model" | "reasoning">,
  dependencyKeys: Set<string>,
  problems: string[],
): void {
  switch (key) {
    case "story": {
      if (value === "") return;
      const ref = tryParseIssueRef(value, repo);
      if (ref === null) problems.push(`Story: "${value}" is not an issue reference; ${REF_FORMS}.`);
      result.story = ref;
      return;
    }
    case "depends":
      for (const token of value
        .split(/[\s,]+/)
        .filter((t) => t !== "" && t.toLowerCase() !== "none")) {
        const ref = tryParseIssueRef(token, repo);
        if (ref === null) {
          problems.push(`Depends: "${token}" is not an issue reference; ${REF_FORMS}.`);
        } else if (!dependencyKeys.has(issueKey(ref))) {
          dependencyKeys.add(issueKey(ref));
          result.depends.push(ref);
        }
      }
      return;
    case "model":
      if (isValidModel(value)) result.model = value;
      else problems.push(`Model: "${value}" is not a model name; use ${MODEL_RULE}.`);
      return;
    case "reasoning": {
      const level = parseReasoning(value);
      if (level !== null) result.reasoning = level;
      else problems.push(`Reasoning: "${value}" is not one of ${REASONING_INPUTS.join(", ")}.`);
      return;
    }
  }
}

function storyLine(story: IssueRef, repo: RepoRef): string {
  return `Story: ${formatIssueRef(story, repo)}`;
}

function dependsLine(depends: readonly IssueRef[], repo: RepoRef): string {
  return `Depends: ${depends.map((ref) => formatIssueRef(ref, repo)).join(", ")}`;
}

/**
 * Sets the Story and Depends lines of an existing body, leaving everything else as it was.
 * `undefined` leaves a key alone; `null` (story) or `[]` (depends) removes its line.
 */
export function withMetadata(
  existingBody: string,
  meta: { story?: IssueRef | null; depends?: IssueRef[] },
  repo: RepoRef,
): string {
  const wanted = new Map<"story" | "depends", string | null>();
  if (meta.story !== undefined)
    wanted.set("story", meta.story ? storyLine(meta.story, repo) : null);
  if (meta.depends !== undefined) {
    wanted.set("depends", meta.depends.length > 0 ? dependsLine(meta.depends, repo) : null);
  }
  const lines = classifyLines(existingBody);
  const endings = existingBody.split("\n").map((raw) => (raw.endsWith("\r") ? "\r" : ""));
  const output: string[] = [];
  const placed = new Set<string>();
  let lastMetadataIndex = -1;
  lines.forEach((line, i) => {
    const entries = line.inFence ? null : readMetadataLine(line.text);
    const key = entries?.[0]?.key;
    if (key === "story" || key === "depends") {
      if (wanted.has(key)) {
        // Replace the first line for the key and drop any repeats.
        const replacement = wanted.get(key) ?? null;
        const first = !placed.has(key);
        placed.add(key);
        if (first && replacement !== null) {
          output.push(replacement + (endings[i] ?? ""));
          lastMetadataIndex = output.length - 1;
        }
        return;
      }
    }
    output.push(line.text + (endings[i] ?? ""));
    if (entries !== null) lastMetadataIndex = output.length - 1;
  });
  const missing = (["story", "depends"] as const)
    .filter((key) => !placed.has(key))
    .map((key) => wanted.get(key))
    .filter((line): line is string => typeof line === "string");
  if (missing.length === 0) return output.join("\n");
  if (lastMetadataIndex >= 0) {
    output.splice(lastMetadataIndex + 1, 0, ...missing);
    return output.join("\n");
  }
  return appendBlock(output.join("\n"), missing);
}

function appendBlock(body: string, block: string[]): string {
  const trailing = /\s*$/.exec(body)?.[0] ?? "";
  const content = body.slice(0, body.length - trailing.length);
  const separator = content === "" ? "" : "\n\n";
  return `${content}${separator}${block.join("\n")}${trailing.includes("\n") ? "\n" : ""}`;
}
