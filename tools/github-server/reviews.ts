// Pull-request reviews: GitHub's rules for creating and submitting them, and where inline comments
// land in the pull request's diff (real git when the repository has a gitDir). Errors are GitHub's
// 422 "Unprocessable Entity" with string `errors`, as GitHub answers on these routes.
import * as git from "./git.js";
import { ApiError, MAX_LENGTH } from "./rest-common.js";
import type { IssueModel, ReviewCommentModel, ReviewState, UserModel } from "./state.js";

export type ReviewEvent = "APPROVE" | "REQUEST_CHANGES" | "COMMENT";

export const EVENT_STATE: Record<ReviewEvent, Exclude<ReviewState, "PENDING">> = {
  APPROVE: "APPROVED",
  REQUEST_CHANGES: "CHANGES_REQUESTED",
  COMMENT: "COMMENTED",
};

/** GitHub's 422 on review routes: `{ message: "Unprocessable Entity", errors: [message] }`. */
export function unprocessable(message: string): ApiError {
  return new ApiError(422, "Unprocessable Entity", { errors: [message] });
}

/** Refuses a body over GitHub's limit (the wording is assumed; the limit is GitHub's). */
export function checkReviewLength(body: unknown): void {
  if (typeof body === "string" && body.length > MAX_LENGTH.body) {
    throw unprocessable(`Body is too long (maximum is ${MAX_LENGTH.body} characters)`);
  }
}

/**
 * What an event needs: no approving or requesting changes on one's own pull request, and a body
 * (or inline comments) to request changes or comment.
 */
