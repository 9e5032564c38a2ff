// librecsgd. SPDX-License-Identifier: BSD-2-Clause

package recsgd

import (
	"bytes"
	"encoding/gob"
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"
)

func TestSetParams(t *testing.T) {
	m, err := NewModel(ScorerCollaborative)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for _, c := range []struct {
		name  string
		value interface{}
	}{
		{"factors", 16}, {"factors", int64(16)}, {"factors", uint8(16)}, {"factors", 16.0},
		{"learning_rate", 0.02}, {"learning_rate", 1}, {"learning_rate", float32(0.5)},
		{"lr_policy", "adagrad"}, {"lr_policy", LRAdam}, {"clamp", false},
		{"on_divergence", "halve_lr"}, {"cold_start", ColdStartFallback},
	} {
		if err := m.Set(c.name, c.value); err != nil {
			t.Errorf("Set(%q, %v): %v", c.name, c.value, err)
		}
	}
	if v, err := m.GetInt("factors"); err != nil || v != 16 {
		t.Errorf("factors = %d, %v", v, err)
	}
	if v, err := m.GetFloat("learning_rate"); err != nil || v != 0.5 {
		t.Errorf("learning_rate = %v, %v", v, err)
	}
	if v, err := m.GetInt("lr_policy"); err != nil || LRPolicy(v) != LRAdam {
		t.Errorf("lr_policy = %d, %v", v, err)
	}
	if v, err := m.GetInt("on_divergence"); err != nil || DivergencePolicy(v) != DivergenceHalveLR {
		t.Errorf("on_divergence = %d, %v", v, err)
	}
	if v, err := m.GetFloat("factors"); err != nil || v != 16 {
		t.Errorf("GetFloat of an integer parameter: %v, %v", v, err)
	}
	wantStatus(t, func() error { _, err := m.GetInt("learning_rate"); return err }(), ErrParamType)
	if s, err := m.Scorer(); err != nil || s != ScorerCollaborative {
		t.Errorf("scorer %v %v", s, err)
	}

	// failures: the status, the library's message, the model unchanged
	e := wantStatus(t, m.Set("learning_rate", 0), ErrRange)
	if !strings.Contains(e.Message, "learning_rate") {
		t.Errorf("range message does not name the parameter: %q", e.Message)
	}
	wantStatus(t, m.Set("no_such_thing", 1), ErrUnknownParam)
	wantStatus(t, m.Set("factors", 2.5), ErrParamType)
	wantStatus(t, m.Set("factors", "many"), ErrParamType)
	e = wantStatus(t, m.Set("lr_policy", "fastest"), ErrRange)
	if !strings.Contains(e.Message, "adagrad") {
		t.Errorf("choice error does not list the names: %q", e.Message)
	}
	wantStatus(t, m.Set("factors", []int{1}), ErrParamType)
	wantStatus(t, m.Set("factors", uint64(math.MaxUint64)), ErrRange)
	wantStatus(t, m.Set("scorer", "hybrid"), ErrRange) // read-only in the library
	if v, _ := m.GetInt("factors"); v != 16 {
		t.Errorf("a failed Set changed factors to %d", v)
	}
	if v, _ := m.GetFloat("learning_rate"); v != 0.5 {
		t.Errorf("a failed Set changed learning_rate to %v", v)
	}

	lo, hi, err := ParamFactors.Bounds()
	if err != nil || lo != 1 || hi < 1024 {
		t.Errorf("factors bounds %v %v %v", lo, hi, err)
	}
	if ParamFactors.Name() != "factors" || Param(-5).Name() != "" {
		t.Error("param names")
	}
	if _, _, err := Param(-5).Bounds(); !errors.Is(err, ErrUnknownParam) {
		t.Errorf("bounds of an unknown param: %v", err)
	}
	if _, err := NewModelNamed("telepathic", nil); !errors.Is(err, ErrInvalidArg) {
		t.Errorf("unknown scorer name: %v", err)
	}
}

