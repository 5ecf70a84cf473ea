import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { Octokit } from "@octokit/rest";
import { type Fixture, setup, statusOf } from "./test-helpers.js";

const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

describe("actions/create-workflow-dispatch", () => {
  let f: Fixture;
  before(async () => {
    f = await setup();
    f.server.addWorkflow("acme", "widgets", { file: "goals.yml", id: 77 });
    f.server.addWorkflow("acme", "widgets", { file: "ci.yml", dispatchable: false });
  });
  after(() => f.server.close());

  const dispatch = (workflow_id: string | number, ref = "main", octokit = f.octokit) =>
    octokit.actions.createWorkflowDispatch({ owner: "acme", repo: "widgets", workflow_id, ref });
  const dispatches = () => f.server.state.requireRepo("acme", "widgets").workflowDispatches;

  it("records a dispatch by file name or id, with its ref, inputs and actor (204)", async () => {
    const reply = await f.octokit.actions.createWorkflowDispatch({
      owner: "acme",
      repo: "widgets",
      workflow_id: "goals.yml",
      ref: "refs/heads/main",
      inputs: { goal: "" },
    });
    assert.equal(reply.status, 204);
    await dispatch(77);
    assert.deepEqual(
      dispatches().map((d) => [d.file, d.ref, d.inputs, d.actor]),
      [
        ["goals.yml", "refs/heads/main", { goal: "" }, "octo-bot"],
        ["goals.yml", "main", {}, "octo-bot"],
      ],
    );
    f.server.assertNoViolations();
  });

  it("refuses as GitHub does: unknown workflow 404, no workflow_dispatch trigger 422, unknown ref 422", async () => {
    const before = dispatches().length;
    assert.equal(await statusOf(dispatch("nope.yml")), 404);
    const refused = await dispatch("ci.yml").catch(
      (error: { status: number; message: string }) => error,
    );
    assert.equal((refused as { status: number }).status, 422);
    assert.match(
      (refused as { message: string }).message,
      /Workflow does not have 'workflow_dispatch' trigger/,
    );
    const badRef = await dispatch("goals.yml", "no-such-branch").catch((error: Error) => error);
    assert.match((badRef as Error).message, /No ref found for: no-such-branch/);
    assert.equal(dispatches().length, before, "nothing recorded");
  });

  it("403 without write access, and for an App whose installation lacks Actions: write", async () => {
    const { token } = f.server.addUser({ login: "reader" });
    f.server.setPermission("acme", "widgets", "reader", "read");
    const reader = new Octokit({ auth: token, baseUrl: f.server.url, log: quiet });
    assert.equal(await statusOf(dispatch("goals.yml", "main", reader)), 403);

    const keys = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const publicKeyPem = keys.publicKey.export({ type: "spki", format: "pem" }).toString();
    for (const [slug, actions, status] of [
      ["no-actions", "read", 403],
      ["with-actions", "write", 204],
    ] as const) {
      const { appId } = f.server.addApp({ slug, publicKeyPem });
      const { installationId } = f.server.installApp(appId, "acme", "widgets", { actions });
      const minted = f.server.state.apps.mintToken(
        f.server.state.apps.installations.get(installationId) as never,
      );
      const app = new Octokit({ auth: minted.token, baseUrl: f.server.url, log: quiet });
      const got = await dispatch("goals.yml", "main", app).then(
        (reply) => reply.status as number,
        (error: { status: number }) => error.status,
      );
      assert.equal(got, status, slug);
    }
  });
});
