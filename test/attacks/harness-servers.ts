// The network of the attack world: an HTTP smart-git origin (`git http-backend` behind a token
// check) that records every request, an attacker server that records everything it receives,
// and an attacker git proxy that records every request and forwards it to the real origin.
import type { ChildProcess } from "node:child_process";
import { createServer, request as httpRequest, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { basename, dirname } from "node:path";
import { serveWithHttpBackend } from "../helpers/git-http-backend.js";

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  /** The request body as latin1 text (git packs included; secrets stay greppable). */
  body: string;
}

export interface Recorder {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/** Header the attacker proxy adds, so the origin can tell forwarded requests apart. */
export const VIA_PROXY_HEADER = "x-attacker-proxy";

const MAX_RECORDED_BODY = 8 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function record(req: IncomingMessage, body: Buffer): RecordedRequest {
  return {
    method: req.method ?? "GET",
    url: req.url ?? "/",
    headers: { ...req.headers },
    body: body.subarray(0, MAX_RECORDED_BODY).toString("latin1"),
  };
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function closer(server: Server, children: Set<ChildProcess> = new Set()) {
  return () =>
    new Promise<void>((resolve) => {
      for (const child of children) child.kill();
      server.closeAllConnections();
      server.close(() => resolve());
    });
}

/** The token in `Authorization: basic base64(x-access-token:<token>)`, or null. */
export function basicToken(header: string | undefined): string | null {
  const match = /^basic\s+(\S+)$/i.exec(header ?? "");
  if (!match?.[1]) return null;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon < 0 ? null : decoded.slice(colon + 1);
}

/**
 * The origin: `repositories` maps a URL path (`/acme/widgets.git`) to a bare git directory.
 * A request whose Basic token `accepts` refuses gets 401, as GitHub answers for a private
 * repository. Every request is recorded (bodies left out: they are packs).
 */
export async function startGitOrigin(
  repositories: Record<string, string>,
  accepts: (token: string) => boolean,
  env: NodeJS.ProcessEnv,
): Promise<Recorder> {
  const requests: RecordedRequest[] = [];
  const children = new Set<ChildProcess>();
  const server = createServer((req, res) => {
    requests.push({ ...record(req, Buffer.alloc(0)), body: "" });
    const token = basicToken(req.headers.authorization);
    const url = new URL(req.url ?? "/", "http://origin");
    const prefix = Object.keys(repositories).find(
      (path) => url.pathname === path || url.pathname.startsWith(`${path}/`),
    );
    if (!prefix || token === null || !accepts(token)) {
      req.resume();
      res.writeHead(401, { "WWW-Authenticate": 'Basic realm="origin"' }).end("unauthorized\n");
      return;
    }
    const gitDir = repositories[prefix] as string;
    serveWithHttpBackend(req, res, {
      env,
      projectRoot: dirname(gitDir),
      pathInfo: `/${basename(gitDir)}${url.pathname.slice(prefix.length)}`,
      children,
    });
  });
  return { url: await listen(server), requests, close: closer(server, children) };
}

/** Records every request it receives (method, URL, headers, body) and answers 200. */
export async function startAttackerServer(): Promise<Recorder> {
  const requests: RecordedRequest[] = [];
  const server = createServer(async (req, res) => {
    const body = await readBody(req).catch(() => Buffer.alloc(0));
    requests.push(record(req, body));
    res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
  });
  server.on("connect", (req, socket) => {
    requests.push(record(req, Buffer.alloc(0)));
    socket.end("HTTP/1.1 403 Forbidden\r\n\r\n");
  });
  return { url: await listen(server), requests, close: closer(server) };
}

/**
 * A git proxy the agent may point its remote at: records every request (headers included) and
 * forwards it, headers and all, to `originUrl`, as a man in the middle would. It serves both
 * as a repository URL (`<proxy>/acme/widgets.git`) and as an HTTP proxy (`http.proxy`), where
 * requests name an absolute URL.
 */
export async function startAttackerProxy(originUrl: string): Promise<Recorder> {
  const requests: RecordedRequest[] = [];
  const origin = new URL(originUrl);
  let self = "";
  const server = createServer(async (req, res) => {
    const body = await readBody(req).catch(() => Buffer.alloc(0));
    requests.push(record(req, body));
    let target: URL;
    const raw = req.url ?? "/";
    if (/^https?:\/\//i.test(raw)) {
      target = new URL(raw);
      // A proxied request for the proxy itself (remote URL and http.proxy both rewritten).
      if (target.host === new URL(self).host)
        target = new URL(target.pathname + target.search, origin);
    } else {
      target = new URL(raw, origin);
    }
    const headers: Record<string, string | string[] | undefined> = {
      ...req.headers,
      host: target.host,
      [VIA_PROXY_HEADER]: "1",
    };
    delete headers["proxy-authorization"];
    delete headers["proxy-connection"];
    const forward = httpRequest(
      target,
      { method: req.method ?? "GET", headers },
      (answer: IncomingMessage) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on("error", (error) => {
      if (!res.headersSent) res.writeHead(502);
      res.end(String(error));
    });
    forward.end(body);
  });
  server.on("connect", (req, socket) => {
    requests.push(record(req, Buffer.alloc(0)));
    socket.end("HTTP/1.1 403 Forbidden\r\n\r\n");
  });
  self = await listen(server);
  return { url: self, requests, close: closer(server) };
}
