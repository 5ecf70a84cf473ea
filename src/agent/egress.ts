import { rm } from "node:fs/promises";
import { createServer, type IncomingHttpHeaders, request, STATUS_CODES } from "node:http";
import { connect, type Socket } from "node:net";
import { UserError } from "../core/errors.js";

/**
 * `agent-network: allow:<host>,…` — an enforced allow-list for the sandboxed agent.
 *
 * The sandbox has no network of its own (`bwrap --unshare-net`, loopback only). Its one way out
 * is a Unix socket bound into it, on which the runner serves an HTTP proxy (this file) that
 * connects only to allowed hosts. Inside, {@link FORWARDER_SOURCE} turns the socket back into a
 * TCP proxy on 127.0.0.1:{@link SANDBOX_PROXY_PORT}, which {@link proxyEnvironment} points the
 * agent's HTTP clients at. The proxy resolves host names itself, so the sandbox needs no DNS.
 */

export type AgentNetwork = { kind: "open" } | { kind: "none" } | { kind: "allow"; hosts: string[] };

/** The sandbox has its own loopback, so a fixed port cannot clash with the host's. */
export const SANDBOX_PROXY_PORT = 3128;
const MAX_HEADER_BYTES = 16 * 1024;
const HEADER_TIMEOUT_MS = 10_000;
/** Ports a host entry without `:port` allows: HTTPS and plain HTTP. */
const DEFAULT_PORTS = [443, 80];
const CONNECT_TIMEOUT_MS = 30_000;
const LABEL = "[a-z0-9](?:[a-z0-9-]*[a-z0-9])?";
const NAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`);
const ENTRY = new RegExp(`^(\\*\\.)?(${LABEL}(?:\\.${LABEL})*)(?::(\\d{1,5}))?$`);
const FORMS =
  "open, none or allow:<host>,<host> where a host is letters, digits, '-' and '.', optionally " +
  "starting with '*.' (subdomains only) and ending with ':<port>' (otherwise ports 443 and 80), " +
  "like allow:api.anthropic.com,*.githubusercontent.com,example.com:8443";

/** Reads the `agent-network` setting; the caller supplies the default for an unset setting. */
export function parseNetworkSetting(text: string): AgentNetwork {
  const value = text.trim();
  const lower = value.toLowerCase();
  if (lower === "open" || lower === "none") return { kind: lower };
  if (!lower.startsWith("allow:")) {
    throw new UserError(`agent-network must be ${FORMS}, not ${JSON.stringify(text)}.`);
  }
  const hosts: string[] = [];
  for (const raw of lower.slice("allow:".length).split(",")) {
    const entry = raw.trim();
    if (entry === "") continue;
    const match = ENTRY.exec(entry);
    const port = match?.[3] === undefined ? null : Number(match[3]);
    if (match === null || (port !== null && (port < 1 || port > 65535))) {
      throw new UserError(
        `agent-network has a bad host ${JSON.stringify(raw.trim())} in ${JSON.stringify(text)}; use ${FORMS}.`,
      );
    }
    if (!hosts.includes(entry)) hosts.push(entry);
  }
  if (hosts.length === 0) {
    throw new UserError(`agent-network "allow:" lists no hosts; use ${FORMS}.`);
  }
  return { kind: "allow", hosts };
}

/** Whether `host:port` is on the allow-list (entries as {@link parseNetworkSetting} returns them). */
export function isAllowed(hosts: readonly string[], host: string, port: number): boolean {
  const name = host.toLowerCase().replace(/\.$/, "");
  return hosts.some((entry) => {
    const match = ENTRY.exec(entry.toLowerCase());
    if (match === null) return false;
    const [, wildcard, base = "", entryPort] = match;
    const ports = entryPort === undefined ? DEFAULT_PORTS : [Number(entryPort)];
    if (!ports.includes(port)) return false;
    return wildcard === undefined ? name === base : name.endsWith(`.${base}`);
  });
}

/** The agent's proxy variables: both spellings, since clients read one or the other. */
export function proxyEnvironment(port: number = SANDBOX_PROXY_PORT): Record<string, string> {
  const names = ["HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"];
  const local = { NO_PROXY: "localhost,127.0.0.1", no_proxy: "localhost,127.0.0.1" };
  return {
    ...Object.fromEntries(names.map((name) => [name, `http://127.0.0.1:${port}`])),
    ...local,
  };
}

/**
 * The forwarder run inside the sandbox: `node <script> <port> <socketPath> -- <agent argv…>`.
 * It listens on 127.0.0.1:<port> before starting the agent (so the first request cannot miss
 * it), pipes each connection to the proxy's socket, relays SIGTERM/SIGINT/SIGHUP, and ends the
 * way the agent ended. Plain JavaScript, module-system neutral (dynamic imports in an async
 * function), so it runs from a `.js`, `.cjs` or `.mjs` file with no build step.
 */
