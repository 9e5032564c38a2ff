// librecsgd. SPDX-License-Identifier: BSD-2-Clause

package recsgd

import (
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// sampleDir is data/sample of the source tree ($RECSGD_SAMPLE overrides).
func sampleDir(t testing.TB) string {
	t.Helper()
	d := os.Getenv("RECSGD_SAMPLE")
	if d == "" {
		d = filepath.Join("..", "..", "..", "data", "sample")
	}
	if _, err := os.Stat(filepath.Join(d, "ratings.tsv")); err != nil {
		t.Fatalf("no sample data (set RECSGD_SAMPLE): %v", err)
	}
	return d
}

// sample loads data/sample with its user and item features.
func sample(t testing.TB) *Dataset {
	t.Helper()
	d := sampleDir(t)
	ds, err := LoadDataset(filepath.Join(d, "ratings.tsv"), FormatMovielens)
	if err != nil {
		t.Fatal(err)
	}
	if err := ds.LoadFeaturesFile(SideUser, filepath.Join(d, "user_features.txt"), FeaturesSparse); err != nil {
		t.Fatal(err)
	}
	if err := ds.LoadFeaturesFile(SideItem, filepath.Join(d, "item_features.txt"), FeaturesSparse); err != nil {
		t.Fatal(err)
	}
	return ds
}

// smallParams keep test fits short.
var smallParams = map[string]interface{}{"factors": 8, "epochs": 5, "seed": 3, "threads": 1}

// newSmall is an unfitted model of scorer with smallParams and extra.
func newSmall(t testing.TB, scorer string, extra map[string]interface{}) *Model {
	t.Helper()
	m, err := NewModelNamed(scorer, smallParams)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.SetAll(extra); err != nil {
		t.Fatal(err)
	}
	return m
}

func fitModel(t testing.TB, scorer string, train *Dataset, extra map[string]interface{}) *Model {
	t.Helper()
	m := newSmall(t, scorer, extra)
	if err := m.Fit(train, nil); err != nil {
		t.Fatal(err)
	}
	return m
}

// shared fixtures: one split of the sample and one fitted model per scorer,
// built once for the read-only tests.
var fixture struct {
	once        sync.Once
	all, tr, te *Dataset
	collab, hyb *Model
}

func fixtures(t testing.TB) (train, test *Dataset, collab, hybrid *Model) {
	t.Helper()
	f := &fixture
	f.once.Do(func() {
		f.all = sample(t)
		var err error
		if f.tr, f.te, err = f.all.SplitRandom(0.2, 42); err != nil {
			t.Fatal(err)
		}
		f.collab = fitModel(t, "collaborative", f.tr, nil)
		f.hyb = fitModel(t, "hybrid", f.tr, nil)
	})
	if f.hyb == nil {
		t.Fatal("fixtures failed to build")
	}
	return f.tr, f.te, f.collab, f.hyb
}

// wantStatus fails unless err is an *Error of status st.
func wantStatus(t testing.TB, err error, st Status) *Error {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %v", st)
	}
	if !errors.Is(err, st) {
		t.Fatalf("got %v, want status %v", err, st)
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("%v is not a *recsgd.Error", err)
	}
	return e
}
