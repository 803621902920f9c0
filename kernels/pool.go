package kernels

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
)

// DefaultThreads returns the pool size to use when nothing else says:
// runtime.NumCPU(), every CPU the process may run on. On big.LITTLE boards
// that is too many (a matvec split evenly waits for the slowest core), so the
// board profiles will supply the number of big cores instead; --threads
// overrides both.
func DefaultThreads() int { return runtime.NumCPU() }

// Pool is a fixed set of long-lived worker goroutines that run data-parallel
// loops: Run splits [0,n) into one contiguous chunk per thread, the calling
// goroutine takes one of them, and Run returns when all are done. No
// goroutine is started per call, which matters because a decoded token runs a
// few hundred matvecs of tens of microseconds each.
//
// Between calls a worker spins for a bounded number of atomic loads (about
// tens of microseconds, yielding the processor now and then) so that the
// next Run finds it awake, and then parks on a channel so that an idle pool
// costs no CPU. The caller waits for the workers the same way.
//
// Run and Close may be called from any goroutine; concurrent Runs are
// serialized. The methods of a nil *Pool run everything on the caller's
// goroutine, as a one-thread pool would.
type Pool struct {
	threads int
	workers []*worker
	wg      sync.WaitGroup

	mu     sync.Mutex // serializes Run and Close
	closed bool       // guarded by mu

	_ [64]byte // the hand-over fields below get cache lines of their own

	// Written by Run, read by the workers (one line: a worker fetches the
	// whole call with one transfer).
	//
	// state publishes a call: generation<<partsBits | parts. Workers whose
	// index is below parts-1 take part; parts == 0 tells every worker to
	// exit. A worker reads nothing else to decide whether it takes part.
	// job, n and target describe the call: Run writes them before it
	// publishes state, and only the workers that take part read them, so
	// the next call's write cannot race with a late reader. target is the
	// value finished reaches when the call's last worker is done.
	state  atomic.Uint64
	job    task
	n      int
	target uint64

	_ [64]byte

	// Written by the workers, read by Run (which writes only waiting, and
	// only when it parks). Keeping them off the line above saves cache-line
	// transfers per call (measured: about 1 µs → 0.3 µs per empty two-thread
	// Run on a 2-vCPU EPYC VM, where one transfer costs about 0.2 µs).
	finished atomic.Uint64             // worker chunks finished since NewPool
	waiting  atomic.Uint64             // target the caller is parked for; 0: not parked
	panicked atomic.Pointer[PoolPanic] // first panic of the current call
	done     chan struct{}             // wakes the parked caller (capacity 1)

	_ [64]byte
}

const (
	partsBits = 16
	partsMask = 1<<partsBits - 1
	// MaxThreads is the largest pool NewPool accepts.
	MaxThreads = partsMask

	// spinLoads bounds the atomic loads a waiting goroutine makes before it
	// parks, and spinYield is how often it calls runtime.Gosched meanwhile
	// (so that a spinner never starves a goroutine that shares its P). With a
	// load costing a few nanoseconds this spins for some tens of
	// microseconds: longer than the gap between two matvecs of a decode step,
	// far shorter than the time a parked goroutine would cost to wake.
	spinLoads = 1 << 14
	spinYield = 1 << 8
)

// worker is one pool goroutine and the flag and channel that park it.
type worker struct {
	index    int         // the chunk it runs: 0..threads-2
	sleeping atomic.Bool // parked, or about to park, on wake
	wake     chan struct{}
	_        [48]byte // one worker per cache line: flags are written by others
}

// wakeUp wakes w if it is parked or about to park (and claims that wake-up
// so that it is sent once). The plain load first avoids taking the flag's
// cache line exclusively from a worker that is spinning.
func (w *worker) wakeUp() {
	if w.sleeping.Load() && w.sleeping.CompareAndSwap(true, false) {
		w.wake <- struct{}{}
	}
}

// task is what a Pool runs. Kernels pass pointers to structs kept in a
// Scratch, so that a call allocates nothing (a closure would escape to the
// heap on every call).
type task interface {
	run(start, end int)
}

// funcTask adapts Run's function argument to task.
type funcTask func(start, end int)

func (f funcTask) run(start, end int) { f(start, end) }

