// Builds complete REST objects (as GitHub's published schema describes them) from the model.
// API URLs hang off the server's base URL; "web" URLs use the same host without /repos.
import type {
  CommentModel,
  GitHubState,
  IssueEventModel,
  IssueModel,
  LabelModel,
  RepoModel,
  UserModel,
} from "./state.js";

export type Json = Record<string, unknown>;

export class Renderer {
  constructor(
    private readonly state: GitHubState,
    private readonly base: () => string,
  ) {}

  get api(): string {
    return this.base();
  }

  repoApi(repo: RepoModel): string {
    return `${this.base()}/repos/${repo.owner.login}/${repo.name}`;
  }

  repoHtml(repo: RepoModel): string {
    return `${this.base()}/${repo.owner.login}/${repo.name}`;
  }

  user(user: UserModel): Json {
    // GitHub percent-encodes bot logins in URLs: /users/name%5Bbot%5D.
    const url = `${this.base()}/users/${encodeURIComponent(user.login)}`;
    return {
      login: user.login,
      id: user.id,
      node_id: user.nodeId,
      avatar_url: `${this.base()}/avatars/u/${user.id}`,
      gravatar_id: "",
      url,
      html_url:
        user.type === "Bot"
          ? `${this.base()}/apps/${encodeURIComponent(user.login.replace(/\[bot\]$/, ""))}`
          : `${this.base()}/${encodeURIComponent(user.login)}`,
      followers_url: `${url}/followers`,
      following_url: `${url}/following{/other_user}`,
      gists_url: `${url}/gists{/gist_id}`,
      starred_url: `${url}/starred{/owner}{/repo}`,
      subscriptions_url: `${url}/subscriptions`,
      organizations_url: `${url}/orgs`,
      repos_url: `${url}/repos`,
      events_url: `${url}/events{/privacy}`,
      received_events_url: `${url}/received_events`,
      type: user.type,
      user_view_type: "public",
      site_admin: false,
    };
  }

  authenticatedUser(user: UserModel): Json {
    return {
      ...this.user(user),
      name: null,
      company: null,
      blog: "",
      location: null,
      email: null,
      hireable: null,
      bio: null,
      twitter_username: null,
      public_repos: 0,
      public_gists: 0,
      followers: 0,
      following: 0,
      created_at: user.createdAt,
      updated_at: user.createdAt,
    };
  }

  label(repo: RepoModel, label: LabelModel): Json {
    return {
      id: label.id,
      node_id: label.nodeId,
      url: `${this.repoApi(repo)}/labels/${encodeURIComponent(label.name)}`,
      name: label.name,
      color: label.color,
      default: label.default,
      description: label.description,
    };
  }

  authorAssociation(repo: RepoModel, user: UserModel): string {
    if (user.login.toLowerCase() === repo.owner.login.toLowerCase()) return "OWNER";
    const explicit = repo.permissions.get(user.login.toLowerCase());
    if (explicit === "admin" || explicit === "write") return "COLLABORATOR";
    return "NONE";
  }

  private reactions(url: string): Json {
    return {
      url: `${url}/reactions`,
      total_count: 0,
      "+1": 0,
      "-1": 0,
      laugh: 0,
      hooray: 0,
      confused: 0,
      heart: 0,
      rocket: 0,
      eyes: 0,
    };
  }

  issue(issue: IssueModel): Json {
    const repo = issue.repo;
    const url = `${this.repoApi(repo)}/issues/${issue.number}`;
    const isPull = issue.pull !== null;
    const html = `${this.repoHtml(repo)}/${isPull ? "pull" : "issues"}/${issue.number}`;
    const completed = issue.subIssues.filter(
      (s) => s.state === "closed" && s.stateReason === "completed",
    ).length;
    const blocking = this.state.blocking(issue).length;
    const result: Json = {
      url,
      repository_url: this.repoApi(repo),
      labels_url: `${url}/labels{/name}`,
      comments_url: `${url}/comments`,
      events_url: `${url}/events`,
      html_url: html,
      id: issue.id,
      node_id: issue.nodeId,
      number: issue.number,
      title: issue.title,
      user: this.user(issue.author),
      labels: issue.labels.map((label) => this.label(repo, label)),
      state: issue.state,
      locked: issue.locked,
      assignee: issue.assignees[0] ? this.user(issue.assignees[0]) : null,
      assignees: issue.assignees.map((u) => this.user(u)),
      milestone: null,
      comments: issue.comments.length,
      created_at: issue.createdAt,
      updated_at: issue.updatedAt,
      closed_at: issue.closedAt,
      author_association: this.authorAssociation(repo, issue.author),
      type: null,
      active_lock_reason: null,
      sub_issues_summary: {
        total: issue.subIssues.length,
        completed,
        percent_completed:
          issue.subIssues.length === 0 ? 0 : Math.floor((completed * 100) / issue.subIssues.length),
      },
      issue_dependencies_summary: {
        blocked_by: issue.blockedBy.filter((b) => b.state === "open").length,
        total_blocked_by: issue.blockedBy.length,
        blocking,
        total_blocking: blocking,
      },
      body: issue.body,
      closed_by: issue.closedBy ? this.user(issue.closedBy) : null,
      reactions: this.reactions(url),
      timeline_url: `${url}/timeline`,
      performed_via_github_app: null,
      state_reason: issue.stateReason,
    };
    if (issue.parent) {
      result.parent_issue_url = `${this.repoApi(issue.parent.repo)}/issues/${issue.parent.number}`;
    }
    if (issue.pull) {
      result.draft = issue.pull.draft;
      result.pull_request = {
        url: `${this.repoApi(repo)}/pulls/${issue.number}`,
        html_url: html,
        diff_url: `${html}.diff`,
        patch_url: `${html}.patch`,
        merged_at: issue.pull.mergedAt,
      };
    }
    return result;
  }

