// librecsgd. SPDX-License-Identifier: BSD-2-Clause

package recsgd

/*
#include "shim.h"
*/
import "C"

import (
	"fmt"
	"math"
	"runtime"
	"runtime/cgo"
	"unsafe"
)

// Model is a recommendation model (rs_model): hyper-parameters, training
// and scoring. Scoring calls and getters may run from many goroutines at
// once; every other method needs exclusive use of the Model.
type Model struct {
	s *modelState // shared by copies of the Model value; nil for a zero Model
}

// modelState carries the finaliser, so a Model may live inside another
// value (a gob-decoded struct field) and copies of it see one handle.
type modelState struct {
	ptr *C.rs_model
	cb  *callbacks // Go callbacks; nil until one is set
	cbh cgo.Handle // handle of cb given to C as user data; 0 when cb is nil
}

func newModelState(p *C.rs_model) *modelState {
	s := &modelState{ptr: p}
	runtime.SetFinalizer(s, (*modelState).free)
	return s
}

func wrapModel(p *C.rs_model) *Model { return &Model{s: newModelState(p)} }

func (s *modelState) free() {
	if s.ptr != nil {
		C.rs_model_free(s.ptr)
		s.ptr = nil
	}
	if s.cbh != 0 {
		s.cbh.Delete()
		s.cbh, s.cb = 0, nil
	}
}

// NewModel creates an untrained model of one scorer kind with every
// parameter at its default.
func NewModel(scorer Scorer) (*Model, error) {
	if versionErr != nil {
		return nil, versionErr
	}
	var p *C.rs_model
	if err := statusError("NewModel", C.rs_model_new(&p, C.int32_t(scorer), nil, nil)); err != nil {
		return nil, err
	}
	return wrapModel(p), nil
}

// NewModelNamed creates a model from a scorer name ("collaborative",
// "content", "hybrid") and sets params by name in sorted key order; the
// first failure closes the model and is returned.
func NewModelNamed(scorer string, params map[string]interface{}) (*Model, error) {
	v, ok := paramChoices[ParamScorer][scorer]
	if !ok {
		return nil, &Error{Status: ErrInvalidArg, Op: "NewModelNamed", Message: fmt.Sprintf("no scorer named %q", scorer)}
	}
	m, err := NewModel(Scorer(v))
	if err != nil {
		return nil, err
	}
	if err := m.SetAll(params); err != nil {
		m.Close()
		return nil, err
	}
	return m, nil
}

// Close frees the model and releases its callbacks. It is safe to call
// more than once.
func (m *Model) Close() error {
	if m != nil && m.s != nil {
		m.s.free()
		runtime.SetFinalizer(m.s, nil)
	}
	return nil
}

func (m *Model) handle() (*C.rs_model, error) {
	if m == nil || m.s == nil || m.s.ptr == nil {
		return nil, ErrClosed
	}
	return m.s.ptr, nil
}

func (m *Model) cptr() *C.rs_model {
	if m == nil || m.s == nil {
		return nil
	}
	return m.s.ptr
}

// mutErr is the error of a failed mutating call, with the model's message.
func (m *Model) mutErr(op string, st C.rs_status, cause error) error {
	if Status(st).IsSuccess() {
		return nil
	}
	return &Error{Status: Status(st), Op: op, Message: C.GoString(C.rs_model_last_error(m.s.ptr)), Err: cause}
}

// ---- parameters ----

func (m *Model) params() paramAccess {
	return paramAccess{
		setInt: func(p Param, v int64) C.rs_status { return C.rs_model_set_int(m.s.ptr, C.rs_param(p), C.int64_t(v)) },
		setDouble: func(p Param, v float64) C.rs_status {
			return C.rs_model_set_double(m.s.ptr, C.rs_param(p), C.double(v))
		},
		getInt:    func(p Param, v *C.int64_t) C.rs_status { return C.rs_model_get_int(m.s.ptr, C.rs_param(p), v) },
		getDouble: func(p Param, v *C.double) C.rs_status { return C.rs_model_get_double(m.s.ptr, C.rs_param(p), v) },
		lastError: func() string { return C.GoString(C.rs_model_last_error(m.s.ptr)) },
	}
}

// Set sets a hyper-parameter by its keyword name, resolved by the library
// (rs_param_from_name), so every parameter of the linked library works:
//
//	m.Set("factors", 16)
//	m.Set("learning_rate", 0.01)
//	m.Set("lr_policy", "adagrad")   // enumerated: by value name ...
//	m.Set("lr_policy", LRAdagrad)   // ... or by constant
//	m.Set("clamp", false)
//
// Integers and floats are converted when the parameter has the other type
// and the value is exact. The model is unchanged on failure.
func (m *Model) Set(name string, value interface{}) error {
	p, err := ParamByName(name)
	if err != nil {
		return err
	}
	return m.SetParam(p, value)
}

