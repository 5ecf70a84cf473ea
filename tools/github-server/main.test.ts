import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { describe, it } from "node:test";

describe("standalone server (main.ts)", () => {
  it("starts, prints its URL and environment, answers, and stops on SIGTERM", async () => {
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "tools/github-server/main.ts",
        "--port",
        "0",
        "--repo",
        "acme/widgets",
        "--user",
        "robot",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    try {
      let out = "";
      child.stdout.setEncoding("utf8");
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no output in time: ${out}`)), 20_000);
        child.stdout.on("data", (chunk: string) => {
          out += chunk;
          if (/GITHUB_REPOSITORY=/.test(out)) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.once("exit", (code) => reject(new Error(`exited early (${code}): ${out}`)));
      });
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
      const token = /^GITHUB_TOKEN=(\S+)$/m.exec(out)?.[1];
      assert.ok(url, out);
      assert.ok(token, out);
      assert.match(out, new RegExp(`^GITHUB_API_URL=${url}$`, "m"));
      assert.match(out, /^GITHUB_REPOSITORY=acme\/widgets$/m);
      const res = await fetch(`${url}/repos/acme/widgets`, {
        headers: { authorization: `token ${token}` },
      });
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as { full_name: string }).full_name, "acme/widgets");
      const me = await fetch(`${url}/user`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(((await me.json()) as { login: string }).login, "robot");
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      const [code] = await exited;
      assert.equal(code, 0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});
