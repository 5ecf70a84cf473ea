import type { Person } from "./git.js";

/**
 * The last command run on the agent's side of the wall, with the agent's rights and no secret:
 * it commits what the agent left uncommitted and writes the agent's commits since `start` to a
 * bundle file. The runner then reads that file as data (Git.fetchBundle) and never runs git in
 * the agent's repository itself, so the agent's hooks, fsmonitor, filters and config act, at
 * worst, here, where there is nothing to steal.
 *
 * Arguments are passed to the script positionally: nothing is interpolated into it.
 */
const SCRIPT = `set -eu
work=$1 stale_lock=$2 message=$3 bundle=$4 start=$5
cd "$work"
if [ "$stale_lock" = yes ]; then rm -f .git/index.lock; fi
git add --all
if ! git diff --cached --quiet; then
  git -c commit.gpgSign=false -c core.hooksPath=/dev/null commit --quiet --no-verify --cleanup=whitespace -m "$message"
  echo "committed the changes the agent left uncommitted"
fi
if [ "$(git rev-list --count "$start..HEAD")" != 0 ]; then
  git bundle create --quiet "$bundle" HEAD --not "$start"
fi
`;

export interface SealRequest {
  workTree: string;
  /** An agent stopped mid-command may have left .git/index.lock; nothing else uses the clone. */
  staleLock: boolean;
  message: string;
  /** Where the bundle goes (absent afterwards when the agent made no new commit). */
  bundle: string;
  /** The commit the agent started from. */
  start: string;
  author: Person;
}

/** The seal command's argv and the variables it needs on top of the agent's environment. */
export function sealCommand(request: SealRequest): { argv: string[]; env: Record<string, string> } {
  return {
    argv: [
      "sh",
      "-c",
      SCRIPT,
      "seal",
      request.workTree,
      request.staleLock ? "yes" : "no",
      request.message,
      request.bundle,
      request.start,
    ],
    env: {
      GIT_AUTHOR_NAME: request.author.name,
      GIT_AUTHOR_EMAIL: request.author.email,
      GIT_COMMITTER_NAME: request.author.name,
      GIT_COMMITTER_EMAIL: request.author.email,
      GIT_TERMINAL_PROMPT: "0",
    },
  };
}
