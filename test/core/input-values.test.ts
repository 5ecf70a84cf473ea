import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cloneUrl, serverUrl, workflowRunUrl } from "../../src/core/actions-environment.js";
import { UserError } from "../../src/core/errors.js";
import * as input from "../../src/core/input-values.js";
import { invalidInputs, Problems } from "../../src/core/problems.js";
import { resolveSettings } from "../../src/core/settings.js";

function readProblem<T>(read: input.Read<T>): string {
  assert.equal(read.ok, false, `expected a problem, got ${JSON.stringify(read)}`);
  return read.ok ? "" : read.problem;
}

function readValue<T>(read: input.Read<T>): T {
  if (!read.ok) assert.fail(`expected a value, got the problem: ${read.problem}`);
  return read.value;
}

describe("issue numbers", () => {
  it("reads 12, #12 and blanks around them", () => {
    for (const text of ["12", "#12", " 12 ", " #12"])
      assert.equal(readValue(input.issueNumber(text)), 12);
  });

  it("refuses anything else, saying what is accepted", () => {
    for (const text of [
      "",
      "0",
      "#",
      "##12",
      "x",
      "1.5",
      "-3",
      "1e3",
      "12abc",
      "99999999999999999",
    ]) {
      assert.equal(
        readProblem(input.issueNumber(text)),
        `${JSON.stringify(text)} is not an issue number; use a number like 12 or #12`,
      );
    }
  });

  it("optional: null when blank, and the problem says it may be left empty", () => {
    assert.equal(readValue(input.optionalIssueNumber("  ")), null);
    assert.equal(readValue(input.optionalIssueNumber("#7")), 7);
    assert.equal(
      readProblem(input.optionalIssueNumber("#x")),
      '"#x" is not an issue number; use a number like 12 or #12, or leave it empty',
    );
  });
});

describe("positive whole numbers", () => {
  it("reads a count from 1, with no #", () => {
    assert.equal(readValue(input.positiveWholeNumber(" 3 ")), 3);
    for (const text of ["0", "#3", "", "x", "2.0"]) {
      assert.equal(
        readProblem(input.positiveWholeNumber(text)),
        `${JSON.stringify(text)} is not a positive whole number, like 2`,
      );
    }
  });
});

describe("true or false", () => {
  it("reads either word in any case; blank is the fallback", () => {
    assert.equal(readValue(input.trueOrFalse("TRUE", false)), true);
    assert.equal(readValue(input.trueOrFalse(" false ", true)), false);
    assert.equal(readValue(input.trueOrFalse("", true)), true);
    assert.equal(readValue(input.trueOrFalse("", false)), false);
  });

  it("shows a bad value as given", () => {
    assert.equal(readProblem(input.trueOrFalse("Maybe", true)), '"Maybe" is not true or false');
    assert.equal(readProblem(input.trueOrFalse("yes", true)), '"yes" is not true or false');
  });
});

describe("name lists", () => {
  it("splits on commas, blanks and newlines, dropping empty entries", () => {
    assert.deepEqual(input.nameList(" a, b\nc  d,,"), ["a", "b", "c", "d"]);
    assert.deepEqual(input.nameList(""), []);
  });
});

