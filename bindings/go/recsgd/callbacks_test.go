// librecsgd. SPDX-License-Identifier: BSD-2-Clause

package recsgd

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"runtime/cgo"
	"sync/atomic"
	"testing"
	"time"
)

func TestProgressCallback(t *testing.T) {
	train, _, _, _ := fixtures(t)
	m := newSmall(t, "collaborative", nil)
	defer m.Close()
	var seen []EpochStats
	if err := m.SetProgressFunc(func(s EpochStats) bool {
		seen = append(seen, s)
		return false
	}); err != nil {
		t.Fatal(err)
	}
	if err := m.Fit(train, nil); err != nil {
		t.Fatal(err)
	}
	stats, _ := m.EpochStats()
	if len(seen) != 5 || len(stats) != 5 {
		t.Fatalf("progress called %d times, %d epochs", len(seen), len(stats))
	}
	for e := range seen {
		for k := range stats[e] {
			if seen[e][k] != stats[e][k] && !(seen[e][k] != seen[e][k]) { // NaN == NaN here
				t.Fatalf("epoch %d stat %d: callback %v, EpochStats %v", e, k, seen[e][k], stats[e][k])
			}
		}
	}

	// returning true stops training: ErrCancelled, last complete epoch kept
	if err := m.SetProgressFunc(func(s EpochStats) bool { return s[StatEpoch] >= 2 }); err != nil {
		t.Fatal(err)
	}
	err := m.Fit(train, nil)
	wantStatus(t, err, ErrCancelled)
	var ce *CallbackError
	if errors.As(err, &ce) {
		t.Fatal("a requested stop is reported as a callback failure")
	}
	if stats, _ := m.EpochStats(); len(stats) != 2 {
		t.Fatalf("%d epochs after stopping at 2", len(stats))
	}
	if _, _, err := m.Predict(1, 1); err != nil {
		t.Fatal("the stopped model does not predict:", err)
	}

	// removing the callback
	if err := m.SetProgressFunc(nil); err != nil {
		t.Fatal(err)
	}
	if err := m.Fit(train, nil); err != nil {
		t.Fatal(err)
	}
}

func TestPanicInProgressStopsFit(t *testing.T) {
	train, _, _, _ := fixtures(t)
	m := newSmall(t, "collaborative", nil)
	defer m.Close()
	if err := m.SetProgressFunc(func(s EpochStats) bool {
		if s[StatEpoch] == 3 {
			panic("progress exploded")
		}
		return false
	}); err != nil {
		t.Fatal(err)
	}
	err := m.Fit(train, nil)
	wantStatus(t, err, ErrCancelled)
	var ce *CallbackError
	if !errors.As(err, &ce) || ce.Callback != "progress" || ce.Value != "progress exploded" || len(ce.Stack) == 0 {
		t.Fatalf("panic not returned as the cause: %v (%#v)", err, ce)
	}
	if stats, _ := m.EpochStats(); len(stats) != 3 {
		t.Fatalf("%d epochs kept", len(stats))
	}
	// the next Fit starts clean
	if err := m.SetProgressFunc(func(EpochStats) bool { return false }); err != nil {
		t.Fatal(err)
	}
	if err := m.Fit(train, nil); err != nil {
		t.Fatalf("Fit after a recovered panic: %v", err)
	}
	// a panic with an error value is unwrappable
	sentinel := errors.New("typed failure")
	m.SetProgressFunc(func(EpochStats) bool { panic(sentinel) })
	if err := m.Fit(train, nil); !errors.Is(err, sentinel) || !errors.Is(err, ErrCancelled) {
		t.Fatalf("panic(error) not unwrappable: %v", err)
	}
}

// initBuiltinNormal is an InitFunc that forwards to the library's normal
// initialiser, so a model using it must train exactly like the built-in.
func initForward(policy InitPolicy, scale float64, blocks *[]string) InitFunc {
	return func(b Block, v []float32, rows, cols int, seed uint64) error {
		if len(v) != rows*cols {
			return fmt.Errorf("block %d: %d values for %d x %d", b, len(v), rows, cols)
		}
		*blocks = append(*blocks, fmt.Sprintf("%d:%dx%d", b, rows, cols))
		return BuiltinInit(policy, b, v, rows, cols, seed, scale)
	}
}

