// librecsgd. SPDX-License-Identifier: BSD-2-Clause

package recsgd

/*
#include "shim.h"
*/
import "C"

import (
	"fmt"
	"runtime"
	"unsafe"
)

// Everything in this file wraps `shared` C calls: they may run from many
// goroutines at once on one Model (not together with an exclusive call such
// as Fit or Set). They write no message into the model, so their errors
// carry the status alone.

// Predict is the predicted rating of one (user, item) pair. fellBack is true
// when an id was unknown and the score came from the cold-start fallback
// chain (RS_FALLBACK, a success).
func (m *Model) Predict(user, item int64) (score float32, fellBack bool, err error) {
	p, err := m.handle()
	if err != nil {
		return 0, false, err
	}
	defer runtime.KeepAlive(m)
	var s C.float
	st := C.rs_predict(p, C.int64_t(user), C.int64_t(item), &s)
	if err := statusError("Predict", st); err != nil {
		return 0, false, err
	}
	return float32(s), Status(st) == Fallback, nil
}

// PredictBatch predicts len(users) pairs in one call. statuses[j] is the
// status of pair j (OK, Fallback or an error; a failed pair scores 0). The
// error is the first failed pair's; the scores and statuses are returned
// with it.
func (m *Model) PredictBatch(users, items []int64) (scores []float32, statuses []Status, err error) {
	scores = make([]float32, len(users))
	statuses = make([]Status, len(users))
	_, err = m.PredictBatchInto(users, items, scores, statuses)
	return scores, statuses, err
}

// PredictBatchInto is PredictBatch into caller slices of len(users) (no
// allocation); statuses may be nil. anyFallback is true when some pair used
// the fallback chain.
func (m *Model) PredictBatchInto(users, items []int64, scores []float32, statuses []Status) (anyFallback bool, err error) {
	p, err := m.handle()
	if err != nil {
		return false, err
	}
	if err := sameLen("PredictBatch", len(users), len(items), len(scores)); err != nil {
		return false, err
	}
	var sp *C.rs_status
	if statuses != nil {
		if err := sameLen("PredictBatch", len(users), len(statuses)); err != nil {
			return false, err
		}
		if len(statuses) > 0 {
			sp = (*C.rs_status)(unsafe.Pointer(&statuses[0]))
		}
	}
	defer runtime.KeepAlive(m)
	st := C.rs_predict_batch(p, i64p(users), i64p(items), C.size_t(len(users)), f32p(scores), sp)
	return Status(st) == Fallback, statusError("PredictBatch", st)
}

// Scored is an id with its score: a recommended item, or a similar item or
// user.
type Scored struct {
	ID    int64
	Score float32
}

// RecommendOptions tune Recommend; the zero value (or nil) ranks every
// item the user did not rate in training.
type RecommendOptions struct {
	IncludeSeen bool    // also rank items the user rated in training
	Block       []int64 // items never to return
	// Allow, when not nil, is the candidate list: only these items are
	// ranked. An empty non-nil slice allows nothing.
	Allow []int64
}

// Recommend returns the k best-scored items for user, best first (ties
// by the smaller item id); fewer when fewer items are eligible. Scores are
// the model's raw scores (not clamped to the rating range). fellBack is
// true when the user is unknown and the ranking is the fallback chain's.
func (m *Model) Recommend(user int64, k int, opts *RecommendOptions) (recs []Scored, fellBack bool, err error) {
	if k < 0 {
		return nil, false, &Error{Status: ErrInvalidArg, Op: "Recommend", Message: fmt.Sprintf("k = %d < 0", k)}
	}
	if n := m.NumItems(); k > n {
		k = n
	}
	items := make([]int64, k)
	scores := make([]float32, k)
	n, fellBack, err := m.RecommendInto(user, opts, items, scores)
	if err != nil {
		return nil, false, err
	}
	recs = make([]Scored, n)
	for j := range recs {
		recs[j] = Scored{items[j], scores[j]}
	}
	return recs, fellBack, nil
}

// RecommendInto is Recommend with k = len(items) into caller slices (no
// allocation); scores may be nil, else it has len(items). It returns how
// many entries it wrote.
func (m *Model) RecommendInto(user int64, opts *RecommendOptions, items []int64, scores []float32) (n int, fellBack bool, err error) {
	p, err := m.handle()
	if err != nil {
		return 0, false, err
	}
	if scores != nil {
		if err := sameLen("Recommend", len(items), len(scores)); err != nil {
			return 0, false, err
		}
	}
	var o RecommendOptions
	if opts != nil {
		o = *opts
	}
	var flags C.int32_t
	if o.IncludeSeen {
		flags |= C.int32_t(TopkIncludeSeen)
	}
	allow := i64p(o.Allow)
	var none C.int64_t // a valid address for an empty but present allow list
	if o.Allow != nil && len(o.Allow) == 0 {
		allow = &none
	}
	defer runtime.KeepAlive(m)
	var got C.size_t
	st := C.rs_topk(p, C.int64_t(user), C.size_t(len(items)), flags, i64p(o.Block), C.size_t(len(o.Block)),
		allow, C.size_t(len(o.Allow)), i64p(items), f32p(scores), &got)
	if err := statusError("Recommend", st); err != nil {
		return 0, false, err
	}
	return int(got), Status(st) == Fallback, nil
}

