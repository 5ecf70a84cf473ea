/**
 * What a person reading an issue on GitHub sees. Goal text is handed to an untrusted coding agent,
 * and an attacker who can edit an issue hides instructions where the page shows nothing: HTML
 * comments, hidden elements, attributes, image alt text, link titles, invisible characters. This
 * module cuts those parts out of the Markdown source and leaves the rest byte for byte as written.
 *
 * Markdown is read with micromark (CommonMark + GFM, the parser behind mdast/remark), with token
 * offsets; raw HTML with the tag and comment states of the WHATWG tokenizer (tokenizeHtml below,
 * which agrees with parse5's on token kinds, bounds and attributes for random input, without
 * parse5's ~390 KB in every bundle). Where this model and a browser could disagree, it errs
 * towards cutting more: the agent may miss a word the page showed, never get one the page hid.
 */
import { decodeNamedCharacterReference } from "decode-named-character-reference";
import { parse, postprocess, preprocess } from "micromark";
import { gfm } from "micromark-extension-gfm";
import { normalizeIdentifier } from "micromark-util-normalize-identifier";
import type { Event, Token } from "micromark-util-types";

export type HiddenKind =
  | "html-comment"
  | "invisible-character"
  | "bidi-control"
  | "tag-character"
  | "image-alt"
  | "link-title"
  | "html-attribute"
  | "hidden-html-element";

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

type Tally = Record<HiddenKind, number>;

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

// ---------------------------------------------------------------------------------------------
// Characters

/**
 * Controls other than tab and line feed, format characters (Cf) and default-ignorable code points
 * (zero-width characters, fillers, variation selectors, tag characters): none of them shows as a glyph.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const HIDDEN_CHARACTERS = /[\0-\x08\x0B-\x1F\x7F-\x9F\p{Cf}\p{Default_Ignorable_Code_Point}]/gu;
// biome-ignore lint/suspicious/noControlCharactersInRegex: same class, for testing one character.
const HIDDEN_CHARACTER = /^[\0-\x08\x0B-\x1F\x7F-\x9F\p{Cf}\p{Default_Ignorable_Code_Point}]$/u;

const BIDI_CONTROLS = new Set([
  0x061c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069,
]);
const TEXT_PRESENTATION = 0xfe0e;
const EMOJI_PRESENTATION = 0xfe0f;

function hiddenCharacterKind(codePoint: number): HiddenKind {
  if (codePoint >= 0xe0000 && codePoint <= 0xe007f) return "tag-character";
  if (BIDI_CONTROLS.has(codePoint)) return "bidi-control";
  return "invisible-character";
}

function removeHiddenCharacters(text: string, tally: Tally): string {
  let lastRemovedEnd = -1;
  return text.replace(HIDDEN_CHARACTERS, (char: string, offset: number) => {
    const codePoint = char.codePointAt(0) ?? 0;
    if (
      (codePoint === TEXT_PRESENTATION || codePoint === EMOJI_PRESENTATION) &&
      selectsPresentation(text, offset, lastRemovedEnd)
    ) {
      return char;
    }
    tally[hiddenCharacterKind(codePoint)]++;
    lastRemovedEnd = offset + char.length;
    return "";
  });
}

/** U+FE0E/U+FE0F change how the character right before them is drawn (☺︎ vs ☺️); a second one, or one after nothing, hides. */
function selectsPresentation(text: string, offset: number, lastRemovedEnd: number): boolean {
  if (offset === 0 || offset === lastRemovedEnd) return false;
  const previous = text.charCodeAt(offset - 1);
  return (
    previous !== TEXT_PRESENTATION &&
    previous !== EMOJI_PRESENTATION &&
    previous !== 0x20 &&
    previous !== 0x09 &&
    previous !== 0x0a
  );
}

/** What removing a decoded character reference counts, or undefined when the reference shows something. */
function hiddenReferenceCounts(decoded: string): Partial<Tally> | undefined {
  if (decoded === "") return undefined;
  const counts: Partial<Tally> = {};
  for (const char of decoded) {
    const codePoint = char.codePointAt(0) ?? 0;
    const whitespace =
      codePoint === 0x09 || codePoint === 0x0a || codePoint === 0x0c || codePoint === 0x0d;
    // A variation selector written as a reference is left to the author (it may pick emoji style).
    const selector = codePoint === TEXT_PRESENTATION || codePoint === EMOJI_PRESENTATION;
    if (whitespace || selector || !HIDDEN_CHARACTER.test(char)) return undefined;
    const kind = hiddenCharacterKind(codePoint);
    counts[kind] = (counts[kind] ?? 0) + 1;
  }
  return counts;
}

// ---------------------------------------------------------------------------------------------
// Edits on the source

/**
 * Cut source[start, end); `counts` says what that removes. Edits only ever cut, never rewrite, so
 * edits found by different readings of the text (see collectEdits) combine by plain union.
 */
