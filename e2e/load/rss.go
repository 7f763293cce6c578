package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// memory is a process's resident set size, in bytes, as /proc/<pid>/status
// reports it: VmRSS now and VmHWM, the peak since the process started.
type memory struct {
	RSS int64
	HWM int64
}

// readMemory reads VmRSS and VmHWM of pid.
func readMemory(pid int) (memory, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return memory{}, err
	}
	defer f.Close()
	return parseStatus(f)
}

// parseStatus reads the VmRSS and VmHWM lines ("VmRSS:	  12345 kB").
func parseStatus(f io.Reader) (memory, error) {
	var m memory
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok || (key != "VmRSS" && key != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(val), " kB"), 10, 64)
		if err != nil {
			return m, fmt.Errorf("/proc status %s: %q", key, val)
		}
		if key == "VmRSS" {
			m.RSS = kb << 10
		} else {
			m.HWM = kb << 10
		}
	}
	return m, sc.Err()
}

// rssSampler samples a process's VmRSS every period and keeps the peak of
// each phase.
type rssSampler struct {
	pid   int
	mu    sync.Mutex
	phase string
	peaks map[string]int64
}

func newRSSSampler(pid int) *rssSampler {
	return &rssSampler{pid: pid, peaks: map[string]int64{}}
}

// Phase names the phase the next samples belong to.
func (s *rssSampler) Phase(name string) {
	s.mu.Lock()
	s.phase = name
	s.mu.Unlock()
	s.sample()
}

// Peak is the largest VmRSS seen during a phase.
func (s *rssSampler) Peak(phase string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peaks[phase]
}

// Run samples until ctx ends.
func (s *rssSampler) Run(ctx context.Context, period time.Duration) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.sample()
		}
	}
}

func (s *rssSampler) sample() {
	m, err := readMemory(s.pid)
	if err != nil {
		return // the process is gone; the caller notices that elsewhere
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.peaks[s.phase] = max(s.peaks[s.phase], m.RSS)
}
