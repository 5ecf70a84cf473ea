/**
 * The WHATWG HTML tokenizer's data, tag, attribute, comment and bogus-comment states, written out
 * for offsets: where each tag, attribute and comment begins and ends. It agrees with parse5's on
 * token kinds, bounds and attributes for random input, without parse5's ~390 KB in every bundle.
 */

interface HtmlAttribute {
  /** ASCII-lowercased, as HTML compares it. */
  name: string;
  /** The attribute as written, name to end of value. */
  start: number;
  end: number;
  /** Where the whitespace before it starts (the end of the tag name or previous attribute). */
  leadStart: number;
}

export interface HtmlTag {
  kind: "tag";
  start: number;
  end: number;
  /** ASCII-lowercased. */
  name: string;
  closing: boolean;
  selfClosing: boolean;
  attributes: HtmlAttribute[];
}

export type HtmlToken =
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
export function tokenizeHtml(html: string): HtmlToken[] {
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
export function isHtmlSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0c || code === 0x0d;
}

export function isSlashOrGt(code: number): boolean {
  return code === 0x2f || code === 0x3e;
}

function asciiLowercase(value: string): string {
  return value.replace(/[A-Z]+/g, (upper) => upper.toLowerCase());
}