interface Edit {
  start: number;
  end: number;
  counts: Partial<Tally>;
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
  const sections = parseSections(parsed);
  const identifiers = definedIdentifiers(parsed, sections);
  if (sections.length > 1 && identifiers.length > 0) {
    // A reference may use a definition from another section: parse again knowing all of them.
    for (const section of sections) {
      section.events = parseMarkdown(parsed.slice(section.offset, section.end), identifiers);
    }
  }
  const edits: Edit[] = [];
  const rawHtml: RawPiece[] = [];
  const ids = { next: DOCUMENT_CONTEXT + 1 };
  for (const section of sections) {
    walkSection(text, section, edits, rawHtml, ids);
  }
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

// ---------------------------------------------------------------------------------------------
// Markdown

const GFM = [gfm()];

function parseMarkdown(value: string, defined: readonly string[]): Event[] {
  const parser = parse({ extensions: GFM });
  for (const identifier of defined) parser.defined.push(identifier);
  return postprocess(parser.document().write(preprocess()(value, undefined, true)));
}

/** A stretch of the document parsed on its own; event offsets are relative to `offset`. */
interface Section {
  offset: number;
  end: number;
  events: Event[];
}

/**
 * micromark gets slower than linear on long documents (some of its resolvers splice whole event
 * lists), so a document is parsed in sections of about this many characters, cut only where the
 * block structure provably starts afresh.
 */
const SECTION_SIZE = 8192;
const CONTAINER_TYPES = new Set([
  "blockQuote",
  "listOrdered",
  "listUnordered",
  "gfmFootnoteDefinition",
]);

function parseSections(text: string): Section[] {
  const sections: Section[] = [];
  let start = 0;
  while (start < text.length) {
    for (let size = SECTION_SIZE; ; size *= 2) {
      const end = nextSectionBoundary(text, start + size);
      const events = parseMarkdown(text.slice(start, end), []);
      if (end === text.length || !endsInsideOpenBlock(events, end - start)) {
        sections.push({ offset: start, end, events });
        start = end;
        break;
      }
    }
  }
  return sections;
}

/**
 * The first line start at or after `from` that follows a blank line and begins with a visible
 * character: there no paragraph, table, list item, indented code or lazy line can go on, so only
 * an unclosed fence or HTML block could (checked by endsInsideOpenBlock).
 */
function nextSectionBoundary(text: string, from: number): number {
  if (from >= text.length) return text.length;
  let newline = text.indexOf("\n", from);
  while (newline !== -1) {
    const lineStart = newline + 1;
    const lineEnd = text.indexOf("\n", lineStart);
    if (lineEnd === -1) return text.length;
    if (isBlank(text, lineStart, lineEnd)) {
      const next = text.charCodeAt(lineEnd + 1);
      // A leading U+FEFF would be skipped by micromark as a byte order mark.
      if (
        lineEnd + 1 < text.length &&
        next !== 0x20 &&
        next !== 0x09 &&
        next !== 0x0a &&
        next !== 0xfeff
      ) {
        return lineEnd + 1;
      }
    }
    newline = lineEnd;
  }
  return text.length;
}

function isBlank(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code !== 0x20 && code !== 0x09) return false;
  }
  return true;
}

/** True when a top-level fence or HTML block is still open at the end of the section. */
function endsInsideOpenBlock(events: readonly Event[], length: number): boolean {
  let depth = 0;
  for (const [phase, token] of events) {
    if (phase === "exit") {
      depth--;
      continue;
    }
    if (
      depth === 0 &&
      token.end.offset >= length &&
      token.type !== "lineEnding" &&
      token.type !== "lineEndingBlank" &&
      !CONTAINER_TYPES.has(token.type)
    ) {
      return true;
    }
    depth++;
  }
  return false;
}

/** The index of the exit event of the token entered at `enterIndex`. */
function exitIndex(events: readonly Event[], enterIndex: number): number {
  const token = events[enterIndex]?.[1];
  for (let i = enterIndex + 1; i < events.length; i++) {
    const event = events[i];
    if (event?.[0] === "exit" && event[1] === token) return i;
  }
  return events.length - 1;
}

/** The first token of `type` entered between `from` and `to` (event indexes). */
function findToken(
  events: readonly Event[],
  from: number,
  to: number,
  type: string,
): Token | undefined {
  return events[findTokenIndex(events, from, to, type)]?.[1];
}

function findTokenIndex(events: readonly Event[], from: number, to: number, type: string): number {
  for (let i = from; i < to; i++) {
    const event = events[i];
    if (event?.[0] === "enter" && event[1].type === type) return i;
  }
  return -1;
}

