import assert from "node:assert/strict";
import { it } from "node:test";
import { run } from "./helpers/runtimes.js";

it("npm run demo ends every step as expected, with no contract violation", async () => {
  const result = await run(process.execPath, ["--import", "tsx", "scripts/demo.ts"], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
    cwd: process.cwd(),
  });
  assert.equal(result.code, 0, result.stdout + result.stderr);
  assert.match(result.stdout, /demo: every step ended as expected\./);
  assert.match(result.stdout, /, 0 contract violations; 4 issues in acme\/widgets\./);
  assert.match(result.stdout, /#3: goal:draft → goal:queued/);
});
