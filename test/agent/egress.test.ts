import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, request, type Server } from "node:http";
import { connect, createServer as createConnectionServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  type EgressDecision,
  type EgressProxy,
  FORWARDER_SOURCE,
  isAllowed,
  parseNetworkSetting,
  proxyEnvironment,
  SANDBOX_PROXY_PORT,
  startEgressProxy,
} from "../../src/agent/egress.js";
import { UserError } from "../../src/core/errors.js";

/** A local HTTP server that answers `<name>:<method> <url> <body>` and counts its connections. */
interface Target {
  server: Server;
  port: number;
  connections: number;
  lastHeaders: IncomingHttpHeaders | null;
}

async function startTarget(name: string): Promise<Target> {
  const target: Target = { server: createServer(), port: 0, connections: 0, lastHeaders: null };
  target.server.on("connection", () => target.connections++);
  target.server.on("request", (req, res) => {
    target.lastHeaders = req.headers;
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => res.end(`${name}:${req.method} ${req.url} ${body}`));
  });
  await new Promise<void>((resolve) => target.server.listen(0, "127.0.0.1", resolve));
  target.port = (target.server.address() as { port: number }).port;
  return target;
}

/** Sends `text` on the proxy's socket and collects everything until the proxy closes. */
function exchange(socketPath: string, text: string, then?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    let answer = "";
    socket.on("data", (chunk) => {
      answer += chunk;
      if (then !== undefined && answer.startsWith("HTTP/1.1 200")) {
        socket.write(then);
        then = undefined;
      }
    });
    socket.on("error", reject);
    socket.on("close", () => resolve(answer));
    socket.write(text);
  });
}

/**
 * Runs a program in its own process group (as the runner starts an agent) and collects its
 * output. Once stdout holds `signalWhen`, SIGTERM goes to the whole group, as the runner stops one.
 */
function runProcess(
  program: string,
  args: string[],
  signalWhen?: string,
  env?: Record<string, string>,
): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(program, args, { detached: true, env: env ?? process.env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
      if (signalWhen !== undefined && stdout.includes(signalWhen)) {
        signalWhen = undefined;
        process.kill(-(child.pid ?? 0), "SIGTERM");
      }
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

let dir: string;
let allowed: Target;
let denied: Target;
let proxy: EgressProxy;
let socketPath: string;
const decisions: EgressDecision[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "goal-egress-"));
  // The sandboxed client runs as nobody when the tests run as root: it must reach this folder.
  chmodSync(dir, 0o777);
  allowed = await startTarget("allowed");
  denied = await startTarget("denied");
  socketPath = join(dir, "egress.sock");
  proxy = await startEgressProxy({
    socketPath,
    hosts: [`localhost:${allowed.port}`],
    onDecision: (decision) => decisions.push(decision),
  });
  chmodSync(socketPath, 0o777);
});

