/**
 * The vocabulary of visible-text.ts and its readers (hidden-characters, hidden-markdown,
 * hidden-html): what kinds of hidden content there are, and an edit, the cut of one hidden part of
 * the source with what it counts. A leaf module, so that the readers and the module that applies
 * their edits share it without importing each other.
 */

export type HiddenKind =
  | "html-comment"
  | "invisible-character"
  | "bidi-control"
  | "tag-character"
  | "image-alt"
  | "link-title"
  | "html-attribute"
  | "hidden-html-element";

export type Tally = Record<HiddenKind, number>;

/**
 * Cut source[start, end); `counts` says what that removes. Edits only ever cut, never rewrite, so
 * edits found by different readings of the text (collectEdits in visible-text.ts) combine by
 * plain union.
 */
export interface Edit {
  start: number;
  end: number;
  counts: Partial<Tally>;
}
