package rest

import (
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"
)

// gitlabTime is a timestamp as GitLab writes it: UTC, milliseconds, "Z"
// (2020-10-12T14:04:50.787Z), or null.
type gitlabTime struct{ t *timestamppb.Timestamp }

// gitlabTimeLayout is GitLab's timestamp format.
const gitlabTimeLayout = "2006-01-02T15:04:05.000Z"

func ts(t *timestamppb.Timestamp) gitlabTime { return gitlabTime{t} }

func (g gitlabTime) MarshalJSON() ([]byte, error) {
	if g.t == nil {
		return []byte("null"), nil
	}
	return []byte(`"` + g.t.AsTime().UTC().Format(gitlabTimeLayout) + `"`), nil
}

// date is a YYYY-MM-DD date, or null when empty.
type date string

func (d date) MarshalJSON() ([]byte, error) {
	if d == "" {
		return []byte("null"), nil
	}
	if _, err := time.Parse("2006-01-02", string(d)); err != nil {
		return []byte("null"), nil
	}
	return []byte(`"` + string(d) + `"`), nil
}
