/**
 * GitHub's size limits on the text we send it; beyond them it answers 422 "… is too long".
 *
 * Lengths are JavaScript string lengths (UTF-16 code units). GitHub counts characters; a
 * character outside the Basic Multilingual Plane (an emoji) is one character to GitHub and two
 * code units here, so measuring in code units can only err on the safe side.
 */
export const GITHUB_LIMITS = {
  /** Issue, pull request and comment bodies. */
  body: 65_536,
  /** Issue and pull request titles. */
  title: 256,
  /** Label names. */
  labelName: 50,
} as const;

/** 65536 → "65,536", the way the notes and messages show limits. */
export function formatCount(count: number): string {
  return count.toLocaleString("en-US");
}

/** The note `fitBody` ends a cut text with: where the full text can be read, when known. */
export function cutNote(where?: string, limit: number = GITHUB_LIMITS.body): string {
  return `\n\n… (cut to fit GitHub's ${formatCount(limit)}-character limit${
    where ? `; the full text is in ${where}` : ""
  })`;
}

/**
 * The first `length` code units of `text`, one fewer when that would split a surrogate pair
 * (half an emoji is not a character at all).
 */
export function safePrefix(text: string, length: number): string {
  if (length <= 0) return "";
  if (length >= text.length) return text;
  const last = text.charCodeAt(length - 1);
  const end = last >= 0xd800 && last <= 0xdbff ? length - 1 : length;
  return text.slice(0, end);
}

/**
 * `text` unchanged when it fits in `limit`; otherwise as much of it as fits followed by `note`,
 * together at most `limit` long. Never cuts inside a surrogate pair.
 */
export function fitBody(
  text: string,
  limit: number = GITHUB_LIMITS.body,
  note: string = cutNote(undefined, limit),
): string {
  if (text.length <= limit) return text;
  if (note.length >= limit) return safePrefix(note, limit);
  return safePrefix(text, limit - note.length).trimEnd() + note;
}

/** A title that fits GitHub's limit: cut and ended with "…" when it is longer. */
export function fitTitle(title: string, limit: number = GITHUB_LIMITS.title): string {
  if (title.length <= limit) return title;
  return `${safePrefix(title, limit - 1).trimEnd()}…`;
}