export const FORWARDER_SOURCE = `"use strict";
// goal-orchestrator egress forwarder: node <this file> <port> <socketPath> -- <command> [args...]
(async () => {
  const net = await import("node:net");
  const { spawn } = await import("node:child_process");
  const { constants } = await import("node:os");
  const args = process.argv.slice(2);
  const port = Number(args[0]);
  const socketPath = args[1];
  const argv = args.slice(3);
  if (args[2] !== "--" || !(port >= 0 && port <= 65535) || !socketPath || argv.length === 0) {
    process.stderr.write("usage: node <forwarder> <port> <socketPath> -- <command> [args...]\\n");
    process.exit(2);
  }
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    const upstream = net.connect({ path: socketPath, allowHalfOpen: true });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      socket.once("close", end);
      socket.on("error", end);
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  server.once("error", (error) => {
    process.stderr.write("egress forwarder: cannot listen on 127.0.0.1:" + port + ": " + error.message + "\\n");
    process.exit(125);
  });
  server.listen(port, "127.0.0.1", () => {
    const relayed = ["SIGTERM", "SIGINT", "SIGHUP"];
    // Its own process group: a signal to the runner's group reaches the agent once, relayed
    // here to everything the agent started. (With bwrap --unshare-pid, all of it dies with us.)
    const child = spawn(argv[0], argv.slice(1), { stdio: "inherit", detached: true });
    const group = (signal) => {
      try {
        process.kill(-child.pid, signal);
      } catch {}
    };
    for (const signal of relayed) process.on(signal, group);
    child.once("error", (error) => {
      process.stderr.write("egress forwarder: cannot start " + argv[0] + ": " + error.message + "\\n");
      process.exit(error.code === "ENOENT" ? 127 : 126);
    });
    child.once("exit", (code, signal) => {
      group("SIGKILL");
      server.close();
      if (signal === null) process.exit(code === null ? 1 : code);
      for (const name of relayed) process.removeListener(name, group);
      // Node ignores SIGPIPE and starts its inspector on SIGUSR1: those become an exit status.
      if (signal !== "SIGPIPE" && signal !== "SIGUSR1") process.kill(process.pid, signal);
      setTimeout(() => process.exit(128 + (constants.signals[signal] || 0)), 200);
    });
  });
})();
`;

export interface EgressDecision {
  host: string;
  port: number;
  allowed: boolean;
}

export interface EgressProxyOptions {
  /** In a directory only the runner's user can enter: anyone who can reach it gets out. */
  socketPath: string;
  hosts: string[];
  /** Every allow/deny decision, so the run log can say "blocked connection to X". */
  onDecision?: (decision: EgressDecision) => void;
  headerTimeoutMs?: number;
  maxHeaderBytes?: number;
}

export interface EgressProxy {
  socketPath: string;
  /** Stops listening, destroys every open connection and removes the socket file. */
  close(): Promise<void>;
}

/** Headers that describe one hop (or carry the agent's proxy credentials): never forwarded. */
const HOP_HEADERS = new Set([
  ...["connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade"],
  ...["proxy-authorization", "proxy-authenticate", "proxy-connection"],
]);

const CLIENT_ERRORS: Record<string, [number, string]> = {
  HPE_HEADER_OVERFLOW: [431, "request headers too large"],
  ERR_HTTP_REQUEST_TIMEOUT: [408, "request headers took too long"],
};

