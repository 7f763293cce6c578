package lease

import (
	"context"
	"errors"
	"testing"
	"time"
)

// fakeLeases counts releases; every Acquire succeeds.
type fakeLeases struct{ released int }

func (f *fakeLeases) Acquire(context.Context, string, string, time.Duration) (bool, error) {
	return true, nil
}

func (f *fakeLeases) Renew(context.Context, string, string, time.Duration) (bool, error) {
	return true, nil
}

func (f *fakeLeases) Release(context.Context, string, string) error {
	f.released++
	return nil
}

// TestHoldReleasing: a lease that f gave back with its write is not
// released again; one f did not give back is released, whether f returned,
// failed or panicked.
func TestHoldReleasing(t *testing.T) {
	boom := errors.New("boom")
	for _, tc := range []struct {
		name     string
		f        func() (bool, error)
		err      error
		releases int
	}{
		{"f released it", func() (bool, error) { return true, nil }, nil, 0},
		{"f did not", func() (bool, error) { return false, nil }, nil, 1},
		{"f failed", func() (bool, error) { return false, boom }, boom, 1},
		{"f panicked", func() (bool, error) { panic(boom) }, nil, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := &fakeLeases{}
			var err error
			func() {
				defer func() { _ = recover() }()
				err = HoldReleasing(t.Context(), l, "n", "h", time.Second, nil, tc.f)
			}()
			if !errors.Is(err, tc.err) {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
			if l.released != tc.releases {
				t.Fatalf("released %d times, want %d", l.released, tc.releases)
			}
		})
	}
}
