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
	"sort"
)

// Evaluation: EvaluateRatings and EvaluateRanking wrap the library's
// rs_model_evaluate_ratings and rs_model_evaluate_ranking (the formulas are
// in docs/guide/evaluation.md). Both are `shared`: they may run while other
// goroutines serve from the same Model.

// Metrics are the figures one evaluation call wrote, keyed by the Metric
// constants: ms[MetricRMSE], ms[MetricNDCG]. Each call writes only its own
// entries, so a key is present exactly when the call computed it. Counts
// (MetricScored, MetricUsers, ...) are whole numbers stored as float64, as
// the library stores them; a mean over nothing is NaN.
type Metrics map[Metric]float64

// String is the metric's name: the RS_METRIC_* constant in lower case
// without its prefix ("rmse", "hit_rate"), or "metric_<n>" for an index
// these headers do not name.
func (k Metric) String() string {
	if s, ok := metricNames[k]; ok {
		return s
	}
	return fmt.Sprintf("metric_%d", int32(k))
}

// ByName returns the figures keyed by their names (Metric.String).
func (ms Metrics) ByName() map[string]float64 {
	out := make(map[string]float64, len(ms))
	for k, v := range ms {
		out[k.String()] = v
	}
	return out
}

// String lists the figures in index order: "rmse=0.9123 mae=0.7201 ...".
func (ms Metrics) String() string {
	keys := make([]Metric, 0, len(ms))
	for k := range ms {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(a, b int) bool { return keys[a] < keys[b] })
	s := ""
	for j, k := range keys {
		if j > 0 {
			s += " "
		}
		s += fmt.Sprintf("%s=%.6g", k, ms[k])
	}
	return s
}

// metricRoom is more entries than these headers define (a newer library of
// the same major version may write more); unwritten is a NaN payload no
// arithmetic produces, so an entry still holding it after a call is one the
// call left alone.
const (
	metricRoom = 64
	unwritten  = 0x7FF8C0FFEE0DDBA1
)

func evaluate(op string, call func(buf *C.double, room C.size_t, n *C.size_t) C.rs_status) (Metrics, error) {
	buf := make([]float64, metricRoom)
	for j := range buf {
		buf[j] = math.Float64frombits(unwritten)
	}
	var n C.size_t
	if err := statusError(op, call(f64p(buf), metricRoom, &n)); err != nil {
		return nil, err
	}
	ms := make(Metrics, int(n))
	for j, v := range buf {
		if math.Float64bits(v) != unwritten {
			ms[Metric(j)] = v
		}
	}
	return ms, nil
}

// evalHandles are the C handles of the model and the test set (ErrClosed
// for a closed or nil one).
func (m *Model) evalHandles(test *Dataset) (*C.rs_model, *C.rs_dataset, error) {
	p, err := m.handle()
	if err != nil {
		return nil, nil, err
	}
	t, err := test.handle()
	if err != nil {
		return nil, nil, err
	}
	return p, t, nil
}

// EvaluateRatings scores every rating of test as Predict would (clamped
// when the model clamps, unknown ids by the cold-start fallback) and
// returns MetricRMSE, MetricMAE, MetricScored, MetricFallbacks and
// MetricUnscored (ratings of unknown ids under cold_start "error").
func (m *Model) EvaluateRatings(test *Dataset) (Metrics, error) {
	p, t, err := m.evalHandles(test)
	if err != nil {
		return nil, err
	}
	defer runtime.KeepAlive(m)
	defer runtime.KeepAlive(test)
	return evaluate("EvaluateRatings", func(buf *C.double, room C.size_t, n *C.size_t) C.rs_status {
		return C.rs_model_evaluate_ratings(p, t, buf, room, n)
	})
}

// RankingOptions tune EvaluateRanking.
type RankingOptions struct {
	// K is the cut-off of the top-k metrics (>= 1).
	K int
	// Threshold: a test rating >= Threshold is relevant.
	Threshold float64
	// Exclude, when not nil, holds (user, item) pairs that are never
	// candidates (e.g. a validation set, or the training set of a model
	// fitted elsewhere).
	Exclude *Dataset
	// Candidates, when not nil, are the only items ranked (unknown ids and
	// duplicates are ignored); an empty non-nil slice ranks nothing. nil
	// ranks every item the model knows.
	Candidates []int64
	// IncludeSeen keeps the items each user rated in training among the
	// candidates (RS_EVAL_INCLUDE_SEEN).
	IncludeSeen bool
}

// DefaultRankingOptions are what EvaluateRanking uses for nil options:
// K 10, Threshold 4 (as `recsgd eval`).
func DefaultRankingOptions() RankingOptions {
	return RankingOptions{K: 10, Threshold: 4}
}

// EvaluateRanking ranks the candidates of every test user with a relevant
// test rating, exactly as Recommend orders them, and returns the means
// over those users of MetricPrecision, MetricRecall, MetricNDCG, MetricMAP
// and MetricHitRate at K and of MetricAUC over all candidates, with the
// counts MetricUsers, MetricUsersSkipped (no relevant rating),
// MetricUsersFallback (unknown users, ranked by the fallback chain),
// MetricUsersUnranked and MetricAUCUsers. nil options are
// DefaultRankingOptions(). A K below 1 or a non-finite Threshold fails
// with ErrInvalidArg.
func (m *Model) EvaluateRanking(test *Dataset, opts *RankingOptions) (Metrics, error) {
	o := DefaultRankingOptions()
	if opts != nil {
		o = *opts
	}
	if o.K < 0 {
		return nil, &Error{Status: ErrInvalidArg, Op: "EvaluateRanking", Message: fmt.Sprintf("K = %d < 1", o.K)}
	}
	p, t, err := m.evalHandles(test)
	if err != nil {
		return nil, err
	}
	var x *C.rs_dataset
	if o.Exclude != nil {
		if x, err = o.Exclude.handle(); err != nil {
			return nil, err
		}
	}
	cand := i64p(o.Candidates)
	var none C.int64_t // a valid address for an empty but present candidate list
	if o.Candidates != nil && len(o.Candidates) == 0 {
		cand = &none
	}
	var flags C.int32_t
	if o.IncludeSeen {
		flags |= C.int32_t(EvalIncludeSeen)
	}
	defer runtime.KeepAlive(m)
	defer runtime.KeepAlive(test)
	defer runtime.KeepAlive(o.Exclude)
	return evaluate("EvaluateRanking", func(buf *C.double, room C.size_t, n *C.size_t) C.rs_status {
		return C.rs_model_evaluate_ranking(p, t, x, cand, C.size_t(len(o.Candidates)), C.size_t(o.K),
			C.double(o.Threshold), flags, buf, room, n)
	})
}
