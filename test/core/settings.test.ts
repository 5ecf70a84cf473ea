import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { UserError } from "../../src/core/errors.js";
import {
  DEFAULT_SETTINGS,
  DEFAULT_SPOT_CHECK_PATHS,
  resolveSettings,
  SETTING_KEYS,
  type Settings,
  SettingsError,
} from "../../src/core/settings.js";

const resolve = (explicit: Record<string, unknown>, file: Record<string, unknown> | null = null) =>
  resolveSettings({ explicit, file });

function problems(
  explicit: Record<string, unknown>,
  file: Record<string, unknown> | null = null,
): string[] {
  try {
    resolve(explicit, file);
  } catch (error) {
    assert.ok(error instanceof SettingsError && error instanceof UserError, String(error));
    assert.equal(error.message, error.problems.join("\n"));
    return error.problems;
  }
  assert.fail("expected a SettingsError");
}

describe("defaults", () => {
  it("match the design", () => {
    assert.deepEqual(resolve({}), {
      max: 2,
      model: "sonnet",
      reasoning: "med",
      durationSeconds: 14400,
      agentCommand: [
        "ralph",
        "--goal={goal_file}",
        "--model={model}",
        "--reasoning={reasoning}",
        "--duration={duration}",
      ],
      maxAttempts: 3,
      maxReviewRounds: 3,
      mergeMethod: "squash",
      idleTimeoutSeconds: null,
      spotCheckPaths: [
        ".github/**",
        ".github/goal-orchestrator.yml",
        "CODEOWNERS",
        ".gitattributes",
        ".gitmodules",
      ],
      spotCheckMaxLines: null,
      reviewers: [],
      notifyUrl: null,
      notifyFormat: "ntfy",
      notifyOn: [],
      markerAuthors: [],
      budget: null,
      unknownRunCostUsd: 5,
    } satisfies Settings);
  });

  it("are not shared between results", () => {
    const first = resolve({});
    first.agentCommand.push("mutated");
    first.reviewers.push("x");
    first.spotCheckPaths.pop();
    assert.equal(resolve({}).agentCommand.length, 5);
    assert.deepEqual(resolve({}).reviewers, []);
    assert.equal(DEFAULT_SETTINGS.agentCommand.length, 5);
    assert.deepEqual(resolve({}).spotCheckPaths, [...DEFAULT_SPOT_CHECK_PATHS]);
    assert.equal(DEFAULT_SPOT_CHECK_PATHS.length, 5);
    assert.ok(Object.isFrozen(DEFAULT_SPOT_CHECK_PATHS));
  });

  it("lists every external key", () => {
    assert.deepEqual(
      [...SETTING_KEYS],
      [
        "max",
        "model",
        "reasoning",
        "duration",
        "agent-command",
        "max-attempts",
        "max-review-rounds",
        "merge-method",
        "idle-timeout",
        "spot-check-paths",
        "spot-check-max-lines",
        "reviewers",
        "notify-url",
        "notify-format",
        "notify-on",
        "marker-authors",
        "budget",
        "unknown-run-cost",
      ],
    );
  });
});

describe("layers", () => {
  it("explicit wins over the file, the file over defaults; empty explicit means not given", () => {
    const settings = resolve(
      { max: "5", model: "", reasoning: "  " },
      { max: 3, model: "opus", reasoning: "high" },
    );
    assert.equal(settings.max, 5);
    assert.equal(settings.model, "opus");
    assert.equal(settings.reasoning, "high");
  });

  it("ignores explicit keys that are not settings (callers may pass every input)", () => {
    assert.equal(resolve({ "github-token": "x", max: "4" }).max, 4);
  });

  it("reads strings from inputs and YAML types from the file alike", () => {
    const fromInputs = resolve({
      max: "7",
      "max-attempts": "5",
      "spot-check-max-lines": "400",
      "idle-timeout": "20m",
      reviewers: "@alice, bob\ncarol",
      "spot-check-paths": "src/auth/**,\n.github/**",
    });
    const fromFile = resolve(
      {},
      {
        max: 7,
        "max-attempts": 5,
        "spot-check-max-lines": 400,
        "idle-timeout": "20m",
        reviewers: ["@alice", "bob", "carol"],
        "spot-check-paths": ["src/auth/**", ".github/**"],
      },
    );
    assert.deepEqual(fromInputs, fromFile);
    assert.equal(fromFile.max, 7);
    assert.equal(fromFile.maxAttempts, 5);
    assert.equal(fromFile.spotCheckMaxLines, 400);
    assert.equal(fromFile.idleTimeoutSeconds, 1200);
    assert.deepEqual(fromFile.reviewers, ["alice", "bob", "carol"]);
    assert.deepEqual(fromFile.spotCheckPaths, ["src/auth/**", ".github/**"]);
  });

  it("treats an empty value in the file as a choice: off for optional settings", () => {
    const settings = resolve({}, { "idle-timeout": null, reviewers: null, "notify-url": "" });
    assert.equal(settings.idleTimeoutSeconds, null);
    assert.deepEqual(settings.reviewers, []);
    assert.deepEqual(problems({}, { model: null }), [
      'model: "" is not a model name; use a name of letters, digits and . _ : / - (at most 100 characters), like opus or sonnet (in .github/goal-orchestrator.yml)',
    ]);
  });
});