/** The labels of all link reference definitions, normalised as micromark matches them. */
function definedIdentifiers(parsed: string, sections: readonly Section[]): string[] {
  const identifiers: string[] = [];
  for (const { offset, events } of sections) {
    for (const [phase, token] of events) {
      if (phase === "enter" && token.type === "definitionLabelString") {
        identifiers.push(normalizeIdentifier(sourceOf(parsed, offset, token)));
      }
    }
  }
  return identifiers;
}

function sourceOf(text: string, offset: number, token: Token): string {
  return text.slice(offset + token.start.offset, offset + token.end.offset);
}

const DOCUMENT_CONTEXT = 0;
/** Blocks and containers an end tag in raw HTML cannot reach out of (see scanHtml). */
const CONTEXT_TYPES = new Set([
  "paragraph",
  "atxHeading",
  "setextHeading",
  "tableHeader",
  "tableData",
  "blockQuote",
  "listOrdered",
  "listUnordered",
  "gfmFootnoteDefinition",
]);

/** Raw HTML as written in the source: one line of an HTML block or inline HTML node. */
interface RawPiece {
  start: number;
  end: number;
  /** Pieces of one HTML node share a group; between groups lies rendered Markdown. */
  group: number;
  /**
   * The paragraph, heading or table cell around inline HTML, or the container (document, block
   * quote, list item, footnote) around an HTML block: where an end tag can close its element.
   */
  context: number;
}

function walkSection(
  text: string,
  section: Section,
  edits: Edit[],
  rawHtml: RawPiece[],
  ids: { next: number },
): void {
  const { offset, events } = section;
  // Sections start at the top level, where the document is the context.
  const contexts: { id: number; type: string }[] = [{ id: DOCUMENT_CONTEXT, type: "document" }];
  // Where a title's cut starts: the end of the destination (or the opening parenthesis) before it,
  // so `[a](u "t")` becomes `[a](u)` with no space left over.
  let titleCutStart = 0;
  // GFM drops the cells of a row beyond the header's count: the page never shows them.
  let tableColumns = 0;
  let rowIndex = -1;
  let rowCells = 0;
  for (let i = 0; i < events.length; i++) {
    const event = events[i];
    if (event === undefined) continue;
    const [phase, token] = event;
    // GFM's token types are not in micromark's type map.
    const type: string = token.type;
    if (phase === "enter" && type === "tableHead") tableColumns = 0;
    else if (phase === "enter" && type === "tableHeader") tableColumns++;
    else if (phase === "enter" && type === "tableRow") {
      rowIndex = i;
      rowCells = 0;
    } else if (phase === "enter" && type === "tableData" && ++rowCells > tableColumns) {
      const rowExit = exitIndex(events, rowIndex);
      const row = events[rowIndex]?.[1];
      let excessCells = 0;
      for (let j = i; j < rowExit; j++) {
        const cell = events[j];
        if (cell?.[0] === "enter" && (cell[1].type as string) === "tableData") excessCells++;
      }
      if (row) {
        edits.push({
          start: offset + token.start.offset,
          end: offset + row.end.offset,
          counts: { "hidden-html-element": excessCells },
        });
      }
      i = rowExit;
      continue;
    }
    if (CONTEXT_TYPES.has(token.type)) {
      if (phase === "enter") contexts.push({ id: ids.next++, type: token.type });
      else contexts.pop();
      continue;
    }
    if (phase !== "enter") continue;
    const start = offset + token.start.offset;
    const end = offset + token.end.offset;
    switch (token.type) {
      case "listItemPrefix": {
        // Each item of a list is a container of its own.
        const list = contexts.at(-1);
        if (list && (list.type === "listOrdered" || list.type === "listUnordered")) {
          list.id = ids.next++;
        }
        break;
      }
      // Code is shown literally, comments and all; a fence's info string is not shown.
      case "codeFenced": {
        const exit = exitIndex(events, i);
        const edit = fenceInfoEdit(text, offset, events, i, exit);
        if (edit) edits.push(edit);
        i = exit;
        break;
      }
      case "codeIndented":
      case "codeText":
        i = exitIndex(events, i);
        break;
      case "htmlFlow":
      case "htmlText": {
        const exit = exitIndex(events, i);
        const group = ids.next++;
        const context = contexts.at(-1)?.id ?? DOCUMENT_CONTEXT;
        for (let j = i + 1; j < exit; j++) {
          const [phase, inner] = events[j] ?? [];
          if (phase !== "enter" || inner === undefined) continue;
          const innerStart = offset + inner.start.offset;
          if (inner.type === "htmlFlowData" || inner.type === "htmlTextData") {
            rawHtml.push({ start: innerStart, end: offset + inner.end.offset, group, context });
          } else if (inner.type === "lineEnding") {
            // The token also spans the next line's container prefix ("> "); only "\n" is HTML.
            rawHtml.push({ start: innerStart, end: innerStart + 1, group, context });
          }
        }
        i = exit;
        break;
      }
      case "image": {
        // `![alt](src "title")` → `![](src)`, `![alt][ref]` → `![][ref]`, `![alt]` → `![]`: alt
        // text is not shown (and markup in it is not rendered), the title is cut further on.
        const label = findTokenIndex(events, i, exitIndex(events, i), "labelText");
        const alt = events[label]?.[1];
        if (alt === undefined) break;
        if (sourceOf(text, offset, alt).trim() !== "") {
          edits.push({
            start: offset + alt.start.offset,
            end: offset + alt.end.offset,
            counts: { "image-alt": 1 },
          });
        }
        i = exitIndex(events, label);
        break;
      }
      case "resourceMarker":
      case "resourceDestination":
      case "definitionDestination":
        titleCutStart = end;
        i = exitIndex(events, i);
        break;
      case "resourceTitle":
      case "definitionTitle":
        edits.push({ start: titleCutStart, end, counts: { "link-title": 1 } });
        i = exitIndex(events, i);
        break;
      case "characterReference": {
        const exit = exitIndex(events, i);
        const counts = hiddenReferenceCounts(
          decodeMarkdownReference(text, offset, events, i, exit),
        );
        if (counts) edits.push({ start, end, counts });
        i = exit;
        break;
      }
    }
  }
}

