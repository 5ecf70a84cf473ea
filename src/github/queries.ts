// GraphQL documents the adapter sends. The local test server validates each one against
// GitHub's published schema, so a field GitHub lacks fails the tests, not production.

/** The fields of an issue that make a goal snapshot. */
const GOAL_FIELDS = `
  id
  databaseId
  number
  title
  body
  state
  stateReason
  url
  createdAt
  author { login __typename }
  labels(first: 50) { nodes { name } }
  comments(last: $commentWindow) {
    totalCount
    nodes { id databaseId body createdAt updatedAt author { login __typename } }
  }
`;

export const GOAL_PAGE_QUERY = `
query GoalPage($owner: String!, $name: String!, $labels: [String!], $states: [IssueState!]!, $after: String, $pageSize: Int!, $commentWindow: Int!) {
  repository(owner: $owner, name: $name) {
    issues(labels: $labels, states: $states, first: $pageSize, after: $after, orderBy: {field: CREATED_AT, direction: ASC}) {
      pageInfo { hasNextPage endCursor }
      nodes { ${GOAL_FIELDS} }
    }
  }
}`;

/** Goals in any state, open or closed, changed since a time (null: all): what stats read. */
export const GOAL_ACTIVITY_PAGE_QUERY = `
query GoalActivityPage($owner: String!, $name: String!, $labels: [String!], $since: DateTime, $after: String, $pageSize: Int!, $commentWindow: Int!) {
  repository(owner: $owner, name: $name) {
    issues(labels: $labels, states: [OPEN, CLOSED], filterBy: {since: $since}, first: $pageSize, after: $after, orderBy: {field: CREATED_AT, direction: ASC}) {
      pageInfo { hasNextPage endCursor }
      nodes { ${GOAL_FIELDS} }
    }
  }
}`;

export const GOAL_QUERY = `
query Goal($owner: String!, $name: String!, $number: Int!, $commentWindow: Int!) {
  repository(owner: $owner, name: $name) {
    issue(number: $number) { ${GOAL_FIELDS} }
  }
}`;

/** Several goals in one request: one aliased `issue` per number (`goal0`, `goal1`, …). */
export function goalsQuery(numbers: readonly number[]): string {
  const fields = numbers
    .map((number, index) => `goal${index}: issue(number: ${Math.trunc(number)}) { ${GOAL_FIELDS} }`)
    .join("\n    ");
  return `
query Goals($owner: String!, $name: String!, $commentWindow: Int!) {
  repository(owner: $owner, name: $name) {
    ${fields}
  }
}`;
}

export const VIEWER_QUERY = "query Viewer { viewer { login } }";

export interface GraphQLActor {
  login: string;
  __typename: string;
}

export interface GraphQLGoal {
  id: string;
  databaseId: number;
  number: number;
  title: string;
  body: string;
  state: "OPEN" | "CLOSED";
  stateReason: string | null;
  url: string;
  createdAt: string;
  author: GraphQLActor | null;
  labels: { nodes: Array<{ name: string }> };
  comments: {
    totalCount: number;
    nodes: Array<{
      id: string;
      databaseId: number;
      body: string;
      createdAt: string;
      updatedAt: string;
      author: GraphQLActor | null;
    }>;
  };
}

export interface GoalPageResult {
  repository: {
    issues: {
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
      nodes: GraphQLGoal[];
    };
  } | null;
}

export interface GoalResult {
  repository: { issue: GraphQLGoal | null } | null;
}

/**
 * One request for the state of many issues across repositories: one aliased `repository`
 * field per repository, one aliased `issue` per number. Values travel as variables.
 */
