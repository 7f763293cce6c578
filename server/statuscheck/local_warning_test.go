package statuscheck

import "testing"

func TestLocalHost(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]bool{
		"http://localhost:9000/hook":         true,
		"http://api.localhost/hook":          true,
		"http://127.0.0.1:9000/":             true,
		"http://[::1]:9000/":                 true,
		"http://10.1.2.3/":                   true,
		"http://192.168.0.7/":                true,
		"http://169.254.169.254/latest":      true,
		"http://0.0.0.0/":                    true,
		"http://[::ffff:127.0.0.1]/":         true,
		"https://checks.example.com/hook":    false,
		"https://93.184.216.34/hook":         false,
		"https://user:pw@checks.example.com": false,
	} {
		if _, got := localHost(raw); got != want {
			t.Errorf("localHost(%q) = %v, want %v", raw, got, want)
		}
	}
}
