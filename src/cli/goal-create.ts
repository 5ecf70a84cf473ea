import { readFileSync } from "node:fs";
import { UserError } from "../core/errors.js";
import { checkGoalSize, createGoal } from "../flows/create-goal.js";
import { parseCommandLine } from "./args.js";
import { connect } from "./connection.js";
import { type CliIo, processIo, runCli } from "./io.js";

const GOAL_CREATE_USAGE = `Usage: goal-create --title "…" [--story 42] [--depends 12,15] [--queue] [--spot-check]
                   [--body-file FILE] [--repo owner/name] [--json]

Creates a goal issue. The body (with "## Objective" and "## Acceptance" sections) comes from
--body-file, or from standard input. The goal starts as goal:draft, or goal:queued with --queue.
Token: GITHUB_TOKEN or GH_TOKEN. Repository: --repo, GITHUB_REPOSITORY or the git remote.`;

export async function goalCreateMain(argv: string[], io: CliIo = processIo): Promise<number> {
  return runCli(
    "goal-create",
    async () => {
      const { values, positionals } = parseCommandLine(
        {
          args: argv,
          allowPositionals: true,
          options: {
            title: { type: "string" },
            story: { type: "string" },
            depends: { type: "string", multiple: true },
            queue: { type: "boolean", default: false },
            "spot-check": { type: "boolean", default: false },
            "body-file": { type: "string" },
            repo: { type: "string" },
            json: { type: "boolean", default: false },
            help: { type: "boolean", short: "h", default: false },
          },
        },
        GOAL_CREATE_USAGE,
      );
      if (values.help) {
        io.stdout(`${GOAL_CREATE_USAGE}\n`);
        return 0;
      }
      if (positionals.length > 0) {
        throw new UserError(`unexpected argument "${positionals[0]}".\n\n${GOAL_CREATE_USAGE}`);
      }
      if (values.title === undefined)
        throw new UserError(`--title is required.\n\n${GOAL_CREATE_USAGE}`);
      const bodySource =
        values["body-file"] !== undefined ? `--body-file ${values["body-file"]}` : "standard input";
      const body = await readBody(values["body-file"], io);
      // Refused before connecting: nothing is created, and no token is needed to learn it.
      checkGoalSize({ title: values.title, body, bodySource });
      const connection = await connect({ repo: values.repo });
      const created = await createGoal(connection.store, {
        title: values.title,
        body,
        bodySource,
        story: values.story,
        depends: (values.depends ?? []).flatMap((list) => list.split(/[\s,]+/)).filter(Boolean),
        queue: values.queue,
        spotCheck: values["spot-check"],
      });
      for (const warning of created.warnings) io.stderr(`goal-create: warning: ${warning}\n`);
      if (values.json) {
        io.stdout(
          `${JSON.stringify({
            number: created.number,
            url: created.url,
            state: values.queue ? "queued" : "draft",
            warnings: created.warnings,
          })}\n`,
        );
      } else {
        io.stdout(`${created.url}\n`);
      }
      return 0;
    },
    io,
  );
}

async function readBody(bodyFile: string | undefined, io: CliIo): Promise<string> {
  if (bodyFile !== undefined) {
    try {
      return readFileSync(bodyFile, "utf8");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
      throw new UserError(`--body-file: cannot read "${bodyFile}" (${code}).`);
    }
  }
  if (io.isStdinTTY) {
    throw new UserError(
      "No goal body: pass --body-file FILE, or pipe the body in (it needs ## Objective and ## Acceptance sections).",
    );
  }
  return io.readStdin();
}
