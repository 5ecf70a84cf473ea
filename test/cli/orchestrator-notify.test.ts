import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { orchestratorMain } from "../../src/cli/orchestrator.js";
import { LABELS } from "../../src/core/states.js";
import { createGoal } from "../../src/flows/create-goal.js";
import type { GitHubGoalStore } from "../../src/github/goal-store.js";
import {
  createBareRepository,
  type GitHubServer,
  startGitHubServer,
} from "../../tools/github-server/index.js";
import { captureIo } from "../helpers/cli-io.js";
import { connectAs, GOAL_BODY, TEST_PACE_MS } from "../helpers/github-fixture.js";
import { type Receiver, startReceiver } from "../helpers/notify-receiver.js";

// The local loop sends the same notifications as the actions: here a goal that goes to
// spot-check, with the URL from GOAL_ORCHESTRATOR_NOTIFY_URL (a flag would show in `ps`).

const AGENT = resolve("test/agents/agent.mjs");
let server: GitHubServer;
let bare: Awaited<ReturnType<typeof createBareRepository>>;
let store: GitHubGoalStore;
let token: string;
let dir: string;
let receiver: Receiver;

beforeEach(async () => {
  server = await startGitHubServer();
  bare = await createBareRepository("main");
  server.createRepository({
    owner: "acme",
    name: "widgets",
    gitDir: bare.gitDir,
    allowAutoMerge: true,
    defaultPermission: "read",
  });
  server.setPermission("acme", "widgets", "maintainer", "write");
  ({ store, token } = await connectAs(server, { owner: "acme", repo: "widgets" }, "maintainer"));
  await store.ensureLabels(LABELS);
  dir = mkdtempSync(join(tmpdir(), "goal-orchestrator-notify-"));
  receiver = await startReceiver();
});
afterEach(async () => {
  try {
    server.assertNoViolations();
  } finally {
    await receiver.close();
    await server.close();
    rmSync(bare.root, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
});

describe("orchestrator notifications", () => {
  it("notifies a goal that needs a spot-check, and never prints the URL", async () => {
    const { number } = await createGoal(store, {
      title: "Touch the workflows",
      body: GOAL_BODY,
      queue: true,
      spotCheck: false,
    });
    const { io, text } = captureIo();
    const code = await orchestratorMain(
      [
        "--once",
        "--clone-url",
        bare.gitDir,
        "--agent-command",
        `"${process.execPath}" "${AGENT}" review --goal={goal_file}`,
        "--agent-read-paths",
        dirname(AGENT),
        "--notify-on",
        "done",
      ],
      io,
      {
        PATH: process.env.PATH,
        HOME: join(dir, "home"),
        XDG_STATE_HOME: join(dir, "state"),
        XDG_CACHE_HOME: join(dir, "cache"),
        GITHUB_TOKEN: token,
        GITHUB_API_URL: server.url,
        GITHUB_REPOSITORY: "acme/widgets",
        GOAL_ORCHESTRATOR_PACE_MS: String(TEST_PACE_MS),
        GOAL_ORCHESTRATOR_NOTIFY_URL: receiver.url,
      },
      new EventEmitter(),
    );
    assert.equal(code, 0, text());
    assert.equal((await store.getGoal(number)).state, "spot-check");
    assert.equal(receiver.received.length, 1, text());
    assert.equal(receiver.received[0]?.headers.title, `Spot-check: acme/widgets#${number}`);
    assert.ok(!text().includes(receiver.topic), text());
  });
});
