import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { createGoal } from "../../src/flows/create-goal.js";
import { selectGoals } from "../../src/flows/select-goals.js";
import { TextVetter } from "../../src/flows/vet-goals.js";
import { type GitHubFixture, GOAL_BODY, startGitHubFixture } from "../helpers/github-fixture.js";

// selectGoals in-process with the GitHub store against the local server: which queued goals it
// finds blocked by a stuck dependency, beyond the ones whose turn came, at no extra request.

let gh: GitHubFixture;
beforeEach(async () => {
  gh = await startGitHubFixture({ labels: true });
});
afterEach(() => gh.close());

async function goal(title: string, depends: string[] = []) {
  const body = depends.length > 0 ? `${GOAL_BODY}\nDepends: ${depends.join(", ")}\n` : GOAL_BODY;
  return (await createGoal(gh.store, { title, body, queue: true, spotCheck: false })).number;
}

const select = (wanted: number) =>
  selectGoals(gh.store, gh.store.listGoals("queued"), wanted, 3, new TextVetter(gh.store));

describe("selectGoals and blocked goals", () => {
  it("finds them past the goals it picks and with no slot free, reading one page and its dependencies", async () => {
    const stuck = await goal("Stuck");
    await gh.store.transition(stuck, { to: "stuck", reason: "failed (test)" });
    const first = await goal("First");
    const waiting = await goal("Waits for a queued goal", [`#${first}`]);
    const blocked = await goal("Blocked", [`#${stuck}`, `#${first}`]);

    for (const wanted of [1, 0]) {
      const before = gh.server.requests.length;
      const selection = await select(wanted);
      assert.deepEqual(
        selection.eligible.map((g) => g.ref.number),
        wanted === 1 ? [first] : [],
      );
      assert.deepEqual(
        selection.blocked.map((b) => [b.goal.ref.number, b.stuck.map((r) => r.number)]),
        [[blocked, [stuck]]],
        `wanted ${wanted}: only the goal with a stuck dependency, not ${waiting}`,
      );
      assert.deepEqual(selection.blocked[0]?.notice, {
        kind: "blocked",
        by: [`acme/widgets#${stuck}`],
      });
      const asked = gh.server.requests.slice(before).map((r) => r.operationId);
      const graphql = asked.filter((op) => op === "graphql").length;
      // The queue page and one dependency query; picking a goal adds its vetting and blocked-by links.
      if (wanted === 0) assert.deepEqual(asked, ["graphql", "graphql"]);
      else assert.ok(graphql <= 3, asked.join(", "));
    }
  });

  it("counts a dependency that becomes stuck in this cycle (unsatisfiable) as stuck", async () => {
    const { data: broken } = await gh.client.rest.issues.create({
      owner: "acme",
      repo: "widgets",
      title: "Depends on nothing that exists",
      body: `${GOAL_BODY}\nDepends: #999\n`,
      labels: ["goal:queued"],
    });
    const dependent = await goal("After the broken one", [`#${broken.number}`]);
    const selection = await select(2);
    assert.deepEqual(
      selection.unsatisfiable.map((u) => u.goal.ref.number),
      [broken.number],
    );
    assert.deepEqual(
      selection.blocked.map((b) => [b.goal.ref.number, b.stuck.map((r) => r.number)]),
      [[dependent, [broken.number]]],
    );
  });

  it("has nothing to tell a goal whose trusted marker already names the stuck dependency", async () => {
    const stuck = await goal("Stuck");
    await gh.store.transition(stuck, { to: "stuck", reason: "failed (test)" });
    const blocked = await goal("Blocked", [`#${stuck}`]);
    await gh.store.recordMarker(blocked, "Blocked (test).", {
      kind: "blocked",
      by: [`acme/widgets#${stuck}`],
    });
    const selection = await select(1);
    assert.equal(selection.blocked.length, 1);
    assert.equal(selection.blocked[0]?.notice, null);
  });
});
