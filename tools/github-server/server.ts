// The local GitHub API test server: HTTP on 127.0.0.1, REST at the root (like api.github.com)
// and GraphQL at POST /graphql. Every REST request and response is checked against GitHub's
// published description; any problem is a contract violation, recorded in `violations` and
// answered with HTTP 400 (which Octokit does not retry) so tests fail fast and loudly.
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type AccountedRequest, admit, type Usage, usageOf } from "./accounting.js";
import type { AppModel } from "./apps.js";
import { type ContractChecker, getContract } from "./contract.js";
import { FaultInjector, type FaultPlan, graphqlOperationOf, type HookedRequest } from "./faults.js";
import { GraphQLEndpoint } from "./graphql.js";
import { contentCreatedBy, graphqlCostOf } from "./limits.js";
import { refreshPull, settlePull } from "./pulls.js";
import {
  etagOf,
  type LimitsOptions,
  matchesETag,
  primaryRefusal,
  type RateIdentity,
  RateLimiter,
} from "./rate-limiter.js";
import { Renderer } from "./render.js";
import { APP_ROUTES } from "./rest-apps.js";
import { ApiError, type RestHandler, type RestReply } from "./rest-common.js";
import { restHandlers } from "./rest-handlers.js";
import {
  type CheckRunModel,
  type CheckRunSeed,
  type CreateRepositoryOptions,
  GitHubState,
  type IssueModel,
  type Permission,
  type PullModel,
  type RepoModel,
  type RunnerSeed,
  type UserModel,
  type WorkflowRunSeed,
  type WorkflowSeed,
} from "./state.js";

export interface RequestLogEntry extends AccountedRequest {
  path: string;
  query: Record<string, string>;
  graphqlOperationName?: string;
  status: number;
  /** True when a fault answered (or dropped) instead of the real response. */
  injected?: boolean;
}

export interface StartOptions {
  port?: number;
  /** Override the contract checker (tests of the server itself). */
  contract?: ContractChecker;
  /** Called with each contract violation as it is recorded (the standalone server prints them). */
  onViolation?: (message: string) => void;
  /**
   * Rate-limit enforcement: GitHub's primary and secondary limits are enforced by default
   * ("github"); "off" keeps only the accounting; an object picks (see `setLimits`).
   */
  limits?: "github" | "off" | LimitsOptions;
}

const CONTRACT_DOCS = "https://docs.github.com/rest";
/** A connection a request hook dropped (faults.hook with `drop: true`). */
const DROPPED: FaultPlan = { latencyMs: 0, perform: false, response: null, drop: true };

interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export class GitHubServer {
  readonly state = new GitHubState();
  readonly faults = new FaultInjector();
  readonly requests: RequestLogEntry[] = [];
  readonly violations: string[] = [];
  /** GitHub's rate limits, per identity, on `state.clock`. */
  readonly limiter = new RateLimiter(this.state.clock);
  url = "";
  private readonly render: Renderer;
  private readonly graphql: GraphQLEndpoint;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly http: Server,
    private readonly contract: ContractChecker,
    private readonly onViolation?: (message: string) => void,
  ) {
    this.render = new Renderer(this.state, () => this.url);
    this.graphql = new GraphQLEndpoint(this.state, () => this.url);
    http.on("request", (req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        this.record(`Internal error in the test server: ${String(error)}`);
        if (!res.headersSent) this.send(res, 500, { message: String(error) });
      });
    });
  }

  // Seeding and assertions ---------------------------------------------------------------------

  addUser(options: { login: string; type?: "User" | "Bot" }): {
    token: string;
    login: string;
    id: number;
  } {
    const user = this.state.addUser(options);
    return { token: user.token, login: user.login, id: user.id };
  }

  createRepository(options: CreateRepositoryOptions): RepoModel {
    return this.state.createRepository(options);
  }

  setPermission(owner: string, repo: string, login: string, permission: Permission): void {
    this.state.setPermission(owner, repo, login, permission);
  }

  getIssue(owner: string, repo: string, number: number): IssueModel | undefined {
    return this.state.getIssue(owner, repo, number);
  }

  /**
   * Changes the title and/or body of an issue or pull request as `login` (added as a user when
   * unknown), like issues/update but without permission checks: a different title records a
   * renamed event, a different body an edit (`lastEditedAt`, `editor`, `userContentEdits`).
   */
  editIssue(
    owner: string,
    repo: string,
    number: number,
    changes: { title?: string; body?: string | null },
    login: string,
  ): IssueModel {
    const issue = this.requireIssue(owner, repo, number);
    const actor = this.state.addUser({ login });
    const at = this.state.now();
    if (changes.title !== undefined) this.state.renameIssue(issue, changes.title, actor, at);
    if (changes.body !== undefined) this.state.editIssueBody(issue, changes.body, actor, at);
    this.state.touch(issue, at);
    return issue;
  }

  /**
   * Changes the labels of an issue or pull request as `login` (added as a user when unknown),
   * without permission checks: `set` replaces them (like issues/set-labels), then `remove` and
   * `add` apply; each label added or removed records a labeled/unlabeled event by `login`.
   */
  labelIssue(
    owner: string,
    repo: string,
    number: number,
    changes: { add?: string[]; remove?: string[]; set?: string[] },
    login: string,
  ): IssueModel {
    const issue = this.requireIssue(owner, repo, number);
    const actor = this.state.addUser({ login });
    const at = this.state.now();
    if (changes.set) this.state.setIssueLabels(issue, changes.set, actor, at);
    for (const name of changes.remove ?? []) {
      const label = this.state.findLabel(issue.repo, name);
      if (label) this.state.removeLabelFromIssue(issue, label, actor, at);
    }
    for (const name of changes.add ?? []) this.state.addLabelToIssue(issue, name, actor, at);
    this.state.touch(issue, at);
    return issue;
  }

  private requireIssue(owner: string, repo: string, number: number): IssueModel {
    const issue = this.state.getIssue(owner, repo, number);
    if (!issue) throw new Error(`No issue ${owner}/${repo}#${number} in the test server`);
    return issue;
  }

  addWorkflowRun(owner: string, repo: string, run: WorkflowRunSeed): void {
    this.state.addWorkflowRun(owner, repo, run);
  }

  /** A workflow file `actions/create-workflow-dispatch` can name (see WorkflowSeed). */
  addWorkflow(owner: string, repo: string, workflow: WorkflowSeed): { id: number } {
    return this.state.addWorkflow(owner, repo, workflow);
  }

  addRunner(owner: string, repo: string, runner: RunnerSeed): void {
    this.state.addRunner(owner, repo, runner);
  }

  /** Adds or moves a branch of a repository without a gitDir; returns its (fake) SHA. */
  setBranch(owner: string, repo: string, branch: string, sha?: string): string {
    return this.state.setBranch(owner, repo, branch, sha);
  }

  /**
   * Forces what GitHub would compute for a pull request (e.g. `mergeStateStatus: "CLEAN"` once
   * required checks pass, or `mergeable: "CONFLICTING"`). When the result is CLEAN and auto-merge
   * is enabled, the pull request is merged with the auto-merge method, as GitHub would.
   */
  async setPullState(
    owner: string,
    repo: string,
    number: number,
    forced: PullModel["forced"],
  ): Promise<void> {
    const issue = this.state.getIssue(owner, repo, number);
    if (!issue?.pull) throw new Error(`${owner}/${repo}#${number} is not a pull request`);
    const pull = issue.pull;
    await this.serialize(async () => {
      pull.forced = { ...pull.forced, ...forced };
      await settlePull(this.state, issue);
    });
  }

  /**
   * Adds a check run on a commit (`conclusion` completes it; `required: true` also makes its name
   * a required check of the default branch). Open pull requests of the repository are then
   * re-evaluated: one with auto-merge enabled merges once nothing blocks it.
   */
  async addCheckRun(owner: string, repo: string, seed: CheckRunSeed): Promise<CheckRunModel> {
    return this.serialize(async () => {
      const run = this.state.addCheckRun(owner, repo, seed);
      await this.settleRepo(owner, repo);
      return run;
    });
  }

  /** Changes a check run (status, conclusion, output, detailsUrl); then as addCheckRun. */
  async updateCheckRun(
    owner: string,
    repo: string,
    id: number,
    changes: Partial<Omit<CheckRunSeed, "headSha" | "name" | "required">>,
  ): Promise<CheckRunModel> {
    return this.serialize(async () => {
      const run = this.state.updateCheckRun(owner, repo, id, changes);
      await this.settleRepo(owner, repo);
      return run;
    });
  }

  /** Sets the required check names of a branch (which becomes protected); then as addCheckRun. */
  async setRequiredChecks(owner: string, repo: string, branch: string, names: string[]) {
    await this.serialize(async () => {
      this.state.setRequiredChecks(owner, repo, branch, names);
      await this.settleRepo(owner, repo);
    });
  }

  private async settleRepo(owner: string, name: string): Promise<void> {
    const repo = this.state.requireRepo(owner, name);
    for (const issue of [...repo.issues.values()]) {
      if (issue.pull && issue.state === "open") await settlePull(this.state, issue);
    }
  }

  /**
   * Registers a GitHub App by the public half of its key (PEM). JWTs signed with the private
   * half authenticate it; its installation tokens act as the bot user `<slug>[bot]`.
   */
  addApp(options: { slug: string; publicKeyPem: string }): {
    appId: number;
    clientId: string;
    botLogin: string;
  } {
    const app = this.state.apps.addApp(options);
    return { appId: app.id, clientId: app.clientId, botLogin: app.bot.login };
  }

  /**
   * Installs an App on a repository (default permissions: contents, issues and pull requests
   * write); its bot gets write access there. Returns the installation id.
   */
  installApp(
    appId: number,
    owner: string,
    repo: string,
    permissions: Record<string, "read" | "write"> = {
      contents: "write",
      issues: "write",
      pull_requests: "write",
    },
  ): { installationId: number } {
    return { installationId: this.state.apps.install(appId, owner, repo, permissions).id };
  }

  /** How long installation tokens minted from now on live (default one hour, as on GitHub). */
  setInstallationTokenLifetime(ms: number): void {
    if (!Number.isInteger(ms) || ms < 1000) throw new Error("a token lifetime is ≥ 1000 ms");
    this.state.apps.tokenLifetimeMs = ms;
  }

  /** The installation tokens minted so far (oldest first) for an App. */
  installationTokens(appId: number): { token: string; expiresAt: string }[] {
    return [...this.state.apps.tokens.values()]
      .filter((minted) => minted.installation.app.id === appId)
      .map((minted) => ({
        token: minted.token,
        expiresAt: new Date(minted.expiresAtMs).toISOString(),
      }));
  }

  resetRequests(): void {
    this.requests.length = 0;
  }

  /**
   * Which limits are enforced and the primary limits of chosen identities, e.g.
   * `setLimits({ secondary: false })` or `setLimits({ identities: { "ci-bot": "actions" } })`.
   */
  setLimits(options: LimitsOptions | "github" | "off"): void {
    if (options === "github") this.limiter.configure({ primary: true, secondary: true });
    else if (options === "off") this.limiter.configure({ primary: false, secondary: false });
    else this.limiter.configure(options);
  }

  /** Requests and points logged since `resetRequests()`, of one identity or of all. */
  usage(identity?: string): Usage {
    return usageOf(this.requests, identity);
  }

  assertNoViolations(): void {
    if (this.violations.length > 0) {
      throw new Error(
        `${this.violations.length} contract violation(s) at the local GitHub API test server:\n- ${this.violations.join("\n- ")}`,
      );
    }
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.http.close(() => resolve());
      this.http.closeAllConnections();
    });
  }

  // Request handling ---------------------------------------------------------------------------

  private send(
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) {
    const text = body === undefined ? "" : JSON.stringify(body);
    res.writeHead(status, {
      ...(body === undefined ? {} : { "content-type": "application/json; charset=utf-8" }),
      "x-github-request-id": randomUUID(),
      "x-ratelimit-limit": "5000",
      "x-ratelimit-remaining": "4999",
      "x-ratelimit-used": "1",
      "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 3600),
      "x-ratelimit-resource": "core",
      ...headers,
    });
    res.end(text);
  }

  private record(message: string): void {
    this.violations.push(message);
    this.onViolation?.(message);
  }

  private violation(message: string): Answer {
    this.record(message);
    return {
      status: 400,
      body: {
        message: `Contract violation (local GitHub API test server): ${message}`,
        documentation_url: CONTRACT_DOCS,
      },
    };
  }

  private async readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  }

  /** Runs state-changing work one request at a time (handlers may await git). */
  private serialize<T>(work: () => T | Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? "GET").toUpperCase();
    const url = new URL(req.url ?? "/", this.url);
    const path = url.pathname.replace(/\/+$/, "") || "/";
    const text = await this.readBody(req);
    const entry: RequestLogEntry = {
      method,
      path,
      query: Object.fromEntries(url.searchParams),
      operationId: null,
      status: 0,
      points: 0,
      secondaryPoints: 0,
      contentCreating: 0,
    };
    this.requests.push(entry);
    const finish = (answer: Answer, injected = false) => {
      entry.status = answer.status;
      if (injected) entry.injected = true;
      this.send(res, answer.status, answer.body, answer.headers);
    };

    let body: unknown;
    if (text.trim() !== "") {
      try {
        body = JSON.parse(text);
      } catch {
        return finish(this.violation(`${method} ${path}: request body is not valid JSON`));
      }
    }

    const isGraphQL = path === "/graphql" && method === "POST";
    let route: string;
    let params: Record<string, string> = {};
    if (isGraphQL) {
      route = "graphql";
    } else {
      const check = this.contract.checkRequest({
        method,
        path,
        query: url.searchParams,
        body,
        contentType: req.headers["content-type"],
      });
      entry.operationId = check.operationId;
      if (check.problems.length > 0 || !check.operationId) {
        const problems =
          check.problems.length > 0 ? check.problems : [`${method} ${path}: unknown`];
        return finish(this.violation(problems.join("; ")));
      }
      route = check.operationId;
      params = check.pathParams;
    }
    entry.operationId = route;

    const identity = this.authenticate(req.headers.authorization, route);
    if (typeof identity === "string") {
      return finish({
        status: 401,
        body: {
          message: identity,
          documentation_url: isGraphQL ? "https://docs.github.com/graphql" : CONTRACT_DOCS,
          status: "401",
        },
      });
    }

    const { viewer, app, rate } = identity;
    entry.identity = rate.key;

    // Request hooks (faults.hook) let a test act at this request: kill its sender before it is
    // performed, or after it was performed and before the answer goes out.
    const hooked: HookedRequest = {
      method,
      path,
      route,
      params,
      body,
      login: viewer.login,
      ...(isGraphQL ? { graphqlOperation: graphqlOperationOf(body) } : {}),
    };
    if ((await this.faults.runHooks("before", hooked)) === "drop") {
      return this.injected(res, entry, DROPPED);
    }
    const plan = this.faults.take(route, method);
    if (plan?.latencyMs) await new Promise((r) => setTimeout(r, plan.latencyMs));
    if (plan && !plan.perform) return this.injected(res, entry, plan);

    if (isGraphQL) {
      const cost = graphqlCostOf(body);
      entry.mutation = cost.fields.length > 0;
      entry.contentCreating = contentCreatedBy(method, route, cost.fields);
      const refusal = admit(this.limiter, entry, rate, "graphql", cost.points);
      if (refusal) return finish(refusal);
      const rateLimit = () => ({
        ...this.limiter.status(rate, "graphql"),
        cost: cost.points,
        nodeCount: cost.nodes,
      });
      const outcome = await this.serialize(async () => {
        await this.refreshOpenPulls();
        return this.graphql.handle(body, viewer, rateLimit);
      });
      if (outcome.operationName) entry.graphqlOperationName = outcome.operationName;
      for (const problem of outcome.problems) this.record(problem);
      if ((await this.faults.runHooks("after", hooked)) === "drop") {
        return this.injected(res, entry, DROPPED);
      }
      if (plan?.response || plan?.drop) return this.injected(res, entry, plan);
      return finish({
        status: outcome.status,
        body: outcome.body,
        headers: this.limiter.headers(rate, "graphql"),
      });
    }

    const handler = restHandlers[route];
    if (!handler) {
      return finish(
        this.violation(`${method} ${path}: ${route} is not implemented by the test server`),
      );
    }
    entry.contentCreating = contentCreatedBy(method, route);
    // A 304 answer to If-None-Match is free on the primary limit: a conditional GET is charged
    // once its answer is known.
    const ifNoneMatch = method === "GET" ? req.headers["if-none-match"] : undefined;
    const refusal = admit(this.limiter, entry, rate, "core", ifNoneMatch === undefined ? 1 : 0);
    if (refusal) return finish(refusal);
    const reply = await this.serialize(() =>
      this.run(handler, route, params, url, body, viewer, app),
    );
    if ((await this.faults.runHooks("after", hooked)) === "drop") {
      return this.injected(res, entry, DROPPED);
    }
    if (plan?.response || plan?.drop) return this.injected(res, entry, plan);
    const problems = this.contract
      .checkResponse(route, reply.status, reply.body)
      // GitHub answers 401/403/404/422/5xx on operations whose description omits them.
      .filter(
        (p) => !(reply.status >= 400 && p.startsWith(`status ${reply.status} is not documented`)),
      );
    if (problems.length > 0) {
      return finish(
        this.violation(
          `response of ${method} ${path} (${route}) breaks the contract: ${problems.join("; ")}`,
        ),
      );
    }
    const headers = { ...reply.headers };
    if (method === "GET" && reply.status < 300 && reply.body !== undefined) {
      headers.etag = etagOf(reply.body);
      if (matchesETag(ifNoneMatch, headers.etag)) {
        entry.notModified = true;
        return finish({
          status: 304,
          headers: { ...this.limiter.headers(rate, "core"), etag: headers.etag },
        });
      }
    }
    if (ifNoneMatch !== undefined) {
      if (this.limiter.exceedsPrimary(rate, "core", 1)) {
        entry.rateLimited = "primary";
        return finish(primaryRefusal(rate, "core", this.limiter.headers(rate, "core")));
      }
      this.limiter.chargePrimary(rate, "core", 1);
      entry.points = 1;
    }
    return finish({ ...reply, headers: { ...this.limiter.headers(rate, "core"), ...headers } });
  }

  private async run(
    handler: RestHandler,
    route: string,
    params: Record<string, string>,
    url: URL,
    body: unknown,
    viewer: UserModel,
    app: AppModel | undefined,
  ): Promise<RestReply> {
    try {
      return await handler({
        state: this.state,
        render: this.render,
        viewer,
        app,
        params,
        query: url.searchParams,
        body,
        url,
      });
    } catch (error) {
      if (error instanceof ApiError) {
        return { status: error.status, body: error.toBody(), headers: error.headers };
      }
      const message = `${route} failed inside the test server: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
      return this.violation(message);
    }
  }

  /** GraphQL resolvers are synchronous: bring git-derived pull-request fields up to date first. */
  private async refreshOpenPulls(): Promise<void> {
    for (const repo of this.state.repos.values()) {
      for (const issue of repo.issues.values()) {
        if (issue.pull && issue.state === "open") await refreshPull(issue);
      }
    }
  }

  private injected(res: ServerResponse, entry: RequestLogEntry, plan: FaultPlan): void {
    entry.injected = true;
    if (plan.drop || !plan.response) {
      entry.status = 0;
      res.socket?.destroy();
      return;
    }
    entry.status = plan.response.status;
    this.send(res, plan.response.status, plan.response.body, plan.response.headers);
  }

  /**
   * Who sends the request, or GitHub's 401 message. App routes take only a JWT (`Bearer`), as
   * the App, whose bot user is the viewer; every other route takes a user's token or an
   * unexpired installation token (the App's bot user).
   */
  private authenticate(
    header: string | undefined,
    route: string,
  ): { viewer: UserModel; app?: AppModel; rate: RateIdentity } | string {
    if (!header) return "Requires authentication";
    const match = /^(?:token|bearer)\s+(\S+)$/i.exec(header.trim());
    const credential = match?.[1];
    if (APP_ROUTES.has(route)) {
      const app = credential ? this.state.apps.verifyJwt(credential) : undefined;
      if (app === undefined) return "A JSON web token could not be decoded";
      if (typeof app === "string") return app;
      return { viewer: app.bot, app, rate: { key: `app:${app.id}`, kind: "app", id: app.id } };
    }
    if (!credential) return "Bad credentials";
    const bot = this.state.apps.tokenViewer(credential);
    if (typeof bot === "string") return bot;
    const installation = this.state.apps.tokens.get(credential)?.installation;
    if (bot !== undefined && installation !== undefined) {
      const rate = { key: `installation:${installation.id}`, kind: "installation" as const };
      return { viewer: bot, rate: { ...rate, id: installation.id } };
    }
    const user = this.state.userByToken(credential);
    return user
      ? { viewer: user, rate: { key: user.login, kind: "user", id: user.id } }
      : "Bad credentials";
  }
}

/** Starts the server on 127.0.0.1 (`port` 0 or omitted: any free port). */
export async function startGitHubServer(options: StartOptions = {}): Promise<GitHubServer> {
  const http = createServer();
  const server = new GitHubServer(http, options.contract ?? getContract(), options.onViolation);
  if (options.limits !== undefined) server.setLimits(options.limits);
  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = http.address() as AddressInfo;
  server.url = `http://127.0.0.1:${port}`;
  return server;
}
