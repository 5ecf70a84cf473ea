// Fault injection: make chosen requests fail, stall, or "lose" their response after writing.

export interface FaultSpec {
  /** HTTP method to match (any when omitted). */
  method?: string;
  /** REST operationId such as "issues/create", or "graphql" for POST /graphql. */
  route: string;
  /** Status to answer instead (default 500; 403 with `retryAfter`; 502 with `applyThenFail`). */
  status?: number;
  /** Answer 403 "secondary rate limit" with this retry-after header, in seconds. */
  retryAfter?: number;
  /** Delay before answering; alone it only slows the request down. */
  latencyMs?: number;
  /** Perform the request, then answer `status` (default 502): the "lost response" case. */
  applyThenFail?: boolean;
  /** Destroy the socket instead of answering (after performing it with `applyThenFail`). */
  dropConnection?: boolean;
  /** How many matching requests this fault hits (default 1; Infinity for all). */
  times?: number;
}

export interface ActiveFault extends FaultSpec {
  remaining: number;
}

/** What the server does for one faulted request. */
export interface FaultPlan {
  latencyMs: number;
  /** Run the handler (and then maybe answer an error anyway)? */
  perform: boolean;
  /** Answer instead of the real response; null = the real response (latency-only fault). */
  response: { status: number; body: unknown; headers: Record<string, string> } | null;
  drop: boolean;
}

export const SECONDARY_RATE_LIMIT_MESSAGE =
  "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.";

function errorBody(status: number): unknown {
  const message =
    status === 404
      ? "Not Found"
      : status === 403
        ? "Forbidden"
        : status === 502
          ? "Bad Gateway"
          : status === 503
            ? "Service Unavailable"
            : status === 422
              ? "Validation Failed"
              : "Server Error";
  return { message, documentation_url: "https://docs.github.com/rest", status: String(status) };
}

export class FaultInjector {
  readonly active: ActiveFault[] = [];
  private readonly hooks: ActiveHook[] = [];
  private stormState: StormState | null = null;

  add(spec: FaultSpec): void {
    const times = spec.times ?? 1;
    if (!(times > 0)) throw new Error("faults.add: times must be positive");
    this.active.push({ ...spec, remaining: times });
  }

  /** Removes the explicit faults, the hooks and the storm. */
  clear(): void {
    this.active.length = 0;
    this.hooks.length = 0;
    this.stormState = null;
  }

  /**
   * Consumes and returns the plan for the first explicit fault matching this request, if any;
   * otherwise, during a storm, the storm's draw for it.
   */
  take(route: string, method: string): FaultPlan | null {
    // The storm draws for every request it sees, even one an explicit fault answers, so its
    // sequence depends on the seed and the order of requests alone.
    const stormFault = this.stormState ? drawStormFault(this.stormState, route, method) : null;
    const index = this.active.findIndex(
      (f) => f.route === route && (!f.method || f.method.toUpperCase() === method.toUpperCase()),
    );
    const fault = this.active[index];
    if (!fault) return stormFault ? plan(stormFault) : null;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.active.splice(index, 1);
    return plan(fault);
  }

  // Seeded storm -------------------------------------------------------------------------------

  /**
   * From now on every request has a `rate` chance of a fault of one of `kinds`, drawn from a
   * generator seeded with `seed`: the same seed and the same order of requests give the same
   * faults. Explicit faults (`add`) still win. Replaces a storm already running.
   */
  storm(options: StormOptions): void {
    if (!(options.rate >= 0 && options.rate <= 1)) throw new Error("faults.storm: rate is 0..1");
    const kinds = options.kinds ?? STORM_FAULT_KINDS;
    if (kinds.length === 0) throw new Error("faults.storm: no fault kinds");
    this.stormState = {
      random: seededRandom(options.seed),
      rate: options.rate,
      kinds,
      routes: options.routes ?? (() => true),
      latencyMs: options.latencyMs ?? [20, 200],
      retryAfterSeconds: options.retryAfterSeconds ?? 1,
      stats: { requests: 0, faults: 0, byKind: emptyCounts() },
    };
  }