/** A language name as fences use it (`ts`, `c++`, `objective-c`, `shell-session`). */
const LANGUAGE_NAME = /^[\w+#.-]{1,40}$/;

/**
 * "```ts title=evil": the info string only picks the highlighting (it ends up in an attribute),
 * so everything but a language name is cut; the language stays as a hint for the reader of the text.
 */
function fenceInfoEdit(
  text: string,
  offset: number,
  events: readonly Event[],
  enter: number,
  exit: number,
): Edit | undefined {
  const openingEnd = exitIndex(events, findTokenIndex(events, enter, exit, "codeFencedFence"));
  const sequence = findToken(events, enter, openingEnd, "codeFencedFenceSequence");
  const info = findToken(events, enter, openingEnd, "codeFencedFenceInfo");
  const meta = findToken(events, enter, openingEnd, "codeFencedFenceMeta");
  if (sequence === undefined || info === undefined) return undefined;
  const keepsInfo = LANGUAGE_NAME.test(sourceOf(text, offset, info));
  if (keepsInfo && meta === undefined) return undefined;
  return {
    start: offset + (keepsInfo ? info.end.offset : sequence.end.offset),
    end: offset + (meta ?? info).end.offset,
    counts: { "html-attribute": 1 },
  };
}

/** Decodes `&name;`, `&#123;`, `&#x1F;` the way cmark-gfm (GitHub's renderer) does. */
function decodeMarkdownReference(
  text: string,
  offset: number,
  events: readonly Event[],
  enter: number,
  exit: number,
): string {
  const value = findToken(events, enter, exit, "characterReferenceValue");
  if (value === undefined) return "";
  const written = sourceOf(text, offset, value);
  if (findToken(events, enter, exit, "characterReferenceMarkerHexadecimal")) {
    return codePointToString(Number.parseInt(written, 16));
  }
  if (findToken(events, enter, exit, "characterReferenceMarkerNumeric")) {
    return codePointToString(Number.parseInt(written, 10));
  }
  return decodeNamedCharacterReference(written) || "";
}

/** cmark turns only NUL, surrogates and out-of-range numbers into U+FFFD; the rest reaches the page as is. */
function codePointToString(codePoint: number): string {
  const invalid =
    codePoint === 0 || (codePoint >= 0xd800 && codePoint <= 0xdfff) || codePoint > 0x10ffff;
  return String.fromCodePoint(invalid || Number.isNaN(codePoint) ? 0xfffd : codePoint);
}

// ---------------------------------------------------------------------------------------------
// Raw HTML

/**
 * Elements whose content the page does not show (or GitHub's sanitizer drops with its content).
 * `title`, `noembed`, `noframes`, `frameset`, `frame`, `applet` and `datalist` are hidden in a
 * browser's body as well.
 */
const HIDDEN_ELEMENTS = new Set([
  "script",
  "style",
  "template",
  "noscript",
  "iframe",
  "object",
  "embed",
  "title",
  "noembed",
  "noframes",
  "frameset",
  "frame",
  "applet",
  "datalist",
]);
const VOID_ELEMENTS = new Set([
  "area",
  "base",
  "br",
  "col",
  "embed",
  "frame",
  "hr",
  "img",
  "input",
  "keygen",
  "link",
  "meta",
  "param",
  "source",
  "track",
  "wbr",
]);
/** HTML's element names, obsolete ones included: a tag with any other name only hides its name. */
const HTML_ELEMENTS = new Set(
  (
    "a abbr acronym address applet area article aside audio b base basefont bdi bdo bgsound big " +
    "blink blockquote body br button canvas caption center cite code col colgroup data datalist dd " +
    "del details dfn dialog dir div dl dt em embed fieldset figcaption figure font footer form " +
    "frame frameset h1 h2 h3 h4 h5 h6 head header hgroup hr html i iframe img image input ins " +
    "isindex kbd keygen label legend li link listing main map mark marquee menu menuitem meta " +
    "meter multicol nav nextid nobr noembed noframes noscript object ol optgroup option output p " +
    "param picture plaintext pre progress q rb rp rt rtc ruby s samp script search section select " +
    "slot small source spacer span strike strong style sub summary sup table tbody td template " +
    "textarea tfoot th thead time title tr track tt u ul var video wbr xmp"
  ).split(" "),
);
/** Attribute values a reader never sees, except where a link or image points. */
const KEPT_ATTRIBUTES = new Set(["href", "src"]);

/**
 * One piece of the HTML stream the page is built from, in stream (`v`) and source (`s`) offsets.
 * Raw pieces are the HTML as written; a placeholder stands for the Markdown rendered between two
 * HTML nodes, so that an element or comment opened in one node and closed in a later one hides
 * everything between, as it does in the browser.
 */
interface StreamPiece {
  vStart: number;
  vEnd: number;
  sStart: number;
  sEnd: number;
  raw: boolean;
  /** The Markdown block or container of a raw piece (see RawPiece); -1 for rendered Markdown. */
  context: number;
}

/** Rendered Markdown in the stream: a newline, since that is how rendered blocks start. */
const PLACEHOLDER = "\n";

function htmlEdits(text: string, rawHtml: readonly RawPiece[]): Edit[] {
  if (rawHtml.length === 0) return [];
  const { html, pieces } = buildStream(text, rawHtml);
  const scan = scanHtml(html, pieces);
  const toSourceStart = (v: number): number => {
    const piece = pieceAt(pieces, v);
    return piece.raw ? piece.sStart + (v - piece.vStart) : piece.sStart;
  };
  const toSourceEnd = (v: number): number => {
    const piece = pieceAt(pieces, v - 1);
    return piece.raw ? piece.sStart + (v - piece.vStart) : piece.sEnd;
  };
  const edits: Edit[] = [];
  for (const hidden of scan.hidden) {
    edits.push({
      start: toSourceStart(hidden.start),
      end: toSourceEnd(hidden.end),
      counts: hidden.kind ? { [hidden.kind]: 1 } : {},
    });
  }
  for (const tag of scan.tagsWithHiddenAttributes) {
    const seen = new Set<string>();
    for (const attribute of tag.attributes) {
      // HTML uses the first of two attributes with one name.
      const kept = KEPT_ATTRIBUTES.has(attribute.name) && !seen.has(attribute.name);
      seen.add(attribute.name);
      if (kept) continue;
      // Cut the whitespace before it too, unless the next attribute follows with none between.
      const next = html.charCodeAt(attribute.end);
      const separated = isHtmlSpace(next) || isSlashOrGt(next);
      edits.push({
        start: toSourceStart(separated ? attribute.leadStart : attribute.start),
        end: toSourceEnd(attribute.end),
        counts: { "html-attribute": 1 },
      });
    }
  }
  // Character references in shown HTML text decode like in Markdown text (browser rules).
  for (const span of scan.visibleText) {
    for (let index = pieceIndexAt(pieces, span.start); index < pieces.length; index++) {
      const piece = pieces[index];
      if (piece === undefined || piece.vStart >= span.end) break;
      if (!piece.raw) continue;
      const from = toSourceStart(Math.max(span.start, piece.vStart));
      const to = toSourceEnd(Math.min(span.end, piece.vEnd));
      htmlReferenceEdits(text, from, to, edits);
    }
  }
  return edits;
}

function buildStream(
  text: string,
  rawHtml: readonly RawPiece[],
): { html: string; pieces: StreamPiece[] } {
  const parts: string[] = [];
  const pieces: StreamPiece[] = [];
  let v = 0;
  const add = (chunk: string, sStart: number, sEnd: number, context: number): void => {
    parts.push(chunk);
    pieces.push({ vStart: v, vEnd: v + chunk.length, sStart, sEnd, raw: context !== -1, context });
    v += chunk.length;
  };
  let previous: RawPiece | undefined;
  for (const piece of rawHtml) {
    if (previous && previous.group !== piece.group && piece.start > previous.end) {
      add(PLACEHOLDER, previous.end, piece.start, -1);
    }
    add(text.slice(piece.start, piece.end), piece.start, piece.end, piece.context);
    previous = piece;
  }
  if (previous && previous.end < text.length) add(PLACEHOLDER, previous.end, text.length, -1);
  return { html: parts.join(""), pieces };
}

function pieceIndexAt(pieces: readonly StreamPiece[], v: number): number {
  let low = 0;
  let high = pieces.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if ((pieces[middle]?.vStart ?? 0) <= v) low = middle;
    else high = middle - 1;
  }
  return low;
}

