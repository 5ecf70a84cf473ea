import { StringDecoder } from "node:string_decoder";

/** The longest line passed on in one piece; a longer line is split into several. */
export const MAX_LINE_CHARS = 64 * 1024;

/**
 * Turns a byte stream into lines: split on `\n`, a `\r` before it dropped, UTF-8 decoded across
 * chunk boundaries. A line longer than `maxChars` is passed on in pieces of `maxChars`
 * (never splitting a surrogate pair), so a single line never holds more than that in memory.
 */
export class LineSplitter {
  readonly #decoder = new StringDecoder("utf8");
  readonly #maxChars: number;
  #carry = "";

  constructor(maxChars = MAX_LINE_CHARS) {
    if (!(Number.isSafeInteger(maxChars) && maxChars >= 2)) {
      throw new RangeError(`maxChars must be a whole number of at least 2, not ${maxChars}`);
    }
    this.#maxChars = maxChars;
  }

  /** The complete lines this chunk finishes (and pieces of over-long lines). */
  push(chunk: Buffer): string[] {
    const text = this.#carry + this.#decoder.write(chunk);
    const lines: string[] = [];
    let start = 0;
    for (let newline = text.indexOf("\n"); newline !== -1; newline = text.indexOf("\n", start)) {
      const end = newline > start && text.charCodeAt(newline - 1) === 13 ? newline - 1 : newline;
      this.#pushPieces(text.slice(start, end), lines, true);
      start = newline + 1;
    }
    this.#carry = this.#pushPieces(text.slice(start), lines, false);
    return lines;
  }

  /** The last line, if the stream did not end with a newline. */
  end(): string[] {
    const rest = this.#carry + this.#decoder.end();
    this.#carry = "";
    if (rest === "") return [];
    const lines: string[] = [];
    this.#pushPieces(rest.endsWith("\r") ? rest.slice(0, -1) : rest, lines, true);
    return lines;
  }

  /** Pushes `maxChars` pieces of `text`; the rest too when `complete`, else returns it. */
  #pushPieces(text: string, lines: string[], complete: boolean): string {
    let rest = text;
    while (rest.length > this.#maxChars) {
      let cut = this.#maxChars;
      const last = rest.charCodeAt(cut - 1);
      if (last >= 0xd800 && last <= 0xdbff) cut--; // keep a surrogate pair together
      lines.push(rest.slice(0, cut));
      rest = rest.slice(cut);
    }
    if (!complete) return rest;
    lines.push(rest);
    return "";
  }
}