describe("agent-env names", () => {
  it("reads exact variable names", () => {
    assert.deepEqual(readValue(input.agentEnvNames("OPENAI_API_KEY, _X\nY1")), [
      "OPENAI_API_KEY",
      "_X",
      "Y1",
    ]);
    assert.deepEqual(readValue(input.agentEnvNames("")), []);
  });

  it("refuses what is not a variable name", () => {
    assert.equal(
      readProblem(input.agentEnvNames("OK,NOT-OK")),
      '"NOT-OK" is not a variable name; list exact names (letters, digits, _), separated by commas',
    );
    assert.match(readProblem(input.agentEnvNames("1A B*")), /^"1A", "B\*" are not variable names;/);
  });

  it("refuses the runner's own credentials, in any case", () => {
    assert.match(
      readProblem(input.agentEnvNames("GITHUB_TOKEN,gh_token,INPUT_TOKEN")),
      /^GITHUB_TOKEN, gh_token, INPUT_TOKEN are the runner's own credentials; the agent never gets them/,
    );
    assert.match(
      readProblem(input.agentEnvNames("ACTIONS_RUNTIME_TOKEN")),
      /^ACTIONS_RUNTIME_TOKEN is the/,
    );
  });

  it("says both when both are wrong", () => {
    const problem = readProblem(input.agentEnvNames("bad-name GH_TOKEN"));
    assert.match(problem, /^"bad-name" is not a variable name;.*\. Also: GH_TOKEN is the runner's/);
  });
});

describe("folders", () => {
  const action = { home: "/home/runner", relativeTo: null };
  const cli = { home: "/home/me", relativeTo: "/work/here" };

  it("expands ~ and ~/, and normalizes absolute paths", () => {
    assert.equal(readValue(input.folder("~", action)), "/home/runner");
    assert.equal(readValue(input.folder(" ~/logs/ ", action)), "/home/runner/logs");
    assert.equal(readValue(input.folder("/srv//work/../cache", action)), "/srv/cache");
    assert.equal(readValue(input.folder("~/logs", cli)), "/home/me/logs");
  });

  it("where relative paths are not accepted, says so", () => {
    for (const text of ["work", "./work", "~other/work", ""]) {
      assert.equal(
        readProblem(input.folder(text, action)),
        `${JSON.stringify(text)} is not an absolute path or one starting with ~/`,
      );
    }
  });

  it("resolves a relative path where one is accepted, and refuses an empty text", () => {
    assert.equal(readValue(input.folder("logs", cli)), "/work/here/logs");
    assert.equal(readValue(input.folder("../logs", cli)), "/work/logs");
    assert.equal(
      readProblem(input.folder(" ", cli)),
      '" " is not a folder; use an absolute path, one starting with ~/, or one relative to the current folder',
    );
  });
});

describe("branch names", () => {
  it("reads a branch name, or null when blank", () => {
    assert.equal(readValue(input.optionalBranchName(" release/1.2 ")), "release/1.2");
    assert.equal(readValue(input.optionalBranchName("")), null);
  });

  it("refuses what git refuses", () => {
    for (const text of [
      "-main",
      "a b",
      "a..b",
      "a~1",
      "a^",
      "a:b",
      "a?",
      "a*",
      "a[",
      "a\\b",
      "a@{1}",
    ]) {
      assert.equal(
        readProblem(input.optionalBranchName(text)),
        `${JSON.stringify(text)} is not a branch name`,
      );
    }
  });
});

describe("values shared with the settings", () => {
  it("a duration gets the settings file's message", () => {
    assert.equal(readValue(input.duration("1h30m")), 5400);
    const problem = readProblem(input.duration("5"));
    assert.equal(
      problem,
      '"5" is not a duration; use hours, minutes and seconds like 90m, 4h or 1h30m. Add a unit, like 5m.',
    );
    assert.throws(
      () => resolveSettings({ explicit: { duration: "5" }, file: null }),
      (error: Error) => error.message === `duration: ${problem}`,
    );
  });

  it("a whole number in a range gets the settings file's message", () => {
    assert.equal(readValue(input.wholeNumber("10", 0, 10)), 10);
    assert.equal(
      readProblem(input.wholeNumber("11", 0, 10)),
      '"11" is not a whole number from 0 to 10',
    );
  });
});

describe("Problems", () => {
  it("takes values, notes each problem under its name, and keeps going", () => {
    const problems = new Problems();
    assert.equal(problems.take("goal", input.issueNumber("#4"), 0), 4);
    assert.equal(problems.any, false);
    assert.equal(problems.take("goal", input.issueNumber("x"), 0), 0);
    assert.equal(problems.take("resume", input.trueOrFalse("maybe", true), true), true);
    assert.deepEqual(problems.list, [
      'goal: "x" is not an issue number; use a number like 12 or #12',
      'resume: "maybe" is not true or false',
    ]);
    assert.equal(problems.any, true);
  });

  it("notes each problem of a SettingsError and a UserError's message; rethrows anything else", () => {
    const problems = new Problems();
    const settings = problems.catch(() =>
      resolveSettings({ explicit: { max: "0", reasoning: "extreme" }, file: null }),
    );
    assert.equal(settings, null);
    assert.equal(
      problems.catch(() => {
        throw new UserError('Input "repository" is empty');
      }),
      null,
    );
    assert.equal(
      problems.catch(() => 5),
      5,
    );
    assert.deepEqual(problems.list, [
      'max: "0" is not a whole number from 1 to 100',
      'reasoning: "extreme" is not one of low, med, high',
      'Input "repository" is empty',
    ]);
    assert.throws(
      () =>
        problems.catch(() => {
          throw new TypeError("a bug");
        }),
      TypeError,
    );
  });

  it("ends in one error, in the actions' shape", () => {
    const one = new Problems();
    one.add("a: wrong");
    assert.equal(one.error(invalidInputs).message, "Invalid input:\n- a: wrong");
    assert.ok(one.error(invalidInputs) instanceof UserError);
    one.add("b: wrong too");
    assert.equal(one.error(invalidInputs).message, "Invalid inputs:\n- a: wrong\n- b: wrong too");
  });
});

describe("the Actions environment", () => {
  it("the server URL: trailing slashes trimmed, github.com when unset or empty", () => {
    assert.equal(serverUrl({}), "https://github.com");
    assert.equal(serverUrl({ GITHUB_SERVER_URL: "" }), "https://github.com");
    assert.equal(
      serverUrl({ GITHUB_SERVER_URL: "https://ghe.example.com//" }),
      "https://ghe.example.com",
    );
  });

  it("the workflow run URL, only when the run and repository are known", () => {
    const env = { GITHUB_SERVER_URL: "https://ghe.example.com/", GITHUB_REPOSITORY: "a/b" };
    assert.equal(workflowRunUrl(env), null);
    assert.equal(workflowRunUrl({ GITHUB_RUN_ID: "7" }), null);
    assert.equal(
      workflowRunUrl({ ...env, GITHUB_RUN_ID: "7" }),
      "https://ghe.example.com/a/b/actions/runs/7",
    );
  });

  it("the clone URL", () => {
    assert.equal(
      cloneUrl({}, { owner: "acme", repo: "widgets" }),
      "https://github.com/acme/widgets.git",
    );
    assert.equal(
      cloneUrl({ GITHUB_SERVER_URL: "https://ghe.example.com/" }, { owner: "a", repo: "b" }),
      "https://ghe.example.com/a/b.git",
    );
  });
});