after(async () => {
  await proxy?.close();
  allowed?.server.close();
  denied?.server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("egress proxy", () => {
  it("tunnels bytes both ways for CONNECT to an allowed host", async () => {
    const answer = await exchange(
      socketPath,
      `CONNECT LOCALHOST:${allowed.port} HTTP/1.1\r\nHost: localhost\r\n\r\n`,
      "POST /up HTTP/1.1\r\nHost: localhost\r\nContent-Length: 4\r\nConnection: close\r\n\r\nping",
    );
    assert.match(answer, /^HTTP\/1\.1 200 Connection Established\r\n\r\nHTTP\/1\.1 200 OK/);
    assert.match(answer, /allowed:POST \/up ping$/);
    assert.deepEqual(decisions.at(-1), { host: "localhost", port: allowed.port, allowed: true });
  });

  it("answers 403 for CONNECT to a host that is not listed, without connecting to it", async () => {
    const before = allowed.connections;
    for (const target of [
      `127.0.0.1:${denied.port}`,
      `localhost:${denied.port}`,
      `127.0.0.1:${allowed.port}`,
    ]) {
      const answer = await exchange(socketPath, `CONNECT ${target} HTTP/1.1\r\n\r\n`);
      assert.match(answer, /^HTTP\/1\.1 403 Forbidden\r\n/);
      assert.match(answer, new RegExp(`${target} is not in agent-network`));
    }
    assert.equal(denied.connections, 0);
    assert.equal(allowed.connections, before);
    assert.deepEqual(decisions.at(-1), { host: "127.0.0.1", port: allowed.port, allowed: false });
  });

  it("forwards absolute-form http:// requests to an allowed host, without Proxy-Authorization", async () => {
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({
        socketPath,
        path: `http://localhost:${allowed.port}/page?x=1`,
        headers: { "proxy-authorization": "Basic c2VjcmV0", "x-kept": "yes" },
      });
      req.on("response", (res) => {
        let body = "";
        res.on("data", (chunk) => {
          body += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on("error", reject);
      req.end();
    });
    assert.deepEqual(answer, { status: 200, body: "allowed:GET /page?x=1 " });
    assert.equal(allowed.lastHeaders?.["proxy-authorization"], undefined);
    assert.equal(allowed.lastHeaders?.["x-kept"], "yes");

    const refused = await exchange(
      socketPath,
      `GET http://localhost:${denied.port}/ HTTP/1.1\r\nHost: x\r\n\r\n`,
    );
    assert.match(refused, /^HTTP\/1\.1 403 /);
    assert.equal(denied.connections, 0);
  });

  it("refuses origin-form and https:// requests with 400", async () => {
    for (const line of ["GET / HTTP/1.1", `GET https://localhost:${allowed.port}/ HTTP/1.1`]) {
      const answer = await exchange(socketPath, `${line}\r\nHost: x\r\n\r\n`);
      assert.match(answer, /^HTTP\/1\.1 400 /);
      assert.match(answer, /absolute http:\/\/ URLs or CONNECT/);
    }
  });

  it("refuses oversized request headers with 431, before any decision", async () => {
    const count = decisions.length;
    const answer = await exchange(
      socketPath,
      `CONNECT localhost:${allowed.port} HTTP/1.1\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`,
    );
    assert.match(answer, /^HTTP\/1\.1 431 /);
    assert.equal(decisions.length, count);
  });

  // The header limit is node's own (http.Server headersTimeout, checked by its own timer), so
  // it cannot run on a test clock. The test asserts what happens, not how soon: the headers
  // never end, and the proxy answers 408 and closes; were there no limit, the test would end at
  // its timeout instead.
  it("closes a connection whose headers do not arrive in time", { timeout: 60_000 }, async () => {
    const slowPath = join(dir, "slow.sock");
    const slow = await startEgressProxy({ socketPath: slowPath, hosts: [], headerTimeoutMs: 200 });
    try {
      const answer = await exchange(slowPath, "CONNECT localhost:443 HTTP/1.1\r\n");
      assert.match(answer, /^HTTP\/1\.1 408 /);
    } finally {
      await slow.close();
    }
  });

  it("answers 502 when an allowed host cannot be reached, and ends a tunnel its host closes", async () => {
    const gone = await startTarget("gone");
    gone.server.close();
    const hangUp = createConnectionServer((socket) => socket.end("bye"));
    await new Promise<void>((resolve) => hangUp.listen(0, "127.0.0.1", resolve));
    const hangUpPort = (hangUp.address() as { port: number }).port;
    const otherPath = join(dir, "other.sock");
    const other = await startEgressProxy({
      socketPath: otherPath,
      hosts: [`localhost:${gone.port}`, `localhost:${hangUpPort}`],
    });
    try {
      const answer = await exchange(otherPath, `CONNECT localhost:${gone.port} HTTP/1.1\r\n\r\n`);
      assert.match(
        answer,
        new RegExp(
          `^HTTP/1\\.1 502 Bad Gateway\r\n[^]*cannot connect to localhost:${gone.port}: .*ECONNREFUSED`,
        ),
      );
      const closed = await exchange(otherPath, `CONNECT localhost:${hangUpPort} HTTP/1.1\r\n\r\n`);
      assert.equal(closed, "HTTP/1.1 200 Connection Established\r\n\r\nbye");
    } finally {
      await other.close();
      hangUp.close();
    }
  });

  it("close() ends open tunnels and removes the socket file", async () => {
    const closingPath = join(dir, "closing.sock");
    const closing = await startEgressProxy({
      socketPath: closingPath,
      hosts: [`localhost:${allowed.port}`],
    });
    const socket = connect(closingPath);
    const ended = new Promise<void>((resolve) => socket.on("close", () => resolve()));
    socket.on("error", () => {});
    socket.write(`CONNECT localhost:${allowed.port} HTTP/1.1\r\n\r\n`);
    await new Promise((resolve) => socket.once("data", resolve));
    await closing.close();
    await ended;
    assert.equal(existsSync(closingPath), false);
  });
});

describe("allow-list", () => {
  it("matches names exactly, wildcards as subdomains only, and the default ports 443 and 80", () => {
    const hosts = ["api.example.com", "*.cdn.example.org", "git.example.net:8443"];
    assert.equal(isAllowed(hosts, "API.Example.com.", 443), true);
    assert.equal(isAllowed(hosts, "api.example.com", 80), true);
    assert.equal(isAllowed(hosts, "api.example.com", 22), false);
    assert.equal(isAllowed(hosts, "x.api.example.com", 443), false);
    assert.equal(isAllowed(hosts, "a.b.cdn.example.org", 443), true);
    assert.equal(isAllowed(hosts, "cdn.example.org", 443), false);
    assert.equal(isAllowed(hosts, "evilcdn.example.org", 443), false);
    assert.equal(isAllowed(hosts, "git.example.net", 8443), true);
    assert.equal(isAllowed(hosts, "git.example.net", 443), false);
  });

  it("parseNetworkSetting reads open, none and allow: lists", () => {
    assert.deepEqual(parseNetworkSetting(" Open "), { kind: "open" });
    assert.deepEqual(parseNetworkSetting("none"), { kind: "none" });
    assert.deepEqual(parseNetworkSetting("allow: API.anthropic.com, *.github.com,x.io:8443,"), {
      kind: "allow",
      hosts: ["api.anthropic.com", "*.github.com", "x.io:8443"],
    });
  });

  it("parseNetworkSetting refuses other values, naming the setting and what is accepted", () => {
    const refuses = (text: string, pattern: RegExp) =>
      assert.throws(
        () => parseNetworkSetting(text),
        (error: unknown) => error instanceof UserError && pattern.test(error.message),
      );
    refuses("", /^agent-network must be open, none or allow:<host>,<host> .*not ""\.$/);
    refuses("closed", /not "closed"/);
    refuses("allow:", /"allow:" lists no hosts/);
    refuses("allow:ok.com,bad host", /bad host "bad host" in "allow:ok\.com,bad host"; use open/);
    refuses("allow:a.com:99999", /bad host "a\.com:99999"/);
    refuses("allow:*", /bad host "\*"/);
    refuses("allow:a..com", /bad host "a\.\.com"/);
    refuses("allow:http://a.com", /bad host "http:\/\/a\.com"/);
  });

  it("proxyEnvironment points every proxy variable at the forwarder", () => {
    const env = proxyEnvironment(SANDBOX_PROXY_PORT);
    for (const name of ["HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"]) {
      assert.equal(env[name], `http://127.0.0.1:${SANDBOX_PROXY_PORT}`);
    }
    assert.equal(env.NO_PROXY, "localhost,127.0.0.1");
  });
});

describe("forwarder", () => {
  const forwarder = () => {
    const path = join(dir, "forwarder.cjs");
    writeFileSync(path, FORWARDER_SOURCE);
    return path;
  };
  const run = async (argv: string[], signalWhen?: string) => {
    const { stdout, stderr, ...ended } = await runProcess(
      process.execPath,
      [forwarder(), ...argv],
      signalWhen,
    );
    return { ...ended, output: stdout + stderr };
  };
  const node = (code: string) => [process.execPath, "-e", code];

  it("exits the way the agent exits, and relays a SIGTERM sent to its group once", async () => {
    assert.equal((await run(["0", socketPath, "--", ...node("process.exit(5)")])).code, 5);
    const killed = await run(["0", socketPath, "--", ...node("process.kill(process.pid)")]);
    assert.equal(killed.signal, "SIGTERM");
    const missing = await run(["0", socketPath, "--", "/no/such/agent"]);
    assert.equal(missing.code, 127);
    assert.match(missing.output, /cannot start \/no\/such\/agent/);
    const relayed = await run(
      [
        "0",
        socketPath,
        "--",
        ...node(
          "let n=0;process.on('SIGTERM',()=>{n++;setTimeout(()=>{console.log('terms '+n);process.exit(3)},200)});setInterval(()=>{},1000);console.log('ready')",
        ),
      ],
      "ready",
    );
    assert.deepEqual([relayed.code, relayed.output], [3, "ready\nterms 1\n"]);
  });
});

/** The client run inside the sandbox: prints what it could and could not reach, as JSON. */
const CLIENT = `
import http from "node:http";
import net from "node:net";
import dns from "node:dns/promises";
const [allowedPort, deniedPort] = process.argv.slice(2);
const proxy = new URL(process.env.HTTP_PROXY);
const viaProxy = (url) => new Promise((resolve) => {
  const req = http.request({ host: proxy.hostname, port: proxy.port, path: url });
  req.on("response", (res) => {
    let body = "";
    res.on("data", (chunk) => { body += chunk; });
    res.on("end", () => resolve(res.statusCode + " " + body.trim()));
  });
  req.on("error", (error) => resolve("error " + error.code));
  req.end();
});
const tunnel = (target) => new Promise((resolve) => {
  const req = http.request({ host: proxy.hostname, port: proxy.port, method: "CONNECT", path: target });
  req.on("connect", (res, socket, head) => {
    let text = head.toString();
    socket.on("data", (chunk) => { text += chunk; });
    socket.on("end", () => resolve(res.statusCode + " " + text.split("\\r\\n\\r\\n").at(-1).trim()));
    if (res.statusCode === 200) socket.write("GET /tunnelled HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n");
  });
  req.on("error", (error) => resolve("error " + error.code));
  req.end();
});
const direct = (host, port) => new Promise((resolve) => {
  const socket = net.connect({ host, port: Number(port) });
  socket.on("connect", () => { socket.destroy(); resolve("connected"); });
  socket.on("error", (error) => resolve("error " + error.code));
});
console.log(JSON.stringify({
  allowed: await viaProxy("http://localhost:" + allowedPort + "/in"),
  tunnel: await tunnel("localhost:" + allowedPort),
  denied: await viaProxy("http://localhost:" + deniedPort + "/out"),
  deniedTunnel: await tunnel("127.0.0.1:" + deniedPort),
  direct: await direct("127.0.0.1", allowedPort),
  outside: await direct("192.0.2.1", 443),
  dns: await dns.lookup("example.com").then(() => "resolved", (error) => "error " + error.code),
  uid: process.getuid(),
}));
`;

const hasBwrap = spawnSync("bwrap", ["--version"]).error === undefined;

describe("sandbox", () => {
  it("reaches only allowed hosts from inside bubblewrap, through the forwarder", {
    skip: hasBwrap ? false : "bwrap (bubblewrap) is not installed",
  }, async () => {
    const script = join(dir, "forwarder.cjs");
    const client = join(dir, "client.mjs");
    writeFileSync(script, FORWARDER_SOURCE);
    writeFileSync(client, CLIENT);
    const argv = [
      ...["--unshare-net", "--unshare-pid", "--die-with-parent", "--ro-bind", "/", "/"],
      ...["--proc", "/proc", "--dev", "/dev", "--bind", dir, dir, "--"],
      ...[process.execPath, script, String(SANDBOX_PROXY_PORT), socketPath, "--"],
      ...[process.execPath, client, String(allowed.port), String(denied.port)],
    ];
    // As root, bwrap would not show that an unprivileged runner can do this.
    const asNobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "bwrap"];
    const [program, ...args] =
      process.getuid?.() === 0 ? [...asNobody, ...argv] : ["bwrap", ...argv];
    const result = await runProcess(program as string, args, undefined, {
      PATH: process.env.PATH ?? "",
      ...proxyEnvironment(SANDBOX_PROXY_PORT),
    });
    assert.equal(result.code, 0, result.stderr);
    const denial = `is not in agent-network (allowed: localhost:${allowed.port})`;
    const { dns, ...reached } = JSON.parse(result.stdout);
    assert.deepEqual(reached, {
      allowed: "200 allowed:GET /in",
      tunnel: "200 allowed:GET /tunnelled",
      denied: `403 localhost:${denied.port} ${denial}`,
      deniedTunnel: `403 127.0.0.1:${denied.port} ${denial}`,
      // No network in the sandbox: loopback has nothing listening, nothing else is routed.
      direct: "error ECONNREFUSED",
      outside: "error ENETUNREACH",
      uid: process.getuid?.() === 0 ? 65534 : process.getuid?.(),
    });
    // No DNS either: the proxy resolves the names it is asked to CONNECT to.
    assert.match(dns, /^error (EAI_AGAIN|ENOTFOUND|ECONNREFUSED)$/);
    assert.equal(denied.connections, 0);
  });
});