function pieceAt(pieces: readonly StreamPiece[], v: number): StreamPiece {
  const piece = pieces[pieceIndexAt(pieces, v)];
  if (piece === undefined) throw new Error("empty HTML stream");
  return piece;
}

interface HiddenSpan {
  start: number;
  end: number;
  /** What it counts as; null for markup that hides nothing (`</>`). */
  kind: HiddenKind | null;
}

interface HtmlScan {
  hidden: HiddenSpan[];
  tagsWithHiddenAttributes: HtmlTag[];
  visibleText: { start: number; end: number }[];
}

/**
 * Sorts every stretch of the stream into shown text, tags that stay (maybe with attributes to
 * strip) and hidden stretches.
 *
 * A hidden element ends only at an end tag of its name written in the same Markdown block or
 * container as its start tag (`context`): a browser ignores `</span>` inside a paragraph that
 * began after `<span hidden>`, and `</div>` inside a table cell. Nothing is closed implicitly,
 * so a hidden element lasts at least as long as in a browser.
 */
function scanHtml(html: string, pieces: readonly StreamPiece[]): HtmlScan {
  const scan: HtmlScan = { hidden: [], tagsWithHiddenAttributes: [], visibleText: [] };
  const contextAt = (v: number): number => pieceAt(pieces, v).context;
  /** Whether rendered Markdown lies inside [start, end). */
  const spansMarkdown = (start: number, end: number): boolean => {
    for (let index = pieceIndexAt(pieces, start); index < pieces.length; index++) {
      const piece = pieces[index];
      if (piece === undefined || piece.vStart >= end) return false;
      if (!piece.raw) return true;
    }
    return false;
  };
  /** Elements open since the outermost hidden element began; empty when none is open. */
  const openInHidden: { name: string; context: number }[] = [];
  let hiddenStart = 0;
  for (const token of tokenizeHtml(html)) {
    if (
      token.kind !== "text" &&
      token.kind !== "comment" &&
      spansMarkdown(token.start, token.end)
    ) {
      // A tag or `<!…>` left open at the end of an HTML block: what the rendered Markdown after
      // it does to the browser's tokenizer is not modelled here, so all of the rest is hidden.
      const start = openInHidden.length > 0 ? hiddenStart : token.start;
      const kind = token.kind === "bogus-comment" ? "html-comment" : "hidden-html-element";
      scan.hidden.push({ start, end: html.length, kind });
      return scan;
    }
    if (openInHidden.length > 0) {
      if (token.kind !== "tag") continue;
      const context = contextAt(token.start);
      if (!token.closing) {
        // `<x/>` does not close a non-void element in HTML, so it counts as open.
        if (!VOID_ELEMENTS.has(token.name)) openInHidden.push({ name: token.name, context });
        continue;
      }
      const innermost = openInHidden.at(-1);
      if (innermost?.name !== token.name || innermost.context !== context) continue;
      openInHidden.pop();
      if (openInHidden.length === 0) {
        scan.hidden.push({ start: hiddenStart, end: token.end, kind: "hidden-html-element" });
      }
      continue;
    }
    switch (token.kind) {
      case "text":
        scan.visibleText.push(token);
        break;
      case "comment":
      case "bogus-comment":
        scan.hidden.push({ start: token.start, end: token.end, kind: "html-comment" });
        break;
      case "unfinished-tag":
        // A tag cut off by the end of the stream swallows everything after it.
        scan.hidden.push({ start: token.start, end: token.end, kind: "hidden-html-element" });
        break;
      case "ignored":
        scan.hidden.push({ start: token.start, end: token.end, kind: null });
        break;
      case "tag": {
        const hidden =
          !token.closing &&
          (HIDDEN_ELEMENTS.has(token.name) || token.attributes.some((a) => a.name === "hidden"));
        if (hidden && VOID_ELEMENTS.has(token.name)) {
          scan.hidden.push({ start: token.start, end: token.end, kind: "hidden-html-element" });
        } else if (hidden) {
          hiddenStart = token.start;
          openInHidden.push({ name: token.name, context: contextAt(token.start) });
        } else if (!HTML_ELEMENTS.has(token.name)) {
          // Not an HTML element: its name is not shown (GitHub drops the tag, keeps its content).
          scan.hidden.push({
            start: token.start,
            end: token.end,
            kind: token.closing ? null : "hidden-html-element",
          });
        } else if (token.attributes.some((a) => !KEPT_ATTRIBUTES.has(a.name))) {
          scan.tagsWithHiddenAttributes.push(token);
        } else if (new Set(token.attributes.map((a) => a.name)).size < token.attributes.length) {
          scan.tagsWithHiddenAttributes.push(token); // a second href or src is not used either
        }
        break;
      }
    }
  }
  if (openInHidden.length > 0) {
    // Never closed: it hides everything after it.
    scan.hidden.push({ start: hiddenStart, end: html.length, kind: "hidden-html-element" });
  }
  return scan;
}

