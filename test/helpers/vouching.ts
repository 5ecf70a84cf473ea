import { isStateLabel } from "../../src/core/states.js";
import type { GitHubClient } from "../../src/github/client.js";
import { startWorld, type TestWorld } from "./world.js";

/** The world of the tests of who vouched for a goal's text: the test world and three accounts. */
export interface VouchingWorld extends TestWorld {
  /** The orchestrator's token (the dispatcher's and the runner's). */
  bot: string;
  /** maya, a maintainer with write access. */
  maya: GitHubClient;
  /** olly, an outsider with read access. */
  olly: GitHubClient;
}

export async function startVouchingWorld(): Promise<VouchingWorld> {
  const world = await startWorld();
  return {
    ...world,
    bot: (await world.as("orchestrator", "write")).token,
    maya: (await world.as("maya", "write")).client,
    olly: (await world.as("olly")).client,
  };
}

/**
 * Issues opened, labelled and edited by one account or another, and read back as maya, acting
 * through `world()` as it is when called (tests start a new world for each test).
 */
export function vouchingHelpers(world: () => VouchingWorld) {
  const at = () => ({ owner: world().repo.owner, repo: world().repo.repo });

  /** GitHub's times are whole seconds: let the next write happen in a later one. */
  const nextSecond = () => world().server.state.clock.advance(1_500);

  async function openIssue(client: GitHubClient, title: string, body: string) {
    const { data } = await client.rest.issues.create({ ...at(), title, body });
    return data.number;
  }

  /** Replaces the issue's goal:* label with `label`, as `client`. */
  async function setState(client: GitHubClient, number: number, label: string) {
    const { data } = await client.rest.issues.listLabelsOnIssue({ ...at(), issue_number: number });
    const others = data.map((entry) => entry.name).filter((name) => !isStateLabel(name));
    await client.rest.issues.setLabels({
      ...at(),
      issue_number: number,
      labels: [...others, label],
    });
  }

  async function edit(
    client: GitHubClient,
    number: number,
    changes: { title?: string; body?: string },
  ) {
    await client.rest.issues.update({ ...at(), issue_number: number, ...changes });
  }

  /** The goal:* labels on the issue. */
  async function stateOf(number: number) {
    const { data } = await world().maya.rest.issues.listLabelsOnIssue({
      ...at(),
      issue_number: number,
    });
    return data.map((label) => label.name).filter(isStateLabel);
  }

  async function commentsOf(number: number) {
    const { data } = await world().maya.rest.issues.listComments({
      ...at(),
      issue_number: number,
    });
    return data.map((comment) => ({ author: comment.user?.login, body: comment.body ?? "" }));
  }

  return { nextSecond, openIssue, setState, edit, stateOf, commentsOf };
}
