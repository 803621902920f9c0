package kernels

import (
	"errors"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// chunkLog records the chunks a Run called fn with.
type chunkLog struct {
	mu     sync.Mutex
	chunks [][2]int
}

func (l *chunkLog) fn(start, end int) {
	l.mu.Lock()
	l.chunks = append(l.chunks, [2]int{start, end})
	l.mu.Unlock()
}

func TestPoolSplits(t *testing.T) {
	for _, threads := range []int{1, 2, 3, 4, 8} {
		p := NewPool(threads)
		for _, n := range []int{0, 1, 2, 3, 5, 7, 8, 100, 1001} {
			var l chunkLog
			p.Run(n, l.fn)
			slices.SortFunc(l.chunks, func(a, b [2]int) int { return a[0] - b[0] })
			if want := min(threads, n); len(l.chunks) != want {
				t.Fatalf("threads=%d n=%d: %d chunks %v, want %d", threads, n, len(l.chunks), l.chunks, want)
			}
			next, lo, hi := 0, n, 0
			for _, c := range l.chunks {
				if c[0] != next || c[1] <= c[0] {
					t.Fatalf("threads=%d n=%d: chunks %v do not tile [0,%d)", threads, n, l.chunks, n)
				}
				next = c[1]
				lo, hi = min(lo, c[1]-c[0]), max(hi, c[1]-c[0])
			}
			if next != n || (n > 0 && hi-lo > 1) {
				t.Fatalf("threads=%d n=%d: chunks %v: uneven or incomplete", threads, n, l.chunks)
			}
		}
		if p.Threads() != threads {
			t.Fatalf("Threads() = %d, want %d", p.Threads(), threads)
		}
		p.Close()
	}
}

// TestPoolManyRuns hammers the fast path: many short calls back to back,
// each worker adding its chunk to a shared sum that is checked per call
// (the race detector checks the hand-over of the data).
func TestPoolManyRuns(t *testing.T) {
	p := NewPool(4)
	defer p.Close()
	data := make([]int, 64)
	runs := 20000
	if testing.Short() || raceEnabled {
		runs = 2000
	}
	for k := range runs {
		n := 1 + k%len(data)
		p.Run(n, func(start, end int) {
			for i := start; i < end; i++ {
				data[i] = k
			}
		})
		for i := range n {
			if data[i] != k {
				t.Fatalf("run %d: data[%d] = %d", k, i, data[i])
			}
		}
	}
}

// TestPoolParked checks the slow path: workers that have parked after a
// pause are woken by the next call, repeatedly.
func TestPoolParked(t *testing.T) {
	p := NewPool(3)
	defer p.Close()
	for range 5 {
		time.Sleep(20 * time.Millisecond) // long past the spin: workers park
		var calls atomic.Int32
		p.Run(3, func(start, end int) { calls.Add(1) })
		if calls.Load() != 3 {
			t.Fatalf("%d chunks ran, want 3", calls.Load())
		}
	}
}

// TestPoolConcurrentRuns checks that Runs from several goroutines are
// serialized and each sees its own chunks.
func TestPoolConcurrentRuns(t *testing.T) {
	p := NewPool(3)
	defer p.Close()
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]int, 10+g)
			for k := range 200 {
				p.Run(len(buf), func(start, end int) {
					for i := start; i < end; i++ {
						buf[i] += k
					}
				})
			}
			for i, v := range buf {
				if v != 199*200/2 {
					t.Errorf("goroutine %d: buf[%d] = %d", g, i, v)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestPoolPanics(t *testing.T) {
	for _, threads := range []int{1, 3} {
		p := NewPool(threads)
		for _, bad := range []int{0, 1, 2} { // a worker's chunk and the caller's
			if bad >= threads {
				continue
			}
			boom := errors.New("boom")
			var ran atomic.Int32
			v := recoverFrom(func() {
				p.Run(threads, func(start, end int) {
					ran.Add(1)
					if start == bad {
						panic(boom)
					}
				})
			})
			pp, ok := v.(*PoolPanic)
			if !ok {
				t.Fatalf("threads=%d chunk %d: Run panicked with %T %v, want *PoolPanic", threads, bad, v, v)
			}
			if pp.Value != boom || !errors.Is(pp, boom) || !strings.Contains(pp.Error(), "boom") || len(pp.Stack) == 0 {
				t.Fatalf("threads=%d: PoolPanic %+v does not carry the panic", threads, pp)
			}
			if ran.Load() != int32(threads) {
				t.Fatalf("threads=%d: %d chunks ran, want all %d before Run returned", threads, ran.Load(), threads)
			}
			// The pool is still usable.
			var l chunkLog
			p.Run(threads, l.fn)
			if len(l.chunks) != threads {
				t.Fatalf("threads=%d: pool broken after a panic: %v", threads, l.chunks)
			}
		}
		p.Close()
	}
}

func recoverFrom(f func()) (v any) {
	defer func() { v = recover() }()
	f()
	return nil
}

func TestPoolClose(t *testing.T) {
	before := runtime.NumGoroutine()
	p := NewPool(4)
	p.Run(4, func(int, int) {})
	p.Close()
	p.Close() // idempotent
	msg := panicMessage(func() { p.Run(1, func(int, int) {}) })
	if !strings.Contains(msg, "after Close") {
		t.Fatalf("Run after Close: panic %q", msg)
	}
	// The workers have exited. Close waits for each worker's deferred
	// wg.Done, which runs just before its goroutine ends, so a worker may
	// still be counted for a moment (or a goroutine of an earlier test may
	// be finishing): poll until the count is back, failing after 5 s.
	n := runtime.NumGoroutine()
	for deadline := time.Now().Add(5 * time.Second); n > before && time.Now().Before(deadline); n = runtime.NumGoroutine() {
		time.Sleep(time.Millisecond)
	}
	if n > before {
		t.Fatalf("%d goroutines 5 s after Close, %d before NewPool", n, before)
	}
	// Closing a pool whose workers are parked.
	p = NewPool(3)
	time.Sleep(20 * time.Millisecond)
	p.Close()
}

func TestPoolArguments(t *testing.T) {
	if msg := panicMessage(func() { NewPool(-1) }); !strings.Contains(msg, "NewPool(-1)") {
		t.Errorf("NewPool(-1): panic %q", msg)
	}
	p := NewPool(0)
	if p.Threads() != DefaultThreads() {
		t.Errorf("NewPool(0).Threads() = %d, want DefaultThreads() = %d", p.Threads(), DefaultThreads())
	}
	if msg := panicMessage(func() { p.Run(-1, func(int, int) {}) }); !strings.Contains(msg, "negative") {
		t.Errorf("Run(-1): panic %q", msg)
	}
	if msg := panicMessage(func() { p.Run(1, nil) }); !strings.Contains(msg, "fn is nil") {
		t.Errorf("Run(1, nil): panic %q", msg)
	}
	p.Close()

	// A nil pool runs inline.
	var nilPool *Pool
	var l chunkLog
	nilPool.Run(5, l.fn)
	if nilPool.Threads() != 1 || len(l.chunks) != 1 || l.chunks[0] != [2]int{0, 5} {
		t.Errorf("nil pool: Threads %d, chunks %v", nilPool.Threads(), l.chunks)
	}
	if _, ok := recoverFrom(func() { nilPool.Run(1, func(int, int) { panic("x") }) }).(*PoolPanic); !ok {
		t.Error("nil pool: a panic is not re-raised as *PoolPanic")
	}
	nilPool.Close()
}

// TestPoolOneThreadInline checks that a one-thread pool runs fn on the
// caller's goroutine (it starts no worker).
func TestPoolOneThreadInline(t *testing.T) {
	p := NewPool(1)
	defer p.Close()
	if len(p.workers) != 0 {
		t.Fatalf("one-thread pool has %d workers", len(p.workers))
	}
	x := 0
	p.Run(10, func(start, end int) { x += end - start }) // no synchronization needed
	if x != 10 {
		t.Fatalf("ran %d of 10", x)
	}
}