// ---------------------------------------------------------------------------------------------
// HTML tokenizer

interface HtmlAttribute {
  /** ASCII-lowercased, as HTML compares it. */
  name: string;
  /** The attribute as written, name to end of value. */
  start: number;
  end: number;
  /** Where the whitespace before it starts (the end of the tag name or previous attribute). */
  leadStart: number;
}

interface HtmlTag {
  kind: "tag";
  start: number;
  end: number;
  /** ASCII-lowercased. */
  name: string;
  closing: boolean;
  selfClosing: boolean;
  attributes: HtmlAttribute[];
}

type HtmlToken =
  | { kind: "text"; start: number; end: number }
  /** `<!-- … -->`: only `-->` or `--!>` ends it. */
  | { kind: "comment"; start: number; end: number }
  /** Bogus comments (`<?x>`, `<!x>`, `</ x>`, `<![CDATA[x]]>`) and doctypes: end at the next `>`. */
  | { kind: "bogus-comment"; start: number; end: number }
  /** A tag the end of input cuts off: HTML drops it. */
  | { kind: "unfinished-tag"; start: number; end: number }
  /** `</>`, which HTML ignores. */
  | { kind: "ignored"; start: number; end: number }
  | HtmlTag;

/**
 * The WHATWG HTML tokenizer's data, tag, attribute, comment and bogus-comment states, written out
 * for offsets: where each tag, attribute and comment begins and ends. Text content (character
 * references, RAWTEXT elements) is not decoded: nothing here depends on it. The tokenizer stays
 * in the data state after `<style>` and the like: GitHub escapes those tags, and reading their
 * content as markup can only find more to hide.
 */
