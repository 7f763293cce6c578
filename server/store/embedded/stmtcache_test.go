package embedded

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/redis/go-redis/v9"
	"modernc.org/sqlite"
)

func startServer(t *testing.T) (*Server, *redis.Client) {
	t.Helper()
	srv, err := Start(t.TempDir(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Error(err)
		}
	})
	rdb := redis.NewClient(srv.Options())
	t.Cleanup(func() { rdb.Close() })
	return srv, rdb
}

// eachConn runs f on every connection db has open, holding them all at
// once so that the pool cannot hand out the same one twice.
func eachConn(t *testing.T, db *sql.DB, f func(c *cachingConn)) int {
	t.Helper()
	ctx := context.Background()
	n := db.Stats().OpenConnections
	for range n {
		conn, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if err := conn.Raw(func(dc any) error {
			f(dc.(*cachingConn))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	return n
}

// A command run again runs the statements compiled for it the first time.
func TestStatementsAreCompiledOnce(t *testing.T) {
	srv, rdb := startServer(t)
	ctx := context.Background()
	if err := rdb.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	compiledBefore, reusedBefore := 0, 0
	eachConn(t, srv.ro, func(c *cachingConn) { compiledBefore += c.compiled; reusedBefore += c.reused })
	const gets = 200
	for range gets {
		v, err := rdb.Get(ctx, "k").Result()
		if err != nil || v != "v" {
			t.Fatalf("GET k = %q, %v", v, err)
		}
	}
	compiled, reused := -compiledBefore, -reusedBefore
	conns := eachConn(t, srv.ro, func(c *cachingConn) { compiled += c.compiled; reused += c.reused })
	// A GET is one statement; each read connection compiles it at most once.
	if compiled > conns || reused < gets-conns {
		t.Errorf("%d GETs on %d read connections: %d statements compiled, %d reused; want at most %d compiled",
			gets, conns, compiled, reused, conns)
	}

	// Writes too: the write connection compiles an INCR's statements once.
	for range 50 {
		if err := rdb.Incr(ctx, "n").Err(); err != nil {
			t.Fatal(err)
		}
	}
	var compiledRW, reusedRW int
	eachConn(t, srv.rw, func(c *cachingConn) { compiledRW, reusedRW = c.compiled, c.reused })
	for range 50 {
		if err := rdb.Incr(ctx, "n").Err(); err != nil {
			t.Fatal(err)
		}
	}
	eachConn(t, srv.rw, func(c *cachingConn) {
		if c.compiled != compiledRW || c.reused <= reusedRW {
			t.Errorf("50 more INCRs compiled %d statements and reused %d; want none compiled", c.compiled-compiledRW, c.reused-reusedRW)
		}
	})
	if n, err := rdb.Get(ctx, "n").Int(); err != nil || n != 100 {
		t.Errorf("n = %d, %v; want 100", n, err)
	}
}

func openCaching(t *testing.T) *sql.DB {
	t.Helper()
	db := sql.OpenDB(cachingConnector{base: &sqlite.Driver{}, dsn: dataSource(filepath.Join(t.TempDir(), "t.db"), false)})
	db.SetMaxOpenConns(1)
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	})
	return db
}

// A query whose rows are still being read is not reset under them when the
// same text runs again meanwhile.
func TestSameQueryWhileItsRowsAreOpen(t *testing.T) {
	db := openCaching(t)
	if _, err := db.Exec("create table t(v integer)"); err != nil {
		t.Fatal(err)
	}
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	const q2 = "select v from t where v >= ? order by v"
	for i := range 5 {
		if _, err := tx.Exec("insert into t(v) values (?)", i); err != nil {
			t.Fatal(err)
		}
	}
	outer, err := tx.Query(q2, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	for outer.Next() {
		var v int
		if err := outer.Scan(&v); err != nil {
			t.Fatal(err)
		}
		got = append(got, v)
		// The same text, while outer is open: must run on its own.
		var inner int
		if err := tx.QueryRow(q2, 3).Scan(&inner); err != nil || inner != 3 {
			t.Fatalf("inner query = %d, %v; want 3", inner, err)
		}
	}
	if err := outer.Err(); err != nil {
		t.Fatal(err)
	}
	outer.Close()
	if fmt.Sprint(got) != "[0 1 2 3 4]" {
		t.Errorf("outer rows = %v; want [0 1 2 3 4]", got)
	}
}

// The cache keeps at most stmtCacheSize statements a connection, and every
// query answers right whether its statement was kept, evicted or new.
func TestStatementCacheIsBounded(t *testing.T) {
	db := openCaching(t)
	for range 2 {
		for i := range stmtCacheSize + 40 {
			var got int
			// Distinct texts, as an IN list of each length is.
			if err := db.QueryRow("select " + strconv.Itoa(i)).Scan(&got); err != nil || got != i {
				t.Fatalf("select %d = %d, %v", i, got, err)
			}
		}
	}
	eachConn(t, db, func(c *cachingConn) {
		if len(c.stmts) != stmtCacheSize || c.lru.Len() != stmtCacheSize {
			t.Errorf("%d statements kept (%d in the list); want %d", len(c.stmts), c.lru.Len(), stmtCacheSize)
		}
	})
}

// Every connection, not only the first of each pool, runs the store's
// pragmas; synchronous stays what it always was.
func TestEveryConnectionHasThePragmas(t *testing.T) {
	srv, rdb := startServer(t)
	ctx := context.Background()
	if err := rdb.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	// Open the whole read pool: hold as many connections as it allows.
	var held []*sql.Conn
	for range max(2, srv.ro.Stats().MaxOpenConnections) {
		c, err := srv.ro.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	check := func(c *sql.Conn, pragma, want string) {
		t.Helper()
		var got string
		if err := c.QueryRowContext(ctx, "pragma "+pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("pragma %s = %s; want %s", pragma, got, want)
		}
	}
	for _, c := range held {
		check(c, "mmap_size", "268435456")
		check(c, "foreign_keys", "1")
		check(c, "journal_mode", "wal")
		c.Close()
	}
	w, err := srv.rw.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	check(w, "synchronous", "1") // NORMAL
	check(w, "journal_mode", "wal")
}
