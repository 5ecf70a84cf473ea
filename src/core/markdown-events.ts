/**
 * Markdown as micromark reads it (CommonMark + GFM, the parser behind mdast/remark): events with
 * source offsets, parsed in sections so that long documents stay linear, and the small helpers
 * that find tokens in them. Nothing here decides what is hidden.
 */
import { parse, postprocess, preprocess } from "micromark";
import { gfm } from "micromark-extension-gfm";
import { normalizeIdentifier } from "micromark-util-normalize-identifier";
import type { Event, Token } from "micromark-util-types";

const GFM = [gfm()];

export function parseMarkdown(value: string, defined: readonly string[]): Event[] {
  const parser = parse({ extensions: GFM });
  for (const identifier of defined) parser.defined.push(identifier);
  return postprocess(parser.document().write(preprocess()(value, undefined, true)));
}

/** A stretch of the document parsed on its own; event offsets are relative to `offset`. */
export interface Section {
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

export function parseSections(text: string): Section[] {
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
export function exitIndex(events: readonly Event[], enterIndex: number): number {
  const token = events[enterIndex]?.[1];
  for (let i = enterIndex + 1; i < events.length; i++) {
    const event = events[i];
    if (event?.[0] === "exit" && event[1] === token) return i;
  }
  return events.length - 1;
}

/** The first token of `type` entered between `from` and `to` (event indexes). */
export function findToken(
  events: readonly Event[],
  from: number,
  to: number,
  type: string,
): Token | undefined {
  return events[findTokenIndex(events, from, to, type)]?.[1];
}

export function findTokenIndex(
  events: readonly Event[],
  from: number,
  to: number,
  type: string,
): number {
  for (let i = from; i < to; i++) {
    const event = events[i];
    if (event?.[0] === "enter" && event[1].type === type) return i;
  }
  return -1;
}

/** The labels of all link reference definitions, normalised as micromark matches them. */
export function definedIdentifiers(parsed: string, sections: readonly Section[]): string[] {
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

export function sourceOf(text: string, offset: number, token: Token): string {
  return text.slice(offset + token.start.offset, offset + token.end.offset);
}
