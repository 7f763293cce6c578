package servertest

// KeyPrefix is the prefix of every key the server writes, for tests that
// look at the store itself (say, that a deleted project left no key).
func (s *Server) KeyPrefix() string { return s.prefix }

// DataDir is the server's data directory (repositories, keys).
func (s *Server) DataDir() string { return s.dataDir }
