// librecsgd. SPDX-License-Identifier: BSD-2-Clause

package recsgd

import (
	"math"
	"strings"
	"testing"
)

// EvaluateRatings and EvaluateRanking against an independent computation in
// Go: the rating metrics from PredictBatch, every ranking metric of
// docs/guide/evaluation.md from the full Recommend list of each test user.

const unknownUser, unknownItem = 999999, 888888

// smallTest is the test ratings of users 1-80 plus ratings of a user and of
// an item the model does not know.
func smallTest(t *testing.T, test *Dataset) *Dataset {
	t.Helper()
	users, items, ratings, _, err := test.Ratings()
	if err != nil {
		t.Fatal(err)
	}
	var u, i []int64
	var r []float32
	for k := range users {
		if users[k] <= 80 {
			u, i, r = append(u, users[k]), append(i, items[k]), append(r, ratings[k])
		}
	}
	u = append(u, unknownUser, unknownUser, 1)
	i = append(i, 5, 7, unknownItem)
	r = append(r, 4.5, 2, 5)
	ds, err := DatasetFromSlices(u, i, r, nil)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

func metricsBetween(lo, hi Metric) map[Metric]bool {
	out := map[Metric]bool{}
	for k := lo; k <= hi; k++ {
		out[k] = true
	}
	return out
}

func sameKeys(t *testing.T, what string, got Metrics, want map[Metric]bool) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d entries (%v), want %d", what, len(got), got, len(want))
	}
	for k := range got {
		if !want[k] {
			t.Fatalf("%s: unexpected entry %v", what, k)
		}
	}
}

func near(a, b, rel float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) <= rel*math.Max(math.Abs(a), math.Abs(b))+1e-12
}

func sameMetrics(t *testing.T, what string, got, want Metrics, rel float64) {
	t.Helper()
	keys := map[Metric]bool{}
	for k := range want {
		keys[k] = true
	}
	sameKeys(t, what, got, keys)
	for k, w := range want {
		if !near(got[k], w, rel) {
			t.Errorf("%s: %v = %.17g, independent computation %.17g", what, k, got[k], w)
		}
	}
}

func TestMetricNamesComeFromTheConstants(t *testing.T) {
	if MetricRMSE.String() != "rmse" || MetricHitRate.String() != "hit_rate" || MetricAUCUsers.String() != "auc_users" {
		t.Fatalf("names: %v %v %v", MetricRMSE, MetricHitRate, MetricAUCUsers)
	}
	if len(metricNames) != int(MetricCountV0_2) {
		t.Fatalf("%d names for %d metrics", len(metricNames), MetricCountV0_2)
	}
	if Metric(99).String() != "metric_99" {
		t.Fatal(Metric(99).String())
	}
	ms := Metrics{MetricMAE: 0.5, MetricRMSE: 0.25}
	if ms.String() != "rmse=0.25 mae=0.5" || ms.ByName()["mae"] != 0.5 {
		t.Fatalf("%q %v", ms.String(), ms.ByName())
	}
}

func refRatings(t *testing.T, m *Model, test *Dataset) Metrics {
	users, items, ratings, _, err := test.Ratings()
	if err != nil {
		t.Fatal(err)
	}
	scores, statuses, err := m.PredictBatch(users, items)
	if err != nil {
		t.Fatal(err)
	}
	var se, ae, fallbacks float64
	for k := range ratings {
		e := float64(ratings[k]) - float64(scores[k])
		se += e * e
		ae += math.Abs(e)
		if statuses[k] == Fallback {
			fallbacks++
		}
	}
	n := float64(len(ratings))
	return Metrics{MetricRMSE: math.Sqrt(se / n), MetricMAE: ae / n, MetricScored: n,
		MetricFallbacks: fallbacks, MetricUnscored: 0}
}

func TestEvaluateRatingsEqualsPredictBatch(t *testing.T) {
	_, te, collab, hyb := fixtures(t)
	small := smallTest(t, te)
	defer small.Close()
	for _, m := range []*Model{collab, hyb} {
		for _, test := range []*Dataset{small, te} {
			got, err := m.EvaluateRatings(test)
			if err != nil {
				t.Fatal(err)
			}
			sameKeys(t, "EvaluateRatings", got, metricsBetween(MetricRMSE, MetricUnscored))
			sameMetrics(t, "EvaluateRatings", got, refRatings(t, m, test), 1e-12)
		}
		got, _ := m.EvaluateRatings(small)
		if got[MetricFallbacks] != 3 {
			t.Errorf("fallbacks %v, want 3 (an unknown user's two ratings, an unknown item's one)", got[MetricFallbacks])
		}
	}
}

