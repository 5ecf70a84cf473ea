import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  readSandboxSettings,
  runnerPaths,
  type SandboxMounts,
  sandboxArgs,
  sandboxProblem,
} from "../../src/agent/sandbox.js";

// The sandbox's file system, processes and environment, seen from inside by a shell script.

let root: string;
let mounts: SandboxMounts;
let secretDir: string;
before(() => {
  root = mkdtempSync(join(tmpdir(), "goal-sandbox-"));
  const dir = (name: string) => {
    const path = join(root, name);
    mkdirSync(path);
    return path;
  };
  mounts = {
    workTree: dir("work"),
    home: dir("home"),
    tmp: dir("tmp"),
    writable: [dir("out")],
    readOnly: [dir("goal")],
    network: false,
  };
  writeFileSync(join(root, "goal", "goal.md"), "# Goal\n");
  secretDir = dir("runner-secrets");
  writeFileSync(join(secretDir, "credentials"), "secret\n");
});
after(() => rmSync(root, { recursive: true, force: true }));

/** Runs `script` with sh inside the sandbox, with exactly `env`. */
function inside(script: string, env: Record<string, string>, extra: Partial<SandboxMounts> = {}) {
  return spawnSync("bwrap", [...sandboxArgs({ ...mounts, ...extra }), "sh", "-c", script], {
    env,
    encoding: "utf8",
  });
}

const PATH = { PATH: "/usr/bin:/bin" };

describe("the sandbox", {
  skip: spawnSync("bwrap", ["--version"]).error ? "no bwrap" : false,
}, () => {
  it("is usable here", async () => {
    assert.equal(await sandboxProblem(), null);
  });

  it("lets the agent write its work tree, HOME, /tmp and out, and nothing else", () => {
    const result = inside(
      [
        'touch "$W/w" "$H/h" /tmp/t "$O/o"',
        'cat "$G/goal.md"',
        'touch "$G/x" 2>/dev/null && echo goal-writable',
        "touch /usr/x 2>/dev/null && echo usr-writable",
        'ls "$S" 2>/dev/null && echo secrets-visible',
        "echo done",
      ].join("; "),
      {
        ...PATH,
        W: mounts.workTree,
        H: mounts.home,
        O: mounts.writable[0] as string,
        G: mounts.readOnly[0] as string,
        S: secretDir,
      },
    );
    assert.equal(result.stdout, "# Goal\ndone\n", result.stderr);
    // (bwrap adds the mount points of this test's folders, which live under the host's /tmp)
    assert.ok(readdirSync(mounts.tmp).includes("t"), "/tmp is the run's own TMP");
    assert.deepEqual(readdirSync(mounts.workTree), ["w"]);
  });

  it("shows the agent only its own processes, and its own environment as /proc/1's", () => {
    const result = inside("ls /proc | grep -c '^[0-9]'; tr '\\0' '\\n' < /proc/1/environ | sort", {
      ...PATH,
      ONLY: "this",
    });
    const [count, ...environ] = result.stdout.trim().split("\n");
    assert.ok(Number(count) <= 4, `${count} processes visible`);
    assert.deepEqual(environ, ["ONLY=this", "PATH=/usr/bin:/bin"]);
  });

  it("has no network but loopback unless asked", () => {
    const offline = inside("ls /sys/class/net 2>/dev/null || cat /proc/net/dev", PATH);
    assert.doesNotMatch(offline.stdout, /eth|ens|enp|wlan/);
    const online = inside("cat /proc/net/dev | grep -c ':'", PATH, { network: true });
    assert.equal(online.status, 0, online.stderr);
  });

  it("covers the runner's folders under the system paths it shows", () => {
    // /etc/ssl stands for a runner installed under /opt; the HOME under /tmp is not shown
    // anyway, and a folder that does not exist needs no cover.
    const hidden = runnerPaths({ RUNNER_TEMP: "/etc/ssl", HOME: root }, "/usr/lib/no-such/x.js");
    assert.deepEqual(hidden, ["/etc/ssl"]);
    const result = inside("ls -A /etc/ssl | wc -l; test -r /etc/passwd && echo etc", PATH, {
      hidden,
    });
    assert.equal(result.stdout, "0\netc\n", result.stderr);
  });
});

describe("readSandboxSettings", () => {
  it("defaults to a sandbox with an open network", () => {
    const problems: string[] = [];
    assert.deepEqual(readSandboxSettings({ isolation: "", readPaths: "", network: "" }, problems), {
      isolation: "sandbox",
      agentReadPaths: [],
      agentNetwork: { kind: "open" },
    });
    assert.deepEqual(problems, []);
  });

  it("names each bad value's setting, as the caller spells it", () => {
    const problems: string[] = [];
    readSandboxSettings(
      { isolation: "docker", readPaths: "relative/path, /no/such/path", network: "everywhere" },
      problems,
      (key) => `--${key}`,
    );
    assert.equal(problems.length, 4, problems.join("\n"));
    assert.match(
      problems[0] ?? "",
      /^--isolation: "docker" is not an isolation; use sandbox .* or none/,
    );
    assert.match(
      problems[1] ?? "",
      /^--agent-read-paths: "relative\/path" is not an absolute path/,
    );
    assert.match(problems[2] ?? "", /^--agent-read-paths: \/no\/such\/path does not exist/);
    assert.match(problems[3] ?? "", /^--agent-network must be open, none or allow:/);
  });

  it("refuses a network limit that isolation none cannot enforce", () => {
    const problems: string[] = [];
    readSandboxSettings(
      { isolation: "none", readPaths: "", network: "allow:example.com" },
      problems,
    );
    assert.equal(problems.length, 1);
    assert.match(
      problems[0] ?? "",
      /^agent-network: "allow:example.com" is only enforced in the sandbox/,
    );
  });

  it("reads read paths separated by commas or lines, and an allow-list", () => {
    const problems: string[] = [];
    const settings = readSandboxSettings(
      {
        isolation: "Sandbox",
        readPaths: `${root}/goal,\n${root}/out`,
        network: "allow:example.com",
      },
      problems,
    );
    assert.deepEqual(problems, []);
    assert.equal(settings.isolation, "sandbox");
    assert.deepEqual(settings.agentReadPaths, [`${root}/goal`, `${root}/out`]);
    assert.deepEqual(settings.agentNetwork, { kind: "allow", hosts: ["example.com"] });
  });
});