export function checkEvent(
  issue: IssueModel,
  author: UserModel,
  event: ReviewEvent,
  body: string,
  comments: number,
): void {
  if (issue.author === author && event === "APPROVE") {
    throw unprocessable("Can not approve your own pull request");
  }
  if (issue.author === author && event === "REQUEST_CHANGES") {
    throw unprocessable("Can not request changes on your own pull request");
  }
  if (event !== "APPROVE" && body.trim() === "" && comments === 0) {
    throw unprocessable(
      event === "REQUEST_CHANGES"
        ? "You need to leave a comment indicating the requested changes."
        : "Body can't be blank",
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Diff positions

interface DiffLine {
  kind: "@" | " " | "+" | "-" | "\\";
  oldLine: number | null;
  newLine: number | null;
  /** Index (in `lines`) of the header of the hunk this line belongs to. */
  hunk: number;
}

/** One file of a pull request's diff: its text from the first `@@` on (index = diff position). */
export interface FileDiff {
  path: string;
  text: string[];
  lines: DiffLine[];
}

const HUNK = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

function stripPrefix(name: string): string | null {
  const trimmed = name.replace(/\t$/, "");
  if (trimmed === "/dev/null") return null;
  return trimmed.replace(/^[ab]\//, "");
}

/** Files of a unified diff (`git diff`) by their path on the head side (the old path if deleted). */
export function parseDiff(text: string): Map<string, FileDiff> {
  const files = new Map<string, FileDiff>();
  let current: FileDiff | null = null;
  let oldPath: string | null = null;
  let newPath: string | null = null;
  let remainingOld = 0;
  let remainingNew = 0;
  let oldLine = 0;
  let newLine = 0;
  let hunk = 0;
  const finishHeader = () => {
    if (current && current.path === "") {
      current.path = newPath ?? oldPath ?? "";
      if (current.path) files.set(current.path, current);
    }
  };
  for (const raw of text.split("\n")) {
    if (current && (remainingOld > 0 || remainingNew > 0)) {
      const kind = raw[0] ?? " ";
      if (kind === "\\") {
        current.text.push(raw);
        current.lines.push({ kind: "\\", oldLine: null, newLine: null, hunk });
        continue;
      }
      const isOld = kind === " " || kind === "-";
      const isNew = kind === " " || kind === "+";
      current.text.push(raw);
      current.lines.push({
        kind: kind as DiffLine["kind"],
        oldLine: isOld ? oldLine : null,
        newLine: isNew ? newLine : null,
        hunk,
      });
      if (isOld) {
        oldLine++;
        remainingOld--;
      }
      if (isNew) {
        newLine++;
        remainingNew--;
      }
      continue;
    }
    if (raw.startsWith("diff --git ")) {
      finishHeader();
      current = { path: "", text: [], lines: [] };
      const match = /^diff --git a\/(.*) b\/(.*)$/.exec(raw);
      oldPath = match?.[1] ?? null;
      newPath = match?.[2] ?? null;
      continue;
    }
    if (!current) continue;
    if (raw.startsWith("--- ") && current.text.length === 0) oldPath = stripPrefix(raw.slice(4));
    else if (raw.startsWith("+++ ") && current.text.length === 0)
      newPath = stripPrefix(raw.slice(4));
    else if (raw.startsWith("rename to ")) newPath = raw.slice("rename to ".length);
    else if (raw.startsWith("rename from ")) oldPath = raw.slice("rename from ".length);
    const header = HUNK.exec(raw);
    if (header) {
      finishHeader();
      oldLine = Number(header[1]);
      remainingOld = header[2] === undefined ? 1 : Number(header[2]);
      newLine = Number(header[3]);
      remainingNew = header[4] === undefined ? 1 : Number(header[4]);
      hunk = current.text.length;
      current.text.push(raw);
      current.lines.push({ kind: "@", oldLine: null, newLine: null, hunk });
    }
  }
  finishHeader();
  return files;
}

/** The diff of a pull request at `commit` (its head by default), or null without a gitDir. */
export async function pullFiles(
  issue: IssueModel,
  commit: string,
): Promise<Map<string, FileDiff> | null> {
  const pull = issue.pull;
  const gitDir = issue.repo.gitDir;
  if (!pull || !gitDir) return null;
  return parseDiff(await git.pullDiff(gitDir, pull.baseSha, commit));
}

/**
 * The commit a review is for: `commit_id` when given (with git: a commit of the pull request, else
 * GitHub's 422), else the head.
 */
export async function reviewCommit(issue: IssueModel, commitId: unknown): Promise<string> {
  const pull = issue.pull;
  if (!pull) throw new Error(`#${issue.number} is not a pull request`);
  if (typeof commitId !== "string" || commitId === "") return pull.headSha;
  const gitDir = issue.repo.gitDir;
  if (!gitDir) return commitId;
  const sha = /^[0-9a-f]{40}$/i.test(commitId) ? await git.resolveCommit(gitDir, commitId) : null;
  const inPull =
    sha !== null &&
    (await git.isAncestor(gitDir, sha, pull.headSha)) &&
    !(await git.isAncestor(gitDir, sha, pull.baseSha));
  if (!sha || !inPull) throw unprocessable("The commitOID is not part of the pull request");
  return sha;
}

export interface CommentInput {
  path?: unknown;
  body?: unknown;
  line?: unknown;
  side?: unknown;
  start_line?: unknown;
  start_side?: unknown;
  position?: unknown;
}

export type PlacedComment = Omit<
  ReviewCommentModel,
  "id" | "nodeId" | "review" | "createdAt" | "updatedAt" | "commitId"
>;

const THREAD = "Pull request review thread";

/** "a", "a and b", "a, b, and c" (Rails' to_sentence, as GitHub joins its messages). */
function sentence(parts: string[]): string {
  if (parts.length <= 2) return parts.join(" and ");
  return `${parts.slice(0, -1).join(", ")}, and ${parts.at(-1)}`;
}

function side(value: unknown, fallback: "LEFT" | "RIGHT"): "LEFT" | "RIGHT" {
  if (value === undefined) return fallback;
  if (value === "LEFT" || value === "RIGHT") return value;
  throw unprocessable(`${THREAD} side is not included in the list`);
}

function findLine(file: FileDiff, line: number, on: "LEFT" | "RIGHT"): number {
  return file.lines.findIndex((l) =>
    on === "RIGHT"
      ? l.newLine === line && (l.kind === " " || l.kind === "+")
      : l.oldLine === line && (l.kind === " " || l.kind === "-"),
  );
}

/**
 * Places the inline comments of a review in the diff (`files`; null without git: any path and
 * line is accepted and the diff hunk is a stand-in), or throws GitHub's 422.
 */
export function placeComments(
  inputs: CommentInput[],
  files: Map<string, FileDiff> | null,
): PlacedComment[] {
  return inputs.map((input) => {
    const path = String(input.path ?? "");
    const body = typeof input.body === "string" ? input.body : "";
    if (body.trim() === "") throw unprocessable("Body can't be blank");
    checkReviewLength(body);
    const line = typeof input.line === "number" ? input.line : null;
    const position = typeof input.position === "number" ? input.position : null;
    const startLine = typeof input.start_line === "number" ? input.start_line : null;
    let endSide = side(input.side, "RIGHT");
    if (!files) {
      const at = line ?? position;
      if (at === null) {
        throw unprocessable(
          `${THREAD} line must be part of the diff and ${THREAD} diff hunk can't be blank`,
        );
      }
      const startSide = startLine === null ? null : side(input.start_side, endSide);
      if (startLine !== null && startLine >= at) {
        throw unprocessable(`${THREAD} start line must precede the end line.`);
      }
      return {
        path,
        body,
        line: at,
        side: endSide,
        startLine,
        startSide,
        position: position ?? at,
        diffHunk: `@@ -${at},1 +${at},1 @@`,
      };
    }
    const file = files.get(path);
    if (!file) throw unprocessable("Path could not be resolved");
    let end = -1;
    if (line !== null) {
      end = findLine(file, line, endSide);
    } else if (position !== null) {
      const kind = file.lines[position]?.kind;
      if (kind === " " || kind === "+" || kind === "-") end = position;
      else {
        throw unprocessable(`${THREAD} position is invalid and ${THREAD} diff hunk can't be blank`);
      }
      if (kind === "-") endSide = "LEFT";
      else endSide = "RIGHT";
    }
    const startSide = startLine === null ? null : side(input.start_side, endSide);
    const start = startLine === null || !startSide ? -1 : findLine(file, startLine, startSide);
    const problems: string[] = [];
    if (end < 0) problems.push(`${THREAD} line must be part of the diff`);
    if (
      startLine !== null &&
      (end < 0 || start < 0 || file.lines[start]?.hunk !== file.lines[end]?.hunk)
    ) {
      problems.push(`${THREAD} start line must be part of the same hunk as the line.`);
    }
    if (end < 0) problems.push(`${THREAD} diff hunk can't be blank`);
    if (problems.length > 0) throw unprocessable(sentence(problems));
    if (startLine !== null && start >= end) {
      throw unprocessable(`${THREAD} start line must precede the end line.`);
    }
    const at = file.lines[end] as DiffLine;
    return {
      path,
      body,
      line: (endSide === "RIGHT" ? at.newLine : at.oldLine) as number,
      side: endSide,
      startLine,
      startSide,
      position: end,
      diffHunk: file.text.slice(at.hunk, end + 1).join("\n"),
    };
  });
}
