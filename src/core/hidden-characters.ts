/**
 * Characters that show nothing on the page (controls, format and default-ignorable code points,
 * bidi controls, tag characters, stray variation selectors): removing them from text, and telling
 * whether a character reference decodes to nothing but such characters.
 */
import type { HiddenKind, Tally } from "./hidden-edit.js";

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

export function removeHiddenCharacters(text: string, tally: Tally): string {
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
export function hiddenReferenceCounts(decoded: string): Partial<Tally> | undefined {
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

/** cmark turns only NUL, surrogates and out-of-range numbers into U+FFFD; the rest reaches the page as is. */
export function codePointToString(codePoint: number): string {
  const invalid =
    codePoint === 0 || (codePoint >= 0xd800 && codePoint <= 0xdfff) || codePoint > 0x10ffff;
  return String.fromCodePoint(invalid || Number.isNaN(codePoint) ? 0xfffd : codePoint);
}