func TestFitAndPredict(t *testing.T) {
	_, test, m, _ := fixtures(t)
	stats, err := m.EpochStats()
	if err != nil || len(stats) != 5 {
		t.Fatalf("%d epoch stats, %v", len(stats), err)
	}
	for e, s := range stats {
		if s[StatEpoch] != float64(e+1) || !(s.Get(StatTrainRMSE) > 0) || len(s) < int(StatCountV0_1) {
			t.Fatalf("epoch %d stats %v", e, s)
		}
	}
	if !math.IsNaN(stats[0].Get(StatValidRMSE)) || !math.IsNaN(stats[0].Get(Stat(1000))) {
		t.Error("valid RMSE without a validation set, or a stat past the end, is not NaN")
	}
	if m.NumUsers() != 1000 || m.NumItems() != 800 {
		t.Fatalf("model knows %d users, %d items", m.NumUsers(), m.NumItems())
	}
	// held-out RMSE well below the rating spread: the model learned
	var se float64
	for j := 0; j < test.NumRatings(); j++ {
		u, i, r, _, _ := test.Rating(j)
		s, _, err := m.Predict(u, i)
		if err != nil {
			t.Fatal(err)
		}
		se += float64(s-r) * float64(s-r)
	}
	if rmse := math.Sqrt(se / float64(test.NumRatings())); !(rmse < 1.0) {
		t.Fatalf("held-out RMSE %v", rmse)
	}
	f, err := m.UserFactors(1)
	if err != nil || len(f) != 8 {
		t.Fatalf("user factors %v %v", f, err)
	}
	if f, err := m.ItemFactors(1); err != nil || len(f) != 8 {
		t.Fatalf("item factors %v %v", f, err)
	}
	wantStatus(t, func() error { _, err := m.UserFactors(424242); return err }(), ErrUnknownID)
}

func TestFallbackIsVisibleNotAnError(t *testing.T) {
	_, _, m, _ := fixtures(t)
	s, fb, err := m.Predict(1, 1)
	if err != nil || fb {
		t.Fatalf("known pair: %v %v %v", s, fb, err)
	}
	s, fb, err = m.Predict(999999, 1)
	if err != nil || !fb || math.IsNaN(float64(s)) {
		t.Fatalf("unknown user: score %v fellBack %v err %v", s, fb, err)
	}
	recs, fb, err := m.Recommend(999999, 5, nil)
	if err != nil || !fb || len(recs) != 5 {
		t.Fatalf("unknown user ranking: %v %v %v", recs, fb, err)
	}

	// with cold_start = error the same calls fail with ErrUnknownID
	strict := fitModel(t, "collaborative", fixture.tr, map[string]interface{}{"cold_start": "error", "epochs": 1})
	defer strict.Close()
	if _, _, err := strict.Predict(999999, 1); !errors.Is(err, ErrUnknownID) {
		t.Fatalf("strict predict: %v", err)
	}
}

func TestPredictBatch(t *testing.T) {
	_, test, m, _ := fixtures(t)
	n := test.NumRatings()
	users, items := make([]int64, n+1), make([]int64, n+1)
	for j := 0; j < n; j++ {
		users[j], items[j], _, _, _ = test.Rating(j)
	}
	users[n], items[n] = 999999, 1 // one fallback pair
	scores, statuses, err := m.PredictBatch(users, items)
	if err != nil {
		t.Fatal(err)
	}
	for j := range users {
		s, fb, err := m.Predict(users[j], items[j])
		if err != nil || s != scores[j] || fb != (statuses[j] == Fallback) {
			t.Fatalf("pair %d: batch %v/%v, single %v/%v/%v", j, scores[j], statuses[j], s, fb, err)
		}
	}
	if statuses[n] != Fallback || statuses[0] != OK {
		t.Fatalf("statuses %v ... %v", statuses[0], statuses[n])
	}
	out := make([]float32, len(users))
	anyFB, err := m.PredictBatchInto(users, items, out, nil)
	if err != nil || !anyFB || out[7] != scores[7] {
		t.Fatalf("PredictBatchInto: %v %v", anyFB, err)
	}
	if _, _, err := m.PredictBatch(users, items[:1]); !errors.Is(err, ErrInvalidArg) {
		t.Fatalf("mismatched lengths: %v", err)
	}
	if s, st, err := m.PredictBatch(nil, nil); err != nil || len(s) != 0 || len(st) != 0 {
		t.Fatalf("empty batch: %v", err)
	}
}

