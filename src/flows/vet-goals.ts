import { formatRepo } from "../core/issue-ref.js";
import type { GoalStore } from "../core/ports.js";
import { stateLabel } from "../core/states.js";
import { describeWriters, type TextHistory, textFingerprint, vouchFor } from "../core/vouching.js";

/** What vetting a goal's text came to: claim it with this fingerprint, or send it back to draft. */
export type Vetting =
  | { ok: true; fingerprint: string; vouchedBy: string }
  | { ok: false; reason: string };

/**
 * Vets goal texts before they are claimed (core/vouching.ts): one history request per 20
 * goals, and one permission request per distinct login for the life of the vetter (a cycle).
 */
export class TextVetter {
  private readonly permissions = new Map<string, Promise<boolean>>();

  constructor(private readonly store: GoalStore) {}

  /** Whether a login has write access, asked of GitHub once per login. */
  readonly canWrite = (login: string): Promise<boolean> => {
    const key = login.toLowerCase();
    let answer = this.permissions.get(key);
    if (!answer) {
      answer = login === "ghost" ? Promise.resolve(false) : this.store.hasWriteAccess(login);
      this.permissions.set(key, answer);
    }
    return answer;
  };

  /** Vets issues by number; a number GitHub no longer has is left out of the answer. */
  async vet(
    numbers: readonly number[],
    label = stateLabel("queued"),
  ): Promise<Map<number, Vetting>> {
    const vettings = new Map<number, Vetting>();
    if (numbers.length === 0) return vettings;
    for (const history of await this.store.textHistories(numbers)) {
      vettings.set(history.number, await this.vetOne(history, label));
    }
    return vettings;
  }

  async vetOne(history: TextHistory, label: string): Promise<Vetting> {
    const vouch = await vouchFor(history, {
      label,
      ownIdentities: this.store.trustedAuthors,
      canWrite: this.canWrite,
    });
    if (!vouch.vouched) {
      return {
        ok: false,
        reason: `its text was changed by someone without write access to ${formatRepo(this.store.repo)} (${describeWriters(vouch.writers)}), and no one with write access labelled it ${label} since. A maintainer: read the title and body (including hidden parts: the issue's edit history shows them), then label it ${label} again to run it.`,
      };
    }
    return {
      ok: true,
      fingerprint: textFingerprint(history.title, history.body),
      vouchedBy: vouch.by,
    };
  }
}
