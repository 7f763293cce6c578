package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
)

// TokenPrefix marks personal access tokens, as GitLab's do, so secret
// scanners recognise them.
const TokenPrefix = "glpat-"

const tokenAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// NewToken returns a fresh personal access token: the prefix and 26 random
// characters (156 bits).
func NewToken() string {
	b := make([]byte, 26)
	_, _ = rand.Read(b) // never fails; see crypto/rand
	for i := range b {
		b[i] = tokenAlphabet[int(b[i])%len(tokenAlphabet)]
	}
	return TokenPrefix + string(b)
}

// HashToken returns the key a token is stored under. Tokens are random and
// long, so a plain SHA-256 cannot be reversed by guessing.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	// Encoded on the stack: one allocation, the string, per call.
	var out [2 * sha256.Size]byte
	hex.Encode(out[:], sum[:])
	return string(out[:])
}
