import { createHash } from "node:crypto";

/**
 * Who vouched for a goal's text (design §2): only text that someone with write access wrote,
 * or read and queued after its last change, may reach an agent. Issue text is anyone's to
 * write: an outsider can open an issue and keep editing their own title and body after a
 * maintainer queued it.
 */

/** The facts of an issue's text that the rule needs: who wrote what, when, and who labelled it. */
export interface TextHistory {
  number: number;
  title: string;
  body: string;
  author: string;
  createdAt: string;
  /** The last edit of the body (null: never edited). Title edits are separate (renames). */
  bodyEdit: { by: string; at: string } | null;
  /** The last change of the title (null: never renamed). */
  titleEdit: { by: string; at: string } | null;
  /** Labels added to the issue, oldest first (recent ones at least). */
  labelled: Array<{ label: string; by: string; at: string }>;
}

/** The writer of one part of the text as it stands. */
export interface TextWriter {
  part: "title" | "body";
  login: string;
  at: string;
}

export type Vouch =
  | { vouched: true; by: string; how: "wrote" | "queued" }
  | {
      vouched: false;
      /** The last writers without write access whose text no label vouched for, newest last. */
      writers: TextWriter[];
    };

export interface VouchRules {
  /** The label whose addition, by a person with write access, vouches for the text. */
  label: string;
  /** The orchestrator's own identities (lower case): their writes are trusted; its bots' labels vouch for nothing. */
  ownIdentities: ReadonlySet<string>;
  /** Whether a login has write access (the caller caches the answers of a cycle). */
  canWrite: (login: string) => Promise<boolean>;
}

/** GitHub Apps and github-actions act as `name[bot]`. */
function isBot(login: string): boolean {
  return login.toLowerCase().endsWith("[bot]");
}

/** Who last wrote the title and the body as they stand now. */
export function lastWriters(history: TextHistory): TextWriter[] {
  const title = history.titleEdit ?? { by: history.author, at: history.createdAt };
  const body = history.bodyEdit ?? { by: history.author, at: history.createdAt };
  return [
    { part: "title", login: title.by, at: title.at },
    { part: "body", login: body.by, at: body.at },
  ];
}

/**
 * Whether the text may reach an agent: every last writer is one of the orchestrator's own
 * identities or has write access; or else someone with write access added `label` strictly
 * after the last of those writes. The orchestrator's bot identities never vouch by labelling:
 * their re-queues read nothing. (A person's token is that person, whose label counts: the
 * orchestrator never re-queues, acting as them, a goal whose text changed after its claim; see
 * textChangedSinceClaim.) Timestamps are GitHub's (whole seconds), so a label in the same
 * second as an edit does not count: the edit may have come after it.
 */
export async function vouchFor(history: TextHistory, rules: VouchRules): Promise<Vouch> {
  const own = (login: string) => rules.ownIdentities.has(login.toLowerCase());
  const writers = lastWriters(history);
  const outsiders: TextWriter[] = [];
  for (const writer of writers) {
    if (!own(writer.login) && !(await rules.canWrite(writer.login))) outsiders.push(writer);
  }
  if (outsiders.length === 0) {
    const body = writers.find((writer) => writer.part === "body");
    return { vouched: true, by: body?.login ?? history.author, how: "wrote" };
  }
  // The newest label by a person with write access vouches for everything written before it.
  const labels = history.labelled
    .filter(
      (event) =>
        event.label.toLowerCase() === rules.label.toLowerCase() &&
        !(own(event.by) && isBot(event.by)),
    )
    .reverse();
  let voucher: { by: string; at: number } | null = null;
  for (const event of labels) {
    if (await rules.canWrite(event.by)) {
      voucher = { by: event.by, at: Date.parse(event.at) };
      break;
    }
  }
  const unvouched = outsiders
    .filter((writer) => voucher === null || Date.parse(writer.at) >= voucher.at)
    .sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  if (voucher && unvouched.length === 0) return { vouched: true, by: voucher.by, how: "queued" };
  return { vouched: false, writers: unvouched };
}

/** `the body by @mallory at 2026-…` lines for a refusal. */
export function describeWriters(writers: readonly TextWriter[]): string {
  return writers
    .map((writer) => `the ${writer.part} by @${writer.login} at ${writer.at}`)
    .join(" and ");
}

/**
 * A fingerprint of the text a dispatcher vetted: the claim records it and the runner refuses
 * a goal whose text changed since (an edit between claim and run was vetted by no one).
 */
export function textFingerprint(title: string, body: string): string {
  return createHash("sha256")
    .update(JSON.stringify([title, body.replace(/\r\n/g, "\n")]))
    .digest("hex")
    .slice(0, 32);
}
