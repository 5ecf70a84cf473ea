import assert from "node:assert/strict";
import { resolve } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { encodeMarker } from "../../src/core/markers.js";
import { createGoal } from "../../src/flows/create-goal.js";
import { type GitHubFixture, GOAL_BODY, startGitHubFixture } from "../helpers/github-fixture.js";
import { run } from "../helpers/runtimes.js";

// `goal list` and `goal show` as users run them (the bundled CLI, a real process) show a queued
// goal whose dependency is goal:stuck as blocked, against the local GitHub API server.
const GOAL = resolve("dist/goal/index.js");

let gh: GitHubFixture;
beforeEach(async () => {
  gh = await startGitHubFixture({ labels: true });
});
afterEach(() => gh.close());

const goalCli = (args: string[]) => run(process.execPath, [GOAL, ...args], { env: gh.env });

async function goal(title: string, depends: string[] = []) {
  const body = depends.length > 0 ? `${GOAL_BODY}\nDepends: ${depends.join(", ")}\n` : GOAL_BODY;
  return (await createGoal(gh.store, { title, body, queue: true, spotCheck: false })).number;
}

describe("goal list with blocked goals", () => {
  it("shows queued goals whose dependency is stuck now, from the Depends: line or the dispatcher's marker", async () => {
    const dependency = await goal("Parse widgets");
    await gh.store.transition(dependency, { to: "stuck", reason: "failed (test)" });
    const fixed = await goal("Was stuck, fixed since");
    const dependent = await goal("Export CSV", [`#${dependency}`]);
    // Blocked through a link the dispatcher found (no Depends: line): its marker names it.
    const linked = await goal("Linked only");
    await gh.store.recordMarker(linked, "Blocked (test).", {
      kind: "blocked",
      by: [`acme/widgets#${dependency}`],
    });
    // The dispatcher said so once; the dependency was queued again since: no longer blocked.
    const stale = await goal("Stale marker");
    await gh.store.recordMarker(stale, "Blocked (test).", {
      kind: "blocked",
      by: [`acme/widgets#${fixed}`],
    });
    // Someone without write access pastes a marker: it counts for nothing.
    const pasted = await goal("Pasted marker");
    const outsider = await gh.as("mallory");
    await outsider.client.rest.issues.createComment({
      owner: "acme",
      repo: "widgets",
      issue_number: pasted,
      body: encodeMarker({ kind: "blocked", by: [`acme/widgets#${dependency}`] }),
    });

    const list = await goalCli(["list"]);
    assert.equal(list.code, 0, list.stderr);
    const line = (number: number) =>
      list.stdout.split("\n").find((text) => text.startsWith(`#${number} `)) ?? "";
    assert.match(
      line(dependent),
      new RegExp(
        `^#${dependent} +goal:queued · blocked by #${dependency} \\(stuck\\) new +Export CSV$`,
      ),
    );
    assert.match(line(linked), new RegExp(`goal:queued · blocked by #${dependency} \\(stuck\\)`));
    for (const number of [stale, pasted, fixed]) assert.doesNotMatch(line(number), /blocked/);
    assert.match(line(dependency), /goal:stuck +new +Parse widgets$/);

    const json = await goalCli(["list", "queued", "--json"]);
    assert.equal(json.code, 0, json.stderr);
    const listed = JSON.parse(json.stdout) as Array<{ number: number; blockedBy: string[] }>;
    assert.deepEqual(
      listed.map((entry) => [entry.number, entry.blockedBy]),
      [
        [fixed, []],
        [dependent, [`#${dependency}`]],
        [linked, [`#${dependency}`]],
        [stale, []],
        [pasted, []],
      ],
    );

    const show = await goalCli(["show", String(linked)]);
    assert.equal(show.code, 0, show.stderr);
    assert.match(
      show.stdout,
      new RegExp(`^state: +goal:queued · blocked by #${dependency} \\(stuck\\)$`, "m"),
    );
    assert.match(
      show.stdout,
      new RegExp(`blocked by acme/widgets#${dependency} \\(stuck\\)$`, "m"),
    );
  });
});
