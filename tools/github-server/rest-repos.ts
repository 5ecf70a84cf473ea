// REST: repository, collaborator permission and the authenticated user.
import { notFound, ok, type RestContext, type RestHandler, repoOf } from "./rest-common.js";

const ROLE = { admin: "admin", write: "write", read: "read", none: "none" } as const;

function getRepo(ctx: RestContext) {
  return ok(ctx.render.fullRepository(repoOf(ctx), ctx.viewer));
}

function collaboratorPermission(ctx: RestContext) {
  const repo = repoOf(ctx);
  const user = ctx.state.userByLogin(ctx.params.username ?? "");
  if (!user) throw notFound();
  const permission = ctx.state.permissionOf(repo, user);
  const rank = { none: 0, read: 1, write: 2, admin: 3 }[permission];
  return ok({
    permission,
    role_name: ROLE[permission],
    user: {
      ...ctx.render.user(user),
      permissions: {
        admin: rank >= 3,
        maintain: rank >= 3,
        push: rank >= 2,
        triage: rank >= 2,
        pull: rank >= 1,
      },
      role_name: ROLE[permission],
    },
  });
}

function authenticated(ctx: RestContext) {
  return ok(ctx.render.authenticatedUser(ctx.viewer));
}

export const repoHandlers: Record<string, RestHandler> = {
  "repos/get": getRepo,
  "repos/get-collaborator-permission-level": collaboratorPermission,
  "users/get-authenticated": authenticated,
};
