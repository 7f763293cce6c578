// Command build rebuilds the browser validator the server embeds: it
// compiles ./wasm for GOOS=js GOARCH=wasm, compresses it with gzip, and
// copies the Go runtime's wasm_exec.js beside it.
//
//	go run ./wasm/build [-out server/web/static] [-twice] [-sizes]
//
// The output is reproducible byte for byte with the same Go toolchain:
// -trimpath drops local paths, -buildvcs=false drops the commit (which would
// change on every commit), and the gzip header carries no name and no time.
// That is what lets CI rebuild the artifact and compare it with the committed
// one (scripts/generate.sh --check). -twice builds a second time with an
// empty build cache and fails if the bytes differ. -sizes prints the raw
// and gzipped sizes and the code size of each Go package in the module
// (from one more build that keeps function names).
package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Names of the files written to -out; server/web embeds them by these names.
const (
	wasmName    = "validate.wasm.gz"
	wasmExecJS  = "wasm_exec.js"
	packagePath = "./wasm"
)

func main() {
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	out := flag.String("out", "server/web/static", "directory to write "+wasmName+" and "+wasmExecJS+" to")
	goBin := flag.String("go", "go", "the go command")
	twice := flag.Bool("twice", false, "build again with an empty build cache and fail if the bytes differ")
	sizes := flag.Bool("sizes", false, "print the module's sizes, raw and gzipped, and its code size by Go package")
	flag.Parse()
	if err := run(context.Background(), logger, *goBin, *out, *twice, *sizes); err != nil {
		logger.Error("wasm build failed", "error", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, logger *slog.Logger, goBin, out string, twice, sizes bool) error {
	tmp, err := os.MkdirTemp("", "signalbox-wasm-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	raw, err := build(ctx, goBin, filepath.Join(tmp, "validate.wasm"), strippedLdflags, nil)
	if err != nil {
		return err
	}
	if twice {
		again, err := build(ctx, goBin, filepath.Join(tmp, "again.wasm"), strippedLdflags, []string{"GOCACHE=" + filepath.Join(tmp, "cache")})
		if err != nil {
			return err
		}
		if !bytes.Equal(raw, again) {
			return errors.New("two builds gave different bytes: the artifact is not reproducible")
		}
		logger.Info("two builds gave identical bytes", "bytes", len(raw))
	}
	compressed, err := gzipBytes(raw)
	if err != nil {
		return err
	}
	goroot, err := output(ctx, goBin, "env", "GOROOT")
	if err != nil {
		return err
	}
	execJS, err := os.ReadFile(filepath.Join(goroot, "lib", "wasm", wasmExecJS))
	if err != nil {
		return fmt.Errorf("wasm_exec.js of this toolchain: %w", err)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	if err := writeIfChanged(filepath.Join(out, wasmName), compressed); err != nil {
		return err
	}
	if err := writeIfChanged(filepath.Join(out, wasmExecJS), execJS); err != nil {
		return err
	}
	if sizes {
		named, err := build(ctx, goBin, filepath.Join(tmp, "named.wasm"), "-ldflags=", nil)
		if err != nil {
			return err
		}
		parts, err := readSizes(named)
		if err != nil {
			return err
		}
		parts.print(os.Stdout, len(raw), len(compressed), 25)
	}
	version, _ := output(ctx, goBin, "env", "GOVERSION")
	logger.Info("wasm validator built", "out", out, "raw_bytes", len(raw), "gzip_bytes", len(compressed), "go", version)
	return nil
}

// strippedLdflags drop the symbol table and DWARF from the served module.
const strippedLdflags = "-ldflags=-s -w"

// build compiles the validator. GOFLAGS and GOWASM are fixed so that a
// developer's environment cannot change the bytes.
func build(ctx context.Context, goBin, dst, ldflags string, extraEnv []string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, goBin, "build", "-trimpath", "-buildvcs=false", ldflags, "-o", dst, packagePath)
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm", "CGO_ENABLED=0", "GOFLAGS=", "GOWASM=")
	cmd.Env = append(cmd.Env, extraEnv...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("go build %s: %w\n%s", packagePath, err, stderr.String())
	}
	return os.ReadFile(dst)
}

// gzipBytes compresses at the best level with an empty header (no name, no
// modification time), so equal input gives equal output.
func gzipBytes(raw []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(raw); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func output(ctx context.Context, goBin string, args ...string) (string, error) {
	out, err := exec.CommandContext(ctx, goBin, args...).Output()
	if err != nil {
		return "", fmt.Errorf("%s %s: %w", goBin, strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(out)), nil
}

// writeIfChanged leaves an identical file alone, so a rebuild that changes
// nothing does not touch the working tree.
func writeIfChanged(path string, data []byte) error {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		return nil
	}
	return os.WriteFile(path, data, 0o644)
}
