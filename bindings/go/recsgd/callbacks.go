// librecsgd. SPDX-License-Identifier: BSD-2-Clause

package recsgd

/*
#include "shim.h"
*/
import "C"

import (
	"fmt"
	"runtime/cgo"
	"runtime/debug"
	"sync"
	"unsafe"
)

// Go callbacks reach the library through exported trampolines
// (recsgdGo*, below) and the C functions of shim.c. The user data the
// library carries is a runtime/cgo.Handle of the model's *callbacks, so no
// Go pointer is ever stored in C memory. A panic never unwinds through C:
// each trampoline recovers it, records it, and makes the library stop
// (progress and init return non-zero, so rs_fit ends with RS_ERR_CANCELLED;
// clip and log cannot stop training themselves, so the progress trampoline,
// installed whenever a model has Go callbacks, stops it at the end of that
// epoch). Fit then returns the panic as the cause of its *Error.

// ProgressFunc is called after every epoch of Fit and PartialFit on the
// goroutine that called them, with that epoch's statistics (the slice is
// the callback's to keep). Returning true stops training: Fit then returns
// an error with Status ErrCancelled and the model keeps its last complete
// epoch.
type ProgressFunc func(stats EpochStats) (stop bool)

// InitFunc fills one parameter block (rows x cols floats, row-major) before
// training. values points into library memory and is valid only during the
// call. seed is derived from the "seed" parameter and the block, so an
// InitFunc that uses only seed is deterministic. Returning an error stops
// Fit, which returns it as the cause of an ErrCancelled error.
type InitFunc func(block Block, values []float32, rows, cols int, seed uint64) error

// ClipFunc may change one parameter row's gradient in place before it is
// applied, and reports whether it changed anything. grad is valid only
// during the call. With "threads" > 1 it runs on the library's worker
// threads, concurrently: it must be safe for concurrent use.
type ClipFunc func(grad []float32) (changed bool)

// LogFunc receives the library's diagnostics, on the thread of the call
// that produced them.
type LogFunc func(level LogLevel, message string)

// CallbackError is the cause of a Fit that a Go callback stopped: the
// callback panicked (Value is the panic value, Stack its stack) or
// returned an error (Err).
type CallbackError struct {
	Callback string // "progress", "init", "clip", "log", "reader" or "writer"
	Value    interface{}
	Err      error
	Stack    []byte
}

func (e *CallbackError) Error() string {
	if e.Value != nil {
		return fmt.Sprintf("%s callback panicked: %v", e.Callback, e.Value)
	}
	return fmt.Sprintf("%s callback failed: %v", e.Callback, e.Err)
}

// Unwrap returns the error the callback returned or panicked with.
func (e *CallbackError) Unwrap() error { return e.Err }

type callbacks struct {
	progress ProgressFunc
	init     InitFunc
	clip     ClipFunc
	log      LogFunc

	mu     sync.Mutex
	failed error // first failure of a callback in the running Fit
}

func (c *callbacks) reset() {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.failed = nil
	c.mu.Unlock()
}

func (c *callbacks) cause() error {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.failed
}

func (c *callbacks) fail(err error) {
	c.mu.Lock()
	if c.failed == nil {
		c.failed = err
	}
	c.mu.Unlock()
}

func (c *callbacks) hasFailed() bool { return c.cause() != nil }

// recoverInto turns a panic of callback name into a recorded failure; it
// must be deferred directly. ret, if not nil, receives the value that
// makes the library stop.
func (c *callbacks) recoverInto(name string, ret *C.int32_t, stop C.int32_t) {
	if r := recover(); r != nil {
		e := &CallbackError{Callback: name, Value: r, Stack: debug.Stack()}
		if err, ok := r.(error); ok {
			e.Err = err
		}
		c.fail(e)
		if ret != nil {
			*ret = stop
		}
	}
}

func cbOf(h C.uintptr_t) *callbacks { return cgo.Handle(h).Value().(*callbacks) }

