import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { checkAppPrivateKey, connectAsApp, tokenCache } from "../../src/github/app-auth.js";
import { type GitHubServer, startGitHubServer } from "../../tools/github-server/index.js";
import { TEST_PACE_MS } from "../helpers/github-fixture.js";

const repo = { owner: "acme", repo: "widgets" };
const keys = generateKeyPairSync("rsa", { modulusLength: 2048 });
const pem = keys.privateKey.export({ type: "pkcs1", format: "pem" }).toString();
const options = () => ({ apiUrl: server.url, paceMs: TEST_PACE_MS, warn: () => {} });

let server: GitHubServer;
let appId: number;
before(async () => {
  server = await startGitHubServer();
  server.createRepository({ owner: "acme", name: "widgets", defaultPermission: "read" });
  server.createRepository({ owner: "acme", name: "elsewhere" });
  ({ appId } = server.addApp({
    slug: "goal-runner",
    publicKeyPem: keys.publicKey.export({ type: "spki", format: "pem" }).toString(),
  }));
  server.installApp(appId, "acme", "widgets");
});
after(async () => {
  server.assertNoViolations();
  await server.close();
});

describe("connectAsApp", () => {
  it("acts as the installation and mints a new token once the old one nears expiry", async () => {
    // Five minutes: far longer than the test takes, and a JWT (ten minutes) outlives the move.
    server.setInstallationTokenLifetime(5 * 60_000);
    try {
      // The token cache goes by the server's clock, which the test moves instead of waiting.
      const app = await connectAsApp({ appId: String(appId), privateKey: pem }, repo, {
        ...options(),
        now: () => server.state.clock.nowMs(),
      });
      const first = await app.token();
      assert.equal(await app.token(), first, "a fresh token is reused");
      const { data } = await app.client.rest.issues.create({ ...repo, title: "as the App" });
      assert.equal(data.user?.login, "goal-runner[bot]");
      assert.equal(server.installationTokens(appId).length, 1);
      // the first token expires on the server, and the cache sees that it has
      const expiresAt = Date.parse(server.installationTokens(appId)[0]?.expiresAt ?? "");
      server.state.clock.advance(Math.max(0, expiresAt - server.state.clock.nowMs()));
      server.resetRequests();
      await app.client.rest.issues.get({ ...repo, issue_number: data.number });
      const second = await app.token();
      assert.notEqual(second, first);
      assert.equal(server.installationTokens(appId).length, 2);
      assert.deepEqual(
        server.requests.map((r) => [r.operationId, r.status]),
        [
          ["apps/create-installation-access-token", 201],
          ["issues/get", 200],
        ],
      );
    } finally {
      server.setInstallationTokenLifetime(3_600_000);
    }
  });

  it("says when the App is not installed on the repository, or the key is not the App's", async () => {
    await assert.rejects(
      connectAsApp(
        { appId: String(appId), privateKey: pem },
        { owner: "acme", repo: "elsewhere" },
        options(),
      ),
      /The GitHub App \d+ is not installed on acme\/elsewhere/,
    );
    const other = generateKeyPairSync("rsa", { modulusLength: 2048 })
      .privateKey.export({ type: "pkcs1", format: "pem" })
      .toString();
    await assert.rejects(
      connectAsApp({ appId: String(appId), privateKey: other }, repo, options()),
      /GitHub refused to authenticate as the App \d+ .*app-private-key/,
    );
  });
});

describe("tokenCache", () => {
  const entry = (created: string, expires: string) => `ghs_x|${created}|${expires}|all|issues!|`;
  it("drops an hour token five minutes before it expires", () => {
    let now = Date.parse("2026-01-01T00:00:00Z");
    const cache = tokenCache(() => now);
    cache.set("1", entry("2026-01-01T00:00:00.000Z", "2026-01-01T01:00:00Z"));
    now += 54 * 60_000;
    assert.ok(cache.get("1"));
    now += 60_000 + 1;
    assert.equal(cache.get("1"), undefined);
    assert.equal(cache.get("1"), undefined);
  });
  it("drops a short-lived token a quarter of its life before it expires", () => {
    let now = Date.parse("2026-01-01T00:00:00Z");
    const cache = tokenCache(() => now);
    cache.set("1", entry("2026-01-01T00:00:00.000Z", "2026-01-01T00:00:04Z"));
    now += 2999;
    assert.ok(cache.get("1"));
    now += 1;
    assert.equal(cache.get("1"), undefined);
  });
  it("keeps an entry it cannot read 59 minutes, as @octokit/auth-app does", () => {
    let now = 0;
    const cache = tokenCache(() => now);
    cache.set("1", "something|else");
    now = 59 * 60_000 - 1;
    assert.equal(cache.get("1"), "something|else");
    now += 1;
    assert.equal(cache.get("1"), undefined);
  });
});

describe("checkAppPrivateKey", () => {
  it("takes PKCS#1 and PKCS#8 RSA keys, also pasted with literal \\n", () => {
    assert.equal(checkAppPrivateKey(pem), pem.trim());
    const pkcs8 = keys.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    assert.equal(checkAppPrivateKey(pkcs8), pkcs8.trim());
    assert.equal(checkAppPrivateKey(pem.trim().replace(/\n/g, "\\n")), pem.trim());
  });
  it("refuses what is not a readable RSA private key", () => {
    const publicPem = keys.publicKey.export({ type: "spki", format: "pem" }).toString();
    const broken = pem.replace(/\n[A-Za-z0-9+/]{20}/, "\n!!!!");
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" })
      .privateKey.export({ type: "pkcs8", format: "pem" })
      .toString();
    for (const text of ["", "secret", publicPem, broken, ec]) {
      assert.equal(checkAppPrivateKey(text), null);
    }
  });
});
