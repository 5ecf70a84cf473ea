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

  add(spec: FaultSpec): void {
    const times = spec.times ?? 1;
    if (!(times > 0)) throw new Error("faults.add: times must be positive");
    this.active.push({ ...spec, remaining: times });
  }

  clear(): void {
    this.active.length = 0;
  }

  /** Consumes and returns the plan for the first fault matching this request, if any. */
  take(route: string, method: string): FaultPlan | null {
    const index = this.active.findIndex(
      (f) => f.route === route && (!f.method || f.method.toUpperCase() === method.toUpperCase()),
    );
    const fault = this.active[index];
    if (!fault) return null;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.active.splice(index, 1);
    return plan(fault);
  }
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
