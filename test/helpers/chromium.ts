import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";

/** CHROMIUM_PATH (.ci/run sets it), else Debian's /usr/bin/chromium, else chromium on PATH. */
export const CHROMIUM =
  process.env.CHROMIUM_PATH ||
  [
    "/usr/bin/chromium",
    ...(process.env.PATH ?? "").split(delimiter).map((d) => join(d, "chromium")),
  ]
    .filter((path) => path.startsWith("/"))
    .find((path) => existsSync(path)) ||
  "/usr/bin/chromium";

/** Headless, and quiet on a machine without network (no background connections). */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Why browser tests cannot run here, or null when they can. */
export const chromiumMissing = existsSync(CHROMIUM) ? null : `no Chromium at ${CHROMIUM}`;
