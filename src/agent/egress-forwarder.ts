/**
 * The forwarder's source (CommonJS, run with the runner's node, bound read-only into the
 * sandbox): `node forwarder.cjs <port> <socket> -- <agent argv…>`. It listens on
 * 127.0.0.1:<port> in the sandbox's own network namespace, pipes each connection to the egress
 * proxy's Unix socket, and only once listening starts the agent (no shell), passing on TERM,
 * INT and HUP and ending as the agent ended (same exit status, or the same signal).
 */
export const FORWARDER_SOURCE = `"use strict";
const net = require("node:net");
const { spawn } = require("node:child_process");
const [port, socketPath, separator, ...argv] = process.argv.slice(2);
if (separator !== "--" || argv.length === 0) {
  console.error("usage: forwarder <port> <socket> -- <command...>");
  process.exit(2);
}
const server = net.createServer((client) => {
  const upstream = net.connect(socketPath);
  const end = () => { client.destroy(); upstream.destroy(); };
  client.on("error", end);
  upstream.on("error", end);
  client.pipe(upstream);
  upstream.pipe(client);
});
server.on("error", (error) => {
  console.error("egress forwarder: " + error.message);
  process.exit(70);
});
server.listen(Number(port), "127.0.0.1", () => {
  const child = spawn(argv[0], argv.slice(1), { stdio: "inherit" });
  for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"]) {
    process.on(signal, () => child.kill(signal));
  }
  child.on("error", (error) => {
    console.error("egress forwarder: cannot start " + argv[0] + ": " + error.message);
    process.exit(127);
  });
  child.on("exit", (code, signal) => {
    server.close();
    if (signal) {
      for (const name of ["SIGTERM", "SIGINT", "SIGHUP"]) process.removeAllListeners(name);
      process.kill(process.pid, signal);
    } else process.exit(code === null ? 1 : code);
  });
});
`;
