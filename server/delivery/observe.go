package delivery

// WithAttemptObserver calls observe with the result of every attempt, once
// it is complete (its Duration set), for metrics. observe must not block.
func WithAttemptObserver(observe func(Result)) ClientOption {
	return clientOptionFunc(func(c *clientConfig) { c.observe = observe })
}
