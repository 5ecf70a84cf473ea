// Shared setup for the test server's own tests: a server, a user, a repository and a client.
import { Octokit } from "@octokit/rest";
import { type GitHubServer, startGitHubServer } from "./server.js";

export interface Fixture {
  server: GitHubServer;
  octokit: Octokit;
  token: string;
  owner: string;
  repo: string;
}

export async function setup(): Promise<Fixture> {
  const server = await startGitHubServer();
  const { token } = server.addUser({ login: "octo-bot" });
  server.createRepository({ owner: "acme", name: "widgets" });
  const octokit = new Octokit({
    auth: token,
    baseUrl: server.url,
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
  });
  return { server, octokit, token, owner: "acme", repo: "widgets" };
}

/** The HTTP status of a rejected Octokit call (fails the test when the call succeeded). */
export async function statusOf(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
  } catch (error) {
    return (error as { status: number }).status;
  }
  throw new Error("expected the request to fail");
}
