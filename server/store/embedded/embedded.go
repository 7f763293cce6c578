// Package embedded runs the default store when no Redis is configured: redka,
// a Redis-compatible server on SQLite, inside this process, listening on a
// private unix socket. The rest of Signalbox talks to it through the same
// go-redis client it would use for a real Redis.
package embedded

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/nalgeon/redka"
	"github.com/nalgeon/redka/redsrv"
	"github.com/redis/go-redis/v9"

	"modernc.org/sqlite"
)

// DBFileName is the SQLite file, in the data directory, that holds the data.
const DBFileName = "signalbox.db"

// pragmas are redka's own SQLite settings, spelled out so that every
// connection gets them when it opens: left to redka, only the first
// connection of each pool would. synchronous=normal in WAL mode is what the
// store has always had: a commit survives the process being killed, and only
// a power loss or kernel crash can take the last commits back (never
// corrupting the file).
func pragmas() map[string]string {
	return map[string]string{
		"journal_mode": "wal",
		"synchronous":  "normal",
		"temp_store":   "memory",
		"mmap_size":    "268435456",
		"foreign_keys": "on",
	}
}

// dataSource is the modernc DSN redka would build for path: writes take the
// write lock when they begin (so a transaction never fails to upgrade), the
// read pool opens the file read-only, and every connection runs pragmas.
func dataSource(path string, readOnly bool) string {
	params := url.Values{}
	if readOnly {
		params.Set("mode", "ro")
	} else {
		params.Set("_txlock", "immediate")
	}
	p := pragmas()
	for _, name := range []string{"journal_mode", "synchronous", "temp_store", "mmap_size", "foreign_keys"} {
		params.Add("_pragma", name+"="+p[name])
	}
	return "file:" + path + "?" + params.Encode()
}

// Server is a running embedded store.
type Server struct {
	srv     *redsrv.Server
	rw, ro  *sql.DB // the write connection and the read pool, for tests
	sockDir string
	sock    string
}

// Start opens (or creates) the database in dataDir and serves it on a unix
// socket in a fresh directory only this user can enter.
func Start(dataDir string, logger *slog.Logger) (*Server, error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, err
	}
	path := filepath.Join(dataDir, DBFileName)
	if err := ownerOnly(path); err != nil {
		return nil, err
	}
	base := &sqlite.Driver{}
	rw := sql.OpenDB(cachingConnector{base: base, dsn: dataSource(path, false)})
	ro := sql.OpenDB(cachingConnector{base: base, dsn: dataSource(path, true)})
	db, err := redka.OpenDB(rw, ro, &redka.Options{
		DriverName: "sqlite",
		Pragma:     pragmas(),
		Logger:     quiet(logger),
	})
	if err != nil {
		rw.Close()
		ro.Close()
		return nil, fmt.Errorf("open embedded store: %w", err)
	}
	// A short path keeps the socket under the 108-byte limit whatever the
	// data directory is called.
	sockDir, err := os.MkdirTemp("", "signalbox-")
	if err != nil {
		db.Close()
		return nil, err
	}
	sock := filepath.Join(sockDir, "redka.sock")
	srv := redsrv.New("unix", sock, db)
	ready := make(chan error, 1)
	go func() {
		if err := srv.Start(ready); err != nil {
			logger.Error("embedded store stopped", "error", err)
		}
	}()
	select {
	case err := <-ready:
		if err != nil {
			db.Close()
			os.RemoveAll(sockDir)
			return nil, fmt.Errorf("start embedded store: %w", err)
		}
	case <-time.After(10 * time.Second):
		return nil, fmt.Errorf("start embedded store: timed out")
	}
	return &Server{srv: srv, rw: rw, ro: ro, sockDir: sockDir, sock: sock}, nil
}

// ownerOnly makes sure the database exists and only its owner can read or
// write it, whatever the umask and however open the data directory is: it
// holds every token hash, user and record. SQLite gives the -wal and -shm
// files it creates next to it the database's own permissions. A database
// left readable by an older version is closed up, its companions with it.
func ownerOnly(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("open embedded store: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("open embedded store: %w", err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
		if err := os.Chmod(p, 0o600); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("open embedded store: %w", err)
		}
	}
	return nil
}

// Options returns go-redis options that reach this server.
func (s *Server) Options() *redis.Options {
	return &redis.Options{
		Network: "unix",
		Addr:    s.sock,
		// redka speaks RESP2 only and has no CLIENT command.
		Protocol:              2,
		DisableIdentity:       true,
		ReadTimeout:           10 * time.Second,
		WriteTimeout:          10 * time.Second,
		ConnMaxIdleTime:       time.Minute,
		ContextTimeoutEnabled: true,
	}
}

// Close stops the server and closes the database.
func (s *Server) Close() error {
	err := s.srv.Stop()
	os.RemoveAll(s.sockDir)
	return err
}

// quiet keeps redka's chatter (each connection, and go-redis's HELLO probe
// that redka refuses) out of the server log; real errors still pass.
func quiet(logger *slog.Logger) *slog.Logger {
	return slog.New(levelFilter{Handler: logger.Handler(), min: slog.LevelError})
}

type levelFilter struct {
	slog.Handler
	min slog.Level
}

func (f levelFilter) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= f.min && f.Handler.Enabled(ctx, l)
}

func (f levelFilter) WithAttrs(attrs []slog.Attr) slog.Handler {
	return levelFilter{Handler: f.Handler.WithAttrs(attrs), min: f.min}
}

func (f levelFilter) WithGroup(name string) slog.Handler {
	return levelFilter{Handler: f.Handler.WithGroup(name), min: f.min}
}