func TestRecommend(t *testing.T) {
	train, _, m, _ := fixtures(t)
	seen := map[int64]bool{}
	for j := 0; j < train.NumRatings(); j++ {
		if u, i, _, _, _ := train.Rating(j); u == 1 {
			seen[i] = true
		}
	}
	recs, fb, err := m.Recommend(1, 10, nil)
	if err != nil || fb || len(recs) != 10 {
		t.Fatalf("%v %v %v", recs, fb, err)
	}
	for j, r := range recs {
		if seen[r.ID] {
			t.Errorf("seen item %d recommended", r.ID)
		}
		if j > 0 && r.Score > recs[j-1].Score {
			t.Error("not sorted best first")
		}
	}
	all, _, err := m.Recommend(1, 800, &RecommendOptions{IncludeSeen: true})
	if err != nil || len(all) != 800 {
		t.Fatalf("include seen: %d, %v", len(all), err)
	}
	withSeen := 0
	for _, r := range all {
		if seen[r.ID] {
			withSeen++
		}
	}
	if withSeen != len(seen) {
		t.Errorf("IncludeSeen ranked %d of %d seen items", withSeen, len(seen))
	}
	if unseen, _, _ := m.Recommend(1, 1000, nil); len(unseen) != 800-len(seen) {
		t.Errorf("k beyond the eligible items: %d, want %d", len(unseen), 800-len(seen))
	}

	block := []int64{recs[0].ID, recs[1].ID}
	got, _, err := m.Recommend(1, 10, &RecommendOptions{Block: block})
	if err != nil || got[0] != recs[2] {
		t.Fatalf("block: %v %v", got, err)
	}
	allow := []int64{recs[5].ID, recs[3].ID, 424242}
	got, _, err = m.Recommend(1, 10, &RecommendOptions{Allow: allow})
	if err != nil || len(got) != 2 || got[0].ID != recs[3].ID || got[1].ID != recs[5].ID {
		t.Fatalf("allow: %v %v", got, err)
	}
	if got, _, err := m.Recommend(1, 10, &RecommendOptions{Allow: []int64{}}); err != nil || len(got) != 0 {
		t.Fatalf("empty allow list: %v %v", got, err)
	}
	if got, _, err := m.Recommend(1, 0, nil); err != nil || len(got) != 0 {
		t.Fatalf("k = 0: %v %v", got, err)
	}
	if _, _, err := m.Recommend(1, -1, nil); !errors.Is(err, ErrInvalidArg) {
		t.Fatalf("k < 0: %v", err)
	}
	items := make([]int64, 3)
	n, _, err := m.RecommendInto(1, nil, items, nil)
	if err != nil || n != 3 || items[0] != recs[0].ID {
		t.Fatalf("RecommendInto %v %v", items, err)
	}
}

func TestRecommendBatch(t *testing.T) {
	_, _, m, _ := fixtures(t)
	users := []int64{1, 2, 3, 999999, 500}
	b, err := m.RecommendBatch(users, 10, nil)
	if err != nil || !b.Fallback {
		t.Fatalf("%v %v", b, err)
	}
	for u, id := range users {
		single, fb, err := m.Recommend(id, 10, nil)
		if err != nil {
			t.Fatal(err)
		}
		row := b.Row(u)
		if len(row) != len(single) || fb != (id == 999999) {
			t.Fatalf("user %d: batch %d items, single %d", id, len(row), len(single))
		}
		for j := range row {
			// the sgemm path may differ in the last bits; the ranking must agree
			if row[j].ID != single[j].ID || math.Abs(float64(row[j].Score-single[j].Score)) > 1e-4 {
				t.Fatalf("user %d rank %d: batch %v, single %v", id, j, row[j], single[j])
			}
		}
	}
	if _, err := m.RecommendBatch(users, 10, &RecommendOptions{Block: []int64{1}}); !errors.Is(err, ErrInvalidArg) {
		t.Fatalf("block list in a batch: %v", err)
	}
	if b, err := m.RecommendBatch(nil, 10, nil); err != nil || len(b.Counts) != 0 {
		t.Fatalf("empty batch: %v", err)
	}
}

