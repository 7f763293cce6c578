// Package validation is the part of the browser validator that does not
// need a browser: it finds a message type by name, reads the message from
// JSON and validates it with protovalidate, exactly as the server does, and
// reports the violations in a plain shape a JavaScript caller can use.
//
// The WebAssembly entry point (package main in the parent directory) only
// moves strings between JavaScript and this package, so everything here is
// tested natively.
package validation

import (
	"errors"
	"fmt"

	"buf.build/go/protovalidate"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
)

// Violation is one broken rule: the field path as protovalidate prints it
// ("checks[1].external_url"), the rule id, and the rule's message.
type Violation struct {
	Field   string `json:"field"`
	Rule    string `json:"rule"`
	Message string `json:"message"`
}

// Result is the answer to one validation: the violations, none when the
// message is valid, or an error when it could not be validated at all
// (unknown type, JSON that does not fit the type).
type Result struct {
	Violations []Violation `json:"violations"`
	Error      string      `json:"error,omitempty"`
}

// Validator validates messages of the generated signalbox.v1 types (and
// any other type linked into the binary) by their full name.
type Validator struct {
	validator protovalidate.Validator
	types     *protoregistry.Types
}

// New builds a validator. The rules of StatusCheckSettings are compiled up
// front, as the server does, so the first keystroke in the form is not the
// one that pays for compiling them.
func New() (*Validator, error) {
	v, err := protovalidate.New(protovalidate.WithMessages(&signalboxv1.StatusCheckSettings{}))
	if err != nil {
		return nil, fmt.Errorf("protovalidate: %w", err)
	}
	return &Validator{validator: v, types: protoregistry.GlobalTypes}, nil
}

// ValidateJSON reads jsonText (protobuf JSON; field names in either case) as
// a message of type typeName, for example "signalbox.v1.StatusCheckSettings",
// and validates it.
func (v *Validator) ValidateJSON(typeName string, jsonText []byte) Result {
	mt, err := v.types.FindMessageByName(protoreflect.FullName(typeName))
	if err != nil {
		return Result{Violations: []Violation{}, Error: fmt.Sprintf("unknown message type %q", typeName)}
	}
	msg := mt.New().Interface()
	if err := (protojson.UnmarshalOptions{Resolver: v.types}).Unmarshal(jsonText, msg); err != nil {
		return Result{Violations: []Violation{}, Error: "invalid JSON: " + err.Error()}
	}
	return FromError(v.validator.Validate(msg))
}

// FromError turns what protovalidate returned into a Result: the violations
// of a *protovalidate.ValidationError, or the text of any other error.
func FromError(err error) Result {
	out := Result{Violations: []Violation{}}
	if err == nil {
		return out
	}
	var ve *protovalidate.ValidationError
	if !errors.As(err, &ve) {
		out.Error = err.Error()
		return out
	}
	for _, violation := range ve.Violations {
		out.Violations = append(out.Violations, Violation{
			Field:   protovalidate.FieldPathString(violation.Proto.GetField()),
			Rule:    violation.Proto.GetRuleId(),
			Message: violation.Proto.GetMessage(),
		})
	}
	return out
}
