/**
 * The token's two sides: the HTTP basic auth header it travels in, sent only to an http(s) origin,
 * and scrubbing it (raw, base64, URL-encoded) from any text that could leave the process.
 */

export function basicAuth(token: string): string {
  return Buffer.from(`x-access-token:${token}`, "utf8").toString("base64");
}

/** `https://host[:port]/` for http(s) URLs (user info dropped); null for ssh, file and paths. */
export function httpOrigin(url: string): string | null {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return null;
    return `${parsed.protocol}//${parsed.host}/`;
  } catch {
    return null;
  }
}

/** Replaces the token(s) (raw, in basic-auth base64, URL-encoded) and URL user info with `***`. */
export function scrubSecrets(text: string, token: string | Iterable<string> | undefined): string {
  let out = text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, "$1***@");
  const tokens = typeof token === "string" ? [token] : [...(token ?? [])];
  if (tokens.length > 0) {
    const secrets = new Set(
      tokens
        .filter(Boolean)
        .flatMap((t) => [
          t,
          basicAuth(t),
          Buffer.from(t, "utf8").toString("base64"),
          encodeURIComponent(t),
        ]),
    );
    for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
      out = out.split(secret).join("***");
    }
  }
  return out;
}