// SetParam sets a hyper-parameter by key (ParamFactors, ...); see Set.
func (m *Model) SetParam(p Param, value interface{}) error {
	if _, err := m.handle(); err != nil {
		return err
	}
	defer runtime.KeepAlive(m)
	return setParam("Set", m.params(), p, value)
}

// SetAll sets several parameters by name, in sorted key order so failures
// are reproducible; it stops at the first failure.
func (m *Model) SetAll(params map[string]interface{}) error {
	for _, k := range sortedKeys(params) {
		if err := m.Set(k, params[k]); err != nil {
			return err
		}
	}
	return nil
}

// GetInt reads an integer or enumerated parameter by name.
func (m *Model) GetInt(name string) (int64, error) {
	if _, err := m.handle(); err != nil {
		return 0, err
	}
	defer runtime.KeepAlive(m)
	return getInt("GetInt", m.params(), name)
}

// GetFloat reads a real parameter (or an integer one, converted) by name.
func (m *Model) GetFloat(name string) (float64, error) {
	if _, err := m.handle(); err != nil {
		return math.NaN(), err
	}
	defer runtime.KeepAlive(m)
	return getFloat("GetFloat", m.params(), name)
}

// Scorer is the model's scorer kind.
func (m *Model) Scorer() (Scorer, error) {
	if _, err := m.handle(); err != nil {
		return 0, err
	}
	defer runtime.KeepAlive(m)
	var v C.int64_t
	if err := statusError("Scorer", C.rs_model_get_int(m.s.ptr, C.rs_param(ParamScorer), &v)); err != nil {
		return 0, err
	}
	return Scorer(v), nil
}

// ---- training ----

// Fit trains the model from scratch on train; valid (may be nil) enables
// early stopping and keeps the best validation epoch. Callbacks set with
// SetProgressFunc, SetInitFunc, SetClipFunc and SetLogFunc run during the
// call. A callback that panics or returns an error stops training: Fit then
// returns an *Error with Status ErrCancelled whose Unwrap is the cause (a
// *CallbackError). The model keeps its last complete epoch. If training
// had already completed when the callback failed (a log callback after the
// last epoch), the model is fitted and Fit returns the *CallbackError alone.
func (m *Model) Fit(train, valid *Dataset) error {
	return m.train("Fit", train, valid, func(p *C.rs_model, a, b *C.rs_dataset) C.rs_status {
		return C.rs_fit(p, a, b)
	})
}

// train runs a training call on a required and an optional dataset, with
// the callback failures of the previous run cleared.
func (m *Model) train(op string, data, extra *Dataset, run func(*C.rs_model, *C.rs_dataset, *C.rs_dataset) C.rs_status) error {
	p, err := m.handle()
	if err != nil {
		return err
	}
	a, err := data.handle()
	if err != nil {
		return err
	}
	var b *C.rs_dataset
	if extra != nil {
		if b, err = extra.handle(); err != nil {
			return err
		}
	}
	m.s.cb.reset()
	defer runtime.KeepAlive(m)
	defer runtime.KeepAlive(data)
	defer runtime.KeepAlive(extra)
	return m.fitErr(op, run(p, a, b))
}

// fitErr is the result of a training call: the library's error with the
// failure of a Go callback as its cause, or, when training succeeded but a
// callback that cannot stop it (log, or clip in the last epoch) failed,
// that failure itself: a recovered panic is never dropped.
func (m *Model) fitErr(op string, st C.rs_status) error {
	cause := m.s.cb.cause()
	if Status(st).IsSuccess() && cause != nil {
		return cause
	}
	return m.mutErr(op, st, cause)
}

// PartialFit trains new ratings into a fitted model without a full retrain,
// replaying ratings sampled from replay (may be nil) so the model keeps
// what it learned. Callbacks behave as in Fit.
func (m *Model) PartialFit(ratings, replay *Dataset) error {
	return m.train("PartialFit", ratings, replay, func(p *C.rs_model, a, b *C.rs_dataset) C.rs_status {
		return C.rs_partial_fit(p, a, b)
	})
}

// EpochStats are the statistics of one epoch, indexed by the Stat
// constants: s[StatTrainRMSE]. Its length is what the library fills.
type EpochStats []float64

// Get returns one statistic, or NaN when this library does not fill it.
func (s EpochStats) Get(k Stat) float64 {
	if k < 0 || int(k) >= len(s) {
		return math.NaN()
	}
	return s[k]
}