func TestSimilar(t *testing.T) {
	_, _, m, _ := fixtures(t)
	items, err := m.SimilarItems(1, 5)
	if err != nil || len(items) != 5 {
		t.Fatalf("%v %v", items, err)
	}
	for _, s := range items {
		if s.ID == 1 || s.Score > 1.0001 || s.Score < -1.0001 {
			t.Fatalf("similar item %v", s)
		}
	}
	users, err := m.SimilarUsers(1, 3)
	if err != nil || len(users) != 3 || users[0].ID == 1 {
		t.Fatalf("%v %v", users, err)
	}
	if _, err := m.SimilarItems(424242, 3); !errors.Is(err, ErrUnknownID) {
		t.Fatalf("unknown item: %v", err)
	}
	if all, err := m.SimilarItems(1, 100000); err != nil || len(all) != 799 {
		t.Fatalf("k beyond the items: %d %v", len(all), err)
	}
}

func TestFoldInUser(t *testing.T) {
	train, _, _, _ := fixtures(t)
	m := fitModel(t, "collaborative", train, nil)
	defer m.Close()
	if _, fb, _ := m.Predict(5001, 1); !fb {
		t.Fatal("new user not unknown")
	}
	if err := m.FoldInUser(5001, []int64{1, 2, 3}, []float32{5, 4, 1}); err != nil {
		t.Fatal(err)
	}
	if _, fb, err := m.Predict(5001, 1); fb || err != nil {
		t.Fatalf("after fold-in: fellBack %v, %v", fb, err)
	}
	recs, fb, err := m.Recommend(5001, 5, nil)
	if err != nil || fb || len(recs) != 5 {
		t.Fatalf("%v %v %v", recs, fb, err)
	}
	for _, r := range recs {
		if r.ID == 1 || r.ID == 2 || r.ID == 3 {
			t.Fatal("folded-in ratings are not seen")
		}
	}
	if err := m.FoldInItem(9001, []int64{1, 2}, []float32{4, 3}); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, m.FoldInUser(5002, []int64{424242}, []float32{3}), ErrUnknownID)
	wantStatus(t, m.FoldInUser(5002, []int64{1}, []float32{3, 4}), ErrInvalidArg)
}