  /** Ends the storm (its figures stay readable through `stormStats` until the next storm). */
  calm(): void {
    if (this.stormState) this.stormState.rate = 0;
  }

  /** Requests the storm saw and the faults it injected, by kind; null before any storm. */
  get stormStats(): StormStats | null {
    const stats = this.stormState?.stats;
    return stats ? { ...stats, byKind: { ...stats.byKind } } : null;
  }

  // Request hooks ------------------------------------------------------------------------------

  /**
   * Calls `run` when a matching request arrives (`at: "before"`, before it is performed) or
   * once it was performed and before its answer goes out (`at: "after"`), then answers it or
   * drops the connection (`drop`). A test kills a process at a chosen moment this way: "when
   * POST …/pulls arrives, SIGKILL the runner, and the pull request is never opened". Returns a
   * function that removes the hook.
   */
  hook(spec: RequestHookSpec): () => void {
    const times = spec.times ?? 1;
    if (!(times > 0)) throw new Error("faults.hook: times must be positive");
    const active: ActiveHook = { ...spec, remaining: times };
    this.hooks.push(active);
    return () => {
      const index = this.hooks.indexOf(active);
      if (index >= 0) this.hooks.splice(index, 1);
    };
  }

  /** Hooks still armed. */
  get armedHooks(): number {
    return this.hooks.length;
  }

  /**
   * Runs (and consumes) the hooks matching this request at this moment, in the order they were
   * added; "drop" when any of them drops the connection.
   */
  async runHooks(at: "before" | "after", request: HookedRequest): Promise<"answer" | "drop"> {
    let outcome: "answer" | "drop" = "answer";
    for (const hook of [...this.hooks]) {
      if (hook.at !== at || !hookMatches(hook, request)) continue;
      hook.remaining -= 1;
      if (hook.remaining <= 0) {
        const index = this.hooks.indexOf(hook);
        if (index >= 0) this.hooks.splice(index, 1);
      }
      await hook.run?.(request);
      if (hook.drop) outcome = "drop";
    }
    return outcome;
  }
}

/** A fault kind of the storm. */
export const STORM_FAULT_KINDS = [
  /** 500, 502 or 503, not performed. */
  "server-error",
  /** 403 secondary rate limit with retry-after, not performed. */
  "rate-limit",
  /** Performed, then answered 502 or the connection dropped: the client cannot know it happened. */
  "lost-response",
  /** The connection dropped before anything was performed. */
  "dropped-connection",
  /** A slow answer (`latencyMs`), otherwise normal. */
  "latency",
] as const;
export type StormFaultKind = (typeof STORM_FAULT_KINDS)[number];

export interface StormOptions {
  seed: number;
  /** Chance of a fault per request, 0 to 1. */
  rate: number;
  /** Kinds to draw from, equally likely (default: all of STORM_FAULT_KINDS). */
  kinds?: readonly StormFaultKind[];
  /** Which requests may get a fault (default: all). Every request still draws. */
  routes?: (route: string, method: string) => boolean;
  /** Latency range of "latency" faults, in ms (default 20–200). */
  latencyMs?: [number, number];
  /** retry-after of "rate-limit" faults, in seconds (default 1). */
  retryAfterSeconds?: number;
}

export interface StormStats {
  /** Requests the storm drew for. */
  requests: number;
  /** Faults it injected (latency included). */
  faults: number;
  byKind: Record<StormFaultKind, number>;
}

interface StormState {
  random: () => number;
  rate: number;
  kinds: readonly StormFaultKind[];
  routes: (route: string, method: string) => boolean;
  latencyMs: [number, number];
  retryAfterSeconds: number;
  stats: StormStats;
}

function emptyCounts(): Record<StormFaultKind, number> {
  return Object.fromEntries(STORM_FAULT_KINDS.map((kind) => [kind, 0])) as Record<
    StormFaultKind,
    number
  >;
}

