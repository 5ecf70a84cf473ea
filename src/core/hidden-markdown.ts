/**
 * What the Markdown structure hides from a reader of the page: image alt text, link titles, a
 * fence's info string beyond its language, table cells past the header's count, character
 * references to invisible characters. Raw HTML is not read here: its pieces are collected, with
 * the block or container each sits in, for hidden-html.ts.
 */
import { decodeNamedCharacterReference } from "decode-named-character-reference";
import type { Event } from "micromark-util-types";
import { codePointToString, hiddenReferenceCounts } from "./hidden-characters.js";
import type { Edit } from "./hidden-edit.js";
import type { RawPiece } from "./hidden-html.js";
import {
  definedIdentifiers,
  exitIndex,
  findToken,
  findTokenIndex,
  parseMarkdown,
  parseSections,
  type Section,
  sourceOf,
} from "./markdown-events.js";

/**
 * Edits to `text`, as micromark reads `parsed` (`text` itself or a same-length variant), and the
 * raw HTML it holds, in source order.
 */
export function markdownEdits(
  text: string,
  parsed: string,
): { edits: Edit[]; rawHtml: RawPiece[] } {
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
  return { edits, rawHtml };
}

const DOCUMENT_CONTEXT = 0;
/** Blocks and containers an end tag in raw HTML cannot reach out of (scanHtml, hidden-html.ts). */
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