describe("spot-check-paths", () => {
  it("keeps the defaults when the input is empty and nothing is in the file", () => {
    assert.deepEqual(resolve({ "spot-check-paths": "" }).spotCheckPaths, DEFAULT_SPOT_CHECK_PATHS);
    assert.deepEqual(
      resolve({ "spot-check-paths": "  \n" }).spotCheckPaths,
      DEFAULT_SPOT_CHECK_PATHS,
    );
  });

  it("replaces the default list entirely when given", () => {
    assert.deepEqual(resolve({ "spot-check-paths": "src/auth/**" }).spotCheckPaths, [
      "src/auth/**",
    ]);
    assert.deepEqual(resolve({}, { "spot-check-paths": ["*.lock"] }).spotCheckPaths, ["*.lock"]);
  });

  it("is turned off by none, or by an empty value in the file", () => {
    // An input cannot be empty on purpose (Actions passes unset inputs as ""): none says it.
    assert.deepEqual(resolve({ "spot-check-paths": "none" }).spotCheckPaths, []);
    assert.deepEqual(resolve({ "spot-check-paths": " None " }).spotCheckPaths, []);
    for (const off of [[], null, "", "none"]) {
      assert.deepEqual(resolve({}, { "spot-check-paths": off }).spotCheckPaths, [], String(off));
    }
    // An explicit none also wins over a list in the file.
    assert.deepEqual(
      resolve({ "spot-check-paths": "none" }, { "spot-check-paths": [".github/**"] })
        .spotCheckPaths,
      [],
    );
  });

  it("mentions none when the value is not a list", () => {
    assert.deepEqual(problems({}, { "spot-check-paths": 5 }), [
      "spot-check-paths: 5 is not a list; use a YAML list or a comma-separated text, or none for no paths (in .github/goal-orchestrator.yml)",
    ]);
    assert.deepEqual(problems({}, { "spot-check-paths": [{ a: 1 }] }), [
      'spot-check-paths: {"a":1} is not a text entry (in .github/goal-orchestrator.yml)',
    ]);
  });
});

