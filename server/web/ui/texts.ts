// Words the pages share: merge request states, merge statuses, pipeline and
// car statuses, durations.

import { DetailedMergeStatus, MergeRequestState, MergeTrainCarStatus, PipelineStatus } from "../../../sdk/ts/src/index.js";

export const mergeStatusText: Partial<Record<DetailedMergeStatus, string>> = {
  [DetailedMergeStatus.MERGEABLE]: "Ready to merge",
  [DetailedMergeStatus.NOT_OPEN]: "Not open",
  [DetailedMergeStatus.DRAFT_STATUS]: "Draft: mark it ready first",
  [DetailedMergeStatus.STATUS_CHECKS_MUST_PASS]: "Blocked: status checks must pass",
  [DetailedMergeStatus.CI_MUST_PASS]: "Blocked: the pipeline must succeed",
  [DetailedMergeStatus.CI_STILL_RUNNING]: "Blocked: the pipeline is still running",
  [DetailedMergeStatus.CONFLICT]: "Blocked: the branches conflict",
  [DetailedMergeStatus.NEED_REBASE]: "Blocked: the source branch needs a rebase",
  [DetailedMergeStatus.BROKEN_STATUS]: "Blocked: broken status",
  [DetailedMergeStatus.CHECKING]: "Checking mergeability…",
  [DetailedMergeStatus.MERGE_REQUEST_BLOCKED]: "Blocked by another merge request",
};

export const stateText: Partial<Record<MergeRequestState, string>> = {
  [MergeRequestState.OPENED]: "Open",
  [MergeRequestState.CLOSED]: "Closed",
  [MergeRequestState.MERGED]: "Merged",
  [MergeRequestState.LOCKED]: "Locked",
};

export const pipelineText: Partial<Record<PipelineStatus, string>> = {
  [PipelineStatus.CREATED]: "Created",
  [PipelineStatus.PENDING]: "Pending",
  [PipelineStatus.RUNNING]: "Running",
  [PipelineStatus.SUCCESS]: "Passed",
  [PipelineStatus.FAILED]: "Failed",
  [PipelineStatus.CANCELED]: "Canceled",
  [PipelineStatus.SKIPPED]: "Skipped",
};

export const carStatusText: Partial<Record<MergeTrainCarStatus, string>> = {
  [MergeTrainCarStatus.IDLE]: "Waiting for a pipeline",
  [MergeTrainCarStatus.STALE]: "Being rebuilt",
  [MergeTrainCarStatus.FRESH]: "Testing",
  [MergeTrainCarStatus.MERGING]: "Merging",
  [MergeTrainCarStatus.MERGED]: "Merged",
  [MergeTrainCarStatus.SKIP_MERGED]: "Merged immediately",
};

/** "1 h 2 min", "3 min 4 s", "5 s". */
export function durationText(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s >= 3600) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  if (s >= 60) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${s} s`;
}

/** The path of a project's page. */
export function projectPath(project: string, rest: string): string {
  return `/${project}/-/${rest}`;
}

/** The path of a merge train page; the branch's slashes stay path separators. */
export function trainPath(project: string, branch: string): string {
  return projectPath(project, `merge_trains/${branch.split("/").map(encodeURIComponent).join("/")}`);
}