func TestInitCallback(t *testing.T) {
	train, _, _, _ := fixtures(t)
	for _, c := range []struct {
		name   string
		policy InitPolicy
	}{{"normal", InitNormal}, {"uniform", InitUniform}, {"zero", InitZero}} {
		ref := newSmall(t, "collaborative", map[string]interface{}{"init": c.name, "init_scale": 0.01})
		if err := ref.Fit(train, nil); err != nil {
			t.Fatal(err)
		}
		custom := newSmall(t, "collaborative", nil)
		var blocks []string
		if err := custom.SetInitFunc(initForward(c.policy, 0.01, &blocks)); err != nil {
			t.Fatal(err)
		}
		if v, _ := custom.GetInt("init"); InitPolicy(v) != InitCustom {
			t.Errorf("init reports %d after SetInitFunc", v)
		}
		if err := custom.Fit(train, nil); err != nil {
			t.Fatal(err)
		}
		want := []string{fmt.Sprintf("%d:%dx8", BlockUserFactors, 1000), fmt.Sprintf("%d:%dx8", BlockItemFactors, 800)}
		if fmt.Sprint(blocks) != fmt.Sprint(want) {
			t.Errorf("%s: blocks %v, want %v", c.name, blocks, want)
		}
		samePredictions(t, ref, custom)
		ref.Close()
		custom.Close()
	}
}

func TestInitCallbackFailures(t *testing.T) {
	train, _, _, _ := fixtures(t)
	m := newSmall(t, "collaborative", nil)
	defer m.Close()
	bad := errors.New("no entropy today")
	m.SetInitFunc(func(Block, []float32, int, int, uint64) error { return bad })
	err := m.Fit(train, nil)
	wantStatus(t, err, ErrCancelled)
	var ce *CallbackError
	if !errors.Is(err, bad) || !errors.As(err, &ce) || ce.Callback != "init" {
		t.Fatalf("init error not the cause: %v", err)
	}
	m.SetInitFunc(func(Block, []float32, int, int, uint64) error { panic(42) })
	err = m.Fit(train, nil)
	if wantStatus(t, err, ErrCancelled); !errors.As(err, &ce) || ce.Value != 42 {
		t.Fatalf("init panic not the cause: %v", err)
	}
	// nil restores the built-in
	if err := m.SetInitFunc(nil); err != nil {
		t.Fatal(err)
	}
	if v, _ := m.GetInt("init"); InitPolicy(v) == InitCustom {
		t.Fatal("init still custom")
	}
	if err := m.Fit(train, nil); err != nil {
		t.Fatal(err)
	}
}

func TestClipCallback(t *testing.T) {
	train, _, _, _ := fixtures(t)
	for _, c := range []struct {
		name    string
		policy  ClipPolicy
		threads int
	}{{"value", ClipValue, 1}, {"norm", ClipNorm, 1}, {"value", ClipValue, 2}} {
		if c.threads > 1 && !LibraryFeatures().Has(FeatureThreads) {
			t.Logf("library built without threads: clip with %d threads skipped", c.threads)
			continue
		}
		// a large learning rate so clipping changes something
		params := map[string]interface{}{"learning_rate": 0.05, "clip_threshold": 0.05, "threads": c.threads, "epochs": 2}
		ref := newSmall(t, "collaborative", params)
		ref.Set("clip", c.name)
		if err := ref.Fit(train, nil); err != nil {
			t.Fatal(err)
		}
		custom := newSmall(t, "collaborative", params)
		var calls, changed int64
		if err := custom.SetClipFunc(func(g []float32) bool {
			atomic.AddInt64(&calls, 1)
			ch, err := BuiltinClip(c.policy, g, 0.05)
			if err != nil {
				panic(err)
			}
			if ch {
				atomic.AddInt64(&changed, 1)
			}
			return ch
		}); err != nil {
			t.Fatal(err)
		}
		if v, _ := custom.GetInt("clip"); ClipPolicy(v) != ClipCustom {
			t.Errorf("clip reports %d after SetClipFunc", v)
		}
		if err := custom.Fit(train, nil); err != nil {
			t.Fatal(err)
		}
		if calls == 0 || changed == 0 {
			t.Fatalf("%s/%d threads: clip called %d times, changed %d", c.name, c.threads, calls, changed)
		}
		rs, _ := ref.EpochStats()
		cs, _ := custom.EpochStats()
		if cs[0][StatClipShare] == 0 || cs[0][StatClipShare] != rs[0][StatClipShare] {
			t.Errorf("%s: clip share custom %v, built-in %v", c.name, cs[0][StatClipShare], rs[0][StatClipShare])
		}
		// the built-ins are inlined in the fused update loop, whose float
		// operations may round differently from the generic call path
		closePredictions(t, fmt.Sprintf("clip %s, %d threads", c.name, c.threads), ref, custom, 1e-4)
		ref.Close()
		custom.Close()
	}
}

