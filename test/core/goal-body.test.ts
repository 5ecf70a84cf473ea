import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GoalBodyError } from "../../src/core/errors.js";
import { type GoalBody, parseGoalBody, withMetadata } from "../../src/core/goal-body.js";

const repo = { owner: "octo", repo: "app" };
const ref = (number: number, owner = "octo", name = "app") => ({ owner, repo: name, number });

function problemsOf(body: string): string[] {
  try {
    parseGoalBody(body, repo);
  } catch (error) {
    assert.ok(error instanceof GoalBodyError, String(error));
    return error.problems;
  }
  assert.fail("expected a GoalBodyError");
}

const designExample = [
  "## Objective",
  "What to build.",
  "",
  "## Acceptance",
  "- observable criteria",
  "",
  "Story: #42",
  "Depends: #12, #15, other-owner/other-repo#7",
  "Model: opus        Reasoning: high",
].join("\n");

describe("parseGoalBody", () => {
  it("reads the design's example", () => {
    assert.deepEqual(parseGoalBody(designExample, repo), {
      objective: "What to build.",
      acceptance: "- observable criteria",
      story: ref(42),
      depends: [ref(12), ref(15), ref(7, "other-owner", "other-repo")],
      model: "opus",
      reasoning: "high",
    } satisfies GoalBody);
  });

  it("needs only the two sections", () => {
    const goal = parseGoalBody("## Objective\nBuild it\n## Acceptance\nIt works", repo);
    assert.deepEqual(goal, {
      objective: "Build it",
      acceptance: "It works",
      story: null,
      depends: [],
      model: null,
      reasoning: null,
    });
  });

  it("matches headings case-insensitively at ## or ### with trailing spaces and CRLF", () => {
    const goal = parseGoalBody("### OBJECTIVE  \r\nA\r\n\r\n##   acceptance:\r\nB\r\n", repo);
    assert.equal(goal.objective, "A");
    assert.equal(goal.acceptance, "B");
  });

  it("keeps multi-line text, deeper headings and code in a section", () => {
    const body = [
      "Intro text is ignored.",
      "## Objective",
      "Line one",
      "",
      "### Details",
      "```",
      "## Acceptance",
      "Story: not-a-ref",
      "```",
      "Line two",
      "## Notes",
      "ignored",
      "## Acceptance",
      "- one",
      "- two",
    ].join("\n");
    const goal = parseGoalBody(body, repo);
    assert.equal(
      goal.objective,
      "Line one\n\n### Details\n```\n## Acceptance\nStory: not-a-ref\n```\nLine two",
    );
    assert.equal(goal.acceptance, "- one\n- two");
    assert.equal(goal.story, null);
  });

  it("ends a ### section at the next ## heading, and a section at another section", () => {
    const goal = parseGoalBody(
      "### Objective\nA\n## Other\nx\n## Acceptance\nB\n### Objective2\nC",
      repo,
    );
    assert.equal(goal.objective, "A");
    assert.equal(goal.acceptance, "B\n### Objective2\nC");
  });

  it("ends a section at a metadata line and reads metadata anywhere", () => {
    const goal = parseGoalBody(
      "Depends: #3\n## Objective\nA\nStory: #9\n## Acceptance\nB\ndepends on nothing",
      repo,
    );
    assert.equal(goal.objective, "A");
    assert.deepEqual(goal.story, ref(9));
    assert.deepEqual(goal.depends, [ref(3)]);
    assert.equal(goal.acceptance, "B\ndepends on nothing");
  });

  it("ignores metadata inside ``` and ~~~ fences", () => {
    const body =
      "## Objective\nA\n~~~\nModel: ???\n~~~\n## Acceptance\nB\n````md\n```\nStory: bad\n````";
    const goal = parseGoalBody(body, repo);
    assert.equal(goal.model, null);
    assert.equal(goal.story, null);
  });

  it("reads keys case-insensitively, Depends separated by commas or spaces, and several Depends lines", () => {
    const goal = parseGoalBody(
      "## Objective\nA\n## Acceptance\nB\nDEPENDS: #1 #2,#3 ,  o/r#4\ndepends: https://github.com/o/r/issues/5, #1\nstory: o/r#6\nreasoning: Medium   model: claude-3.5/sonnet:latest",
      repo,
    );
    assert.deepEqual(goal.depends, [ref(1), ref(2), ref(3), ref(4, "o", "r"), ref(5, "o", "r")]);
    assert.deepEqual(goal.story, ref(6, "o", "r"));
    assert.equal(goal.reasoning, "med");
    assert.equal(goal.model, "claude-3.5/sonnet:latest");
  });

  it("reads Depends on: as Depends:", () => {
    const goal = parseGoalBody("## Objective\nA\n## Acceptance\nB\nDepends on: #4", repo);
    assert.deepEqual(goal.depends, [ref(4)]);
  });

  it("accepts empty Story/Depends lines and Depends: none", () => {
    const goal = parseGoalBody("## Objective\nA\n## Acceptance\nB\nStory:\nDepends: none", repo);
    assert.equal(goal.story, null);
    assert.deepEqual(goal.depends, []);
  });

  it("reports a missing or empty section with how to fix it", () => {
    assert.deepEqual(problemsOf("just text"), [
      'Missing the "## Objective" section: add a line "## Objective" followed by what to build.',
      'Missing the "## Acceptance" section: add a line "## Acceptance" followed by observable criteria that show it is done.',
    ]);
    assert.deepEqual(problemsOf("## Objective\n  \n## Acceptance\nB"), [
      'The "## Objective" section is empty: write what to build below it.',
    ]);
  });

  it("names invisible characters that keep a heading from being a section", () => {
    assert.deepEqual(problemsOf("## Ob\u200bjective\nA\n\n## Acceptance\u2063\u202e\nB"), [
      'The heading on line 1 reads "## Objective" but holds invisible characters (U+200B ZERO WIDTH SPACE), so it is not the "## Objective" section: type the heading again.',
      'The heading on line 4 reads "## Acceptance" but holds invisible characters (U+2063 INVISIBLE SEPARATOR, U+202E RIGHT-TO-LEFT OVERRIDE), so it is not the "## Acceptance" section: type the heading again.',
    ]);
    assert.match(problemsOf("## \u{E0041}Objective\nA\n## Acceptance\nB")[0] ?? "", /\(U\+E0041\)/);
  });

  it("collects every problem at once, quoting bad values", () => {
    const problems = problemsOf(
      [
        "## Objective",
        "A",
        "## Objective",
        "again",
        "Story: #4x",
        "Story: #5",
        "Depends: #1, banana, o/r#",
        "Model: two words",
        "Reasoning: extreme",
      ].join("\n"),
    );
    assert.deepEqual(problems, [
      'The "## Objective" section appears more than once: merge them into one.',
      'Story: "#4x" is not an issue reference; use #12, owner/repo#12 or an issue URL.',
      '"Story:" is given more than once: keep one line.',
      'Depends: "banana" is not an issue reference; use #12, owner/repo#12 or an issue URL.',
      'Depends: "o/r#" is not an issue reference; use #12, owner/repo#12 or an issue URL.',
      'Model: "two words" is not a model name; use a name of letters, digits and . _ : / - (at most 100 characters), like opus or sonnet.',
      'Reasoning: "extreme" is not one of low, med, medium, high.',
      'Missing the "## Acceptance" section: add a line "## Acceptance" followed by observable criteria that show it is done.',
    ]);
  });

  it("rejects a model name over 100 characters and an empty one", () => {
    const long = "m".repeat(101);
    assert.match(
      problemsOf(`## Objective\nA\n## Acceptance\nB\nModel: ${long}`)[0] ?? "",
      /at most 100/,
    );
    assert.match(problemsOf("## Objective\nA\n## Acceptance\nB\nModel:")[0] ?? "", /Model: ""/);
    assert.equal(
      parseGoalBody(`## Objective\nA\n## Acceptance\nB\nModel: ${"m".repeat(100)}`, repo).model
        ?.length,
      100,
    );
  });

  it("does not detect self-dependencies (the body does not know its own number)", () => {
    assert.deepEqual(
      parseGoalBody("## Objective\nA\n## Acceptance\nB\nDepends: #1", repo).depends,
      [ref(1)],
    );
  });
});