export function dependencyQuery(
  groups: Array<{ owner: string; repo: string; numbers: number[] }>,
): {
  query: string;
  variables: Record<string, string | number>;
} {
  const variables: Record<string, string | number> = {};
  const declarations: string[] = [];
  const fields = groups.map((group, r) => {
    variables[`o${r}`] = group.owner;
    variables[`r${r}`] = group.repo;
    declarations.push(`$o${r}: String!`, `$r${r}: String!`);
    const issues = group.numbers.map((number, i) => {
      variables[`n${r}_${i}`] = number;
      declarations.push(`$n${r}_${i}: Int!`);
      return `i${i}: issue(number: $n${r}_${i}) { databaseId number body state stateReason labels(first: 50) { nodes { name } } }`;
    });
    return `r${r}: repository(owner: $o${r}, name: $r${r}) { ${issues.join(" ")} }`;
  });
  return {
    query: `query Dependencies(${declarations.join(", ")}) { ${fields.join(" ")} }`,
    variables,
  };
}

export interface DependencyIssue {
  databaseId: number;
  number: number;
  body: string;
  state: "OPEN" | "CLOSED";
  stateReason: string | null;
  labels: { nodes: Array<{ name: string }> };
}

export const GOAL_COUNT_QUERY = `
query GoalCount($owner: String!, $name: String!, $labels: [String!]) {
  repository(owner: $owner, name: $name) {
    issues(labels: $labels, states: [OPEN], first: 1) { totalCount }
  }
}`;

export interface GoalCountResult {
  repository: { issues: { totalCount: number } } | null;
}

const STORY_FIELDS = `
  number
  title
  subIssues(first: 100) {
    totalCount
    nodes { number state stateReason repository { nameWithOwner } labels(first: 50) { nodes { name } } }
  }
`;

/** One story, if it is an open issue labelled story. */
export const STORY_QUERY = `
query Story($owner: String!, $name: String!, $number: Int!) {
  repository(owner: $owner, name: $name) {
    issue(number: $number) {
      state
      labels(first: 50) { nodes { name } }
      ${STORY_FIELDS}
    }
  }
}`;

export interface StoryNode {
  number: number;
  title: string;
  subIssues: {
    totalCount: number;
    nodes: Array<{
      number: number;
      state: "OPEN" | "CLOSED";
      stateReason: string | null;
      repository: { nameWithOwner: string };
      labels: { nodes: Array<{ name: string }> };
    }>;
  };
}

export interface StoryResult {
  repository: {
    issue:
      | (StoryNode & { state: "OPEN" | "CLOSED"; labels: { nodes: Array<{ name: string }> } })
      | null;
  } | null;
}

/** Label events and title renames read per goal: the latest ones are the ones that matter. */
const HISTORY_EVENTS = 50;

/**
 * Who wrote and who queued each of some issues of one repository (core/vouching.ts), in one
 * request: one aliased `issue` per number.
 */
export function textHistoryQuery(
  owner: string,
  repo: string,
  numbers: readonly number[],
): { query: string; variables: Record<string, string | number> } {
  const variables: Record<string, string | number> = { owner, name: repo };
  const declarations = ["$owner: String!", "$name: String!"];
  const fields = numbers.map((number, i) => {
    variables[`n${i}`] = number;
    declarations.push(`$n${i}: Int!`);
    return `i${i}: issue(number: $n${i}) { ...history }`;
  });
  return {
    query: `query GoalTextHistory(${declarations.join(", ")}) {
  repository(owner: $owner, name: $name) { ${fields.join(" ")} }
}
fragment history on Issue {
  number title body createdAt lastEditedAt
  author { login __typename }
  editor { login __typename }
  timelineItems(last: ${HISTORY_EVENTS}, itemTypes: [LABELED_EVENT, RENAMED_TITLE_EVENT]) {
    nodes {
      __typename
      ... on LabeledEvent { createdAt actor { login __typename } label { name } }
      ... on RenamedTitleEvent { createdAt actor { login __typename } }
    }
  }
}`,
    variables,
  };
}

export interface TextHistoryIssue {
  number: number;
  title: string;
  body: string;
  createdAt: string;
  lastEditedAt: string | null;
  author: GraphQLActor | null;
  editor: GraphQLActor | null;
  timelineItems: {
    nodes: Array<
      | {
          __typename: "LabeledEvent";
          createdAt: string;
          actor: GraphQLActor | null;
          label: { name: string };
        }
      | { __typename: "RenamedTitleEvent"; createdAt: string; actor: GraphQLActor | null }
      | { __typename: string }
    >;
  };
}
