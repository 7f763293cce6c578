// Package validation is the part of the browser validator that does not
// need a browser: it reads a signalbox.v1.StatusCheckSettings from protobuf
// JSON and applies the rules status_check_settings.proto declares, with the
// very results protovalidate gives on the server, in a plain shape a
// JavaScript caller can use.
//
// It does not link protovalidate, CEL or the protobuf runtime: those made
// the WebAssembly module 20 MB (4 MB gzipped) for one message of seven
// rules. Instead each rule is written out here (rules.go) next to the CEL
// expression it implements, and the tests hold the two together: the rules
// read from the generated descriptor must be exactly the table in rules.go
// (a rule added to the proto fails the build until it is written here), and
// fuzzed settings must get the same violations, in the same order, from
// this package and from protovalidate.
//
// The WebAssembly entry point (package main in the parent directory) only
// moves strings between JavaScript and this package, so everything here is
// tested natively.
package validation

// SettingsType is the one message type this validator knows.
const SettingsType = "signalbox.v1.StatusCheckSettings"

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

// Validator validates StatusCheckSettings.
type Validator struct {
	rules *compiledRules
}

// New builds a validator. Its regular expressions are compiled here, once,
// so the first keystroke in the form does not pay for them.
func New() (*Validator, error) {
	r, err := compileRules()
	if err != nil {
		return nil, err
	}
	return &Validator{rules: r}, nil
}

// ValidateJSON reads jsonText (protobuf JSON; field names in either case) as
// a message of type typeName, which must be SettingsType, and validates it.
func (v *Validator) ValidateJSON(typeName string, jsonText []byte) Result {
	if typeName != SettingsType {
		return Result{Violations: []Violation{}, Error: `unknown message type "` + typeName + `"`}
	}
	s, err := parseSettings(jsonText)
	if err != nil {
		return Result{Violations: []Violation{}, Error: "invalid JSON: " + err.Error()}
	}
	return Result{Violations: v.Validate(s)}
}

// Validate applies the rules to s. The answer is never nil.
func (v *Validator) Validate(s Settings) []Violation {
	return v.rules.validate(s)
}
