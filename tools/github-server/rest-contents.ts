// REST: a file's contents (repos/get-content), read from the repository's bare git directory.
import { readFileAt } from "./git.js";
import { notFound, ok, type RestContext, type RestHandler, repoOf } from "./rest-common.js";

async function getContent(ctx: RestContext) {
  const repo = repoOf(ctx);
  const path = (ctx.params.path ?? "").replace(/^\/+|\/+$/g, "");
  const ref = ctx.query.get("ref") || repo.defaultBranch;
  // Without a git directory the repository has no files; directories are not served.
  const file = repo.gitDir && path ? await readFileAt(repo.gitDir, ref, path) : null;
  if (!file) throw notFound();
  const api = ctx.render.repoApi(repo);
  const html = ctx.render.repoHtml(repo);
  const url = `${api}/contents/${path}?ref=${encodeURIComponent(ref)}`;
  const gitUrl = `${api}/git/blobs/${file.sha}`;
  const htmlUrl = `${html}/blob/${encodeURIComponent(ref)}/${path}`;
  // GitHub wraps the base64 text at 60 characters.
  const content = (file.content.toString("base64").match(/.{1,60}/g) ?? []).join("\n");
  return ok({
    type: "file",
    encoding: "base64",
    size: file.content.length,
    name: path.split("/").pop(),
    path,
    content: `${content}\n`,
    sha: file.sha,
    url,
    git_url: gitUrl,
    html_url: htmlUrl,
    download_url: `${html}/raw/${encodeURIComponent(ref)}/${path}`,
    _links: { self: url, git: gitUrl, html: htmlUrl },
  });
}

export const contentHandlers: Record<string, RestHandler> = {
  "repos/get-content": getContent,
};
