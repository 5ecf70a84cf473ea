import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A local HTTP receiver standing in for ntfy or a webhook. `answer` decides each reply: a
 * status, or "hang" to never answer (a receiver slower than any timeout).
 */
export interface Receiver {
  /** With a hard-to-guess topic, as a real capability URL has: tests check it never leaks. */
  url: string;
  topic: string;
  received: Received[];
  answer: number | "hang";
  close(): Promise<void>;
}

export async function startReceiver(answer: number | "hang" = 200): Promise<Receiver> {
  const received: Received[] = [];
  const hanging: ServerResponse[] = [];
  const receiver: Receiver = {
    url: "",
    topic: `topic-${Math.random().toString(36).slice(2)}-secret`,
    received,
    answer,
    close: async () => {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
  const server = createServer((request, response) => {
    let body = "";
    request.setEncoding("utf8");
    request.on("data", (chunk: string) => {
      body += chunk;
    });
    request.on("end", () => {
      received.push({
        method: request.method ?? "",
        path: request.url ?? "",
        headers: request.headers,
        body,
      });
      if (receiver.answer === "hang") {
        hanging.push(response);
        return;
      }
      response.writeHead(receiver.answer, { "Content-Type": "application/json" });
      response.end(JSON.stringify({ id: String(received.length) }));
    });
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  receiver.url = `http://127.0.0.1:${port}/${receiver.topic}`;
  return receiver;
}

/** A URL where nothing listens: a receiver that is down. */
export async function downUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return `http://127.0.0.1:${port}/topic-down-secret`;
}

/** stdout without the `::add-mask::` commands, which the runner consumes and never shows. */
export function shownLog(stdout: string): string {
  return stdout
    .split("\n")
    .filter((line) => !line.startsWith("::add-mask::"))
    .join("\n");
}