func TestPartialFit(t *testing.T) {
	train, _, _, _ := fixtures(t)
	m := fitModel(t, "collaborative", train, nil)
	defer m.Close()
	fresh, err := DatasetFromSlices([]int64{7001, 7001, 7002, 1}, []int64{1, 2, 1, 801},
		[]float32{5, 4, 2, 3}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	epochs := 0
	if err := m.SetProgressFunc(func(EpochStats) bool { epochs++; return false }); err != nil {
		t.Fatal(err)
	}
	if err := m.PartialFit(fresh, train); err != nil {
		t.Fatal(err)
	}
	if m.NumUsers() != 1002 || m.NumItems() != 801 {
		t.Fatalf("after partial fit: %d users, %d items", m.NumUsers(), m.NumItems())
	}
	if _, fb, err := m.Predict(7001, 801); fb || err != nil {
		t.Fatalf("new ids after partial fit: %v %v", fb, err)
	}
	online, _ := m.GetInt("online_epochs")
	st, _ := m.EpochStats()
	if epochs != int(online) || len(st) != epochs {
		t.Fatalf("progress ran %d times, %d stats, online_epochs %d", epochs, len(st), online)
	}
	empty, _ := NewDataset()
	defer empty.Close()
	wantStatus(t, m.PartialFit(empty, nil), ErrEmpty)
}

func TestModelSetFeatures(t *testing.T) {
	_, _, _, h := fixtures(t)
	m, err := LoadModelBytes(mustBytes(t, h)) // a copy: the fixture stays as fitted
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if m.NumFeatures(SideItem) == 0 {
		t.Fatal("hybrid model without item features")
	}
	idx, err := m.FeatureIndex(SideItem, "genre_horror")
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, func() error { _, err := m.FeatureIndex(SideItem, "genre_nope"); return err }(), ErrUnknownID)
	if _, fb, _ := m.Predict(1, 9100); !fb {
		t.Fatal("new item known before SetFeatures")
	}
	if err := m.SetFeatures(SideItem, 9100, []int32{idx}, nil); err != nil {
		t.Fatal(err)
	}
	s, fb, err := m.Predict(1, 9100)
	if err != nil || fb {
		t.Fatalf("after SetFeatures: %v %v %v", s, fb, err)
	}
	wantStatus(t, m.SetFeatures(SideItem, 9101, []int32{idx, idx}, nil), ErrFormat)
	wantStatus(t, m.SetFeatures(SideItem, 9101, []int32{idx}, []float32{1, 2}), ErrInvalidArg)
}