//export recsgdGoProgress
func recsgdGoProgress(h C.uintptr_t, stats *C.double, n C.size_t) (ret C.int32_t) {
	c := cbOf(h)
	if c.hasFailed() {
		return 1 // a clip or log callback failed during this epoch
	}
	if c.progress == nil {
		return 0
	}
	defer c.recoverInto("progress", &ret, 1)
	s := make(EpochStats, int(n))
	copy(s, unsafe.Slice((*float64)(unsafe.Pointer(stats)), int(n)))
	if c.progress(s) {
		return 1
	}
	return 0
}

//export recsgdGoInit
func recsgdGoInit(h C.uintptr_t, block C.int32_t, values *C.float, rows, cols C.size_t, seed C.uint64_t) (ret C.int32_t) {
	c := cbOf(h)
	if c.init == nil {
		return 1 // unreachable: the shim is installed only with a function
	}
	defer c.recoverInto("init", &ret, 1)
	v := unsafe.Slice((*float32)(unsafe.Pointer(values)), int(rows)*int(cols))
	if err := c.init(Block(block), v, int(rows), int(cols), uint64(seed)); err != nil {
		c.fail(&CallbackError{Callback: "init", Err: err})
		return 1
	}
	return 0
}

//export recsgdGoClip
func recsgdGoClip(h C.uintptr_t, grad *C.float, n C.size_t) (ret C.int32_t) {
	c := cbOf(h)
	if c.clip == nil || c.hasFailed() {
		return 0
	}
	defer c.recoverInto("clip", nil, 0)
	if c.clip(unsafe.Slice((*float32)(unsafe.Pointer(grad)), int(n))) {
		return 1
	}
	return 0
}

//export recsgdGoLog
func recsgdGoLog(h C.uintptr_t, level C.int32_t, msg *C.char) {
	c := cbOf(h)
	if c.log == nil {
		return
	}
	defer c.recoverInto("log", nil, 0)
	c.log(LogLevel(level), C.GoString(msg))
}

//export recsgdGoWrite
func recsgdGoWrite(h C.uintptr_t, buf unsafe.Pointer, n C.size_t) (ret C.int32_t) {
	w := cgo.Handle(h).Value().(*writer)
	defer func() {
		if r := recover(); r != nil {
			w.err = &CallbackError{Callback: "writer", Value: r, Stack: debug.Stack()}
			ret = 1
		}
	}()
	return C.int32_t(w.write(unsafe.Slice((*byte)(buf), int(n))))
}

//export recsgdGoRead
func recsgdGoRead(h C.uintptr_t, buf unsafe.Pointer, capacity C.size_t, lenOut *C.size_t) (ret C.int32_t) {
	r := cgo.Handle(h).Value().(*reader)
	*lenOut = 0
	defer func() {
		if p := recover(); p != nil {
			r.err = &CallbackError{Callback: "reader", Value: p, Stack: debug.Stack()}
			ret = 1
		}
	}()
	n, fail := r.read(unsafe.Slice((*byte)(buf), int(capacity)))
	if fail {
		return 1
	}
	*lenOut = C.size_t(n)
	return 0
}

// ensureCallbacks creates the model's callback record and installs the
// progress trampoline, which also stops training when another callback
// failed.
func (m *Model) ensureCallbacks(op string) error {
	if m.s.cb != nil {
		return nil
	}
	cb := &callbacks{}
	h := cgo.NewHandle(cb)
	if err := m.mutErr(op, C.recsgd_go_set_progress(m.s.ptr, C.uintptr_t(h)), nil); err != nil {
		h.Delete()
		return err
	}
	m.s.cb, m.s.cbh = cb, h
	return nil
}

// setCallback installs (on) or removes one trampoline and, on success,
// records the Go function with apply. The model is unchanged on failure.
func (m *Model) setCallback(op string, on bool, install func(*C.rs_model, C.uintptr_t) C.rs_status, apply func(*callbacks)) error {
	p, err := m.handle()
	if err != nil {
		return err
	}
	if err := m.ensureCallbacks(op); err != nil {
		return err
	}
	var h C.uintptr_t
	if on {
		h = C.uintptr_t(m.s.cbh)
	}
	if install != nil {
		if err := m.mutErr(op, install(p, h), nil); err != nil {
			return err
		}
	}
	apply(m.s.cb)
	return nil
}

