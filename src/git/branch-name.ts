import { UserError } from "../core/errors.js";

/** The longest slug kept after `goal/<n>-`; a longer one is cut at a `-` boundary. */
export const MAX_SLUG_LENGTH = 50;

/** Letters that NFKD does not decompose but that have an obvious ASCII spelling. */
const TRANSLITERATIONS: Readonly<Record<string, string>> = {
  ß: "ss",
  æ: "ae",
  œ: "oe",
  ø: "o",
  đ: "d",
  ð: "d",
  ħ: "h",
  ı: "i",
  ł: "l",
  þ: "th",
  ŧ: "t",
};

/**
 * The branch a goal is worked on: `goal/<n>-<slug>`. The slug is the title in lowercase ASCII
 * (a-z, 0-9, single `-` between words): accents are removed (NFKD, then combining marks
 * dropped), a few letters are spelled out (ß → ss, æ → ae, ø → o, ł → l, …), everything else
 * (CJK, emoji, punctuation, `/`, `.`, `@{`) separates words. A slug over 50 characters is cut
 * at the last `-` that keeps it within 50 (a single longer word is cut at 50). A title with
 * nothing usable gives `goal/<n>`. The result is always a valid branch name.
 */
export function goalBranchName(goalNumber: number, title: string): string {
  if (!Number.isSafeInteger(goalNumber) || goalNumber < 1) {
    throw new UserError(`A goal number is a positive whole number, not ${String(goalNumber)}.`);
  }
  const slug = slugify(title);
  return slug ? `goal/${goalNumber}-${slug}` : `goal/${goalNumber}`;
}

/** Lowercase ASCII words joined by single dashes, at most MAX_SLUG_LENGTH characters; may be "". */
export function slugify(text: string): string {
  const ascii = text
    .normalize("NFKD")
    .toLowerCase()
    .normalize("NFKD") // lowercasing can produce new combining marks (İ → i̇)
    .replace(/\p{M}/gu, "")
    .replace(/[^ -~]/g, (char) => TRANSLITERATIONS[char] ?? "-"); // outside printable ASCII
  const slug = ascii.replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  if (slug.length <= MAX_SLUG_LENGTH) return slug;
  const cut = slug.slice(0, MAX_SLUG_LENGTH + 1);
  const boundary = cut.lastIndexOf("-");
  const kept = boundary > 0 ? cut.slice(0, boundary) : slug.slice(0, MAX_SLUG_LENGTH);
  return kept.replace(/-+$/, "");
}