func mustBytes(t *testing.T, m *Model) []byte {
	t.Helper()
	b, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func samePredictions(t *testing.T, a, b *Model) {
	t.Helper()
	for _, u := range []int64{1, 2, 3, 999999} {
		for _, i := range []int64{1, 5, 800, 999999} {
			sa, fa, ea := a.Predict(u, i)
			sb, fb, eb := b.Predict(u, i)
			if sa != sb || fa != fb || ea != nil || eb != nil {
				t.Fatalf("(%d, %d): %v/%v/%v vs %v/%v/%v", u, i, sa, fa, ea, sb, fb, eb)
			}
		}
	}
}

func TestPersistence(t *testing.T) {
	_, _, _, h := fixtures(t)
	path := filepath.Join(t.TempDir(), "m.model")
	if err := h.Save(path); err != nil {
		t.Fatal(err)
	}
	fromFile, err := LoadModel(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fromFile.Close()
	samePredictions(t, h, fromFile)

	blob := mustBytes(t, h)
	fromBytes, err := LoadModelBytes(blob)
	if err != nil {
		t.Fatal(err)
	}
	defer fromBytes.Close()
	samePredictions(t, h, fromBytes)
	if !bytes.Equal(mustBytes(t, fromFile), blob) {
		t.Error("file and bytes round trips differ")
	}

	var buf bytes.Buffer
	n, err := h.WriteTo(&buf)
	if err != nil || n != int64(len(blob)) || !bytes.Equal(buf.Bytes(), blob) {
		t.Fatalf("WriteTo wrote %d bytes (%v), MarshalBinary %d", n, err, len(blob))
	}
	fromReader, err := ReadModel(oneByte{&buf})
	if err != nil {
		t.Fatal(err)
	}
	defer fromReader.Close()
	samePredictions(t, h, fromReader)

	// gob uses MarshalBinary / UnmarshalBinary
	type wrapper struct{ M *Model }
	var g bytes.Buffer
	if err := gob.NewEncoder(&g).Encode(wrapper{h}); err != nil {
		t.Fatal(err)
	}
	var back wrapper
	if err := gob.NewDecoder(&g).Decode(&back); err != nil {
		t.Fatal(err)
	}
	defer back.M.Close()
	samePredictions(t, h, back.M)
	wantStatus(t, back.M.UnmarshalBinary(blob), ErrState)
	// a Model held by value inside another struct (gob decodes into it in place)
	type byValue struct {
		Name string
		M    Model
	}
	g.Reset()
	if err := gob.NewEncoder(&g).Encode(&byValue{"h", Model{s: h.s}}); err != nil {
		t.Fatal(err)
	}
	var bv byValue
	if err := gob.NewDecoder(&g).Decode(&bv); err != nil {
		t.Fatal(err)
	}
	samePredictions(t, h, &bv.M)
	bv.M.Close()

	// failures carry the library's message
	corrupt := append([]byte(nil), blob...)
	corrupt[len(corrupt)/2] ^= 0xff
	e := wantStatus(t, func() error { _, err := LoadModelBytes(corrupt); return err }(), ErrFormat)
	if e.Message == "" {
		t.Error("no message for a corrupt blob")
	}
	wantStatus(t, func() error { _, err := LoadModelBytes(blob[:10]); return err }(), ErrFormat)
	wantStatus(t, func() error { _, err := LoadModel(filepath.Join(t.TempDir(), "none")); return err }(), ErrIO)
	boom := errors.New("pipe burst")
	_, err = h.WriteTo(failWriter{boom})
	if wantStatus(t, err, ErrIO); !errors.Is(err, boom) {
		t.Fatalf("writer error not the cause: %v", err)
	}
	unfitted, _ := NewModel(ScorerCollaborative)
	defer unfitted.Close()
	wantStatus(t, unfitted.Save(path), ErrState)
	wantStatus(t, func() error { _, err := unfitted.MarshalBinary(); return err }(), ErrState)
}

type failWriter struct{ err error }

func (w failWriter) Write([]byte) (int, error) { return 0, w.err }

func TestModelLifecycle(t *testing.T) {
	m, err := NewModel(ScorerCollaborative)
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, func() error { _, _, err := m.Predict(1, 1); return err }(), ErrState)
	wantStatus(t, func() error { _, _, err := m.Recommend(1, 3, nil); return err }(), ErrState)
	empty, _ := NewDataset()
	defer empty.Close()
	e := wantStatus(t, m.Fit(empty, nil), ErrEmpty)
	if e.Message == "" || e.Op != "Fit" {
		t.Errorf("Fit error without message: %#v", e)
	}
	if err := m.Fit(nil, nil); err != ErrClosed {
		t.Errorf("Fit(nil): %v", err)
	}
	m.Close()
	m.Close()
	if err := m.Set("factors", 3); err != ErrClosed {
		t.Fatalf("after Close: %v", err)
	}
	if _, _, err := m.Predict(1, 1); err != ErrClosed {
		t.Fatalf("after Close: %v", err)
	}
	if m.NumUsers() != 0 {
		t.Fatal("count of a closed model")
	}
	var zero Model
	if _, err := zero.MarshalBinary(); err != ErrClosed {
		t.Fatalf("zero model: %v", err)
	}
	if !errors.Is(ErrClosed, ErrInvalidArg) {
		t.Error("ErrClosed is not an ErrInvalidArg")
	}
	// copies of a Model value share one handle: closing one closes all
	a, _ := NewModel(ScorerCollaborative)
	b := *a
	a.Close()
	if err := b.Set("factors", 4); err != ErrClosed {
		t.Fatalf("a copy of a closed model: %v", err)
	}
	b.Close()
	if _, err := NewModel(Scorer(77)); !errors.Is(err, ErrInvalidArg) {
		t.Fatalf("unknown scorer: %v", err)
	}
}

func TestErrorText(t *testing.T) {
	e := &Error{Status: ErrRange, Op: "Set", Message: "factors = 0 is outside [1, 4096]"}
	if got := e.Error(); got != "recsgd: Set: "+ErrRange.String()+": factors = 0 is outside [1, 4096]" {
		t.Errorf("%q", got)
	}
	if !errors.Is(e, ErrRange) || errors.Is(e, ErrFormat) {
		t.Error("Is does not follow the status")
	}
	if ErrRange.String() == "" || ErrRange.String() == Status(9999).String() {
		t.Error("status strings")
	}
	if !OK.IsSuccess() || !Fallback.IsSuccess() || ErrIO.IsSuccess() {
		t.Error("IsSuccess")
	}
}
