#!/usr/bin/env node
import { watchRalphsMain } from "../cli/watch-ralphs.js";

const stop = new AbortController();
process.once("SIGINT", () => stop.abort());
process.once("SIGTERM", () => stop.abort());
process.exitCode = await watchRalphsMain(
  process.argv.slice(2),
  undefined,
  process.env,
  stop.signal,
);