function tokenizeHtml(html: string): HtmlToken[] {
  const tokens: HtmlToken[] = [];
  let textStart = 0;
  let i = html.indexOf("<");
  while (i !== -1 && i < html.length) {
    const markup = readMarkup(html, i);
    if (markup === null) {
      i = html.indexOf("<", i + 1);
      continue;
    }
    if (i > textStart) tokens.push({ kind: "text", start: textStart, end: i });
    tokens.push(markup);
    textStart = markup.end;
    i = html.indexOf("<", markup.end);
  }
  if (textStart < html.length) tokens.push({ kind: "text", start: textStart, end: html.length });
  return tokens;
}

/** The markup starting with the `<` at `start`, or null when that `<` is text. */
function readMarkup(html: string, start: number): HtmlToken | null {
  const next = html.charCodeAt(start + 1);
  if (isAsciiAlpha(next)) return readTag(html, start, start + 1, false);
  if (next === 0x21 /* ! */) return readMarkupDeclaration(html, start);
  if (next === 0x3f /* ? */) return readBogusComment(html, start, start + 1);
  if (next === 0x2f /* / */) {
    const afterSlash = html.charCodeAt(start + 2);
    if (isAsciiAlpha(afterSlash)) return readTag(html, start, start + 2, true);
    if (afterSlash === 0x3e /* > */) return { kind: "ignored", start, end: start + 3 };
    if (start + 2 >= html.length) return null;
    return readBogusComment(html, start, start + 2);
  }
  return null;
}

function readMarkupDeclaration(html: string, start: number): HtmlToken {
  const after = start + 2;
  if (html.startsWith("--", after)) return readComment(html, start, after + 2);
  // `<!DOCTYPE …>` ends at the first `>` in every doctype state; `<![CDATA[` outside SVG/MathML
  // and anything else after `<!` is a bogus comment, which also ends at the first `>`.
  return readBogusComment(html, start, after);
}

function readBogusComment(html: string, start: number, from: number): HtmlToken {
  const close = html.indexOf(">", from);
  return { kind: "bogus-comment", start, end: close === -1 ? html.length : close + 1 };
}

/** A comment whose text starts at `from` (after `<!--`). */
function readComment(html: string, start: number, from: number): HtmlToken {
  // `<!-->` and `<!--->` are complete (empty) comments.
  if (html.charCodeAt(from) === 0x3e) return { kind: "comment", start, end: from + 1 };
  if (html.startsWith("->", from)) return { kind: "comment", start, end: from + 2 };
  // Otherwise the comment ends at the first `-->` or `--!>`, or runs to the end.
  const plain = html.indexOf("-->", from);
  const bang = html.indexOf("--!>", from);
  let end = html.length;
  if (plain !== -1) end = plain + 3;
  if (bang !== -1 && bang + 4 < end) end = bang + 4;
  return { kind: "comment", start, end };
}

