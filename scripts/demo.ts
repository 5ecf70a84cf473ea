// `npm run demo`: an offline end-to-end run of the bundled goal CLIs and the root action
// against the local GitHub API test server, as a new user would type the commands.
// Exits non-zero when any step ends differently than it should.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startGitHubServer } from "../test/github-server/index.js";
import { run } from "../test/helpers/runtimes.js";

const root = resolve(import.meta.dirname, "..");
const bundle = (name: string) => join(root, "dist", name, "index.js");
const work = mkdtempSync(join(tmpdir(), "goal-demo-"));
const server = await startGitHubServer();
let failures = 0;

try {
  server.createRepository({ owner: "acme", name: "widgets", defaultPermission: "read" });
  server.setPermission("acme", "widgets", "you", "write");
  const { token } = server.addUser({ login: "you" });
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    GITHUB_API_URL: server.url,
    GITHUB_REPOSITORY: "acme/widgets",
    GITHUB_TOKEN: token,
    // The local server needs none of the spacing GitHub asks for between writes.
    GOAL_ORCHESTRATOR_PACE_MS: "0",
  };

  console.log(
    `Local GitHub API test server: ${server.url} (repository acme/widgets, you have write access)\n`,
  );

  // The server lives in this process, so the CLIs run asynchronously: a synchronous spawn
  // would stop the server from answering them.
  const shell = async (
    shown: string,
    args: string[],
    options: { input?: string; extraEnv?: NodeJS.ProcessEnv; expect: "success" | "refusal" },
  ) => {
    console.log(`$ ${shown}`);
    const result = await run(process.execPath, args, {
      env: { ...env, ...options.extraEnv },
      input: options.input ?? "",
      cwd: work,
    });
    const text = `${result.stdout}${result.stderr}`.trimEnd();
    if (text) console.log(text.replace(/^/gm, "  "));
    const succeeded = result.code === 0;
    if (succeeded !== (options.expect === "success")) {
      failures++;
      console.log(`  !! expected ${options.expect}, got exit code ${result.code}`);
    }
    console.log("");
    return result.stdout.trim();
  };

  console.log(
    "# 1. Prepare the repository's labels with the root action (as a workflow step would)",
  );
  const outputFile = join(work, "github-output");
  writeFileSync(outputFile, "");
  writeFileSync(join(work, "step-summary.md"), "");
  await shell("uses: goal-orchestrator@v1  (the root action)", [bundle("setup")], {
    extraEnv: {
      INPUT_TOKEN: token,
      INPUT_REPOSITORY: "acme/widgets",
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: join(work, "step-summary.md"),
    },
    expect: "success",
  });
  if (!/^created<</m.test(readFileSync(outputFile, "utf8"))) {
    failures++;
    console.log("  !! the action wrote no `created` output");
  }

  console.log("# 2. A story groups goals: an ordinary issue with the `story` label");
  const storyResponse = await fetch(`${server.url}/repos/acme/widgets/issues`, {
    method: "POST",
    headers: { authorization: `token ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ title: "Widgets can be exported", labels: ["story"] }),
  });
  const story = (await storyResponse.json()) as { number: number };
  console.log(`  story #${story.number} opened\n`);

  console.log("# 3. Create goals with goal-create (body on standard input or --body-file)");
  const parseBody =
    "## Objective\nParse the widget catalogue into typed records.\n\n## Acceptance\n- `widgets parse` prints one JSON record per widget\n";
  const first = JSON.parse(
    (await shell(
      `goal-create --story ${story.number} --title "Parse the catalogue" --queue --json < parse.md`,
      [
        bundle("goal-create"),
        "--story",
        String(story.number),
        "--title",
        "Parse the catalogue",
        "--queue",
        "--json",
      ],
      { input: parseBody, expect: "success" },
    )) || "{}",
  ) as { number: number };
  const exportFile = join(work, "export.md");
  writeFileSync(
    exportFile,
    "## Objective\nExport parsed widgets as CSV.\n\n## Acceptance\n- `widgets export --csv` writes a header and one row per widget\n\nModel: opus   Reasoning: high\n",
  );
  const secondUrl = await shell(
    `goal-create --story ${story.number} --title "Export CSV" --depends ${first.number} --body-file export.md`,
    [
      bundle("goal-create"),
      "--story",
      String(story.number),
      "--title",
      "Export CSV",
      "--depends",
      String(first.number),
      "--body-file",
      exportFile,
    ],
    { expect: "success" },
  );
  const second = Number(secondUrl.split("/").pop());
  await shell(
    `goal-create --story ${story.number} --title "Rename the CLI" --spot-check --queue < rename.md`,
    [
      bundle("goal-create"),
      "--story",
      String(story.number),
      "--title",
      "Rename the CLI",
      "--spot-check",
      "--queue",
    ],
    {
      input:
        "## Objective\nRename `widgets` to `wdg`.\n\n## Acceptance\n- the old name prints a deprecation notice\n",
      expect: "success",
    },
  );

  console.log("# 4. Bad input is refused with a reason, and nothing is created");
  await shell(
    'goal-create --title "No acceptance" < vague.md',
    [bundle("goal-create"), "--title", "No acceptance"],
    {
      input: "## Objective\nMake it better.\n",
      expect: "refusal",
    },
  );
  await shell(
    'goal-create --title "Orphan" --story 99 --depends 12',
    [bundle("goal-create"), "--title", "Orphan", "--story", "99", "--depends", "12"],
    {
      input: parseBody,
      expect: "refusal",
    },
  );

  console.log("# 5. Look at the board, queue the draft, and read one goal");
  await shell("goal list", [bundle("goal"), "list"], { expect: "success" });
  await shell(`goal queue ${second}`, [bundle("goal"), "queue", String(second)], {
    expect: "success",
  });
  await shell("goal list queued", [bundle("goal"), "list", "queued"], { expect: "success" });
  await shell(`goal show ${second}`, [bundle("goal"), "show", String(second)], {
    expect: "success",
  });

  const issues = server.state.requireRepo("acme", "widgets");
  console.log(
    `${server.requests.length} API requests, ${server.violations.length} contract violations; ${issues.issues.size} issues in acme/widgets.`,
  );
  if (server.violations.length > 0) {
    failures++;
    console.log(server.violations.join("\n"));
  }
  console.log(
    "\nNext (later issues): the dispatcher claims queued goals in this order, the runner works them and opens PRs.",
  );
} finally {
  await server.close();
  rmSync(work, { recursive: true, force: true });
}

if (failures > 0) {
  console.error(`\ndemo: ${failures} step(s) did not end as expected.`);
  process.exit(1);
}
console.log("\ndemo: every step ended as expected.");