/** The storm's fault for one request, or null. Always draws three numbers, fault or not. */
function drawStormFault(storm: StormState, route: string, method: string): FaultSpec | null {
  const [hit, which, detail] = [storm.random(), storm.random(), storm.random()];
  storm.stats.requests += 1;
  if (hit >= storm.rate || !storm.routes(route, method)) return null;
  const kind = storm.kinds[Math.floor(which * storm.kinds.length)] as StormFaultKind;
  storm.stats.faults += 1;
  storm.stats.byKind[kind] += 1;
  switch (kind) {
    case "server-error":
      return { route, status: [500, 502, 503][Math.floor(detail * 3)] ?? 500 };
    case "rate-limit":
      return { route, retryAfter: storm.retryAfterSeconds };
    case "lost-response":
      return detail < 0.5
        ? { route, applyThenFail: true }
        : { route, applyThenFail: true, dropConnection: true };
    case "dropped-connection":
      return { route, dropConnection: true };
    case "latency": {
      const [low, high] = storm.latencyMs;
      return { route, latencyMs: Math.round(low + detail * (high - low)) };
    }
  }
}

/** A small, fast, seeded generator (mulberry32): numbers in [0, 1), the same for the same seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What a hook sees of a request. */
export interface HookedRequest {
  method: string;
  path: string;
  /** REST operationId, or "graphql". */
  route: string;
  /** Path parameters of a REST route (`issue_number`, …). */
  params: Record<string, string>;
  /** The parsed JSON body (for GraphQL: `{ query, variables }`). */
  body: unknown;
  /** The GraphQL operation's name (`Goal`, `EnableAutoMerge`, …), read from the document. */
  graphqlOperation?: string;
  /** Who sent it (the token's user). */
  login: string;
}

export interface RequestHookSpec {
  /** REST operationId such as "pulls/create", or "graphql". */
  route: string;
  /** HTTP method to match (any when omitted). */
  method?: string;
  /** For "graphql": the operation name to match. */
  graphqlOperation?: string;
  /** Any further condition (the goal in the path or body, …). */
  match?: (request: HookedRequest) => boolean;
  /** Before the request is performed, or after it was performed and before its answer. */
  at: "before" | "after";
  /**
   * Drop the connection after the hook (default: answer as usual): after a "before" hook the
   * request is never performed, after an "after" hook its answer is lost.
   */
  drop?: boolean;
  /** How many matching requests it handles (default 1; Infinity for all). */
  times?: number;
  run?: (request: HookedRequest) => void | Promise<void>;
}

interface ActiveHook extends RequestHookSpec {
  remaining: number;
}

function hookMatches(hook: RequestHookSpec, request: HookedRequest): boolean {
  if (hook.route !== request.route) return false;
  if (hook.method && hook.method.toUpperCase() !== request.method.toUpperCase()) return false;
  if (hook.graphqlOperation && hook.graphqlOperation !== request.graphqlOperation) return false;
  return hook.match ? hook.match(request) : true;
}

/** The name of a GraphQL request's operation: its `operationName`, or the document's first. */
export function graphqlOperationOf(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const { operationName, query } = body as { operationName?: unknown; query?: unknown };
  if (typeof operationName === "string" && operationName) return operationName;
  if (typeof query !== "string") return undefined;
  const match = /^(?:\s|#[^\n]*\n)*(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)/.exec(
    query,
  );
  return match?.[1];
}

function plan(fault: FaultSpec): FaultPlan {
  const latencyMs = fault.latencyMs ?? 0;
  const drop = fault.dropConnection ?? false;
  if (fault.retryAfter !== undefined) {
    const status = fault.status ?? 403;
    return {
      latencyMs,
      perform: fault.applyThenFail ?? false,
      drop,
      response: {
        status,
        body: {
          message: SECONDARY_RATE_LIMIT_MESSAGE,
          documentation_url:
            "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
          status: String(status),
        },
        headers: { "retry-after": String(fault.retryAfter) },
      },
    };
  }
  if (fault.applyThenFail) {
    const status = fault.status ?? 502;
    return {
      latencyMs,
      perform: true,
      drop,
      response: { status, body: errorBody(status), headers: {} },
    };
  }
  if (fault.status === undefined && !drop) {
    return { latencyMs, perform: true, drop: false, response: null };
  }
  const status = fault.status ?? 500;
  return {
    latencyMs,
    perform: false,
    drop,
    response: { status, body: errorBody(status), headers: {} },
  };
}
