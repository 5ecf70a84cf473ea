// REST: the App-authenticated (JWT) routes a runner uses to become an App installation: find
// the installation on a repository, and mint an installation access token.
import type { InstallationModel } from "./apps.js";
import { ApiError, notFound, ok, type RestContext, type RestHandler } from "./rest-common.js";

/** Operations GitHub serves only to a JWT-authenticated App (see GitHubServer.authenticate). */
export const APP_ROUTES = new Set([
  "apps/get-repo-installation",
  "apps/create-installation-access-token",
]);

function appOf(ctx: RestContext) {
  if (!ctx.app) throw new ApiError(401, "A JSON web token could not be decoded");
  return ctx.app;
}

function renderInstallation(ctx: RestContext, installation: InstallationModel) {
  const api = ctx.render.api;
  return {
    id: installation.id,
    client_id: installation.app.clientId,
    account: ctx.render.user(installation.account),
    repository_selection: "selected",
    access_tokens_url: `${api}/app/installations/${installation.id}/access_tokens`,
    repositories_url: `${api}/installation/repositories`,
    html_url: `${api}/settings/installations/${installation.id}`,
    app_id: installation.app.id,
    app_slug: installation.app.slug,
    target_id: installation.account.id,
    target_type: installation.account.type === "Bot" ? "User" : installation.account.type,
    permissions: installation.permissions,
    events: [],
    created_at: installation.createdAt,
    updated_at: installation.createdAt,
    single_file_name: null,
    has_multiple_single_files: false,
    single_file_paths: [],
    suspended_by: null,
    suspended_at: null,
  };
}

function getRepoInstallation(ctx: RestContext) {
  const app = appOf(ctx);
  const installation = ctx.state.apps.installationFor(
    app,
    ctx.params.owner ?? "",
    ctx.params.repo ?? "",
  );
  if (!installation) throw notFound();
  return ok(renderInstallation(ctx, installation));
}

function createInstallationAccessToken(ctx: RestContext) {
  const app = appOf(ctx);
  const installation = ctx.state.apps.installations.get(Number(ctx.params.installation_id));
  if (!installation || installation.app !== app) throw notFound();
  const minted = ctx.state.apps.mintToken(installation);
  return ok(
    {
      token: minted.token,
      // GitHub gives whole seconds: 2016-07-11T22:14:10Z
      expires_at: new Date(minted.expiresAtMs).toISOString().replace(/\.\d{3}Z$/, "Z"),
      permissions: installation.permissions,
      repository_selection: "selected",
    },
    201,
  );
}

export const appHandlers: Record<string, RestHandler> = {
  "apps/get-repo-installation": getRepoInstallation,
  "apps/create-installation-access-token": createInstallationAccessToken,
};
