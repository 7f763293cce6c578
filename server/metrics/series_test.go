package metrics

import "testing"

// BenchmarkRequestSeries compares finding a request's counter in the vector
// (what every request did) with finding it through series.
//
//	go test ./server/metrics -run '^$' -bench RequestSeries -benchmem
func BenchmarkRequestSeries(b *testing.B) {
	m := New()
	labels := [3]string{doorREST, "GET /api/v4/projects/{id}/merge_requests/{merge_request_iid}/status_checks", "200"}
	b.Run("vector", func(b *testing.B) {
		for b.Loop() {
			m.requests.WithLabelValues(labels[0], labels[1], labels[2]).Inc()
		}
	})
	b.Run("series", func(b *testing.B) {
		for b.Loop() {
			m.requestSeries.get(labels).Inc()
		}
	})
}
