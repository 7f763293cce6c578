package storetest_test

import (
	"reflect"
	"slices"
	"testing"

	"github.com/signalbox/signalbox/server/store"
	"github.com/signalbox/signalbox/server/store/storetest"
)

// TestContractCoversEveryStoreInterface fails when store.Store gains an
// interface that the contract suite does not run.
func TestContractCoversEveryStoreInterface(t *testing.T) {
	st := reflect.TypeFor[store.Store]()
	for i := range st.NumMethod() {
		m := st.Method(i)
		if m.Type.NumIn() != 0 {
			continue // Ping
		}
		if !slices.Contains(storetest.Covered, m.Name) {
			t.Errorf("store.Store.%s has no part in storetest.Run", m.Name)
		}
	}
}