function readTag(html: string, start: number, nameStart: number, closing: boolean): HtmlToken {
  const unfinished: HtmlToken = { kind: "unfinished-tag", start, end: html.length };
  let i = nameStart;
  while (i < html.length && !isHtmlSpace(html.charCodeAt(i)) && !isSlashOrGt(html.charCodeAt(i))) {
    i++;
  }
  const name = asciiLowercase(html.slice(nameStart, i));
  const attributes: HtmlAttribute[] = [];
  let leadStart = i;
  for (;;) {
    while (isHtmlSpace(html.charCodeAt(i))) i++;
    if (i >= html.length) return unfinished;
    const char = html.charCodeAt(i);
    if (char === 0x3e /* > */) {
      return { kind: "tag", start, end: i + 1, name, closing, selfClosing: false, attributes };
    }
    if (char === 0x2f /* / */) {
      if (i + 1 >= html.length) return unfinished;
      if (html.charCodeAt(i + 1) === 0x3e) {
        return { kind: "tag", start, end: i + 2, name, closing, selfClosing: true, attributes };
      }
      i++; // a stray `/` is skipped
      continue;
    }
    // Attribute name: its first character is taken whatever it is (even `=`).
    const attributeStart = i;
    i++;
    while (
      i < html.length &&
      !isHtmlSpace(html.charCodeAt(i)) &&
      !isSlashOrGt(html.charCodeAt(i)) &&
      html.charCodeAt(i) !== 0x3d /* = */
    ) {
      i++;
    }
    const attributeName = asciiLowercase(html.slice(attributeStart, i));
    let attributeEnd = i;
    let j = i;
    while (isHtmlSpace(html.charCodeAt(j))) j++;
    if (j >= html.length) return unfinished;
    if (html.charCodeAt(j) === 0x3d /* = */) {
      j++;
      while (isHtmlSpace(html.charCodeAt(j))) j++;
      if (j >= html.length) return unfinished;
      const quote = html.charCodeAt(j);
      if (quote === 0x3e /* > */) {
        // `name=>`: a missing value (the attribute ends before `>`).
        attributes.push({ name: attributeName, start: attributeStart, end: j, leadStart });
        leadStart = j;
        i = j;
        continue;
      }
      if (quote === 0x22 || quote === 0x27) {
        const close = html.indexOf(html.charAt(j), j + 1);
        if (close === -1) return unfinished;
        j = close + 1;
      } else {
        // Unquoted: up to whitespace or `>` (a `/` belongs to the value).
        while (j < html.length && !isHtmlSpace(html.charCodeAt(j)) && html.charCodeAt(j) !== 0x3e) {
          j++;
        }
        if (j >= html.length) return unfinished;
      }
      attributeEnd = j;
      i = j;
    }
    attributes.push({ name: attributeName, start: attributeStart, end: attributeEnd, leadStart });
    leadStart = attributeEnd;
  }
}

function isAsciiAlpha(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
}

/** Tab, line feed, form feed, carriage return and space. */
function isHtmlSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0c || code === 0x0d;
}

function isSlashOrGt(code: number): boolean {
  return code === 0x2f || code === 0x3e;
}

function asciiLowercase(value: string): string {
  return value.replace(/[A-Z]+/g, (upper) => upper.toLowerCase());
}

// Numeric references, and named ones; `&shy` is the only legacy (no `;`) name that decodes to something invisible.
const HTML_REFERENCE = /&(?:#[xX]([0-9A-Fa-f]+)|#([0-9]+)|([A-Za-z][A-Za-z0-9]*))(;?)/g;
/** Windows-1252 code points that HTML substitutes for references to C1 controls (&#x80; is €). */
const C1_REPLACED = new Set([
  0x80, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b, 0x8c, 0x8e, 0x91, 0x92, 0x93,
  0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0x9b, 0x9c, 0x9e, 0x9f,
]);

function htmlReferenceEdits(text: string, from: number, to: number, edits: Edit[]): void {
  const slice = text.slice(from, to);
  if (!slice.includes("&")) return;
  for (const match of slice.matchAll(HTML_REFERENCE)) {
    const [written, hex, decimal, name, semicolon] = match;
    let decoded: string;
    let length = written.length;
    if (hex !== undefined || decimal !== undefined) {
      const codePoint =
        hex !== undefined ? Number.parseInt(hex, 16) : Number.parseInt(decimal ?? "", 10);
      // Which printable character replaces it does not matter here, only that one is shown.
      decoded = C1_REPLACED.has(codePoint) ? "€" : codePointToString(codePoint);
    } else {
      const named = semicolon ? decodeNamedCharacterReference(name ?? "") : false;
      if (named) decoded = named;
      else if (name?.startsWith("shy")) {
        decoded = "\u00ad";
        length = 4;
      } else continue;
    }
    const counts = hiddenReferenceCounts(decoded);
    const start = from + (match.index ?? 0);
    if (counts) edits.push({ start, end: start + length, counts });
  }
}