  /** An issue event (issues/list-events): labeled, unlabeled or renamed. */
  issueEvent(issue: IssueModel, event: IssueEventModel): Json {
    const common: Json = {
      id: event.id,
      node_id: event.nodeId,
      url: `${this.repoApi(issue.repo)}/issues/events/${event.id}`,
      actor: this.user(event.actor),
      event: event.kind,
      commit_id: null,
      commit_url: null,
      created_at: event.createdAt,
      performed_via_github_app: null,
    };
    if (event.kind === "renamed") {
      return { ...common, rename: { from: event.previousTitle, to: event.currentTitle } };
    }
    return { ...common, label: { name: event.label.name, color: event.label.color } };
  }

  comment(comment: CommentModel): Json {
    const issue = comment.issue;
    const url = `${this.repoApi(issue.repo)}/issues/comments/${comment.id}`;
    return {
      id: comment.id,
      node_id: comment.nodeId,
      url,
      html_url: `${this.repoHtml(issue.repo)}/issues/${issue.number}#issuecomment-${comment.id}`,
      body: comment.body,
      user: this.user(comment.author),
      created_at: comment.createdAt,
      updated_at: comment.updatedAt,
      issue_url: `${this.repoApi(issue.repo)}/issues/${issue.number}`,
      author_association: this.authorAssociation(issue.repo, comment.author),
      performed_via_github_app: null,
      reactions: this.reactions(url),
    };
  }

  /** The URL-template fields shared by full and minimal repository objects. */
  private repoUrls(repo: RepoModel): Json {
    const url = this.repoApi(repo);
    const html = this.repoHtml(repo);
    return {
      html_url: html,
      url,
      forks_url: `${url}/forks`,
      keys_url: `${url}/keys{/key_id}`,
      collaborators_url: `${url}/collaborators{/collaborator}`,
      teams_url: `${url}/teams`,
      hooks_url: `${url}/hooks`,
      issue_events_url: `${url}/issues/events{/number}`,
      events_url: `${url}/events`,
      assignees_url: `${url}/assignees{/user}`,
      branches_url: `${url}/branches{/branch}`,
      tags_url: `${url}/tags`,
      blobs_url: `${url}/git/blobs{/sha}`,
      git_tags_url: `${url}/git/tags{/sha}`,
      git_refs_url: `${url}/git/refs{/sha}`,
      trees_url: `${url}/git/trees{/sha}`,
      statuses_url: `${url}/statuses/{sha}`,
      languages_url: `${url}/languages`,
      stargazers_url: `${url}/stargazers`,
      contributors_url: `${url}/contributors`,
      subscribers_url: `${url}/subscribers`,
      subscription_url: `${url}/subscription`,
      commits_url: `${url}/commits{/sha}`,
      git_commits_url: `${url}/git/commits{/sha}`,
      comments_url: `${url}/comments{/number}`,
      issue_comment_url: `${url}/issues/comments{/number}`,
      contents_url: `${url}/contents/{+path}`,
      compare_url: `${url}/compare/{base}...{head}`,
      merges_url: `${url}/merges`,
      archive_url: `${url}/{archive_format}{/ref}`,
      downloads_url: `${url}/downloads`,
      issues_url: `${url}/issues{/number}`,
      pulls_url: `${url}/pulls{/number}`,
      milestones_url: `${url}/milestones{/number}`,
      notifications_url: `${url}/notifications{?since,all,participating}`,
      labels_url: `${url}/labels{/name}`,
      releases_url: `${url}/releases{/id}`,
      deployments_url: `${url}/deployments`,
    };
  }

  minimalRepository(repo: RepoModel): Json {
    return {
      id: repo.id,
      node_id: repo.nodeId,
      name: repo.name,
      full_name: this.state.fullName(repo),
      private: repo.private,
      owner: this.user(repo.owner),
      description: null,
      fork: false,
      ...this.repoUrls(repo),
    };
  }

  fullRepository(repo: RepoModel, viewer: UserModel): Json {
    const openIssues = [...repo.issues.values()].filter((i) => i.state === "open").length;
    const permission = this.state.permissionOf(repo, viewer);
    const rank = { none: 0, read: 1, write: 2, admin: 3 }[permission];
    const host = new URL(this.base()).host;
    return {
      ...this.minimalRepository(repo),
      git_url: `git://${host}/${this.state.fullName(repo)}.git`,
      ssh_url: `git@${host}:${this.state.fullName(repo)}.git`,
      clone_url: `${this.repoHtml(repo)}.git`,
      svn_url: this.repoHtml(repo),
      mirror_url: null,
      homepage: null,
      language: null,
      forks_count: 0,
      forks: 0,
      stargazers_count: 0,
      watchers_count: 0,
      watchers: 0,
      subscribers_count: 0,
      network_count: 0,
      size: 0,
      default_branch: repo.defaultBranch,
      open_issues_count: openIssues,
      open_issues: openIssues,
      is_template: false,
      topics: [],
      has_issues: true,
      has_projects: true,
      has_wiki: true,
      has_pages: false,
      has_downloads: true,
      has_discussions: false,
      archived: false,
      disabled: false,
      visibility: repo.private ? "private" : "public",
      pushed_at: repo.createdAt,
      created_at: repo.createdAt,
      updated_at: repo.createdAt,
      permissions: {
        admin: rank >= 3,
        maintain: rank >= 3,
        push: rank >= 2,
        triage: rank >= 2,
        pull: rank >= 1,
      },
      allow_auto_merge: repo.allowAutoMerge,
      allow_squash_merge: true,
      allow_merge_commit: true,
      allow_rebase_merge: true,
      delete_branch_on_merge: false,
      license: null,
    };
  }
}
