package validation

import (
	"errors"
	"strconv"
	"strings"
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
// message: either spelling of a field name, integers as numbers or strings,
// null for a default, and no unknown or repeated field. Only the verdict
// "could not read it" is protojson's: the error texts are not.
func parseSettings(text []byte) (Settings, error) {
	var out Settings
	top, err := parseJSON(text)
	if err != nil {
		return out, err
	}
	if top.kind != jsonObject {
		return out, errors.New("not a JSON object")
	}
	seen := map[string]bool{}
	for _, m := range top.members {
		if m.key != "checks" {
			return out, errors.New(`unknown field "` + m.key + `"`)
		}
		if seen[m.key] {
			return out, errors.New(`duplicate field "` + m.key + `"`)
		}
		seen[m.key] = true
		switch m.value.kind {
		case jsonNull:
			continue
		case jsonArray:
		default:
			return out, errors.New("checks: not an array")
		}
		for i, item := range m.value.items {
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

func parseSpec(v jsonValue) (Spec, error) {
	var out Spec
	if v.kind != jsonObject {
		return out, errors.New("not a JSON object")
	}
	seen := map[string]bool{}
	for _, m := range v.members {
		name, ok := specFields[m.key]
		if !ok {
			return out, errors.New(`unknown field "` + m.key + `"`)
		}
		if seen[name] {
			return out, errors.New(`duplicate field "` + m.key + `"`)
		}
		seen[name] = true
		if m.value.kind == jsonNull {
			continue
		}
		var err error
		switch name {
		case "id":
			out.ID, err = parseInt(m.value, 64)
		case "name":
			out.Name, err = parseString(m.value)
		case "external_url":
			out.ExternalURL, err = parseString(m.value)
		case "timeout_seconds":
			var n int64
			n, err = parseInt(m.value, 32)
			out.TimeoutSeconds = int32(n)
		case "protected_branch_ids":
			if m.value.kind != jsonArray {
				err = errors.New("not an array")
				break
			}
			for _, item := range m.value.items {
				n, perr := parseInt(item, 64)
				if perr != nil {
					err = perr
					break
				}
				out.ProtectedBranchIDs = append(out.ProtectedBranchIDs, n)
			}
		}
		if err != nil {
			return out, errors.New(m.key + ": " + err.Error())
		}
	}
	return out, nil
}

func parseString(v jsonValue) (string, error) {
	if v.kind != jsonString {
		return "", errors.New("not a string")
	}
	return v.text, nil
}

// parseInt reads an integer of bitSize bits as protojson does: a JSON
// number or a string holding one, possibly with an exponent or a zero
// fraction ("1e2", "3.0"), but nothing fractional and nothing out of range.
func parseInt(v jsonValue, bitSize int) (int64, error) {
	text := v.text
	switch v.kind {
	case jsonNumber:
	case jsonString:
		if jsonNumberEnd(text, 0) != len(text) || text == "" {
			return 0, errors.New("not an integer: " + strconv.Quote(text))
		}
	default:
		return 0, errors.New("not an integer")
	}
	digits, ok := integerDigits(text)
	if !ok {
		return 0, errors.New("not an integer: " + strconv.Quote(text))
	}
	n, err := strconv.ParseInt(digits, 10, bitSize)
	if err != nil {
		return 0, errors.New("out of range: " + text)
	}
	return n, nil
}

// integerDigits writes a JSON number without fraction or exponent, exactly
// ("9.223372036854775807e18" is 9223372036854775807), or reports that it is
// not an integer: protojson's normalizeToIntString.
func integerDigits(text string) (string, bool) {
	neg := strings.HasPrefix(text, "-")
	text = strings.TrimPrefix(text, "-")
	mant, exp, _ := strings.Cut(strings.ToLower(text), "e")
	intp, frac, _ := strings.Cut(mant, ".")
	intp = strings.TrimLeft(intp, "0") // JSON allows only a lone leading 0
	frac = strings.TrimRight(frac, "0")
	if intp == "" && frac == "" {
		return "0", true
	}
	e := 0
	if exp != "" {
		n, err := strconv.ParseInt(exp, 10, 32)
		if err != nil {
			return "", false
		}
		e = int(n)
	}
	var num string
	if e >= 0 {
		if len(frac) > e || len(intp)+e > 20 {
			return "", false
		}
		num = intp + frac + strings.Repeat("0", e-len(frac))
	} else {
		at := len(intp) + e
		if len(frac) > 0 || at < 0 || strings.Trim(intp[at:], "0") != "" {
			return "", false
		}
		num = intp[:at]
	}
	if neg {
		return "-" + num, true
	}
	return num, true
}