/** Serves CONNECT and absolute-form plain-HTTP requests for allowed hosts on a Unix socket. */
export async function startEgressProxy(options: EgressProxyOptions): Promise<EgressProxy> {
  const { socketPath, hosts } = options;
  if (Buffer.byteLength(socketPath) > 100) {
    throw new UserError(
      `The egress proxy socket path is too long for a Unix socket (over 100 bytes): ${socketPath}. Use a shorter temporary directory (set RUNNER_TEMP or TMPDIR).`,
    );
  }
  const headersTimeout = options.headerTimeoutMs ?? HEADER_TIMEOUT_MS;
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  };
  const decide = (host: string, port: number): boolean => {
    const allowed = isAllowed(hosts, host, port);
    try {
      options.onDecision?.({ host, port, allowed });
    } catch {
      // A logging callback must not break the agent's connections.
    }
    return allowed;
  };
  const deniedText = (host: string, port: number) =>
    `${host}:${port} is not in agent-network (allowed: ${hosts.join(", ")})\n`;

  const server = createServer({
    maxHeaderSize: options.maxHeaderBytes ?? MAX_HEADER_BYTES,
    headersTimeout,
    requestTimeout: 0,
    connectionsCheckingInterval: Math.min(1000, headersTimeout),
  });
  server.on("connection", track);

  server.on("connect", (req, client: Socket, head: Buffer) => {
    const target = parseAuthority(req.url ?? "");
    if (target === null) {
      return refuse(client, 400, `bad CONNECT target ${JSON.stringify(req.url)}; use host:port\n`);
    }
    if (!decide(target.host, target.port)) {
      return refuse(client, 403, deniedText(target.host, target.port));
    }
    const upstream = connect({ host: target.host, port: target.port, allowHalfOpen: true });
    track(upstream);
    upstream.setTimeout(CONNECT_TIMEOUT_MS, () =>
      upstream.destroy(new Error(`no answer in ${CONNECT_TIMEOUT_MS / 1000} seconds`)),
    );
    const giveUp = () => upstream.destroy();
    client.on("error", giveUp).once("close", giveUp);
    upstream.once("error", (error) => {
      refuse(client, 502, `cannot connect to ${req.url}: ${error.message}\n`);
    });
    upstream.once("connect", () => {
      upstream.setTimeout(0).removeAllListeners("error");
      client.removeListener("error", giveUp).removeListener("close", giveUp);
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length > 0) upstream.write(head);
      client.pipe(upstream);
      upstream.pipe(client);
      joinLifetimes(client, upstream);
    });
  });

  server.on("request", (req, res) => {
    let url: URL | null = null;
    try {
      url = new URL(req.url ?? "");
    } catch {}
    if (url === null || url.protocol !== "http:") {
      res.writeHead(400, { "content-type": "text/plain", connection: "close" });
      res.end("send absolute http:// URLs or CONNECT host:port to this proxy\n");
      return;
    }
    const port = url.port === "" ? 80 : Number(url.port);
    const host = url.hostname;
    if (!decide(host, port)) {
      res.writeHead(403, { "content-type": "text/plain", connection: "close" });
      res.end(deniedText(host, port));
      return;
    }
    const upstream = request({
      host,
      port,
      method: req.method,
      path: `${url.pathname}${url.search}`,
      headers: withoutHopHeaders(req.headers),
      agent: false,
      timeout: CONNECT_TIMEOUT_MS,
    });
    upstream.on("socket", (socket) => track(socket));
    upstream.on("timeout", () => upstream.destroy(new Error("no answer")));
    upstream.on("response", (answer) => {
      upstream.setTimeout(0);
      res.writeHead(answer.statusCode ?? 502, withoutHopHeaders(answer.headers));
      answer.pipe(res);
    });
    upstream.on("error", (error) => {
      if (res.headersSent) res.destroy();
      else {
        res.writeHead(502, { "content-type": "text/plain", connection: "close" });
        res.end(`cannot reach ${host}:${port}: ${error.message}\n`);
      }
    });
    res.on("close", () => upstream.destroy());
    req.on("error", () => upstream.destroy());
    req.pipe(upstream);
  });

  server.on("clientError", (error: NodeJS.ErrnoException, socket: Socket) => {
    const [status, text] = CLIENT_ERRORS[error.code ?? ""] ?? [400, "bad request"];
    if (socket.writable) refuse(socket, status, `${text}\n`);
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        new UserError(
          `The egress proxy cannot listen on ${socketPath}: ${error.message}.${error.code === "EADDRINUSE" ? " Remove the stale socket or use a fresh directory." : ""}`,
        ),
      ),
    );
    server.listen(socketPath, resolve);
  });

  let closing: Promise<void> | null = null;
  return {
    socketPath,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }).then(() => rm(socketPath, { force: true }));
      return closing;
    },
  };
}

/** When either side goes away, so does the other (a half-close is passed on by pipe()). */
function joinLifetimes(a: Socket, b: Socket): void {
  const end = () => {
    a.destroy();
    b.destroy();
  };
  a.once("close", end);
  b.once("close", end);
  a.on("error", end);
  b.on("error", end);
}

function refuse(socket: Socket, status: number, text: string): void {
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Error"}\r\nContent-Type: text/plain\r\n` +
      `Content-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
  );
}

/** `host:port` from a CONNECT line; IPv6 literals are never on the list, so they come out denied. */
function parseAuthority(text: string): { host: string; port: number } | null {
  const match = /^(\[[0-9a-f:.]+\]|[^:]+):(\d{1,5})$/i.exec(text);
  const port = Number(match?.[2]);
  if (match === null || !(port >= 1 && port <= 65535)) return null;
  const host = (match[1] as string).toLowerCase().replace(/\.$/, "");
  return host.startsWith("[") || NAME.test(host) ? { host, port } : null;
}

function withoutHopHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const named = String(headers.connection ?? "")
    .toLowerCase()
    .split(",")
    .map((name) => name.trim());
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => !HOP_HEADERS.has(name) && !named.includes(name)),
  );
}
