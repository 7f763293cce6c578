package embedded

import (
	"container/list"
	"context"
	"database/sql/driver"
	"errors"
	"reflect"
)

// The modernc driver compiles every query it is handed afresh
// (sqlite3_prepare_v2: parse, resolve, plan) and throws the program away
// after one run, and redka hands it plain SQL text for every command. Under
// load that compiling was 40% of the server's CPU. These wrappers keep each
// connection's compiled statements, keyed by their text, and run them again:
// the same statements, the same results, only not recompiled. SQLite
// recompiles a kept statement by itself when the schema changes.

// stmtCacheSize bounds the statements one connection keeps. redka's fixed
// queries are a few dozen; the rest (IN lists as long as a command's keys)
// come and go through the least recently used end.
const stmtCacheSize = 128

// cachingConnector opens connections of the base driver wrapped in a
// statement cache.
type cachingConnector struct {
	base driver.Driver
	dsn  string
}

func (c cachingConnector) Connect(context.Context) (driver.Conn, error) {
	conn, err := c.base.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	return newCachingConn(conn)
}

func (c cachingConnector) Driver() driver.Driver { return c.base }

// sqliteConn is what a modernc connection implements and the wrapper needs.
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.SessionResetter
	driver.Validator
	driver.Pinger
}

// cachedStmt is one kept statement. busy is set while rows read from it are
// open: running it again then would reset their cursor, so a second use of
// the same text meanwhile (a nested query) is compiled once more, uncached.
type cachedStmt struct {
	query string
	stmt  interface {
		driver.Stmt
		driver.StmtExecContext
		driver.StmtQueryContext
	}
	busy bool
	elem *list.Element
}

// cachingConn is one connection with its kept statements. database/sql uses
// a connection from one goroutine at a time (rows are closed under the same
// lock), so the cache needs no lock of its own.
type cachingConn struct {
	sqliteConn
	stmts map[string]*cachedStmt
	lru   *list.List // of *cachedStmt, most recently used first
	// compiled and reused count the statements compiled into the cache and
	// the runs that found theirs there, for tests.
	compiled, reused int
}

func newCachingConn(conn driver.Conn) (*cachingConn, error) {
	c, ok := conn.(sqliteConn)
	if !ok {
		conn.Close()
		return nil, errors.New("embedded store: the sqlite driver's connection lacks a context method")
	}
	return &cachingConn{sqliteConn: c, stmts: map[string]*cachedStmt{}, lru: list.New()}, nil
}

// statement returns the kept statement for query, compiling it if needed,
// or nil when the kept one is in use or query cannot be kept.
func (c *cachingConn) statement(ctx context.Context, query string) (*cachedStmt, error) {
	if s, ok := c.stmts[query]; ok {
		if s.busy {
			return nil, nil
		}
		c.lru.MoveToFront(s.elem)
		c.reused++
		return s, nil
	}
	ds, err := c.sqliteConn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	st, ok := ds.(interface {
		driver.Stmt
		driver.StmtExecContext
		driver.StmtQueryContext
	})
	if !ok {
		ds.Close()
		return nil, nil
	}
	for c.lru.Len() >= stmtCacheSize {
		if !c.evictOldestIdle() {
			break
		}
	}
	s := &cachedStmt{query: query, stmt: st}
	s.elem = c.lru.PushFront(s)
	c.stmts[query] = s
	c.compiled++
	return s, nil
}

// evictOldestIdle finalizes the least recently used statement not in use.
func (c *cachingConn) evictOldestIdle() bool {
	for e := c.lru.Back(); e != nil; e = e.Prev() {
		s := e.Value.(*cachedStmt)
		if s.busy {
			continue
		}
		c.lru.Remove(e)
		delete(c.stmts, s.query)
		s.stmt.Close()
		return true
	}
	return false
}

func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	s, err := c.statement(ctx, query)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return c.sqliteConn.ExecContext(ctx, query, args)
	}
	return s.stmt.ExecContext(ctx, args)
}

func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	s, err := c.statement(ctx, query)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return c.sqliteConn.QueryContext(ctx, query, args)
	}
	rows, err := s.stmt.QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	s.busy = true
	return &cachedRows{Rows: rows, stmt: s}, nil
}

// Close finalizes the kept statements before the connection, which SQLite
// would otherwise refuse to close.
func (c *cachingConn) Close() error {
	var errs []error
	for _, s := range c.stmts {
		errs = append(errs, s.stmt.Close())
	}
	c.stmts, c.lru = nil, nil
	errs = append(errs, c.sqliteConn.Close())
	return errors.Join(errs...)
}

// cachedRows frees its statement for the next run when closed.
type cachedRows struct {
	driver.Rows
	stmt *cachedStmt
}

func (r *cachedRows) Close() error {
	err := r.Rows.Close()
	r.stmt.busy = false
	return err
}

// The column type methods pass through, so database/sql's ColumnTypes
// answers as it would without the cache.

func (r *cachedRows) ColumnTypeDatabaseTypeName(index int) string {
	if t, ok := r.Rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return t.ColumnTypeDatabaseTypeName(index)
	}
	return ""
}

func (r *cachedRows) ColumnTypeLength(index int) (int64, bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeLength); ok {
		return t.ColumnTypeLength(index)
	}
	return 0, false
}

func (r *cachedRows) ColumnTypeNullable(index int) (bool, bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeNullable); ok {
		return t.ColumnTypeNullable(index)
	}
	return false, false
}

func (r *cachedRows) ColumnTypePrecisionScale(index int) (int64, int64, bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypePrecisionScale); ok {
		return t.ColumnTypePrecisionScale(index)
	}
	return 0, 0, false
}

func (r *cachedRows) ColumnTypeScanType(index int) reflect.Type {
	if t, ok := r.Rows.(driver.RowsColumnTypeScanType); ok {
		return t.ColumnTypeScanType(index)
	}
	return reflect.TypeFor[any]()
}