describe("values", () => {
  it("accepts each setting's forms", () => {
    const settings = resolve({
      max: "100",
      model: "claude-opus-4.1",
      reasoning: "Medium",
      duration: "1h30m",
      "agent-command": `my-agent --file "{goal_file}" --repo={repository} --n={goal}/{attempt}`,
      "max-attempts": "20",
      "merge-method": "Rebase",
      "idle-timeout": "off",
      "spot-check-max-lines": "0",
      "notify-url": "https://ntfy.sh/topic",
      "marker-authors": "github-actions[bot], my-app[bot]",
      budget: "12.5usd/day",
      "unknown-run-cost": "2.5usd",
    });
    assert.equal(settings.max, 100);
    assert.equal(settings.model, "claude-opus-4.1");
    assert.equal(settings.reasoning, "med");
    assert.equal(settings.durationSeconds, 5400);
    assert.deepEqual(settings.agentCommand, [
      "my-agent",
      "--file",
      "{goal_file}",
      "--repo={repository}",
      "--n={goal}/{attempt}",
    ]);
    assert.equal(settings.maxAttempts, 20);
    assert.equal(settings.mergeMethod, "rebase");
    assert.equal(settings.idleTimeoutSeconds, null);
    assert.equal(settings.spotCheckMaxLines, null);
    assert.equal(settings.notifyUrl, "https://ntfy.sh/topic");
    assert.deepEqual(settings.markerAuthors, ["github-actions[bot]", "my-app[bot]"]);
    assert.deepEqual(settings.budget, { amountUsd: 12.5, period: "day" });
    assert.equal(settings.unknownRunCostUsd, 2.5);
  });

  it("accepts an agent command as a YAML list, the idle timeout as 0, and budget in any case", () => {
    const settings = resolve(
      {},
      { "agent-command": ["run", "{goal_file}"], "idle-timeout": 0, budget: "50 USD/Day" },
    );
    assert.deepEqual(settings.agentCommand, ["run", "{goal_file}"]);
    assert.equal(settings.idleTimeoutSeconds, null);
    assert.deepEqual(settings.budget, { amountUsd: 50, period: "day" });
    assert.equal(resolve({}, { "unknown-run-cost": "12 USD" }).unknownRunCostUsd, 12);
  });

  it("names the key, the bad value and what is accepted, for every key", () => {
    const cases: Array<[string, unknown, string]> = [
      ["max", "abc", 'max: "abc" is not a whole number from 1 to 100'],
      ["max", "0", 'max: "0" is not a whole number from 1 to 100'],
      ["max", "2.5", 'max: "2.5" is not a whole number from 1 to 100'],
      ["model", "gpt 5", 'model: "gpt 5" is not a model name; use'],
      ["reasoning", "extreme", 'reasoning: "extreme" is not one of low, med, high'],
      [
        "duration",
        "4x",
        'duration: "4x" is not a duration; use hours, minutes and seconds like 90m, 4h or 1h30m.',
      ],
      ["agent-command", "ralph '", "agent-command: \"ralph '\" has an unclosed ' quote"],
      [
        "agent-command",
        "ralph {goal_path}",
        "agent-command: {goal_path} is not a known placeholder; use {goal_file}, {model}",
      ],
      ["agent-command", "  ", ""],
      ["max-attempts", "21", 'max-attempts: "21" is not a whole number from 1 to 20'],
      [
        "merge-method",
        "fast-forward",
        'merge-method: "fast-forward" is not one of squash, merge, rebase',
      ],
      ["idle-timeout", "soon", 'idle-timeout: "soon" is not a duration'],
      [
        "spot-check-max-lines",
        "lots",
        'spot-check-max-lines: "lots" is not a whole number from 1 to 1000000, or off',
      ],
      [
        "reviewers",
        "alice, bad name, -x",
        'reviewers: "bad name", "-x" are not GitHub logins; use names like octocat',
      ],
      ["marker-authors", "a/b", 'marker-authors: "a/b" is not a GitHub login'],
      ["notify-url", "ftp://x", 'notify-url: "ftp://x" is not an http(s) URL'],
      ["notify-url", "ntfy.sh/topic", 'notify-url: "ntfy.sh/topic" is not an http(s) URL'],
      ["notify-format", "xml", 'notify-format: "xml" is not one of ntfy, json'],
      ["notify-on", "stuck", 'notify-on: "stuck" is not one of done, or off'],
      ["budget", "50", 'budget: "50" — use an amount per day like 50usd/day'],
      ["budget", "50usd/week", 'budget: "50usd/week" — use an amount per day'],
      ["budget", "0usd/day", 'budget: "0usd/day" — use an amount per day'],
      ["unknown-run-cost", "5", 'unknown-run-cost: "5" — use an amount for one run like 5usd'],
      ["unknown-run-cost", "0usd", 'unknown-run-cost: "0usd" — use an amount for one run'],
      ["unknown-run-cost", "5usd/day", 'unknown-run-cost: "5usd/day" — use an amount'],
      [
        "unknown-run-cost",
        "10000.01usd",
        'unknown-run-cost: "10000.01usd" — use an amount for one run like 5usd or 2.5usd, more than 0 and at most 10000usd',
      ],
    ];
    for (const [key, value, expected] of cases) {
      if (expected === "") continue;
      const found = problems({ [key]: value });
      assert.equal(found.length, 1, `${key}=${String(value)}: ${found.join(" | ")}`);
      assert.ok(found[0]?.startsWith(expected), `${found[0]} should start with ${expected}`);
    }
    assert.deepEqual(problems({}, { "agent-command": "  " }), [
      'agent-command: "  " names no program to run (in .github/goal-orchestrator.yml)',
    ]);
  });

  it("collects every problem at once and says which came from the file", () => {
    const found = problems(
      { max: "abc", reasoning: "extreme" },
      { duration: 90, "max-attempt": 2, colour: "red", "merge-method": "squash" },
    );
    assert.deepEqual(found, [
      'max-attempt: unknown setting in .github/goal-orchestrator.yml. Did you mean "max-attempts"? Known settings: max, model, reasoning, duration, agent-command, max-attempts, max-review-rounds, merge-method, idle-timeout, spot-check-paths, spot-check-max-lines, reviewers, notify-url, notify-format, notify-on, marker-authors, budget, unknown-run-cost.',
      `colour: unknown setting in .github/goal-orchestrator.yml. Known settings: ${SETTING_KEYS.join(", ")}.`,
      'max: "abc" is not a whole number from 1 to 100',
      'reasoning: "extreme" is not one of low, med, high',
      "duration: 90 is not a duration; use hours, minutes and seconds like 90m, 4h or 1h30m. Add a unit, like 90m. (in .github/goal-orchestrator.yml)",
    ]);
  });

  it("uses the given file name in messages", () => {
    assert.throws(
      () => resolveSettings({ explicit: {}, file: { modle: "x" }, fileName: "custom.yml" }),
      /modle: unknown setting in custom\.yml\. Did you mean "model"\?/,
    );
  });
});