describe("withMetadata", () => {
  const base = "## Objective\nA\n\n## Acceptance\nB\n";

  it("appends Story and Depends after a blank line when absent", () => {
    assert.equal(
      withMetadata(base, { story: ref(4), depends: [ref(1), ref(2, "o", "r")] }, repo),
      "## Objective\nA\n\n## Acceptance\nB\n\nStory: #4\nDepends: #1, o/r#2\n",
    );
  });

  it("replaces existing lines in place and leaves the rest untouched", () => {
    const body =
      "Intro\nstory: #1\n## Objective\nA\n```\nDepends: #99\n```\n## Acceptance\nB\nDepends: #2\nModel: opus\n";
    assert.equal(
      withMetadata(body, { story: ref(5), depends: [ref(6)] }, repo),
      "Intro\nStory: #5\n## Objective\nA\n```\nDepends: #99\n```\n## Acceptance\nB\nDepends: #6\nModel: opus\n",
    );
  });

  it("inserts a missing key after the existing metadata and removes repeats", () => {
    const body =
      "## Objective\nA\n## Acceptance\nB\n\nDepends: #1\nDepends: #2\nModel: opus\n\nThanks!";
    assert.equal(
      withMetadata(body, { story: ref(8), depends: [ref(3)] }, repo),
      "## Objective\nA\n## Acceptance\nB\n\nDepends: #3\nModel: opus\nStory: #8\n\nThanks!",
    );
  });

  it("removes lines for null story and empty depends, and leaves keys not given alone", () => {
    const body = "## Objective\nA\n## Acceptance\nB\nStory: #1\nDepends: #2";
    assert.equal(
      withMetadata(body, { story: null }, repo),
      "## Objective\nA\n## Acceptance\nB\nDepends: #2",
    );
    assert.equal(
      withMetadata(body, { depends: [] }, repo),
      "## Objective\nA\n## Acceptance\nB\nStory: #1",
    );
    assert.equal(withMetadata(body, {}, repo), body);
  });

  it("keeps CRLF line endings of replaced lines", () => {
    assert.equal(
      withMetadata("## Objective\r\nA\r\nStory: #1\r\n", { story: ref(2) }, repo),
      "## Objective\r\nA\r\nStory: #2\r\n",
    );
  });

  it("produces a body that parses to the new metadata", () => {
    const body = withMetadata(base, { story: ref(9, "x", "y"), depends: [ref(1)] }, repo);
    const goal = parseGoalBody(body, repo);
    assert.deepEqual(goal.story, ref(9, "x", "y"));
    assert.deepEqual(goal.depends, [ref(1)]);
    assert.equal(withMetadata("", { story: ref(1) }, repo), "Story: #1");
  });
});
