/**
 * What the raw HTML in a Markdown text hides: comments, elements GitHub hides or drops (`hidden`,
 * `script`, `style`, …, and tags that are no HTML element), attributes other than `href`/`src`,
 * and character references to invisible characters in shown text. The HTML pieces are read as one
 * stream, as a browser reads the page, so that an element opened in one HTML node and closed in a
 * later one hides the Markdown between them.
 */
import { decodeNamedCharacterReference } from "decode-named-character-reference";
import { codePointToString, hiddenReferenceCounts } from "./hidden-characters.js";
import type { Edit, HiddenKind } from "./hidden-edit.js";
import { type HtmlTag, isHtmlSpace, isSlashOrGt, tokenizeHtml } from "./html-tokenizer.js";

/** Raw HTML as written in the source: one line of an HTML block or inline HTML node. */
export interface RawPiece {
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

export function htmlEdits(text: string, rawHtml: readonly RawPiece[]): Edit[] {
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
