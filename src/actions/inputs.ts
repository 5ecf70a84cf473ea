import * as core from "@actions/core";
import { messageOf, UserError } from "../core/errors.js";
import { parseRepo, type RepoRef } from "../core/issue-ref.js";
import type { Notify } from "../core/notifications.js";
import { NOTIFY_SETTING_KEYS, type Settings } from "../core/settings.js";
import { checkAppPrivateKey } from "../github/app-auth.js";
import { httpNotifier } from "../notify/http-notifier.js";

/** The token input, masked at once so no later log line can show it. */
export function tokenInput(): string {
  const token = core.getInput("token");
  if (!token) {
    throw new UserError(
      'Input "token" is empty: pass a token that can write issues (the default is the workflow\'s GITHUB_TOKEN).',
    );
  }
  core.setSecret(token);
  return token;
}

/** How an action authenticates: the token input, or as a GitHub App installation. */
export type AuthInputs =
  | { kind: "token"; token: string }
  | { kind: "app"; appId: string; privateKey: string };

/**
 * `app-id` and `app-private-key` (both or neither), else `token`. Problems are appended to
 * `problems`, each naming its input, never showing the key; every secret is masked at once.
 */
export function authInputs(problems: string[]): AuthInputs | null {
  const appId = core.getInput("app-id").trim();
  const rawKey = core.getInput("app-private-key");
  if (rawKey) {
    core.setSecret(rawKey);
    // the runner masks line by line: mask each line of the key too
    for (const line of rawKey.split(/\r?\n|\\n/)) if (line.length > 8) core.setSecret(line);
  }
  if (!appId && !rawKey) {
    try {
      return { kind: "token", token: tokenInput() };
    } catch (error) {
      problems.push(messageOf(error));
      return null;
    }
  }
  const before = problems.length;
  if (!appId) {
    problems.push("app-id: empty, but app-private-key is set: give the App's id with its key.");
  } else if (!/^(\d+|Iv[0-9A-Za-z.]+)$/.test(appId)) {
    problems.push(`app-id: "${appId}" is not a GitHub App id (digits, like 123456) or client id.`);
  }
  let privateKey: string | null = null;
  if (!rawKey) {
    problems.push(
      "app-private-key: empty, but app-id is set: give the App's private key (the .pem file's contents) with its id.",
    );
  } else {
    privateKey = checkAppPrivateKey(rawKey);
    if (privateKey === null) {
      problems.push(
        "app-private-key: not a PEM private key; pass the whole .pem file GitHub generated for the App, from -----BEGIN RSA PRIVATE KEY----- to -----END RSA PRIVATE KEY-----.",
      );
    }
  }
  if (problems.length > before || privateKey === null) return null;
  return { kind: "app", appId, privateKey };
}

/**
 * The notify-url, notify-format and notify-on inputs, as explicit settings. The URL is a
 * capability (whoever has it can post), so it is masked before anything could print it.
 */
export function notifyInputs(): Record<string, string> {
  const url = core.getInput("notify-url");
  if (url.trim()) {
    core.setSecret(url);
    core.setSecret(url.trim());
  }
  return Object.fromEntries(NOTIFY_SETTING_KEYS.map((name) => [name, core.getInput(name)]));
}

/** Sends to the resolved notify-url (masked, as it may come from the settings file). */
export function notifierOf(
  settings: Pick<Settings, "notifyUrl" | "notifyFormat" | "notifyOn">,
): Notify {
  if (settings.notifyUrl) core.setSecret(settings.notifyUrl);
  return httpNotifier({
    url: settings.notifyUrl,
    format: settings.notifyFormat,
    on: settings.notifyOn,
    log: core.info,
    warn: core.warning,
  });
}

/** The repository input, or the workflow's own repository. */
export function repositoryInput(): RepoRef {
  const text = core.getInput("repository") || process.env.GITHUB_REPOSITORY || "";
  if (!text)
    throw new UserError(
      'Input "repository" is empty and GITHUB_REPOSITORY is not set: use owner/name.',
    );
  try {
    return parseRepo(text);
  } catch (error) {
    throw new UserError(`Input "repository": ${messageOf(error)}`);
  }
}

/** Runs an action's main function; any error fails the step with a message a person can act on. */
export async function runAction(main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (error) {
    core.setFailed(messageOf(error));
  }
}
