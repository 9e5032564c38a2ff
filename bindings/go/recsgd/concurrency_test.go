// librecsgd. SPDX-License-Identifier: BSD-2-Clause

package recsgd

import (
	"fmt"
	"sync"
	"testing"
)

// TestConcurrentServing runs Predict, PredictBatch, Recommend,
// RecommendBatch, SimilarItems, EvaluateRatings and EvaluateRanking from
// many goroutines at once on one model (the C calls are `shared`) and
// checks every answer against a sequential baseline. Run it under `go test -race` (bindings/go/ci.sh does).
func TestConcurrentServing(t *testing.T) {
	_, _, _, m := fixtures(t) // the hybrid model: the most work per call
	const users = 40
	type answer struct {
		pred  []float32
		recs  string
		batch string
		sim   string
	}
	items := make([]int64, 30)
	for j := range items {
		items[j] = int64(j + 1)
	}
	ask := func(u int64) (answer, error) {
		var a answer
		for _, i := range items {
			s, _, err := m.Predict(u, i)
			if err != nil {
				return a, err
			}
			a.pred = append(a.pred, s)
		}
		us := make([]int64, len(items))
		for j := range us {
			us[j] = u
		}
		bs, _, err := m.PredictBatch(us, items)
		if err != nil {
			return a, err
		}
		for j := range bs {
			if bs[j] != a.pred[j] {
				return a, fmt.Errorf("user %d item %d: batch %v, single %v", u, items[j], bs[j], a.pred[j])
			}
		}
		recs, _, err := m.Recommend(u, 10, &RecommendOptions{Block: []int64{1, 2}})
		if err != nil {
			return a, err
		}
		a.recs = fmt.Sprint(recs)
		b, err := m.RecommendBatch([]int64{u, u + 1}, 5, nil)
		if err != nil {
			return a, err
		}
		a.batch = fmt.Sprint(b.Row(0), b.Row(1))
		sim, err := m.SimilarItems(u, 5)
		if err != nil {
			return a, err
		}
		a.sim = fmt.Sprint(sim)
		return a, nil
	}
	want := make([]answer, users)
	for u := range want {
		var err error
		if want[u], err = ask(int64(u + 1)); err != nil {
			t.Fatal(err)
		}
	}
	const goroutines = 16
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for r := 0; r < 3; r++ {
				for k := 0; k < users; k++ {
					u := (k + g*7) % users // different goroutines ask different users at once
					got, err := ask(int64(u + 1))
					if err != nil {
						errs <- err
						return
					}
					if fmt.Sprint(got) != fmt.Sprint(want[u]) {
						errs <- fmt.Errorf("goroutine %d user %d: answer differs from the sequential one", g, u+1)
						return
					}
				}
			}
		}(g)
	}
	// so are the evaluation calls: the same figures while the others serve
	_, test, _, _ := fixtures(t)
	wantRatings, err := m.EvaluateRatings(test)
	if err != nil {
		t.Fatal(err)
	}
	wantRanking, err := m.EvaluateRanking(test, nil)
	if err != nil {
		t.Fatal(err)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for r := 0; r < 2; r++ {
			a, err := m.EvaluateRatings(test)
			if err != nil {
				errs <- err
				return
			}
			b, err := m.EvaluateRanking(test, nil)
			if err != nil {
				errs <- err
				return
			}
			if a.String() != wantRatings.String() || b.String() != wantRanking.String() {
				errs <- fmt.Errorf("evaluation beside serving: %v %v, alone %v %v", a, b, wantRatings, wantRanking)
				return
			}
		}
	}()
	// Save is shared too: it may run beside the scoring calls
	wg.Add(1)
	go func() {
		defer wg.Done()
		for r := 0; r < 3; r++ {
			if _, err := m.MarshalBinary(); err != nil {
				errs <- err
				return
			}
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