func TestColdStartErrorLeavesUnknownIDsUnscored(t *testing.T) {
	tr, te, _, _ := fixtures(t)
	small := smallTest(t, te)
	defer small.Close()
	m := fitModel(t, "collaborative", tr, map[string]interface{}{"cold_start": "error"})
	defer m.Close()
	got, err := m.EvaluateRatings(small)
	if err != nil {
		t.Fatal(err)
	}
	if got[MetricUnscored] != 3 || got[MetricFallbacks] != 0 || got[MetricScored] != float64(small.NumRatings()-3) {
		t.Fatal(got)
	}
}

// refRanking applies the formulas of docs/guide/evaluation.md to the full
// Recommend list of every test user.
func refRanking(t *testing.T, m *Model, test *Dataset, o RankingOptions) Metrics {
	users, items, ratings, _, err := test.Ratings()
	if err != nil {
		t.Fatal(err)
	}
	relevant := map[int64]map[int64]bool{}
	var order []int64
	for k, u := range users {
		if relevant[u] == nil {
			relevant[u] = map[int64]bool{}
			order = append(order, u)
		}
		if float64(ratings[k]) >= o.Threshold {
			relevant[u][items[k]] = true
		}
	}
	excluded := map[int64][]int64{}
	if o.Exclude != nil {
		eu, ei, _, _, err := o.Exclude.Ratings()
		if err != nil {
			t.Fatal(err)
		}
		for k := range eu {
			excluded[eu[k]] = append(excluded[eu[k]], ei[k])
		}
	}
	var prec, rec, ndcg, ap, hitRate, auc, n, skipped, fallback, aucUsers float64
	for _, u := range order {
		rel := relevant[u]
		if len(rel) == 0 {
			skipped++
			continue
		}
		ranked, fellBack, err := m.Recommend(u, m.NumItems(), &RecommendOptions{IncludeSeen: o.IncludeSeen,
			Block: excluded[u], Allow: o.Candidates})
		if err != nil {
			t.Fatal(err)
		}
		n++
		if fellBack {
			fallback++
		}
		hits, dcg, sumPrec := 0.0, 0.0, 0.0
		for r := 0; r < o.K && r < len(ranked); r++ {
			if rel[ranked[r].ID] {
				hits++
				dcg += 1 / math.Log2(float64(r)+2)
				sumPrec += hits / float64(r+1)
			}
		}
		mm := o.K
		if len(rel) < mm {
			mm = len(rel)
		}
		idcg := 0.0
		for r := 0; r < mm; r++ {
			idcg += 1 / math.Log2(float64(r)+2)
		}
		prec += hits / float64(o.K)
		rec += hits / float64(len(rel))
		ndcg += dcg / idcg
		ap += sumPrec / float64(mm)
		if hits > 0 {
			hitRate++
		}
		var pos, neg []float32
		for _, s := range ranked {
			if rel[s.ID] {
				pos = append(pos, s.Score)
			} else {
				neg = append(neg, s.Score)
			}
		}
		if len(pos) > 0 && len(neg) > 0 {
			wins := 0.0
			for _, p := range pos {
				for _, q := range neg {
					if p > q {
						wins++
					} else if p == q {
						wins += 0.5
					}
				}
			}
			auc += wins / float64(len(pos)*len(neg))
			aucUsers++
		}
	}
	aucMean := math.NaN()
	if aucUsers > 0 {
		aucMean = auc / aucUsers
	}
	return Metrics{MetricPrecision: prec / n, MetricRecall: rec / n, MetricNDCG: ndcg / n, MetricMAP: ap / n,
		MetricHitRate: hitRate / n, MetricAUC: aucMean, MetricUsers: n, MetricUsersSkipped: skipped,
		MetricUsersFallback: fallback, MetricUsersUnranked: 0, MetricAUCUsers: aucUsers}
}

