// The workflows under .github/workflows and the action metadata files: actionlint finds
// nothing, untrusted values never reach a shell through ${{ }}, third-party actions are pinned,
// the reusable workflow's jobs are wired to the dispatcher's outputs, and every job says what
// GITHUB_TOKEN may do.
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${{ }} here is GitHub expression syntax
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { ACTIONLINT_VERSION, actionlint } from "./actionlint.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const WORKFLOWS = join(ROOT, ".github", "workflows");

type Doc = Record<string, unknown>;

function readYaml(path: string): Doc {
  const value: unknown = parse(readFileSync(path, "utf8"));
  assert.ok(isObject(value), `${relative(ROOT, path)} is not a YAML mapping`);
  return value;
}

function isObject(value: unknown): value is Doc {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function asObject(value: unknown, what: string): Doc {
  assert.ok(isObject(value), `${what} is not a mapping`);
  return value;
}

const workflowFiles = readdirSync(WORKFLOWS)
  .filter((name) => /\.ya?ml$/.test(name))
  .sort()
  .map((name) => join(WORKFLOWS, name));

const actionFiles = [
  join(ROOT, "action.yml"),
  ...readdirSync(join(ROOT, "actions"), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(ROOT, "actions", entry.name, "action.yml"))
    .filter((path) => existsSync(path)),
].sort();

function jobsOf(workflow: Doc, file: string): [string, Doc][] {
  return Object.entries(asObject(workflow.jobs, `${file}: jobs`)).map(([id, job]) => [
    id,
    asObject(job, `${file}: jobs.${id}`),
  ]);
}

/** Every step of every job of a workflow, or of a composite action. */
function stepsOf(doc: Doc, file: string): { where: string; step: Doc }[] {
  const found: { where: string; step: Doc }[] = [];
  const collect = (steps: unknown, where: string) => {
    if (!Array.isArray(steps)) return;
    steps.forEach((step, index) => {
      found.push({ where: `${where}.steps[${index}]`, step: asObject(step, `${where}.${index}`) });
    });
  };
  if (isObject(doc.jobs)) for (const [id, job] of jobsOf(doc, file)) collect(job.steps, id);
  if (isObject(doc.runs)) collect(doc.runs.steps, "runs");
  return found;
}

const EXPRESSION = /\$\{\{([\s\S]*?)\}\}/g;
const UNTRUSTED_IN_SHELL =
  /(?<![\w.-])(inputs|matrix|needs)\s*(\.|\[)|\bgithub\s*\.\s*event\s*(\.|\[)/;

/** The ${{ }} expressions of a run: script that reference values a shell must not see. */
function untrustedExpressions(script: string): string[] {
  return [...script.matchAll(EXPRESSION)]
    .filter((match) => UNTRUSTED_IN_SHELL.test(match[1] ?? ""))
    .map((match) => match[0]);
}

/** Names of `matrix.<name>` read anywhere in a value (a job, a step, a string). */
function matrixNames(value: unknown): Set<string> {
  const names = new Set<string>();
  const text = JSON.stringify(value);
  for (const expression of text.matchAll(EXPRESSION)) {
    for (const name of (expression[1] ?? "").matchAll(/\bmatrix\.([A-Za-z_][\w-]*)/g)) {
      names.add(name[1] as string);
    }
  }
  return names;
}

/** `uses:` lines of a non-local action or workflow without a commit SHA and a version comment. */
function unpinnedUses(text: string): string[] {
  return text.split("\n").flatMap((line, index) => {
    const match = /^\s*(?:-\s+)?uses:\s*["']?([^\s"'#]+)["']?\s*(#.*)?$/.exec(line);
    if (!match) return [];
    const target = match[1] as string;
    if (target.startsWith("./") || target.startsWith("docker://")) return [];
    const pinned = /^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/.test(target);
    const versioned = /^#\s*v\d+(\.\d+)*\b/.test(match[2] ?? "");
    return pinned && versioned ? [] : [`line ${index + 1}: ${line.trim()}`];
  });
}

describe("workflow files", () => {
  it("exist", () => {
    const names = workflowFiles.map((path) => relative(WORKFLOWS, path));
    for (const name of ["ci.yml", "orchestrate.yml", "goal-orchestrator.yml"]) {
      assert.ok(names.includes(name), `.github/workflows/${name} is missing`);
    }
  });

  for (const path of workflowFiles) {
    const file = relative(ROOT, path);

    it(`${file}: actionlint ${ACTIONLINT_VERSION} finds nothing`, async () => {
      const findings = await actionlint(readFileSync(path, "utf8"), path);
      const report = findings.map((f) => `${file}:${f.line}:${f.column}: ${f.message} [${f.kind}]`);
      assert.deepEqual(report, [], `actionlint:\n${report.join("\n")}`);
    });

    it(`${file}: no \${{ }} of inputs, matrix, needs or github.event inside a run: script`, () => {
      const bad = stepsOf(readYaml(path), file).flatMap(({ where, step }) =>
        typeof step.run === "string"
          ? untrustedExpressions(step.run).map((expression) => `${where}: ${expression}`)
          : [],
      );
      assert.deepEqual(bad, [], "pass these through env: and read $VARIABLES instead");
    });

    it(`${file}: every non-local action and reusable workflow is pinned to a commit`, () => {
      assert.deepEqual(
        unpinnedUses(readFileSync(path, "utf8")),
        [],
        `${file}: want OWNER/REPO@<40-hex commit> # vX.Y.Z`,
      );
    });

    it(`${file}: every job has explicit permissions, none is write-all`, () => {
      const workflow = readYaml(path);
      const topLevel = "permissions" in workflow;
      assert.notEqual(workflow.permissions, "write-all", `${file}: top-level write-all`);
      for (const [id, job] of jobsOf(workflow, file)) {
        assert.ok(topLevel || "permissions" in job, `${file}: job ${id} has no permissions block`);
        assert.notEqual(job.permissions, "write-all", `${file}: job ${id} is write-all`);
      }
    });
  }
});

describe("the checks themselves", () => {
  it("see untrusted expressions in scripts, and not in env", () => {
    assert.deepEqual(untrustedExpressions("echo ${{ inputs.goal }}"), ["${{ inputs.goal }}"]);
    assert.deepEqual(untrustedExpressions("echo ${{ github.event.issue.title }}").length, 1);
    assert.deepEqual(untrustedExpressions("echo ${{ matrix['title'] }}").length, 1);
    assert.deepEqual(untrustedExpressions("echo ${{ needs.dispatch.outputs.matrix }}").length, 1);
    assert.deepEqual(untrustedExpressions('echo "$GOAL_NUMBER" ${{ github.run_id }}'), []);
  });

  it("see unpinned actions", () => {
    const sha = "11bd71901bbe5b1630ceea73d27597364c9af683";
    assert.deepEqual(unpinnedUses(`      - uses: actions/checkout@${sha} # v4.2.2`), []);
    assert.deepEqual(
      unpinnedUses("      - uses: ./actions/dispatch\n    uses: ./.github/x.yml"),
      [],
    );
    assert.equal(unpinnedUses("      - uses: actions/checkout@v4").length, 1);
    assert.equal(unpinnedUses(`      - uses: actions/checkout@${sha}`).length, 1);
    assert.equal(unpinnedUses(`    uses: o/r/.github/workflows/w.yml@main # v1`).length, 1);
  });

  it("actionlint reports what it should", async () => {
    // actionlint finds the repository (and so its reusable workflows) only from a path that
    // exists; the source linted is this text, not the file's.
    const path = join(WORKFLOWS, "orchestrate.yml");
    const source = [
      "on: push",
      "permissions: {}",
      "jobs:",
      "  a:",
      "    runs-on: ubuntu-latest",
      "    steps:",
      "      - run: echo ${{ github.event.issue.title }}",
      "  b:",
      "    uses: ./.github/workflows/goal-orchestrator.yml",
      "    with: { not-an-input: 1 }",
    ].join("\n");
    const messages = (await actionlint(source, path)).map((finding) => finding.message);
    assert.ok(
      messages.some((m) => m.includes("potentially untrusted")),
      messages.join("\n"),
    );
    assert.ok(messages.some((m) => m.includes('input "not-an-input" is not defined')));
  });
});

describe("action metadata", () => {
  it("exists for the root action and the dispatcher", () => {
    const names = actionFiles.map((path) => relative(ROOT, path));
    assert.ok(names.includes("action.yml"));
    assert.ok(names.includes(join("actions", "dispatch", "action.yml")));
  });

  for (const path of actionFiles) {
    const file = relative(ROOT, path);

    it(`${file}: name, description, inputs described, runs node24 with an existing main`, () => {
      const action = readYaml(path);
      for (const key of ["name", "description"]) {
        assert.equal(typeof action[key], "string", `${file}: ${key} is missing`);
        assert.ok((action[key] as string).trim(), `${file}: ${key} is empty`);
      }
      for (const [name, input] of Object.entries(isObject(action.inputs) ? action.inputs : {})) {
        assert.equal(typeof asObject(input, name).description, "string", `${file}: ${name}`);
      }
      const runs = asObject(action.runs, `${file}: runs`);
      assert.equal(runs.using, "node24", `${file}: runs.using`);
      for (const key of ["main", "pre", "post"]) {
        if (key !== "main" && !(key in runs)) continue;
        assert.equal(typeof runs[key], "string", `${file}: runs.${key}`);
        const target = resolve(dirname(path), runs[key] as string);
        assert.ok(
          existsSync(target),
          `${file}: runs.${key} is ${runs[key]}, and ${relative(ROOT, target)} does not exist (npm run bundle)`,
        );
      }
    });
  }
});

describe("the reusable workflow's wiring", () => {
  const reusablePath = join(WORKFLOWS, "goal-orchestrator.yml");
  const reusable = readYaml(reusablePath);
  const jobs = Object.fromEntries(jobsOf(reusable, "goal-orchestrator.yml"));
  const dispatchJob = asObject(jobs.dispatch, "jobs.dispatch");
  const runJob = asObject(jobs.run, "jobs.run");
  const dispatchAction = readYaml(join(ROOT, "actions", "dispatch", "action.yml"));
  const actionOutputs = asObject(dispatchAction.outputs, "dispatch outputs");
  const actionInputs = asObject(dispatchAction.inputs, "dispatch inputs");
  const call = asObject(asObject(reusable.on, "on").workflow_call, "on.workflow_call");
  const callInputs = asObject(call.inputs, "workflow_call.inputs");
  const callSecrets = asObject(call.secrets, "workflow_call.secrets");

  /** The matrix entry the dispatcher documents, from its `matrix` output's description. */
  const documentedEntry = (() => {
    const description = String(asObject(actionOutputs.matrix, "matrix").description);
    const json = description.slice(description.indexOf("{"), description.lastIndexOf("}") + 1);
    const parsed = JSON.parse(json) as { include: Doc[] };
    return asObject(parsed.include[0], "documented matrix entry");
  })();

  it("has the documented inputs, defaults and secrets", () => {
    const defaults: Record<string, [string, unknown]> = {
      max: ["number", 2],
      // Empty: the repository's settings file decides, else the built-in default.
      model: ["string", ""],
      reasoning: ["string", ""],
      duration: ["string", ""],
      "runner-labels": ["string", '["self-hosted","ralph"]'],
      "agent-command": ["string", ""],
      goal: ["string", ""],
      "timeout-minutes": ["number", 300],
    };
    for (const [name, [type, value]] of Object.entries(defaults)) {
      const input = asObject(callInputs[name], `input ${name}`);
      assert.equal(input.type, type, `input ${name}: type`);
      assert.deepEqual(input.default, value, `input ${name}: default`);
    }
    assert.deepEqual(JSON.parse(String(asObject(callInputs["runner-labels"], "").default)), [
      "self-hosted",
      "ralph",
    ]);
    for (const name of ["token", "runners-token"]) {
      assert.equal(asObject(callSecrets[name], name).required, false, `secret ${name} is optional`);
    }
  });

  it("the dispatch job runs the dispatcher action and outputs its matrix and count", () => {
    assert.equal(dispatchJob["runs-on"], "ubuntu-latest");
    const steps = (dispatchJob.steps as Doc[]).map((step) => asObject(step, "step"));
    const dispatch = steps.find((step) => step.id === "dispatch");
    assert.ok(dispatch, "no step with id dispatch");
    assert.match(String(dispatch.uses), /(^|\/)actions\/dispatch(@|$)/);
    const outputs = asObject(dispatchJob.outputs, "jobs.dispatch.outputs");
    for (const name of ["matrix", "claimed"]) {
      assert.ok(name in actionOutputs, `the dispatch action has no output ${name}`);
      assert.equal(outputs[name], `\${{ steps.dispatch.outputs.${name} }}`);
    }
    // actionlint cannot see an action checked out at run time, so its inputs are checked here.
    for (const name of Object.keys(asObject(dispatch.with, "dispatch.with"))) {
      assert.ok(name in actionInputs, `the dispatch action has no input ${name}`);
    }
  });

  it("the dispatch job checks out the orchestrator, at this workflow's own commit", () => {
    const steps = (dispatchJob.steps as Doc[]).map((step) => asObject(step, "step"));
    const dispatchIndex = steps.findIndex((step) => step.id === "dispatch");
    const checkout = steps.findIndex(
      (step) =>
        String(step.uses).startsWith("actions/checkout@") &&
        asObject(step.with, "checkout.with").ref === "${{ steps.source.outputs.sha }}",
    );
    assert.ok(checkout >= 0 && checkout < dispatchIndex, "checkout of the orchestrator first");
    const path = asObject(steps[checkout]?.with, "checkout.with").path;
    assert.equal(steps[dispatchIndex]?.uses, `./${path}/actions/dispatch`);
  });

  it("the run job reads only matrix values the dispatcher outputs", () => {
    const used = matrixNames(runJob);
    const offered = new Set(Object.keys(documentedEntry));
    assert.deepEqual([...offered].sort(), ["attempt", "goal", "repository", "title"]);
    for (const name of used) assert.ok(offered.has(name), `matrix.${name} is never output`);
    assert.ok(used.has("goal") && used.has("attempt"));
  });

  it("the run job is one matrix job per claimed goal, on the self-hosted runners", () => {
    assert.equal(runJob.needs, "dispatch");
    assert.match(String(runJob.if), /fromJSON\(needs\.dispatch\.outputs\.claimed\b.*\) > 0/);
    const strategy = asObject(runJob.strategy, "strategy");
    assert.equal(strategy["fail-fast"], false);
    assert.equal(strategy.matrix, "${{ fromJSON(needs.dispatch.outputs.matrix) }}");
    assert.equal(runJob["runs-on"], "${{ fromJSON(inputs.runner-labels) }}");
    assert.equal(runJob["timeout-minutes"], "${{ inputs.timeout-minutes }}");
  });

  it("a sample dispatcher output is a matrix with an include list", () => {
    const sample = '{"include":[{"goal":12,"attempt":1,"title":"x","repository":"o/r"}]}';
    const matrix = JSON.parse(sample) as { include: Doc[] };
    assert.ok(Array.isArray(matrix.include));
    assert.deepEqual(Object.keys(matrix.include[0] ?? {}).sort(), [
      ...Object.keys(documentedEntry).sort(),
    ]);
    assert.deepEqual(matrixNames(runJob), new Set(Object.keys(matrix.include[0] ?? {})));
  });

  it("the run job runs the runner action from the orchestrator's own commit", () => {
    const steps = (runJob.steps as Doc[]).map((step) => asObject(step, "step"));
    const checkout = steps.findIndex((step) => String(step.uses).startsWith("actions/checkout@"));
    const runIndex = steps.findIndex((step) => String(step.uses).endsWith("/actions/run"));
    assert.ok(checkout >= 0 && checkout < runIndex, "checkout of the orchestrator first");
    const checkoutWith = asObject(steps[checkout]?.with, "checkout.with");
    assert.equal(checkoutWith.ref, "${{ needs.dispatch.outputs.orchestrator-sha }}");
    assert.equal(checkoutWith.repository, "${{ needs.dispatch.outputs.orchestrator-repository }}");
    assert.equal(steps[runIndex]?.uses, `./${checkoutWith.path}/actions/run`);
    const inputs = asObject(steps[runIndex]?.with, "run.with");
    assert.equal(inputs.goal, "${{ matrix.goal }}");
    assert.equal(inputs.attempt, "${{ matrix.attempt }}");
    assert.equal(inputs.repository, "${{ matrix.repository }}");
    const declared = asObject(readYaml(join("actions", "run", "action.yml")).inputs, "run inputs");
    for (const name of Object.keys(inputs))
      assert.ok(name in declared, `actions/run has no input ${name}`);
    assert.ok(
      !steps.some((step) => "continue-on-error" in step) && !("continue-on-error" in runJob),
    );
  });

  it("only the dispatch job has a concurrency group: wake-ups coalesce, a goal's dispatch is never dropped", () => {
    for (const name of ["goal-orchestrator.yml", "orchestrate.yml"]) {
      const workflow = readYaml(join(WORKFLOWS, name));
      assert.ok(!("concurrency" in workflow), `${name}: top-level concurrency would hold runs`);
      for (const [id, job] of jobsOf(workflow, name)) {
        if (name === "goal-orchestrator.yml" && id === "dispatch") continue;
        assert.ok(!("concurrency" in job), `${name}: job ${id} has a concurrency group`);
      }
    }
    const concurrency = asObject(dispatchJob.concurrency, "jobs.dispatch.concurrency");
    assert.equal(concurrency["cancel-in-progress"], false, "a running cycle is never cancelled");
    const group = String(concurrency.group).replace(/\s+/g, " ").trim();
    const match =
      /^\$\{\{ inputs\.goal == '' && \( (.*) \) && format\('goal-orchestrator wake-up: \{0\}', github\.workflow\) \|\| format\('goal-orchestrator run \{0\}', github\.run_id\) \}\}$/.exec(
        group,
      );
    assert.ok(match, `the group: a wake-up group, else one per run (github.run_id):\n${group}`);
    // Only wake-ups share the group: the same condition as the job's `if`, so neither a goal's
    // dispatch nor a skipped event (another label, passing checks) can cancel a pending cycle.
    assert.equal(match[1], String(dispatchJob.if).replace(/\s+/g, " ").trim());
    for (const part of [
      "github.event.label.name == 'goal:queued'",
      "startsWith(github.event.workflow_run.head_branch, 'goal/')",
      "startsWith(github.event.check_suite.head_branch, 'goal/')",
      '"failure"',
    ]) {
      assert.ok(String(dispatchJob.if).includes(part), `the dispatch job's if: ${part}`);
    }
  });

  it("the run job asks for a wake-up, with actions: write, unless wake-up is false", () => {
    const wakeUp = asObject(callInputs["wake-up"], "input wake-up");
    assert.equal(wakeUp.type, "boolean");
    assert.equal(wakeUp.default, true);
    assert.equal(asObject(runJob.permissions, "run permissions").actions, "write");
    const steps = (runJob.steps as Doc[]).map((step) => asObject(step, "step"));
    const run = steps.find((step) => String(step.uses).endsWith("/actions/run"));
    assert.equal(asObject(run?.with, "run.with")["wake-up"], "${{ inputs.wake-up }}");
  });

  it("orchestrate.yml runs every 10 minutes, for one goal, and on wake-ups, through the reusable workflow", () => {
    const workflow = readYaml(join(WORKFLOWS, "orchestrate.yml"));
    const on = asObject(workflow.on, "on");
    assert.deepEqual(on.schedule, [{ cron: "*/10 * * * *" }]);
    assert.deepEqual(on.issues, { types: ["labeled"] }, "a goal labelled goal:queued");
    assert.deepEqual(on.workflow_run, { workflows: ["ci"], types: ["completed"] }, "failed ci");
    const ci = readYaml(join(WORKFLOWS, "ci.yml"));
    assert.equal(ci.name, "ci", "workflow_run names the ci workflow by its name");
    const goal = asObject(
      asObject(asObject(on.workflow_dispatch, "workflow_dispatch").inputs, "inputs").goal,
      "goal",
    );
    assert.equal(goal.type, "string");
    assert.notEqual(goal.required, true);
    const [[, job] = ["", {}]] = jobsOf(workflow, "orchestrate.yml");
    assert.equal(job.uses, "./.github/workflows/goal-orchestrator.yml");
    assert.equal(asObject(job.with, "with").goal, "${{ inputs.goal || '' }}");
    for (const name of Object.keys(asObject(job.with, "with"))) assert.ok(name in callInputs, name);
    assert.notEqual(job.secrets, "inherit");
    for (const name of Object.keys(asObject(job.secrets, "secrets"))) {
      assert.ok(name in callSecrets, `secret ${name}`);
    }
    // The caller must allow what the called jobs ask of GITHUB_TOKEN, or the run cannot start.
    const granted = asObject(job.permissions, "permissions");
    for (const [id, called] of Object.entries(jobs)) {
      for (const [scope, level] of Object.entries(asObject(called.permissions, id))) {
        const have = granted[scope];
        assert.ok(
          have === level || (have === "write" && level === "read"),
          `job ${id} asks ${scope}: ${level}, the caller grants ${have ?? "none"}`,
        );
      }
    }
  });
});

describe("docs/adopting.md", () => {
  const text = readFileSync(join(ROOT, "docs", "adopting.md"), "utf8");
  const blocks = [...text.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] as string);
  const caller = blocks.find((block) => block.includes("goal-orchestrator.yml@"));
  const reusable = readYaml(join(WORKFLOWS, "goal-orchestrator.yml"));
  const call = asObject(asObject(reusable.on, "on").workflow_call, "workflow_call");

  it("shows a caller of about 15 lines that actionlint accepts", async () => {
    assert.ok(caller, "no caller snippet");
    assert.ok(caller.trim().split("\n").length <= 20, "the caller snippet grew past 20 lines");
    // Lint it as if it were in .github/workflows, with a commit in place of the placeholders.
    const source = caller.replace("COMMIT_SHA", "0".repeat(40));
    const findings = await actionlint(source, join(WORKFLOWS, "orchestrate.yml"));
    assert.deepEqual(findings, []);
  });

  it("passes only inputs and secrets the reusable workflow has, and grants what its jobs ask", () => {
    const doc = asObject(parse(caller ?? ""), "caller");
    const [[, job] = ["", {}]] = jobsOf(doc, "caller");
    for (const name of Object.keys(asObject(job.with, "with"))) {
      assert.ok(name in asObject(call.inputs, "inputs"), `input ${name}`);
    }
    for (const name of Object.keys(asObject(job.secrets, "secrets"))) {
      assert.ok(name in asObject(call.secrets, "secrets"), `secret ${name}`);
    }
    assert.ok(!("concurrency" in doc) && !("concurrency" in job));
    const granted = asObject(job.permissions, "permissions");
    for (const [id, called] of jobsOf(reusable, "goal-orchestrator.yml")) {
      for (const [scope, level] of Object.entries(asObject(called.permissions, id))) {
        assert.ok(granted[scope] === level || granted[scope] === "write", `${id}: ${scope}`);
      }
    }
  });

  it("pins every action it shows", () => {
    const shown = blocks.join("\n").replace("COMMIT_SHA", "0".repeat(40));
    assert.deepEqual(unpinnedUses(shown), []);
  });
});
