import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { BranchPullRequest } from "../../src/core/ports.js";
import { decideByPullRequest } from "../../src/core/pull-request-decides.js";

const claim = { attempt: 2, claimedAt: "2026-12-01T10:00:00.750Z" };

function pull(fields: Partial<BranchPullRequest>): BranchPullRequest {
  return {
    number: 7,
    url: "https://github.com/acme/widgets/pull/7",
    state: "open",
    autoMerge: false,
    createdAt: "2026-12-01T10:30:00Z",
    mergedAt: null,
    ...fields,
  };
}

describe("decideByPullRequest", () => {
  it("no pull request, or one closed unmerged, decides nothing", () => {
    assert.equal(decideByPullRequest([], claim), null);
    assert.equal(decideByPullRequest([pull({ state: "closed" })], claim), null);
  });

  it("merged after the claim: done", () => {
    const decided = decideByPullRequest(
      [pull({ state: "merged", mergedAt: "2026-12-01T11:00:00Z" })],
      claim,
    );
    assert.equal(decided?.to, "done");
    assert.equal(decided?.outcome, "success");
    assert.match(decided?.reason ?? "", /attempt 2 .* #7 was merged/);
  });

  it("merged before the claim is older work (a goal re-queued by hand): it decides nothing", () => {
    const old = pull({ state: "merged", mergedAt: "2026-12-01T09:00:00Z" });
    assert.equal(decideByPullRequest([old], claim), null);
  });

  it("GitHub's whole seconds: merged in the claim's second counts as after it", () => {
    const same = pull({ state: "merged", mergedAt: "2026-12-01T10:00:00Z" });
    assert.equal(decideByPullRequest([same], claim)?.to, "done");
  });

  it("open with auto-merge: done, however old the pull request", () => {
    const decided = decideByPullRequest(
      [pull({ autoMerge: true, createdAt: "2026-11-30T10:00:00Z" })],
      claim,
    );
    assert.equal(decided?.to, "done");
    assert.match(decided?.reason ?? "", /auto-merge enabled/);
  });

  it("opened after the claim, without auto-merge: spot-check; an older open one decides nothing", () => {
    assert.equal(decideByPullRequest([pull({})], claim)?.to, "spot-check");
    assert.equal(decideByPullRequest([pull({ createdAt: "2026-12-01T09:59:59Z" })], claim), null);
  });

  it("set to merge wins over waiting for a review", () => {
    const decided = decideByPullRequest(
      [pull({ number: 8 }), pull({ number: 7, autoMerge: true })],
      claim,
    );
    assert.equal(decided?.to, "done");
    assert.match(decided?.reason ?? "", /#7/);
  });
});