// PoolPanic is the value Run panics with when fn panicked in any chunk,
// whichever goroutine ran it: Value is what fn panicked with and Stack the
// stack of the goroutine that panicked (for a worker, a stack the caller
// could not otherwise see). When several chunks panic, the first is kept.
type PoolPanic struct {
	Value any
	Stack []byte
}

// Error describes the panic and includes the stack where it happened.
func (e *PoolPanic) Error() string {
	return fmt.Sprintf("kernels: panic in a Pool.Run task: %v\n\n%s", e.Value, e.Stack)
}

// Unwrap returns Value when it is an error.
func (e *PoolPanic) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// NewPool starts a pool that runs loops on threads goroutines: the caller of
// Run and threads−1 workers. threads == 0 means DefaultThreads(); a negative
// value or one above MaxThreads panics. A one-thread pool starts no
// goroutine and runs everything inline. Close the pool to stop its workers.
func NewPool(threads int) *Pool {
	if threads == 0 {
		threads = DefaultThreads()
	}
	if threads < 0 || threads > MaxThreads {
		panic(fmt.Sprintf("kernels: NewPool(%d): threads must be in 0..%d", threads, MaxThreads))
	}
	p := &Pool{threads: threads, done: make(chan struct{}, 1)}
	p.workers = make([]*worker, threads-1)
	p.wg.Add(len(p.workers))
	for i := range p.workers {
		w := &worker{index: i, wake: make(chan struct{}, 1)}
		p.workers[i] = w
		go p.loop(w)
	}
	return p
}

// Threads returns how many goroutines run a loop, the caller's included (1
// for a nil pool).
func (p *Pool) Threads() int {
	if p == nil {
		return 1
	}
	return p.threads
}

// Run calls fn on contiguous chunks that cover [0,n) exactly once, one chunk
// per thread (fewer when n < Threads()), in parallel, and returns when every
// call has returned. Chunk sizes differ by at most one. The caller's
// goroutine runs the last chunk.
//
// If fn panics, Run waits for the other chunks and then panics with a
// *PoolPanic holding the first panic; the pool stays usable. fn must not
// call Run on the same pool (it would deadlock), and must return or panic
// (runtime.Goexit in a worker would hang the call). Run panics if n < 0, fn
// is nil or the pool is closed.
func (p *Pool) Run(n int, fn func(start, end int)) {
	if fn == nil {
		panic("kernels: Pool.Run: fn is nil")
	}
	p.run(n, funcTask(fn))
}

// run is Run for a task.
func (p *Pool) run(n int, t task) {
	if n < 0 {
		panic(fmt.Sprintf("kernels: Pool.Run: n = %d is negative", n))
	}
	if p == nil {
		if n > 0 {
			var pp *PoolPanic
			runChunk(t, 0, n, &pp)
			if pp != nil {
				panic(pp)
			}
		}
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		panic("kernels: Pool.Run called after Close")
	}
	if n == 0 {
		return
	}
	parts := min(p.threads, n)
	p.job, p.n = t, n
	if parts > 1 {
		p.target += uint64(parts - 1)
		gen := p.state.Load()>>partsBits + 1
		p.state.Swap(gen<<partsBits | uint64(parts)) // a full barrier, see wait
		for _, w := range p.workers[:parts-1] {
			w.wakeUp()
		}
	}
	p.runPart(parts-1, parts)
	if parts > 1 {
		p.wait()
	}
	p.job = nil // do not keep the caller's buffers alive
	if p.panicked.Load() != nil {
		panic(p.panicked.Swap(nil))
	}
}

// runPart runs chunk i of the current call split into parts chunks.
func (p *Pool) runPart(i, parts int) {
	start, end := i*p.n/parts, (i+1)*p.n/parts
	var pp *PoolPanic
	runChunk(p.job, start, end, &pp)
	if pp != nil {
		p.panicked.CompareAndSwap(nil, pp)
	}
}

// runChunk runs t on [start,end) and turns a panic into *pp.
func runChunk(t task, start, end int, pp **PoolPanic) {
	defer func() {
		if v := recover(); v != nil {
			*pp = &PoolPanic{Value: v, Stack: debug.Stack()}
		}
	}()
	t.run(start, end)
}

