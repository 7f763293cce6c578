package validation_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/wasm/validation"
)

func newValidator(t *testing.T) *validation.Validator {
	t.Helper()
	v, err := validation.New()
	require.NoError(t, err)
	return v
}

func TestValidateJSONAcceptsBothFieldNameCases(t *testing.T) {
	t.Parallel()
	v := newValidator(t)
	for _, text := range []string{
		`{"checks":[{"name":"a","external_url":"ftp://x.example.com"}]}`,
		`{"checks":[{"name":"a","externalUrl":"ftp://x.example.com"}]}`,
	} {
		got := v.ValidateJSON("signalbox.v1.StatusCheckSettings", []byte(text))
		require.Equal(t, validation.Result{Violations: []validation.Violation{{
			Field:   "checks[0].external_url",
			Rule:    "status_check.external_url_scheme",
			Message: "External url is blocked: Only allowed schemes are http, https",
		}}}, got, text)
	}
}

// The browser validator knows only the message the settings form sends;
// any other name is an error, not a silent pass.
func TestValidateJSONOnlyKnowsStatusCheckSettings(t *testing.T) {
	t.Parallel()
	v := newValidator(t)
	got := v.ValidateJSON("signalbox.v1.CreateProjectRequest", []byte(`{}`))
	require.Equal(t, validation.Result{Violations: []validation.Violation{}, Error: `unknown message type "signalbox.v1.CreateProjectRequest"`}, got)
}

func TestValidateJSONReportsWhatItCannotValidate(t *testing.T) {
	t.Parallel()
	v := newValidator(t)

	got := v.ValidateJSON("signalbox.v1.NoSuchMessage", []byte(`{}`))
	require.Equal(t, `unknown message type "signalbox.v1.NoSuchMessage"`, got.Error)
	require.NotNil(t, got.Violations, "violations is always an array for JavaScript callers")

	got = v.ValidateJSON("signalbox.v1.StatusCheckSettings", []byte(`{"checks":`))
	require.Contains(t, got.Error, "invalid JSON")

	got = v.ValidateJSON("signalbox.v1.StatusCheckSettings", []byte(`{"no_such_field":1}`))
	require.Contains(t, got.Error, "invalid JSON")
}