// EpochStats returns the statistics of every epoch of the last Fit or
// PartialFit.
func (m *Model) EpochStats() ([]EpochStats, error) {
	p, err := m.handle()
	if err != nil {
		return nil, err
	}
	defer runtime.KeepAlive(m)
	n := int(C.rs_model_num_epoch_stats(p))
	out := make([]EpochStats, n)
	// room for more entries than this version of the headers knows about
	const room = 64
	for e := 0; e < n; e++ {
		buf := make([]float64, room)
		var got C.size_t
		if err := statusError("EpochStats", C.rs_model_epoch_stats(p, C.size_t(e), f64p(buf), room, &got)); err != nil {
			return nil, err
		}
		out[e] = EpochStats(buf[:got:got])
	}
	return out, nil
}

// ---- online updates and cold start ----

// FoldInUser computes one user's bias and factors from their ratings with
// every item frozen, so a new user gets recommendations at once.
func (m *Model) FoldInUser(user int64, items []int64, ratings []float32) error {
	p, err := m.handle()
	if err != nil {
		return err
	}
	if err := sameLen("FoldInUser", len(items), len(ratings)); err != nil {
		return err
	}
	defer runtime.KeepAlive(m)
	st := C.rs_fold_in_user(p, C.int64_t(user), i64p(items), f32p(ratings), C.size_t(len(items)))
	return m.mutErr("FoldInUser", st, nil)
}

// FoldInItem computes one item's bias and factors from its ratings with
// every user frozen (collaborative and hybrid scorers).
func (m *Model) FoldInItem(item int64, users []int64, ratings []float32) error {
	p, err := m.handle()
	if err != nil {
		return err
	}
	if err := sameLen("FoldInItem", len(users), len(ratings)); err != nil {
		return err
	}
	defer runtime.KeepAlive(m)
	st := C.rs_fold_in_item(p, C.int64_t(item), i64p(users), f32p(ratings), C.size_t(len(users)))
	return m.mutErr("FoldInItem", st, nil)
}

// SetFeatures registers a user or item with its features on a fitted model,
// or replaces the features of a known one. Indices are the model's (see
// FeatureIndex); values may be nil (all 1).
func (m *Model) SetFeatures(side Side, id int64, features []int32, values []float32) error {
	p, err := m.handle()
	if err != nil {
		return err
	}
	if values != nil {
		if err := sameLen("SetFeatures", len(features), len(values)); err != nil {
			return err
		}
	}
	defer runtime.KeepAlive(m)
	st := C.rs_model_set_features(p, C.int32_t(side), C.int64_t(id), i32p(features), f32p(values),
		C.size_t(len(features)))
	return m.mutErr("SetFeatures", st, nil)
}

// FeatureIndex is the model's index of a named feature.
func (m *Model) FeatureIndex(side Side, name string) (int32, error) {
	p, err := m.handle()
	if err != nil {
		return -1, err
	}
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	defer runtime.KeepAlive(m)
	var idx C.int32_t
	if err := statusError("FeatureIndex", C.rs_model_feature_index(p, C.int32_t(side), cname, &idx)); err != nil {
		return -1, err
	}
	return int32(idx), nil
}

// NumFeatures is the number of features the model knows on one side.
func (m *Model) NumFeatures(side Side) int {
	defer runtime.KeepAlive(m)
	return int(C.rs_model_num_features(m.cptr(), C.int32_t(side)))
}

// ---- inspection ----

// NumUsers is the number of users the fitted model knows.
func (m *Model) NumUsers() int {
	defer runtime.KeepAlive(m)
	return int(C.rs_model_num_users(m.cptr()))
}

// NumItems is the number of items the fitted model knows.
func (m *Model) NumItems() int {
	defer runtime.KeepAlive(m)
	return int(C.rs_model_num_items(m.cptr()))
}

// UserFactors copies one user's learned factor vector.
func (m *Model) UserFactors(user int64) ([]float32, error) {
	return m.factors("UserFactors", func(p *C.rs_model, dst *C.float, cap C.size_t, n *C.size_t) C.rs_status {
		return C.rs_model_copy_user_factors(p, C.int64_t(user), dst, cap, n)
	})
}

// ItemFactors copies one item's learned factor vector.
func (m *Model) ItemFactors(item int64) ([]float32, error) {
	return m.factors("ItemFactors", func(p *C.rs_model, dst *C.float, cap C.size_t, n *C.size_t) C.rs_status {
		return C.rs_model_copy_item_factors(p, C.int64_t(item), dst, cap, n)
	})
}

func (m *Model) factors(op string, copyFn func(*C.rs_model, *C.float, C.size_t, *C.size_t) C.rs_status) ([]float32, error) {
	p, err := m.handle()
	if err != nil {
		return nil, err
	}
	defer runtime.KeepAlive(m)
	var n C.size_t
	if err := statusError(op, copyFn(p, nil, 0, &n)); err != nil {
		return nil, err
	}
	out := make([]float32, int(n))
	if n > 0 {
		if err := statusError(op, copyFn(p, f32p(out), n, &n)); err != nil {
			return nil, err
		}
	}
	return out, nil
}
