/** One line of a Markdown text, with what a line-based parser needs to know about it. */
export interface MarkdownLine {
  /** The line without its line ending. */
  text: string;
  /** True for fence lines and everything between them: such lines are code, never structure. */
  inFence: boolean;
  /** Set for ATX headings (`## Title`) outside fences. */
  heading: { level: number; title: string } | null;
}

const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})/;
const HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*$/;

function splitLines(text: string): string[] {
  return text.split(/\r?\n/);
}

export function classifyLines(text: string): MarkdownLine[] {
  const lines: MarkdownLine[] = [];
  let fence: string | null = null;
  for (const line of splitLines(text)) {
    if (fence !== null) {
      lines.push({ text: line, inFence: true, heading: null });
      if (closesFence(line, fence)) fence = null;
      continue;
    }
    const opening = FENCE_OPEN.exec(line)?.[1];
    // A backtick fence's info string may not contain backticks (CommonMark), so "```a```" is inline code.
    if (
      opening !== undefined &&
      !(opening.startsWith("`") && line.slice(line.indexOf(opening) + opening.length).includes("`"))
    ) {
      fence = opening;
      lines.push({ text: line, inFence: true, heading: null });
      continue;
    }
    lines.push({ text: line, inFence: false, heading: parseHeading(line) });
  }
  return lines;
}

function closesFence(line: string, fence: string): boolean {
  const char = fence[0] === "`" ? "`" : "~";
  const match = new RegExp(`^ {0,3}(\\${char}{${fence.length},})[ \\t]*$`).exec(line);
  return match !== null;
}

function parseHeading(line: string): { level: number; title: string } | null {
  const match = HEADING.exec(line);
  if (!match) return null;
  const [, hashes = "", rawTitle = ""] = match;
  // Closing hashes ("## Title ##") are decoration, not part of the title.
  const title = rawTitle.replace(/(?:^|[ \t]+)#+$/, "").trim();
  return { level: hashes.length, title };
}
