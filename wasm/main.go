//go:build js && wasm

// Command wasm is the browser's validator, built with GOOS=js GOARCH=wasm,
// so that the settings form checks what the user types against the very
// rules the server applies to signalbox.v1.StatusCheckSettings. It links no
// protovalidate, CEL or protobuf runtime (see package validation for how
// the rules are kept the server's).
//
// It registers one JavaScript function,
//
//	globalThis.signalboxValidate(typeName, json) → {violations: [{field, rule, message}], error?}
//
// and then calls globalThis.signalboxValidatorReady(), when the page has
// defined it, so the page knows the function exists. It never returns: the
// Go runtime has to stay alive for the function to be callable.
//
// Rebuild the served artifact with go run ./wasm/build (see docs/web.md).
package main

import (
	"syscall/js"

	"github.com/signalbox/signalbox/wasm/validation"
)

func main() {
	v, err := validation.New()
	global := js.Global()
	global.Set("signalboxValidate", js.FuncOf(func(_ js.Value, args []js.Value) any {
		if err != nil {
			return toJS(validation.Result{Violations: []validation.Violation{}, Error: err.Error()})
		}
		if len(args) != 2 || args[0].Type() != js.TypeString || args[1].Type() != js.TypeString {
			return toJS(validation.Result{Violations: []validation.Violation{}, Error: "usage: signalboxValidate(typeName: string, json: string)"})
		}
		return toJS(v.ValidateJSON(args[0].String(), []byte(args[1].String())))
	}))
	if ready := global.Get("signalboxValidatorReady"); ready.Type() == js.TypeFunction {
		ready.Invoke()
	}
	select {}
}

// toJS builds a plain JavaScript object, so callers need no JSON.parse.
func toJS(r validation.Result) js.Value {
	violations := make([]any, len(r.Violations))
	for i, v := range r.Violations {
		violations[i] = map[string]any{"field": v.Field, "rule": v.Rule, "message": v.Message}
	}
	out := map[string]any{"violations": violations}
	if r.Error != "" {
		out["error"] = r.Error
	}
	return js.ValueOf(out)
}
