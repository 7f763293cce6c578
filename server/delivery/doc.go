// Package delivery holds the primitives of sending a merge request event to
// an external status check: the exact JSON body ([Payload]), its signatures
// ([Sign]), one SSRF-guarded HTTP attempt ([Client.Attempt]) classified as
// success, retryable or terminal, and the retry schedule bounded by the
// check's pending deadline ([Backoff]).
//
// Around them, [Queue] builds the deliveries a change causes for the caller
// to store with it, and [Worker] attempts due deliveries on every replica,
// fairly: per-project queues, bounds per project, per receiver and in all,
// one lease per attempt, and a recovered panic per attempt.
package delivery
