package main

import "testing"

func TestPackageOf(t *testing.T) {
	t.Parallel()
	for symbol, want := range map[string]string{
		"runtime.mallocgc":                                         "runtime",
		"runtime.__mheap_.alloc":                                   "runtime",
		"runtime.memclr_wasm":                                      "runtime",
		"regexp_syntax.Parse":                                      "regexp_syntax",
		"google.golang.org_protobuf_proto.Marshal":                 "google.golang.org_protobuf_proto",
		"github.com_signalbox_signalbox_wasm_validation.parseJSON": "github.com_signalbox_signalbox_wasm_validation",
		"cel.dev_cel-go_ext.__stringLib_.CompileOptions":           "cel.dev_cel-go_ext",
		"": "(unnamed)",
	} {
		if got := packageOf(symbol); got != want {
			t.Errorf("packageOf(%q) = %q, want %q", symbol, got, want)
		}
	}
}

func TestReadSizesRefusesWhatIsNotAModule(t *testing.T) {
	t.Parallel()
	if _, err := readSizes([]byte("\x00asm\x01\x00\x00\x00\x0a\x05")); err == nil {
		t.Fatal("a truncated code section was read")
	}
	if _, err := readSizes([]byte("not wasm")); err == nil {
		t.Fatal("a text file was read as a module")
	}
}