func closePredictions(t *testing.T, what string, a, b *Model, tol float64) {
	t.Helper()
	worst := 0.0
	for u := int64(1); u <= 50; u++ {
		for i := int64(1); i <= 50; i++ {
			sa, _, ea := a.Predict(u, i)
			sb, _, eb := b.Predict(u, i)
			if ea != nil || eb != nil {
				t.Fatal(ea, eb)
			}
			if d := math.Abs(float64(sa - sb)); d > worst {
				worst = d
			}
		}
	}
	if worst > tol {
		t.Errorf("%s: predictions differ by up to %g", what, worst)
	}
	t.Logf("%s: largest prediction difference %g", what, worst)
}

func TestPanicInClipStopsFit(t *testing.T) {
	train, _, _, _ := fixtures(t)
	threads := 1
	if LibraryFeatures().Has(FeatureThreads) {
		threads = 2 // the panic happens on a library worker thread
	}
	m := newSmall(t, "collaborative", map[string]interface{}{"threads": threads})
	defer m.Close()
	var calls int64
	m.SetClipFunc(func(g []float32) bool {
		if atomic.AddInt64(&calls, 1) == 1000 {
			panic("clip exploded")
		}
		return false
	})
	err := m.Fit(train, nil)
	wantStatus(t, err, ErrCancelled)
	var ce *CallbackError
	if !errors.As(err, &ce) || ce.Callback != "clip" || ce.Value != "clip exploded" {
		t.Fatalf("clip panic not the cause: %v", err)
	}
	if stats, _ := m.EpochStats(); len(stats) >= 5 {
		t.Fatalf("training ran all %d epochs after the panic", len(stats))
	}
	if err := m.SetClipFunc(nil); err != nil {
		t.Fatal(err)
	}
	if v, _ := m.GetInt("clip"); ClipPolicy(v) == ClipCustom {
		t.Fatal("clip still custom")
	}
}

func TestLogCallback(t *testing.T) {
	train, _, _, _ := fixtures(t)
	m := newSmall(t, "hybrid", map[string]interface{}{"epochs": 2})
	defer m.Close()
	var msgs []string
	if err := m.SetLogFunc(func(l LogLevel, s string) { msgs = append(msgs, fmt.Sprintf("%d %s", l, s)) }); err != nil {
		t.Fatal(err)
	}
	if err := m.Fit(train, nil); err != nil {
		t.Fatal(err)
	}
	if len(msgs) == 0 {
		t.Fatal("the hybrid fit logged nothing (it reports its cold-start refit)")
	}
	t.Logf("log: %q", msgs)
	if err := m.SetLogFunc(nil); err != nil {
		t.Fatal(err)
	}
}

func TestPanicInLogIsReturned(t *testing.T) {
	train, _, _, _ := fixtures(t)
	m := newSmall(t, "hybrid", map[string]interface{}{"epochs": 2})
	defer m.Close()
	m.SetLogFunc(func(LogLevel, string) { panic("log exploded") })
	err := m.Fit(train, nil)
	var ce *CallbackError
	if !errors.As(err, &ce) || ce.Callback != "log" || ce.Value != "log exploded" {
		t.Fatalf("log panic not returned: %v", err)
	}
}

func TestCallbackMisuse(t *testing.T) {
	train, _, _, _ := fixtures(t)
	m := newSmall(t, "collaborative", nil)
	defer m.Close()
	var inner error
	m.SetProgressFunc(func(EpochStats) bool {
		inner = m.Set("factors", 3)
		return false
	})
	if err := m.Fit(train, nil); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, inner, ErrMisuse)
	if v, _ := m.GetInt("factors"); v != 8 {
		t.Fatalf("a misused setter changed factors to %d", v)
	}
}

func TestCallbacksReleasedOnClose(t *testing.T) {
	m := newSmall(t, "collaborative", nil)
	m.SetProgressFunc(func(EpochStats) bool { return false })
	h := m.s.cbh
	if h == 0 {
		t.Fatal("no handle")
	}
	m.Close()
	if m.s.cbh != 0 || m.s.cb != nil {
		t.Fatal("callbacks kept after Close")
	}
	defer func() {
		if recover() == nil {
			t.Fatal("the cgo.Handle is still valid after Close")
		}
	}()
	h.Value()
}

// TestFinalizerFreesForgottenModel drops a model without Close: the
// finaliser must free it, which is visible through its cgo.Handle, deleted
// with the C model.
func TestFinalizerFreesForgottenModel(t *testing.T) {
	h := func() cgo.Handle {
		m := newSmall(t, "collaborative", nil)
		m.SetProgressFunc(func(EpochStats) bool { return false })
		return m.s.cbh
	}()
	valid := func() (ok bool) {
		defer func() {
			if recover() != nil {
				ok = false
			}
		}()
		h.Value()
		return true
	}
	for try := 0; try < 100 && valid(); try++ {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	if valid() {
		t.Fatal("a forgotten model was not finalised")
	}
}
