// Every REST operation the test server implements, by GitHub operationId.

import { actionHandlers } from "./rest-actions.js";
import { appHandlers } from "./rest-apps.js";
import { checkHandlers } from "./rest-checks.js";
import { commentHandlers } from "./rest-comments.js";
import type { RestHandler } from "./rest-common.js";
import { contentHandlers } from "./rest-contents.js";
import { issueHandlers } from "./rest-issues.js";
import { labelHandlers } from "./rest-labels.js";
import { pullHandlers } from "./rest-pulls.js";
import { relationHandlers } from "./rest-relations.js";
import { repoHandlers } from "./rest-repos.js";
import { reviewHandlers } from "./rest-reviews.js";

export const restHandlers: Record<string, RestHandler> = {
  ...issueHandlers,
  ...labelHandlers,
  ...commentHandlers,
  ...relationHandlers,
  ...repoHandlers,
  ...pullHandlers,
  ...reviewHandlers,
  ...actionHandlers,
  ...checkHandlers,
  ...appHandlers,
  ...contentHandlers,
};
