package redisstore

import (
	"cmp"
	"errors"
	"fmt"
	"slices"

	"github.com/redis/go-redis/v9"
	"google.golang.org/protobuf/proto"

	"github.com/signalbox/signalbox/server/store"
)

// Records are stored as binary protobuf (signalbox.storage.v1): compact, and
// safe to evolve by adding fields.

// encode marshals a record. It fails when a string field is not valid
// UTF-8, which proto3 forbids: every write encodes first and writes nothing
// when that fails, so a bad string is refused rather than stored (a record
// that could not be read back) or allowed to crash the process. Only the ids
// a create drew from its sequences are used up, as a failed insert uses up a
// database sequence value.
func encode(m proto.Message) ([]byte, error) {
	b, err := proto.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("redisstore: encode %T: %w", m, err)
	}
	return b, nil
}

func decode[T proto.Message](b []byte, m T) (T, error) {
	if err := proto.Unmarshal(b, m); err != nil {
		return m, fmt.Errorf("redisstore: decode %T: %w", m, err)
	}
	return m, nil
}

// getRecord reads one string key into m; redis.Nil becomes store.ErrNotFound.
func getRecord[T proto.Message](b []byte, err error, m T) (T, error) {
	if errors.Is(err, redis.Nil) {
		var zero T
		return zero, store.ErrNotFound
	}
	if err != nil {
		var zero T
		return zero, err
	}
	return decode(b, m)
}

// decodeAll decodes hash values into records and sorts them by key.
func decodeAll[T proto.Message](values map[string]string, newT func() T, key func(T) int64) ([]T, error) {
	out := make([]T, 0, len(values))
	for _, v := range values {
		m, err := decode([]byte(v), newT())
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	sortBy(out, key)
	return out, nil
}

// sortBy sorts s in place by an integer key, ascending.
func sortBy[T any](s []T, key func(T) int64) {
	slices.SortFunc(s, func(a, b T) int { return cmp.Compare(key(a), key(b)) })
}