func TestEvaluateRankingEqualsTheMetricsOfRecommend(t *testing.T) {
	tr, te, collab, hyb := fixtures(t)
	small := smallTest(t, te)
	defer small.Close()
	excl, err := DatasetFromSlices([]int64{1, 1, 2, 3}, []int64{10, 20, 30, 40}, []float32{5, 5, 5, 5}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer excl.Close()
	var cands []int64
	for j := int64(1); j < 200; j += 3 {
		cands = append(cands, j)
	}
	cands = append(cands, unknownItem)
	cases := []RankingOptions{
		DefaultRankingOptions(),
		{K: 3, Threshold: 3.5},
		{K: 1, Threshold: 4.5},
		{K: 5, Threshold: 4, IncludeSeen: true},
		{K: 5, Threshold: 4, Exclude: excl},
		{K: 5, Threshold: 4, Candidates: cands},
	}
	for _, m := range []*Model{collab, hyb} {
		for _, o := range cases {
			o := o
			got, err := m.EvaluateRanking(small, &o)
			if err != nil {
				t.Fatal(err)
			}
			sameKeys(t, "EvaluateRanking", got, metricsBetween(MetricPrecision, MetricAUCUsers))
			sameMetrics(t, "EvaluateRanking", got, refRanking(t, m, small, o), 1e-9)
		}
		def, _ := m.EvaluateRanking(small, nil)
		if def[MetricUsersFallback] != 1 || def[MetricUsers] < 50 || def[MetricUsersSkipped] == 0 {
			t.Errorf("default options: %v", def)
		}
	}
	// the training set as the exclusion set removes what the seen lists remove
	a, _ := collab.EvaluateRanking(small, &RankingOptions{K: 5, Threshold: 4, IncludeSeen: true, Exclude: tr})
	b, _ := collab.EvaluateRanking(small, &RankingOptions{K: 5, Threshold: 4})
	sameMetrics(t, "exclude = train", a, b, 1e-12)
	// an empty candidate list ranks nothing (nil ranks every item)
	none, err := collab.EvaluateRanking(small, &RankingOptions{K: 5, Threshold: 4, Candidates: []int64{}})
	if err != nil || none[MetricHitRate] != 0 || none[MetricAUCUsers] != 0 || none[MetricUsers] != b[MetricUsers] {
		t.Errorf("empty candidates: %v, %v", none, err)
	}
	// no relevant rating: every user skipped, the means NaN
	high, _ := collab.EvaluateRanking(small, &RankingOptions{K: 10, Threshold: 100})
	if high[MetricUsers] != 0 || high[MetricUsersSkipped] != float64(small.NumUsers()) || !math.IsNaN(high[MetricNDCG]) {
		t.Errorf("threshold 100: %v", high)
	}
}

func TestEvaluationErrors(t *testing.T) {
	_, te, collab, _ := fixtures(t)
	unfitted := newSmall(t, "collaborative", nil)
	defer unfitted.Close()
	_, err := unfitted.EvaluateRatings(te)
	if e := wantStatus(t, err, ErrState); e.Op != "EvaluateRatings" {
		t.Errorf("op %q", e.Op)
	}
	_, err = unfitted.EvaluateRanking(te, nil)
	wantStatus(t, err, ErrState)
	for _, o := range []RankingOptions{{K: 0, Threshold: 4}, {K: -1, Threshold: 4},
		{K: 10, Threshold: math.NaN()}, {K: 10, Threshold: math.Inf(-1)}} {
		o := o
		_, err := collab.EvaluateRanking(te, &o)
		if e := wantStatus(t, err, ErrInvalidArg); e.Op != "EvaluateRanking" || !strings.Contains(err.Error(), "EvaluateRanking") {
			t.Errorf("K %d, threshold %v: %v", o.K, o.Threshold, err)
		}
	}
	closed, err := DatasetFromSlices([]int64{1}, []int64{2}, []float32{4}, nil)
	if err != nil {
		t.Fatal(err)
	}
	closed.Close()
	if _, err := collab.EvaluateRatings(closed); err != ErrClosed {
		t.Errorf("closed test set: %v", err)
	}
	if _, err := collab.EvaluateRanking(te, &RankingOptions{K: 10, Threshold: 4, Exclude: closed}); err != ErrClosed {
		t.Errorf("closed exclusion set: %v", err)
	}
	if _, err := collab.EvaluateRatings(nil); err != ErrClosed {
		t.Errorf("nil test set: %v", err)
	}
	var zero *Model
	if _, err := zero.EvaluateRatings(te); err != ErrClosed {
		t.Errorf("nil model: %v", err)
	}
}
