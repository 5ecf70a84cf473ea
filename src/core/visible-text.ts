/**
 * What a person reading an issue on GitHub sees. Goal text is handed to an untrusted coding agent,
 * and an attacker who can edit an issue hides instructions where the page shows nothing: HTML
 * comments, hidden elements, attributes, image alt text, link titles, invisible characters. This
 * module cuts those parts out of the Markdown source and leaves the rest byte for byte as written.
 *
 * It owns the public API, the counts, and the loop that applies the cuts. What to cut is found by
 * readers: hidden-markdown.ts (micromark, CommonMark + GFM, with token offsets), hidden-html.ts
 * (raw HTML, read with the WHATWG tokenizer states in html-tokenizer.ts) and hidden-characters.ts.
 * Where this model and a browser could disagree, it errs towards cutting more: the agent may miss
 * a word the page showed, never get one the page hid.
 */

import { removeHiddenCharacters } from "./hidden-characters.js";
import type { Edit, HiddenKind, Tally } from "./hidden-edit.js";
import { htmlEdits } from "./hidden-html.js";
import { markdownEdits } from "./hidden-markdown.js";

export interface HiddenCount {
  kind: HiddenKind;
  count: number;
}

export interface VisibleText {
  text: string;
  /** Only kinds with count > 0, in a fixed order. */
  removed: HiddenCount[];
}

const KIND_ORDER: readonly HiddenKind[] = [
  "html-comment",
  "invisible-character",
  "bidi-control",
  "tag-character",
  "image-alt",
  "link-title",
  "html-attribute",
  "hidden-html-element",
];

const KIND_LABELS: Record<HiddenKind, readonly [singular: string, plural: string]> = {
  "html-comment": ["HTML comment", "HTML comments"],
  "invisible-character": ["invisible character", "invisible characters"],
  "bidi-control": ["bidirectional control character", "bidirectional control characters"],
  "tag-character": ["Unicode tag character", "Unicode tag characters"],
  "image-alt": ["image alt text", "image alt texts"],
  "link-title": ["link title", "link titles"],
  "html-attribute": ["HTML attribute", "HTML attributes"],
  "hidden-html-element": ["hidden HTML element", "hidden HTML elements"],
};

/** A Markdown body as a reader of the GitHub page sees it (Markdown kept; hidden parts cut out). NFC-normalised. */
export function visibleMarkdown(markdown: string): VisibleText {
  const tally = emptyTally();
  let text = markdown;
  // Cutting text out can join what was around it into something hidden again (`<!<!-- -->-- x -->`):
  // repeat until nothing changes, so the result is its own visible text.
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const next = cleanOnce(text, tally);
    if (next === text) break;
    text = next;
  }
  return { text, removed: tallyToList(tally) };
}

/** A one-line plain text (an issue title): hidden characters removed, NFC, whitespace runs (incl. newlines) collapsed to one space, trimmed. No Markdown parsing. */
export function visibleLine(text: string): VisibleText {
  const tally = emptyTally();
  const visible = removeHiddenCharacters(normalizeLineEndings(text), tally)
    .normalize("NFC")
    .replace(/\s+/g, " ")
    .trim();
  return { text: visible, removed: tallyToList(tally) };
}

/** "2 HTML comments, 3 invisible characters" (plural-aware, fixed order); "" when nothing. */
export function describeHidden(removed: readonly HiddenCount[]): string {
  return addHidden(removed)
    .map(({ kind, count }) => {
      const [singular, plural] = KIND_LABELS[kind];
      return `${count} ${count === 1 ? singular : plural}`;
    })
    .join(", ");
}

/** Sums several removal lists (e.g. title + body + story). */
export function addHidden(...lists: ReadonlyArray<readonly HiddenCount[]>): HiddenCount[] {
  const tally = emptyTally();
  for (const list of lists) for (const { kind, count } of list) tally[kind] += count;
  return tallyToList(tally);
}

function emptyTally(): Tally {
  return Object.fromEntries(KIND_ORDER.map((kind) => [kind, 0])) as Tally;
}

function tallyToList(tally: Tally): HiddenCount[] {
  return KIND_ORDER.filter((kind) => tally[kind] > 0).map((kind) => ({ kind, count: tally[kind] }));
}

function addCounts(tally: Tally, counts: Partial<Tally>): void {
  for (const kind of KIND_ORDER) tally[kind] += counts[kind] ?? 0;
}

const MAX_PASSES = 4;

function cleanOnce(input: string, tally: Tally): string {
  let text = normalizeLineEndings(input);
  // micromark skips a leading byte order mark without counting it in its offsets: take it off first.
  let bomLength = 0;
  while (text.charCodeAt(bomLength) === 0xfeff) bomLength++;
  tally["invisible-character"] += bomLength;
  text = text.slice(bomLength);
  text = applyEdits(text, collectEdits(text), tally);
  return removeHiddenCharacters(text, tally).normalize("NFC");
}

function normalizeLineEndings(text: string): string {
  return text.replace(/\r\n?/g, "\n");
}

function applyEdits(text: string, edits: Edit[], tally: Tally): string {
  if (edits.length === 0) return text;
  // Outer cuts first, so a cut inside one already made (an image in a hidden element) is skipped.
  edits.sort((a, b) => a.start - b.start || b.end - a.end);
  const parts: string[] = [];
  let cursor = 0;
  for (const edit of edits) {
    if (edit.end <= cursor) continue;
    // A cut that overlaps the previous one (both readings found the same thing) extends it.
    if (edit.start >= cursor) {
      parts.push(text.slice(cursor, edit.start));
      addCounts(tally, edit.counts);
    }
    cursor = edit.end;
  }
  parts.push(text.slice(cursor));
  return parts.join("");
}

function collectEdits(text: string): Edit[] {
  const edits = editsAsParsed(text, text);
  // GitHub renders with cmark-gfm, whose HTML blocks follow CommonMark 0.29; micromark follows
  // 0.31. Where they differ, the same stretch is raw HTML in one and Markdown in the other (code
  // or an image, say): read the text both ways and remove what either way hides.
  const asCommonMark029 = withCommonMark029HtmlBlocks(text);
  if (asCommonMark029 !== text) {
    for (const edit of editsAsParsed(text, asCommonMark029)) edits.push(edit);
  }
  return edits;
}

/** Edits to `text`, as micromark reads `parsed` (`text` itself or a same-length variant). */
function editsAsParsed(text: string, parsed: string): Edit[] {
  const { edits, rawHtml } = markdownEdits(text, parsed);
  for (const edit of htmlEdits(text, rawHtml)) edits.push(edit);
  return edits;
}

/**
 * The text with the HTML block starts that CommonMark 0.31 changed renamed (same length), so that
 * micromark reads them as cmark-gfm does: `<textarea` and `<search` do not start blocks that run
 * on (type 1) or interrupt paragraphs (type 6), `<source` does (type 6), and `<!` needs an
 * uppercase letter to start a declaration block (type 4).
 */
function withCommonMark029HtmlBlocks(text: string): string {
  return text.replace(
    /<(\/?)(textarea|search|source)(?=[\s/>]|$)|<!(?=[a-z])/gi,
    (match: string, slash: string | undefined, name: string | undefined) => {
      if (name === undefined) return match === "<!" ? "<:" : match;
      const renamed = { textarea: "textareb", search: "searcx", source: "header" }[
        name.toLowerCase() as "textarea" | "search" | "source"
      ];
      return `<${slash ?? ""}${renamed}`;
    },
  );
}
