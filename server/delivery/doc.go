// Package delivery holds the primitives of sending a merge request event to
// an external status check: the exact JSON body ([Payload]), its signatures
// ([Sign]), one SSRF-guarded HTTP attempt ([Client.Attempt]) classified as
// success, retryable or terminal, and the retry schedule bounded by the
// check's pending deadline ([Backoff]).
//
// It keeps no state and stores nothing. Queueing, leases, persistence of
// attempts for the delivery log, and deciding which checks an event goes to
// belong to the worker that calls it.
package delivery
