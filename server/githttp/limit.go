package githttp

import (
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// RetryAfter is what a client beyond a bound is told to wait.
const RetryAfter = 10 * time.Second

// backendLimits bounds the git http-backend runs (each a small tree of git
// processes) at once: over all clients, and per client (a user, or a
// remote address for anonymous requests). Zero means no bound.
type backendLimits struct {
	max, perClient int

	mu       sync.Mutex
	running  int
	byClient map[string]int
}

// acquire takes a slot for client. It returns release, or the status to
// answer: 429 past the client's bound, 503 past the global one.
func (l *backendLimits) acquire(client string) (release func(), status int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.perClient > 0 && l.byClient[client] >= l.perClient {
		return nil, http.StatusTooManyRequests
	}
	if l.max > 0 && l.running >= l.max {
		return nil, http.StatusServiceUnavailable
	}
	if l.byClient == nil {
		l.byClient = map[string]int{}
	}
	l.running++
	l.byClient[client]++
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			defer l.mu.Unlock()
			l.running--
			if l.byClient[client]--; l.byClient[client] == 0 {
				delete(l.byClient, client)
			}
		})
	}, 0
}

// inUse is the number of runs holding a slot.
func (l *backendLimits) inUse() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.running
}

// clientKey names who a request counts against: its user, or its remote
// address when anonymous. Behind a reverse proxy every anonymous request
// comes from the proxy's address.
func clientKey(r *http.Request, userID int64) string {
	if userID != 0 {
		return "user:" + strconv.FormatInt(userID, 10)
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return "addr:" + host
}

// refuseBusy answers a request beyond a bound the way GitLab answers a
// throttled git client: plain text, which git prints, and Retry-After.
func refuseBusy(w http.ResponseWriter, status int) {
	w.Header().Set("Retry-After", strconv.Itoa(int(RetryAfter.Seconds())))
	msg := "Retry later: too many git requests from you are running at once."
	if status == http.StatusServiceUnavailable {
		msg = "Retry later: the server is running as many git requests as it allows."
	}
	http.Error(w, msg, status)
}
