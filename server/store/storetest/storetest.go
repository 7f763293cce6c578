// Package storetest is the contract every store.Store must meet. Each backend
// runs the same suite (see redisstore's tests), so a difference between real
// Redis and the embedded store shows up as a failing test.
package storetest

import (
	"testing"

	"github.com/signalbox/signalbox/server/store"
)

// Harness builds a fresh, empty store for one test.
type Harness func(t *testing.T) store.Store

// Run runs the whole contract against the backend h builds.
func Run(t *testing.T, h Harness) {
	t.Run("Users", func(t *testing.T) { testUsers(t, h) })
	t.Run("Projects", func(t *testing.T) { testProjects(t, h) })
	t.Run("SettleDefaultBranch", func(t *testing.T) { testSettleDefaultBranch(t, h) })
	t.Run("ProjectDelete", func(t *testing.T) { testProjectDelete(t, h) })
	t.Run("Members", func(t *testing.T) { testMembers(t, h) })
	t.Run("ProtectedBranches", func(t *testing.T) { testProtectedBranches(t, h) })
	t.Run("Checks", func(t *testing.T) { testChecks(t, h) })
	t.Run("MergeRequests", func(t *testing.T) { testMergeRequests(t, h) })
	t.Run("Responses", func(t *testing.T) { testResponses(t, h) })
	t.Run("CarChecks", func(t *testing.T) { testCarChecks(t, h) })
	t.Run("NextIDLeased", func(t *testing.T) { testNextIDLeased(t, h) })
	t.Run("ReplaceReleasing", func(t *testing.T) { testReplaceReleasing(t, h) })
	t.Run("Prefetch", func(t *testing.T) { testPrefetch(t, h) })
	t.Run("Deliveries", func(t *testing.T) { testDeliveries(t, h) })
	t.Run("Leases", func(t *testing.T) { testLeases(t, h) })
	t.Run("Trains", func(t *testing.T) { testTrains(t, h) })
	t.Run("Notes", func(t *testing.T) { testNotes(t, h) })
	t.Run("Pipelines", func(t *testing.T) { testPipelines(t, h) })
	t.Run("Hooks", func(t *testing.T) { testHooks(t, h) })
}

// Covered names the store.Store methods the contract has a part for; a
// test fails when Store gains an interface the contract does not run.
var Covered = []string{
	"Users", "Projects", "Members", "ProtectedBranches", "Checks", "MergeRequests", "Responses",
	"Deliveries", "Leases", "Trains", "Notes", "Pipelines", "Hooks",
}