// wait returns when every worker of the current call has finished: it spins,
// then parks on done. The worker that brings finished to target wakes it only
// if it announced, through waiting, that it parks for that very target; both
// sides write before they read (sequentially consistent atomics), so one of
// them always sees the other and no wake-up is lost.
//
// The writes of both handshakes (waiting here, sleeping in await, state in
// run and Close) are read-modify-writes (Swap, Add, CompareAndSwap), not
// Stores. Go's atomics are sequentially consistent either way on hardware,
// but the handshake rests on a write not passing the later read of another
// word, the one ordering an emulator can lose: on arm64 a Store is STLR and
// a Load LDAR, which ARMv8 keeps in order, but qemu-user puts STLR's barrier
// before the store and LDAR's after the load, so on an x86 host the store
// can still sit in the store buffer when the load reads. qemu runs every
// read-modify-write as a locked host instruction, a full barrier. A Run
// under qemu-aarch64 (cortex-a72) once waited forever in make test, its
// worker parked; nothing else in the pool explains that. On x86 a Store
// already is an XCHG, and on ARM a swap costs what a store-release does, so
// this costs nothing.
func (p *Pool) wait() {
	for i := range spinLoads {
		if p.finished.Load() == p.target {
			return
		}
		if i%spinYield == spinYield-1 {
			runtime.Gosched()
		}
	}
	p.waiting.Swap(p.target) // a full barrier, see above
	if p.finished.Load() == p.target {
		if !p.waiting.CompareAndSwap(p.target, 0) {
			<-p.done // the last worker claimed the wake-up: take it
		}
		return
	}
	<-p.done
}

// loop is a worker's life: wait for a new call, run its chunk if it takes
// part, report, repeat; exit when a call has zero parts.
func (p *Pool) loop(w *worker) {
	defer p.wg.Done()
	var seen uint64 // generation of the last call looked at
	for {
		s := p.await(w, seen)
		seen = s >> partsBits
		parts := int(s & partsMask)
		if parts == 0 {
			return
		}
		if w.index >= parts-1 {
			continue // the call is too small to need this worker
		}
		p.runPart(w.index, parts)
		// Load before the compare-and-swap: a failing CAS still takes the
		// cache line exclusively, which the spinning caller would pay for.
		// target is read before the Add: once finished reaches it, Run may
		// return and the next call rewrite it.
		target := p.target
		//
		// waiting holds the target the caller parks for, not a flag: the
		// last worker of one call can be preempted between its Add and
		// this check while the caller, which saw the Add, returns, starts
		// the next call and parks for it. A flag would then let the stale
		// worker wake that next call before its workers are done (seen
		// under -race as a Run returning with a chunk still running);
		// targets only grow, so the stale target never matches.
		if p.finished.Add(1) == target && p.waiting.Load() == target && p.waiting.CompareAndSwap(target, 0) {
			p.done <- struct{}{}
		}
	}
}

// await returns the state word of the first call newer than generation seen:
// it spins, then parks on w.wake, with the same store-then-load handshake as
// wait (Run sets state and then claims sleeping workers).
func (p *Pool) await(w *worker, seen uint64) uint64 {
	for i := range spinLoads {
		if s := p.state.Load(); s>>partsBits != seen {
			return s
		}
		if i%spinYield == spinYield-1 {
			runtime.Gosched()
		}
	}
	for {
		w.sleeping.Swap(true) // a full barrier, see wait
		if s := p.state.Load(); s>>partsBits != seen {
			if !w.sleeping.CompareAndSwap(true, false) {
				<-w.wake // a waker claimed us and sends one wake-up: take it
			}
			return s
		}
		<-w.wake
		if s := p.state.Load(); s>>partsBits != seen {
			return s
		}
	}
}

// Close stops the workers and waits for them to exit. It waits for a Run in
// progress to finish; calling it again does nothing; Run after Close panics.
func (p *Pool) Close() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	p.closed = true
	if len(p.workers) == 0 {
		return
	}
	gen := p.state.Load()>>partsBits + 1
	p.state.Swap(gen << partsBits) // zero parts: exit (a full barrier, see wait)
	for _, w := range p.workers {
		w.wakeUp()
	}
	p.wg.Wait()
}
