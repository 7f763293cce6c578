package main

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// What the module is made of, for -sizes: the bytes of function bodies by
// Go package (from the wasm "name" section of a build that keeps it) and
// the data segment, so that a change that pulls a large package into the
// validator shows where the bytes went.

type moduleSizes struct {
	code, data int
	byPackage  map[string]int
}

// readSizes parses a WebAssembly binary's imports, code, data and name
// sections.
func readSizes(b []byte) (moduleSizes, error) {
	out := moduleSizes{byPackage: map[string]int{}}
	if len(b) < 8 || string(b[:4]) != "\x00asm" {
		return out, errors.New("not a WebAssembly module")
	}
	r := &wasmReader{b: b, i: 8}
	var imported int
	var bodies []int
	names := map[int]string{}
	for r.i < len(r.b) && r.err == nil {
		id := r.byte()
		size := r.uleb()
		end := r.i + size
		if r.err != nil || end > len(r.b) {
			return out, errors.New("truncated section")
		}
		switch id {
		case 2: // imports: functions count before the module's own
			for range r.uleb() {
				r.skip(r.uleb()) // module
				r.skip(r.uleb()) // name
				if kind := r.byte(); kind == 0 {
					r.uleb()
					imported++
				} else {
					return out, fmt.Errorf("import of kind %d", kind)
				}
			}
		case 10: // code
			for range r.uleb() {
				n := r.uleb()
				bodies = append(bodies, n)
				r.skip(n)
			}
		case 11: // data
			out.data += size
		case 0: // custom: only "name" matters
			if r.name() == "name" {
				for r.i < end && r.err == nil {
					sub, subSize := r.byte(), r.uleb()
					subEnd := r.i + subSize
					if sub == 1 { // function names
						for range r.uleb() {
							idx := r.uleb()
							names[idx] = r.name()
						}
					}
					r.i = subEnd
				}
			}
		}
		r.i = end
	}
	if r.err != nil {
		return out, r.err
	}
	for i, n := range bodies {
		out.code += n
		out.byPackage[packageOf(names[imported+i])] += n
	}
	return out, nil
}

// packageOf turns a Go symbol as the wasm name section spells it
// ("github.com_signalbox_signalbox_wasm_validation.parseJSON",
// "runtime.mallocgc") into its package.
func packageOf(symbol string) string {
	if symbol == "" {
		return "(unnamed)"
	}
	// A module path's domain keeps its dots ("google.golang.org_protobuf_..."),
	// so the package ends at the first dot after the domain.
	rest, prefix := symbol, ""
	if i := strings.Index(symbol, "_"); i > 0 && isDomain(symbol[:i]) {
		prefix, rest = symbol[:i+1], symbol[i+1:]
	}
	if i := strings.Index(rest, "."); i >= 0 {
		rest = rest[:i]
	}
	return prefix + rest
}

// isDomain tells "github.com" from "runtime.gc" (a function whose name
// has an underscore later on).
func isDomain(s string) bool {
	dot := strings.LastIndex(s, ".")
	if dot <= 0 {
		return false
	}
	switch s[dot+1:] {
	case "com", "org", "net", "io", "dev", "build", "in":
		return true
	}
	return false
}

func (s moduleSizes) print(w io.Writer, raw, gzipped, top int) {
	fmt.Fprintf(w, "validate.wasm: %d bytes raw, %d bytes gzipped (served)\n", raw, gzipped)
	fmt.Fprintf(w, "  code %d bytes, data %d bytes (read from a build with the name section)\n", s.code, s.data)
	type row struct {
		pkg  string
		size int
	}
	var rows []row
	for p, n := range s.byPackage {
		rows = append(rows, row{p, n})
	}
	slices.SortFunc(rows, func(a, b row) int { return cmp.Or(b.size-a.size, strings.Compare(a.pkg, b.pkg)) })
	for i, r := range rows {
		if i == top {
			break
		}
		fmt.Fprintf(w, "  %9d  %s\n", r.size, r.pkg)
	}
}

type wasmReader struct {
	b   []byte
	i   int
	err error
}

func (r *wasmReader) byte() byte {
	if r.i >= len(r.b) {
		r.err = io.ErrUnexpectedEOF
		return 0
	}
	r.i++
	return r.b[r.i-1]
}

func (r *wasmReader) uleb() int {
	var n, shift int
	for r.err == nil {
		c := r.byte()
		n |= int(c&0x7f) << shift
		if c < 0x80 {
			return n
		}
		shift += 7
	}
	return 0
}

func (r *wasmReader) skip(n int) {
	if r.i+n > len(r.b) {
		r.err = io.ErrUnexpectedEOF
		return
	}
	r.i += n
}

func (r *wasmReader) name() string {
	n := r.uleb()
	start := r.i
	r.skip(n)
	if r.err != nil {
		return ""
	}
	return string(r.b[start : start+n])
}
