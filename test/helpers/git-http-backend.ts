// Git's smart HTTP protocol for the test servers that play origin: one request served by
// `git http-backend` (a CGI program), its answer relayed as the HTTP response.
import { type ChildProcess, spawn } from "node:child_process";
import type { IncomingMessage, ServerResponse } from "node:http";

export interface HttpBackendOptions {
  /** The environment git runs with (the CGI variables are added to it). */
  env: NodeJS.ProcessEnv;
  /** The folder of the bare repositories served. */
  projectRoot: string;
  /** `/<repository>.git/<what is asked>`, under projectRoot. */
  pathInfo: string;
  /** Where the running backends are kept, so that the server can kill them when it closes. */
  children: Set<ChildProcess>;
  /** Told the size of each piece of the response body sent. */
  onBody?: (bytes: number) => void;
}

/** Serves `req` with `git http-backend`, which accepts pushes too (REMOTE_USER is set). */
export function serveWithHttpBackend(
  req: IncomingMessage,
  res: ServerResponse,
  options: HttpBackendOptions,
): void {
  const url = new URL(req.url ?? "/", "http://localhost");
  const cgi: Record<string, string> = {
    GIT_PROJECT_ROOT: options.projectRoot,
    GIT_HTTP_EXPORT_ALL: "1",
    GIT_HTTP_MAX_REQUEST_BUFFER: "100M",
    PATH_INFO: options.pathInfo,
    QUERY_STRING: url.search.replace(/^\?/, ""),
    REQUEST_METHOD: req.method ?? "GET",
    REMOTE_USER: "x-access-token", // lets http-backend accept pushes
    REMOTE_ADDR: "127.0.0.1",
    CONTENT_TYPE: req.headers["content-type"] ?? "",
  };
  if (req.headers["content-length"]) cgi.CONTENT_LENGTH = req.headers["content-length"];
  const encoding = req.headers["content-encoding"];
  if (encoding) cgi.HTTP_CONTENT_ENCODING = encoding;
  const protocol = req.headers["git-protocol"];
  if (typeof protocol === "string") cgi.GIT_PROTOCOL = protocol;
  const child = spawn("git", ["http-backend"], {
    env: { ...options.env, ...cgi },
    stdio: ["pipe", "pipe", "pipe"],
  });
  options.children.add(child);
  child.on("close", () => options.children.delete(child));
  child.stderr.resume();
  child.stdin.on("error", () => {});
  req.pipe(child.stdin);
  relayCgi(child, res, options.onBody ?? (() => {}));
}

/** Relays a CGI program's output (headers, blank line, body) as the HTTP response. */
function relayCgi(child: ChildProcess, res: ServerResponse, onBody: (bytes: number) => void) {
  let head = Buffer.alloc(0);
  let headersDone = false;
  child.stdout?.on("data", (chunk: Buffer) => {
    if (headersDone) {
      onBody(chunk.length);
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf("\r\n\r\n");
    if (end < 0) return;
    headersDone = true;
    let status = 200;
    for (const line of head.subarray(0, end).toString("latin1").split("\r\n")) {
      const colon = line.indexOf(":");
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (name.toLowerCase() === "status") status = Number.parseInt(value, 10);
      else res.setHeader(name, value);
    }
    res.statusCode = status;
    onBody(head.length - end - 4);
    res.write(head.subarray(end + 4));
  });
  child.stdout?.on("end", () => {
    if (!headersDone) res.statusCode = 500;
    res.end();
  });
}
