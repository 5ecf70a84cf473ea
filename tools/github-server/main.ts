// Standalone local GitHub API test server:
//   npm run github-server -- [--port 0] [--user octocat] [--repo owner/name] [--allow-auto-merge]
//                            [--git-dir /path/to/bare.git]
// Seeds a user (and optionally a repository), prints the URL and the environment to paste, and
// runs until SIGINT/SIGTERM. Contract violations are printed to stderr as they happen.
import { parseArgs } from "node:util";
import { startGitHubServer } from "./server.js";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    user: { type: "string", default: "octocat" },
    repo: { type: "string" },
    "allow-auto-merge": { type: "boolean", default: false },
    "git-dir": { type: "string" },
    "default-branch": { type: "string", default: "main" },
  },
  strict: true,
});

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`--port must be a number from 0 to 65535 (got ${values.port})\n`);
  process.exit(2);
}

const server = await startGitHubServer({
  port,
  onViolation: (message) => process.stderr.write(`CONTRACT VIOLATION: ${message}\n`),
});
const login = values.user ?? "octocat";
const { token } = server.addUser({ login });
const lines = [
  `GitHub API test server listening on ${server.url}`,
  `GITHUB_API_URL=${server.url}`,
  `GITHUB_GRAPHQL_URL=${server.url}/graphql`,
  `GITHUB_TOKEN=${token}`,
];
if (values.repo) {
  const [owner, name, extra] = values.repo.split("/");
  if (!owner || !name || extra !== undefined) {
    process.stderr.write(`--repo must look like owner/name (got ${values.repo})\n`);
    process.exit(2);
  }
  server.createRepository({
    owner,
    name,
    defaultBranch: values["default-branch"],
    allowAutoMerge: values["allow-auto-merge"],
    gitDir: values["git-dir"],
  });
  if (owner.toLowerCase() !== login.toLowerCase())
    server.setPermission(owner, name, login, "admin");
  lines.push(`GITHUB_REPOSITORY=${owner}/${name}`);
}
process.stdout.write(`${lines.join("\n")}\n`);

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  await server.close();
  const count = server.violations.length;
  process.stderr.write(
    `GitHub API test server stopped (${signal}); ${server.requests.length} request(s), ${count} contract violation(s).\n`,
  );
  process.exit(count > 0 ? 1 : 0);
};
process.on("SIGINT", () => void stop("SIGINT"));
process.on("SIGTERM", () => void stop("SIGTERM"));
