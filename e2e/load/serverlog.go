package main

import (
	"bufio"
	"os"
	"strings"
)

// logSummary is what the server logged at warn level and above: with
// --log-level warn that is everything, and any of it deserves a look.
type logSummary struct {
	Warnings int
	Errors   int
	// First holds the first few such lines.
	First []string
}

// summarizeLog reads the server's text log.
func summarizeLog(path string) logSummary {
	var s logSummary
	f, err := os.Open(path)
	if err != nil {
		return s
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.Contains(line, "level=WARN"):
			s.Warnings++
		case strings.Contains(line, "level=ERROR"):
			s.Errors++
		default:
			continue
		}
		if len(s.First) < 5 {
			if len(line) > 300 {
				line = line[:300] + "..."
			}
			s.First = append(s.First, line)
		}
	}
	return s
}
