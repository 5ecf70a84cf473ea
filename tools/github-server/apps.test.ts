import assert from "node:assert/strict";
import { generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { Octokit } from "@octokit/rest";
import { type GitHubServer, startGitHubServer } from "./server.js";
import { statusOf } from "./test-helpers.js";

const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

function keyPair() {
  return generateKeyPairSync("rsa", { modulusLength: 2048 });
}

/** An RS256 JWT as GitHub wants it from an App (iat/exp in seconds, at most ten minutes apart). */
function jwt(key: KeyObject, iss: number | string, iat: number, exp: number): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const unsigned = `${part({ alg: "RS256", typ: "JWT" })}.${part({ iat, exp, iss })}`;
  return `${unsigned}.${sign("RSA-SHA256", Buffer.from(unsigned), key).toString("base64url")}`;
}

describe("GitHub Apps: JWT, installations and installation tokens", () => {
  let server: GitHubServer;
  let appId: number;
  let botLogin: string;
  let installationId: number;
  const keys = keyPair();
  const now = () => Math.floor(Date.now() / 1000);
  const client = (auth: string) => new Octokit({ auth, baseUrl: server.url, log: quiet });

  before(async () => {
    server = await startGitHubServer();
    server.createRepository({ owner: "acme", name: "widgets", defaultPermission: "read" });
    server.createRepository({ owner: "acme", name: "other" });
    ({ appId, botLogin } = server.addApp({
      slug: "goal-bot",
      publicKeyPem: keys.publicKey.export({ type: "spki", format: "pem" }).toString(),
    }));
    ({ installationId } = server.installApp(appId, "acme", "widgets"));
  });
  after(async () => {
    server.assertNoViolations();
    await server.close();
  });

  async function mint(): Promise<{ token: string; expires_at: string }> {
    const asApp = client(jwt(keys.privateKey, appId, now() - 30, now() + 540));
    const { data } = await asApp.apps.createInstallationAccessToken({
      installation_id: installationId,
    });
    return data;
  }

  it("finds the installation on a repository, as the App", async () => {
    const asApp = client(jwt(keys.privateKey, appId, now() - 30, now() + 540));
    const { data } = await asApp.apps.getRepoInstallation({ owner: "acme", repo: "widgets" });
    assert.equal(data.id, installationId);
    assert.equal(data.app_id, appId);
    assert.equal(data.app_slug, "goal-bot");
    assert.equal(data.account && "login" in data.account ? data.account.login : null, "acme");
    assert.equal(
      await statusOf(asApp.apps.getRepoInstallation({ owner: "acme", repo: "other" })),
      404,
    );
  });

  it("mints installation tokens that act as <slug>[bot] with write access", async () => {
    assert.equal(botLogin, "goal-bot[bot]");
    const minted = await mint();
    assert.match(minted.token, /^ghs_/);
    assert.ok(Date.parse(minted.expires_at) > Date.now() + 3_500_000);
    const asBot = client(minted.token);
    const { data: issue } = await asBot.issues.create({
      owner: "acme",
      repo: "widgets",
      title: "x",
    });
    assert.equal(issue.user?.login, "goal-bot[bot]");
    assert.equal(issue.user?.type, "Bot");
    const viewer = await asBot.graphql<{ viewer: { login: string } }>("query { viewer { login } }");
    assert.equal(viewer.viewer.login, "goal-bot[bot]"); // as GitHub answers an installation
    assert.deepEqual(
      server.installationTokens(appId).map((t) => t.token),
      [minted.token],
    );
  });

  it("refuses a JWT with a bad signature, an expired or too long one, and a token as a JWT", async () => {
    const other = keyPair();
    const refused = async (credential: string) => {
      const error = await client(credential)
        .apps.createInstallationAccessToken({ installation_id: installationId })
        .then(
          () => assert.fail("expected 401"),
          (e: { status: number; message: string }) => e,
        );
      assert.equal(error.status, 401);
      return error.message;
    };
    assert.match(
      await refused(jwt(other.privateKey, appId, now() - 30, now() + 540)),
      /could not be decoded/,
    );
    assert.match(await refused(jwt(keys.privateKey, appId, now() - 700, now() - 60)), /'exp'/);
    assert.match(await refused(jwt(keys.privateKey, appId, now() - 30, now() + 3600)), /too far/);
    assert.match(await refused((await mint()).token), /could not be decoded/);
    // a JWT is no credential for the rest of the API
    const asApp = client(jwt(keys.privateKey, appId, now() - 30, now() + 540));
    assert.equal(await statusOf(asApp.repos.get({ owner: "acme", repo: "widgets" })), 401);
  });

  it("refuses an installation token once it expires, on REST and GraphQL", async () => {
    server.setInstallationTokenLifetime(60_000);
    try {
      const minted = await mint();
      assert.ok(Date.parse(minted.expires_at) <= Date.now() + 60_000);
      const asBot = client(minted.token);
      await asBot.repos.get({ owner: "acme", repo: "widgets" });
      server.state.clock.advance(61_000);
      const error = await asBot.repos.get({ owner: "acme", repo: "widgets" }).then(
        () => assert.fail("expected 401"),
        (e: { status: number; message: string }) => e,
      );
      assert.equal(error.status, 401);
      assert.match(error.message, /Bad credentials/);
      await assert.rejects(asBot.graphql("query { viewer { login } }"), /Bad credentials/);
      // a JWT made now (by the server's clock) still mints a fresh token
      const later = now() + 61;
      const { data } = await client(
        jwt(keys.privateKey, appId, later - 30, later + 540),
      ).apps.createInstallationAccessToken({ installation_id: installationId });
      const { data: repo } = await client(data.token).repos.get({ owner: "acme", repo: "widgets" });
      assert.equal(repo.full_name, "acme/widgets");
    } finally {
      server.setInstallationTokenLifetime(3_600_000);
    }
  });
});
