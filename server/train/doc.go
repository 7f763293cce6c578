// Package train owns the decisions of GitLab-compatible merge trains: the
// car state machine (state.go), why cars are dropped (reasons.go) and the
// refresh algorithm (scheduler.go), as pure code with no I/O.
//
// The thin loop around it, the refresher, is left to others. For one train
// (project, target branch), under a lease, it:
//
//  1. loads a Snapshot: the target head, the project's limit and switch, and
//     the cars in id order with their state, current pipeline (id, tested
//     commit, what it was built on, status), what is known about each MR
//     now, and any Abort recorded for a car;
//  2. calls Schedule, which returns an ordered plan of Actions (Build,
//     CancelPipeline, Drop, StartMerge, FinishMerge; each type documents
//     what the caller must do);
//  3. applies the plan in order with git and the store, using the State
//     methods for the car transitions, and stops at the first action that
//     fails. A failure it can attribute to a car (a conflict while building,
//     a missing base ref, a pipeline that could not be created, a target
//     that refuses the merge) is recorded as that car's Abort;
//  4. refreshes again whenever something changed: a pipeline status, an MR
//     (closed, draft, auto-merge, pushed to, checks), a car added or
//     removed, a push to the target, or a recorded Abort.
//
// The snapshot carries enough to repair a crash between any two actions: a
// car's pipeline records the commit it was built on, so a car whose base was
// rebuilt, dropped or pushed over is rebuilt at the next refresh, and a
// merging car is finished by an idempotent FinishMerge. The refresher never
// needs a "target moved" or "outdated" flag that must survive a restart.
//
// Package trainsim drives Schedule on a virtual clock with synthetic CI, so
// its numbers measure this very code.
package train
