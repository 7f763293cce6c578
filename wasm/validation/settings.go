package validation

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Settings is signalbox.v1.StatusCheckSettings, the message the rules are
// written on.
type Settings struct {
	Checks []Spec
}

// Spec is signalbox.v1.StatusCheckSpec.
type Spec struct {
	ID                 int64
	Name               string
	ExternalURL        string
	ProtectedBranchIDs []int64
	TimeoutSeconds     int32
}

// parseSettings reads protobuf JSON the way protojson does for this
// message: either spelling of a field name, 64-bit integers as numbers or
// strings, null for a default, and no unknown field. It is stricter than
// encoding/json alone (which ignores unknown names), and only the verdict
// "could not read it" matters: its error texts are not protojson's.
func parseSettings(text []byte) (Settings, error) {
	var out Settings
	if !utf8.Valid(text) || loneSurrogate(text) {
		return out, errors.New("invalid UTF-8")
	}
	top, err := decodeObject(text)
	if err != nil {
		return out, err
	}
	seen := map[string]bool{}
	for _, f := range top {
		key, raw := f.key, f.value
		if seen[key] {
			return out, errors.New(`duplicate field "` + key + `"`)
		}
		seen[key] = true
		if key != "checks" {
			return out, errors.New(`unknown field "` + key + `"`)
		}
		var items []json.RawMessage
		if err := strictUnmarshal(raw, &items); err != nil {
			return out, errors.New("checks: " + err.Error())
		}
		for i, item := range items {
			spec, err := parseSpec(item)
			if err != nil {
				return out, errors.New("checks[" + strconv.Itoa(i) + "]: " + err.Error())
			}
			out.Checks = append(out.Checks, spec)
		}
	}
	return out, nil
}

// specFields maps both spellings of StatusCheckSpec's field names (proto
// and lowerCamel) to the proto name.
var specFields = map[string]string{
	"id": "id", "name": "name",
	"external_url": "external_url", "externalUrl": "external_url",
	"protected_branch_ids": "protected_branch_ids", "protectedBranchIds": "protected_branch_ids",
	"timeout_seconds": "timeout_seconds", "timeoutSeconds": "timeout_seconds",
}

func parseSpec(text []byte) (Spec, error) {
	var out Spec
	fields, err := decodeObject(text)
	if err != nil {
		return out, err
	}
	seen := map[string]bool{}
	for _, f := range fields {
		key, raw := f.key, f.value
		name, ok := specFields[key]
		if !ok {
			return out, errors.New(`unknown field "` + key + `"`)
		}
		if seen[name] {
			return out, errors.New(`duplicate field "` + key + `"`)
		}
		seen[name] = true
		if isNull(raw) {
			continue
		}
		var err error
		switch name {
		case "id":
			out.ID, err = parseInt(raw, 64)
		case "name":
			err = strictUnmarshal(raw, &out.Name)
		case "external_url":
			err = strictUnmarshal(raw, &out.ExternalURL)
		case "timeout_seconds":
			var n int64
			n, err = parseInt(raw, 32)
			out.TimeoutSeconds = int32(n)
		case "protected_branch_ids":
			var items []json.RawMessage
			if err = strictUnmarshal(raw, &items); err != nil {
				break
			}
			for _, item := range items {
				n, perr := parseInt(item, 64)
				if perr != nil {
					err = perr
					break
				}
				out.ProtectedBranchIDs = append(out.ProtectedBranchIDs, n)
			}
		}
		if err != nil {
			return out, errors.New(key + ": " + err.Error())
		}
	}
	return out, nil
}

// parseInt reads an integer of bitSize bits as protojson does: a JSON
// number or a string holding one, possibly with an exponent or a zero
// fraction ("1e2", "3.0"), but nothing fractional and nothing out of range.
func parseInt(raw json.RawMessage, bitSize int) (int64, error) {
	text := strings.TrimSpace(string(raw))
	if strings.HasPrefix(text, `"`) {
		var s string
		if err := strictUnmarshal(raw, &s); err != nil {
			return 0, err
		}
		if s != strings.TrimSpace(s) || s == "" {
			return 0, errors.New("not an integer: " + strconv.Quote(s))
		}
		text = s
	}
	if n, err := strconv.ParseInt(text, 10, bitSize); err == nil {
		return n, nil
	}
	// protojson also takes an integral number written with an exponent or
	// a fraction of zeros.
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) || f != math.Trunc(f) || !validJSONNumber(text) {
		return 0, errors.New("not an integer: " + strconv.Quote(text))
	}
	limit := math.Ldexp(1, bitSize-1)
	if f < -limit || f >= limit {
		return 0, errors.New("out of range: " + text)
	}
	return int64(f), nil
}

// validJSONNumber rejects what ParseFloat takes but JSON does not ("0x1p3",
// "Inf", "1_0", "+1").
func validJSONNumber(s string) bool {
	var n json.Number
	return json.Unmarshal([]byte(s), &n) == nil
}

func isNull(raw json.RawMessage) bool {
	return string(bytes.TrimSpace(raw)) == "null"
}

type member struct {
	key   string
	value json.RawMessage
}

// decodeObject reads a JSON object's members in order, keeping repeated
// names (protojson refuses them; a map would keep the last).
func decodeObject(text []byte) ([]member, error) {
	dec := json.NewDecoder(bytes.NewReader(text))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, errors.New("not a JSON object")
	}
	var out []member
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := tok.(string)
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return nil, err
		}
		out = append(out, member{key: key, value: value})
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the JSON object")
	}
	return out, nil
}

// strictUnmarshal is json.Unmarshal for values already known to be valid
// UTF-8 (parseSettings checks the whole text first: encoding/json would
// replace invalid bytes, protojson refuses them).
func strictUnmarshal(data []byte, v any) error {
	return json.Unmarshal(data, v)
}

// loneSurrogate reports a \u escape of half a UTF-16 surrogate pair without
// its other half, which encoding/json replaces and protojson refuses.
func loneSurrogate(text []byte) bool {
	pendingHigh := false
	for i := 0; i < len(text); i++ {
		if text[i] != '\\' || i+1 >= len(text) {
			if pendingHigh {
				return true
			}
			continue
		}
		i++ // the escaped character
		if text[i] != 'u' || i+4 >= len(text) {
			if pendingHigh {
				return true
			}
			continue
		}
		r, err := strconv.ParseUint(string(text[i+1:i+5]), 16, 16)
		i += 4
		if err != nil {
			continue
		}
		switch {
		case r >= 0xD800 && r < 0xDC00:
			if pendingHigh {
				return true
			}
			pendingHigh = true
		case r >= 0xDC00 && r < 0xE000:
			if !pendingHigh {
				return true
			}
			pendingHigh = false
		default:
			if pendingHigh {
				return true
			}
		}
	}
	return pendingHigh
}
