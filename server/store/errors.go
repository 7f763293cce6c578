package store

import (
	"errors"
	"strings"
)

// ErrNotFound means the record does not exist.
var ErrNotFound = errors.New("store: not found")

// ErrExists means a record with the same key already exists.
var ErrExists = errors.New("store: already exists")

// ErrConflict means a conditional write lost: someone else wrote first.
var ErrConflict = errors.New("store: conflicting write")

// ErrTaken means a value that must be unique is already used. The error
// returned is a *TakenError that names the fields.
var ErrTaken = errors.New("store: value already taken")

// TakenError names the unique fields whose values are already used.
type TakenError struct {
	Fields []string
}

func (e *TakenError) Error() string {
	return "store: already taken: " + strings.Join(e.Fields, ", ")
}

// Is makes errors.Is(err, ErrTaken) true.
func (e *TakenError) Is(target error) bool { return target == ErrTaken }