// BatchRecommendations are the rankings of RecommendBatch: row u (for
// users[u]) is Items[u*K : u*K+Counts[u]], with its scores at the same
// offsets.
type BatchRecommendations struct {
	K        int
	Items    []int64
	Scores   []float32
	Counts   []int
	Fallback bool // some user was unknown and got the fallback ranking
}

// Row returns the ranking of users[u].
func (b *BatchRecommendations) Row(u int) []Scored {
	out := make([]Scored, b.Counts[u])
	for j := range out {
		out[j] = Scored{b.Items[u*b.K+j], b.Scores[u*b.K+j]}
	}
	return out
}

// RecommendBatch ranks k items for each of users in one call (scored in
// blocks with sgemm). It honours IncludeSeen; Block and Allow lists are
// per-user options of Recommend only and are refused here.
func (m *Model) RecommendBatch(users []int64, k int, opts *RecommendOptions) (*BatchRecommendations, error) {
	p, err := m.handle()
	if err != nil {
		return nil, err
	}
	if k < 0 {
		return nil, &Error{Status: ErrInvalidArg, Op: "RecommendBatch", Message: fmt.Sprintf("k = %d < 0", k)}
	}
	var flags C.int32_t
	if opts != nil {
		if opts.Block != nil || opts.Allow != nil {
			return nil, &Error{Status: ErrInvalidArg, Op: "RecommendBatch",
				Message: "rs_topk_batch takes no block or allow list; use Recommend per user"}
		}
		if opts.IncludeSeen {
			flags |= C.int32_t(TopkIncludeSeen)
		}
	}
	if n := m.NumItems(); k > n {
		k = n
	}
	b := &BatchRecommendations{K: k, Items: make([]int64, len(users)*k), Scores: make([]float32, len(users)*k),
		Counts: make([]int, len(users))}
	counts := make([]C.size_t, len(users))
	var cp *C.size_t
	if len(counts) > 0 {
		cp = &counts[0]
	}
	defer runtime.KeepAlive(m)
	st := C.rs_topk_batch(p, i64p(users), C.size_t(len(users)), C.size_t(k), flags, i64p(b.Items), f32p(b.Scores), cp)
	if err := statusError("RecommendBatch", st); err != nil {
		return nil, err
	}
	for u, c := range counts {
		b.Counts[u] = int(c)
	}
	b.Fallback = Status(st) == Fallback
	return b, nil
}

// SimilarItems returns the k items whose learned factors are closest to
// item's by cosine (item itself excluded).
func (m *Model) SimilarItems(item int64, k int) ([]Scored, error) {
	return m.similar("SimilarItems", item, k, m.NumItems(), func(p *C.rs_model, id C.int64_t, k C.size_t, ids *C.int64_t, s *C.float, n *C.size_t) C.rs_status {
		return C.rs_similar_items(p, id, k, ids, s, n)
	})
}

// SimilarUsers returns the k users whose learned factors are closest to
// user's by cosine (user itself excluded).
func (m *Model) SimilarUsers(user int64, k int) ([]Scored, error) {
	return m.similar("SimilarUsers", user, k, m.NumUsers(), func(p *C.rs_model, id C.int64_t, k C.size_t, ids *C.int64_t, s *C.float, n *C.size_t) C.rs_status {
		return C.rs_similar_users(p, id, k, ids, s, n)
	})
}

type similarFn func(*C.rs_model, C.int64_t, C.size_t, *C.int64_t, *C.float, *C.size_t) C.rs_status

func (m *Model) similar(op string, id int64, k, limit int, fn similarFn) ([]Scored, error) {
	p, err := m.handle()
	if err != nil {
		return nil, err
	}
	if k < 0 {
		return nil, &Error{Status: ErrInvalidArg, Op: op, Message: fmt.Sprintf("k = %d < 0", k)}
	}
	if k > limit {
		k = limit // never more results than ids
	}
	ids := make([]int64, k)
	scores := make([]float32, k)
	defer runtime.KeepAlive(m)
	var n C.size_t
	if err := statusError(op, fn(p, C.int64_t(id), C.size_t(k), i64p(ids), f32p(scores), &n)); err != nil {
		return nil, err
	}
	out := make([]Scored, int(n))
	for j := range out {
		out[j] = Scored{ids[j], scores[j]}
	}
	return out, nil
}
