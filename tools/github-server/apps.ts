// GitHub Apps in the test server: Apps registered with their public key, installations on
// repositories, JWT (RS256) authentication of the App and the installation access tokens it
// mints, which act as the App's bot user `<slug>[bot]` until they expire.
import { createPublicKey, type KeyObject, randomBytes, verify } from "node:crypto";
import type { GitHubState, UserModel } from "./state.js";

export interface AppModel {
  id: number;
  slug: string;
  clientId: string;
  publicKey: KeyObject;
  /** The bot user installation tokens act as (`<slug>[bot]`). */
  bot: UserModel;
  owner: UserModel;
  createdAt: string;
}

export interface InstallationModel {
  id: number;
  app: AppModel;
  account: UserModel;
  /** Repositories (lowercase owner/name) the installation may access. */
  repositories: Set<string>;
  permissions: Record<string, "read" | "write">;
  createdAt: string;
}

export interface InstallationTokenModel {
  token: string;
  installation: InstallationModel;
  createdAtMs: number;
  expiresAtMs: number;
}

/** GitHub's default: an installation token lives one hour. */
export const DEFAULT_INSTALLATION_TOKEN_LIFETIME_MS = 3_600_000;

/** GitHub refuses JWTs whose lifetime (exp - iat) is longer than this. */
const MAX_JWT_LIFETIME_S = 600;
/** Clock drift GitHub tolerates on `iat` (a JWT issued a little "in the future"). */
const IAT_SKEW_S = 60;

export class AppRegistry {
  readonly apps = new Map<number, AppModel>();
  readonly installations = new Map<number, InstallationModel>();
  readonly tokens = new Map<string, InstallationTokenModel>();
  tokenLifetimeMs = DEFAULT_INSTALLATION_TOKEN_LIFETIME_MS;
  private seq = { app: 900_000, installation: 40_000_000 };

  constructor(private readonly state: GitHubState) {}

  addApp(options: { slug: string; publicKeyPem: string; owner?: string }): AppModel {
    if (!/^[a-z0-9][a-z0-9-]*$/.test(options.slug)) {
      throw new Error(`"${options.slug}" is not an App slug (lowercase letters, digits, -)`);
    }
    if ([...this.apps.values()].some((app) => app.slug === options.slug)) {
      throw new Error(`An App ${options.slug} exists`);
    }
    const id = ++this.seq.app;
    const app: AppModel = {
      id,
      slug: options.slug,
      clientId: `Iv23li${randomBytes(7).toString("hex")}`,
      publicKey: createPublicKey(options.publicKeyPem),
      bot: this.state.addUser({ login: `${options.slug}[bot]`, type: "Bot" }),
      owner: this.state.addUser({ login: options.owner ?? "app-owner" }),
      createdAt: this.state.now(),
    };
    this.apps.set(id, app);
    return app;
  }

  /** Installs the App on a repository (one installation per App and account, as on GitHub). */
  install(
    appId: number,
    owner: string,
    name: string,
    permissions: Record<string, "read" | "write">,
  ): InstallationModel {
    const app = this.apps.get(appId);
    if (!app) throw new Error(`No App ${appId} in the test server`);
    const repo = this.state.requireRepo(owner, name);
    let installation = [...this.installations.values()].find(
      (i) => i.app === app && i.account === repo.owner,
    );
    if (!installation) {
      installation = {
        id: ++this.seq.installation,
        app,
        account: repo.owner,
        repositories: new Set(),
        permissions: {},
        createdAt: this.state.now(),
      };
      this.installations.set(installation.id, installation);
    }
    installation.repositories.add(`${owner}/${name}`.toLowerCase());
    installation.permissions = { metadata: "read", ...installation.permissions, ...permissions };
    // What the installation may do in the repository; the bot acts with at least write access.
    const write = Object.values(installation.permissions).includes("write");
    this.state.setPermission(owner, name, app.bot.login, write ? "write" : "read");
    return installation;
  }

  installationFor(app: AppModel, owner: string, name: string): InstallationModel | undefined {
    const key = `${owner}/${name}`.toLowerCase();
    return [...this.installations.values()].find((i) => i.app === app && i.repositories.has(key));
  }

  mintToken(installation: InstallationModel): InstallationTokenModel {
    const createdAtMs = this.state.clock.nowMs();
    const minted: InstallationTokenModel = {
      token: `ghs_${randomBytes(18).toString("base64url").replace(/[-_]/g, "x")}`,
      installation,
      createdAtMs,
      // GitHub states expires_at in whole seconds; the token is refused from then on.
      expiresAtMs: Math.floor((createdAtMs + this.tokenLifetimeMs) / 1000) * 1000,
    };
    this.tokens.set(minted.token, minted);
    return minted;
  }

  /**
   * Who a bearer credential is: an installation token's bot, "Bad credentials" for an expired
   * one, undefined for a string that is no installation token.
   */
  tokenViewer(token: string): UserModel | string | undefined {
    const minted = this.tokens.get(token);
    if (!minted) return undefined;
    if (this.state.clock.nowMs() >= minted.expiresAtMs) return "Bad credentials";
    return minted.installation.app.bot;
  }

  /**
   * The App a JWT (RS256, signed with the App's private key) authenticates, or GitHub's 401
   * message: a JWT that is not one, names no App, has a bad signature, is expired, or lives
   * longer than ten minutes.
   */
  verifyJwt(jwt: string): AppModel | string {
    const undecodable = "A JSON web token could not be decoded";
    const parts = jwt.split(".");
    if (parts.length !== 3) return undecodable;
    const [headerPart = "", payloadPart = "", signaturePart = ""] = parts;
    let header: { alg?: unknown };
    let payload: { iss?: unknown; iat?: unknown; exp?: unknown };
    try {
      header = JSON.parse(Buffer.from(headerPart, "base64url").toString("utf8"));
      payload = JSON.parse(Buffer.from(payloadPart, "base64url").toString("utf8"));
    } catch {
      return undecodable;
    }
    if (header.alg !== "RS256") return undecodable;
    const app = [...this.apps.values()].find(
      (a) => String(a.id) === String(payload.iss) || a.clientId === payload.iss,
    );
    if (!app) return "Integration not found";
    const signed = verify(
      "RSA-SHA256",
      Buffer.from(`${headerPart}.${payloadPart}`),
      app.publicKey,
      Buffer.from(signaturePart, "base64url"),
    );
    if (!signed) return undecodable;
    const now = Math.floor(this.state.clock.nowMs() / 1000);
    const { iat, exp } = payload;
    if (typeof iat !== "number" || !Number.isInteger(iat) || iat > now + IAT_SKEW_S) {
      return "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued.";
    }
    if (typeof exp !== "number" || exp <= now) {
      return "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires.";
    }
    if (exp - iat > MAX_JWT_LIFETIME_S) {
      return "'Expiration time' claim ('exp') is too far in the future.";
    }
    return app;
  }
}
