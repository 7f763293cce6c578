package gitrepo

import (
	"bufio"
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// readRefFiles lists the refs that match patterns by reading the files
// backend the way "git for-each-ref" does (loose refs, which win, then
// packed-refs), without starting a process. Reading refs is on the hot path
// (every merge request view and status check answer asks for the
// branches), and a git process costs milliseconds where this costs
// microseconds.
//
// ok is false whenever the answer might differ from git's, and the caller
// asks git instead: a pattern that is not a plain name under refs/, a
// reftable repository, a symbolic or unparsable ref, a name git would
// ignore. The one thing not checked is that each ref's object exists, which
// for-each-ref also checks; git itself never writes such a ref (receive-pack
// checks connectivity first), so only a corrupted repository differs.
func readRefFiles(dir string, patterns []string) (map[string]string, bool) {
	for _, p := range patterns {
		// Only literal names under refs/, which also keeps the walk inside
		// the repository's refs directory.
		if trimmed := strings.TrimSuffix(p, "/"); trimmed != "refs" && validateFullRef(trimmed) != nil {
			return nil, false
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "reftable")); !errors.Is(err, fs.ErrNotExist) {
		return nil, false
	}
	roots := patterns
	if len(roots) == 0 {
		roots = []string{"refs"}
	}
	refs := make(map[string]string)
	// Loose refs first: "git pack-refs" writes packed-refs before it
	// deletes the loose files, so a ref being packed is seen in one or the
	// other, never in neither.
	for _, root := range roots {
		if !readLooseRefs(dir, strings.TrimSuffix(root, "/"), patterns, refs) {
			return nil, false
		}
	}
	if !readPackedRefs(dir, patterns, refs) {
		return nil, false
	}
	return refs, true
}

// readLooseRefExact reads the loose ref file of one full ref name, already
// validated: Ref's common case, in one open and one read where a listing
// walks the directory. ok is false unless that file exists, is no symlink
// and holds an object id; the caller then lists refs as usual, which covers
// packed, symbolic and reftable refs (a reftable repository's "refs/heads"
// is a file, so no loose ref opens there).
func readLooseRefExact(dir, name string) (string, bool) {
	content, err := readLooseRef(filepath.Join(dir, filepath.FromSlash(name)))
	if err != nil {
		return "", false
	}
	oid, found := strings.CutSuffix(string(content), "\n")
	if !found || !IsObjectID(oid) {
		return "", false
	}
	return oid, true
}

// matchesRefPattern is for-each-ref's literal match: the pattern is the
// whole name, or a prefix of it that ends at a "/". No patterns match all.
func matchesRefPattern(name string, patterns []string) bool {
	if len(patterns) == 0 {
		return true
	}
	for _, p := range patterns {
		if rest, ok := strings.CutPrefix(name, p); ok && (rest == "" || strings.HasSuffix(p, "/") || rest[0] == '/') {
			return true
		}
	}
	return false
}

// readLooseRefs adds the loose refs at or below root (a file or a
// directory; missing is empty) that match patterns.
func readLooseRefs(dir, root string, patterns []string, refs map[string]string) bool {
	ok := true
	err := filepath.WalkDir(filepath.Join(dir, filepath.FromSlash(root)), func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // deleted while walking, or never there
			}
			return err
		}
		// git skips lock files of refs being written, and dot files.
		if name := d.Name(); strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".lock") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		name := filepath.ToSlash(rel)
		if !d.Type().IsRegular() || CheckRefFormat(name) != nil {
			ok = false // a symlink or a name git would not list as it is
			return fs.SkipAll
		}
		if !matchesRefPattern(name, patterns) {
			return nil
		}
		content, err := readLooseRef(path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil // deleted since the directory was read
		}
		if err != nil {
			return err
		}
		oid := strings.TrimSuffix(string(content), "\n")
		if !IsObjectID(oid) {
			ok = false // a symbolic ref ("ref: ...") or a broken one
			return fs.SkipAll
		}
		refs[name] = oid
		return nil
	})
	return ok && err == nil
}

// readLooseRef reads a loose ref file with three system calls (open, read,
// close) where os.ReadFile makes ten, as it readies the file for the
// poller: on a virtual machine system calls dominate the cost of reading
// refs. A loose ref is one line of at most 65 bytes; anything longer comes
// back cut, which the caller refuses and leaves to git, as it does a short
// read.
func readLooseRef(path string) ([]byte, error) {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC|syscall.O_NOFOLLOW, 0)
	for errors.Is(err, syscall.EINTR) {
		fd, err = syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC|syscall.O_NOFOLLOW, 0)
	}
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	defer syscall.Close(fd)
	var buf [128]byte
	n, err := syscall.Read(fd, buf[:])
	for errors.Is(err, syscall.EINTR) {
		n, err = syscall.Read(fd, buf[:])
	}
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: path, Err: err}
	}
	return buf[:n], nil
}

// readPackedRefs adds the refs of packed-refs that match patterns and have
// no loose ref.
func readPackedRefs(dir string, patterns []string, refs map[string]string) bool {
	content, err := os.ReadFile(filepath.Join(dir, "packed-refs"))
	if errors.Is(err, fs.ErrNotExist) {
		return true
	}
	if err != nil {
		return false
	}
	sc := bufio.NewScanner(bytes.NewReader(content))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' || line[0] == '^' {
			continue // the header, or the peeled value of the tag above
		}
		oid, name, found := strings.Cut(line, " ")
		if !found || !IsObjectID(oid) || CheckRefFormat(name) != nil {
			return false
		}
		if _, loose := refs[name]; !loose && matchesRefPattern(name, patterns) {
			refs[name] = oid
		}
	}
	return sc.Err() == nil
}