// SetProgressFunc sets the per-epoch progress callback (nil removes it).
func (m *Model) SetProgressFunc(fn ProgressFunc) error {
	// the progress trampoline stays installed; it calls fn when set
	return m.setCallback("SetProgressFunc", fn != nil, nil, func(c *callbacks) { c.progress = fn })
}

// SetInitFunc sets a custom initialisation policy (nil restores the
// built-in one selected by the "init" parameter). It runs once per
// parameter block per Fit, so its cgo cost is negligible.
func (m *Model) SetInitFunc(fn InitFunc) error {
	return m.setCallback("SetInitFunc", fn != nil, func(p *C.rs_model, h C.uintptr_t) C.rs_status {
		return C.recsgd_go_set_init(p, h)
	}, func(c *callbacks) { c.init = fn })
}

// SetClipFunc sets a custom gradient clipping policy (nil restores the
// built-in one selected by the "clip" parameter). It is called for every
// parameter row of every rating, so it costs a cgo callback per row: use
// the built-in policies ("clip": "value" or "norm") when speed matters.
func (m *Model) SetClipFunc(fn ClipFunc) error {
	return m.setCallback("SetClipFunc", fn != nil, func(p *C.rs_model, h C.uintptr_t) C.rs_status {
		return C.recsgd_go_set_clip(p, h)
	}, func(c *callbacks) { c.clip = fn })
}

// SetLogFunc routes the library's diagnostics to fn (nil removes it).
func (m *Model) SetLogFunc(fn LogFunc) error {
	return m.setCallback("SetLogFunc", fn != nil, func(p *C.rs_model, h C.uintptr_t) C.rs_status {
		return C.recsgd_go_set_log(p, h)
	}, func(c *callbacks) { c.log = fn })
}

// ---- built-in policies ----

// BuiltinInit runs one of the library's initialisers on values (rows x
// cols), for an InitFunc that wraps or mixes them. scale is the standard
// deviation (InitNormal, InitScaledNormal) or half width (InitUniform);
// InitZero ignores it.
func BuiltinInit(policy InitPolicy, block Block, values []float32, rows, cols int, seed uint64, scale float64) error {
	if rows < 0 || cols < 0 || len(values) < rows*cols {
		return &Error{Status: ErrInvalidArg, Op: "BuiltinInit",
			Message: fmt.Sprintf("%d values for %d x %d", len(values), rows, cols)}
	}
	ud := unsafe.Pointer(&scale)
	b, v, r, cl, s := C.int32_t(block), f32p(values), C.size_t(rows), C.size_t(cols), C.uint64_t(seed)
	switch policy {
	case InitNormal:
		C.rs_init_normal(ud, b, v, r, cl, s)
	case InitUniform:
		C.rs_init_uniform(ud, b, v, r, cl, s)
	case InitScaledNormal:
		C.rs_init_scaled_normal(ud, b, v, r, cl, s)
	case InitZero:
		C.rs_init_zero(nil, b, v, r, cl, s)
	default:
		return &Error{Status: ErrInvalidArg, Op: "BuiltinInit", Message: fmt.Sprintf("no built-in initialiser %d", policy)}
	}
	return nil
}

// BuiltinClip runs one of the library's clipping policies on grad with
// threshold c > 0 and reports whether it changed anything.
func BuiltinClip(policy ClipPolicy, grad []float32, c float64) (bool, error) {
	ud := unsafe.Pointer(&c)
	var r C.int32_t
	switch policy {
	case ClipValue:
		r = C.rs_clip_value(ud, f32p(grad), C.size_t(len(grad)))
	case ClipNorm:
		r = C.rs_clip_norm(ud, f32p(grad), C.size_t(len(grad)))
	default:
		return false, &Error{Status: ErrInvalidArg, Op: "BuiltinClip", Message: fmt.Sprintf("no built-in clipping policy %d", policy)}
	}
	return r != 0, nil
}
