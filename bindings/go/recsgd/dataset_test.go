// librecsgd. SPDX-License-Identifier: BSD-2-Clause

package recsgd

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadDataset(t *testing.T) {
	ds := sample(t)
	defer ds.Close()
	if ds.NumRatings() != 58097 || ds.NumUsers() != 1000 || ds.NumItems() != 800 {
		t.Fatalf("sample: %d ratings, %d users, %d items", ds.NumRatings(), ds.NumUsers(), ds.NumItems())
	}
	u, i, r, w, err := ds.Rating(0)
	if err != nil || u != 1 || i != 681 || r != 4.4 || w != 1 {
		t.Fatalf("first rating %d %d %v %v %v", u, i, r, w, err)
	}
	us, is, rs, ws, err := ds.Ratings()
	if err != nil || len(us) != ds.NumRatings() || us[0] != 1 || is[0] != 681 || rs[0] != 4.4 || ws[0] != 1 {
		t.Fatalf("Ratings: %d, %v", len(us), err)
	}
	if u, i, r, _, _ := ds.Rating(777); us[777] != u || is[777] != i || rs[777] != r {
		t.Fatal("Ratings and Rating disagree")
	}
	if _, _, _, _, err := ds.Rating(ds.NumRatings()); err == nil {
		t.Error("rating past the end")
	}
	idx, err := ds.IDToIndex(SideItem, 681)
	if err != nil {
		t.Fatal(err)
	}
	if id, err := ds.IndexToID(SideItem, idx); err != nil || id != 681 {
		t.Fatalf("index %d -> id %d, %v", idx, id, err)
	}
	wantStatus(t, func() error { _, err := ds.IDToIndex(SideUser, 123456789); return err }(), ErrUnknownID)
	if ds.NumFeatures(SideUser) == 0 || ds.NumFeatures(SideItem) == 0 {
		t.Fatal("no features loaded")
	}
	feats, vals, err := ds.Features(SideUser, 1)
	if err != nil || len(feats) != 4 || len(vals) != 4 {
		t.Fatalf("user 1 features %v %v %v", feats, vals, err)
	}
	names := map[string]float32{}
	for j, f := range feats {
		n, ok := ds.FeatureName(SideUser, f)
		if !ok {
			t.Fatalf("no name for feature %d", f)
		}
		names[n] = vals[j]
	}
	if names["tenure_years"] != 8.5 || names["gender_m"] != 1 {
		t.Fatalf("user 1 features %v", names)
	}
	if _, ok := ds.FeatureName(SideUser, 100000); ok {
		t.Error("name of a feature out of range")
	}
	if err := ds.StandardizeFeatures(SideUser); err != nil {
		t.Fatal(err)
	}
}

func TestLoadErrors(t *testing.T) {
	_, err := LoadDataset(filepath.Join(t.TempDir(), "missing.tsv"), FormatMovielens)
	e := wantStatus(t, err, ErrIO)
	if e.Message == "" || e.Op != "LoadFile" {
		t.Errorf("error without the library's message: %#v", e)
	}

	ds, err := NewDataset()
	if err != nil {
		t.Fatal(err)
	}
	defer ds.Close()
	err = ds.Load(strings.NewReader("1 2 4\n1 x 3\n"), FormatMovielens, "bad.tsv")
	e = wantStatus(t, err, ErrFormat)
	if !strings.Contains(e.Message, "bad.tsv") || !strings.Contains(e.Error(), e.Message) {
		t.Errorf("message does not name the input: %q", e.Message)
	}
	if errors.Is(err, ErrIO) {
		t.Error("a format error also matches ErrIO")
	}
	if ds.NumRatings() != 0 {
		t.Error("a failed load changed the dataset")
	}
	wantStatus(t, ds.Load(strings.NewReader(""), FormatMovielens, "empty"), ErrEmpty)

	// an io.Reader error fails the load with ErrIO and is its cause
	boom := errors.New("disk on fire")
	err = ds.Load(io.MultiReader(strings.NewReader("1 2 4\n"), errReader{boom}), FormatMovielens, "r")
	wantStatus(t, err, ErrIO)
	if !errors.Is(err, boom) {
		t.Errorf("the reader's error is not the cause: %v", err)
	}
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

func TestLoadFromReader(t *testing.T) {
	f, err := os.Open(filepath.Join(sampleDir(t), "ratings.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ds, err := NewDataset()
	if err != nil {
		t.Fatal(err)
	}
	defer ds.Close()
	// a few bytes at a time: the reader adapter must cope with short reads
	if err := ds.Load(oneByte{f}, FormatMovielens, "ratings.tsv"); err != nil {
		t.Fatal(err)
	}
	if ds.NumRatings() != 58097 {
		t.Fatalf("%d ratings", ds.NumRatings())
	}
	ff, err := os.Open(filepath.Join(sampleDir(t), "item_features.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer ff.Close()
	if err := ds.LoadFeatures(SideItem, ff, FeaturesSparse, "items"); err != nil {
		t.Fatal(err)
	}
	if ds.NumFeatures(SideItem) == 0 {
		t.Fatal("no item features")
	}
}

type oneByte struct{ r io.Reader }

func (o oneByte) Read(p []byte) (int, error) {
	if len(p) > 7 {
		p = p[:7]
	}
	return o.r.Read(p)
}

func TestDatasetFromSlices(t *testing.T) {
	users := []int64{10, 10, 20, 30}
	items := []int64{1, 2, 1, 3}
	ratings := []float32{5, 3, 4, 2}
	ds, err := DatasetFromSlices(users, items, ratings, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ds.Close()
	if ds.NumRatings() != 4 || ds.NumUsers() != 3 || ds.NumItems() != 3 {
		t.Fatalf("%d %d %d", ds.NumRatings(), ds.NumUsers(), ds.NumItems())
	}
	for j := range users {
		u, i, r, w, err := ds.Rating(j)
		if err != nil || u != users[j] || i != items[j] || r != ratings[j] || w != 1 {
			t.Fatalf("rating %d: %d %d %v %v %v", j, u, i, r, w, err)
		}
	}
	if err := ds.AddRatings([]int64{1}, []int64{1}, []float32{1}, []float32{2.5}); err != nil {
		t.Fatal(err)
	}
	if _, _, _, w, _ := ds.Rating(4); w != 2.5 {
		t.Fatalf("weight %v", w)
	}
	wantStatus(t, ds.AddRatings([]int64{1, 2}, []int64{1}, []float32{1, 2}, nil), ErrInvalidArg)
	// all or none: a NaN rating rejects the whole batch
	nan := float32(0)
	nan = nan / nan
	wantStatus(t, ds.AddRatings([]int64{7, 8}, []int64{7, 8}, []float32{3, nan}, nil), ErrRange)
	if ds.NumRatings() != 5 {
		t.Fatalf("a failed batch added ratings: %d", ds.NumRatings())
	}
	if err := ds.AddRating(99, 98, 4, 1); err != nil || ds.NumRatings() != 6 {
		t.Fatal(err)
	}
	if err := ds.AddRatings(nil, nil, nil, nil); err != nil {
		t.Fatal("an empty batch failed:", err)
	}
}

func TestDatasetParams(t *testing.T) {
	ds, err := NewDataset()
	if err != nil {
		t.Fatal(err)
	}
	defer ds.Close()
	if err := ds.Set("rating_max", 5); err != nil { // an int for a real parameter
		t.Fatal(err)
	}
	if v, err := ds.GetFloat("rating_max"); err != nil || v != 5 {
		t.Fatalf("rating_max %v %v", v, err)
	}
	wantStatus(t, ds.AddRating(1, 1, 6, 1), ErrRange)
	if err := ds.Set("csv_delimiter", int(';')); err != nil {
		t.Fatal(err)
	}
	if v, err := ds.GetInt("csv_delimiter"); err != nil || v != ';' {
		t.Fatalf("csv_delimiter %v %v", v, err)
	}
	wantStatus(t, ds.Set("no_such_param", 1), ErrUnknownParam)
	if err := ds.Load(strings.NewReader("user;item;rating\n1;2;4\n3;4;5\n"), FormatCSV, "x.csv"); err != nil {
		t.Fatal(err)
	}
	if ds.NumRatings() != 2 {
		t.Fatal(ds.NumRatings())
	}
}

func TestDatasetFeatures(t *testing.T) {
	ds, err := DatasetFromSlices([]int64{1, 2}, []int64{1, 2}, []float32{4, 5}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ds.Close()
	a, err := ds.AddFeature(SideItem, "genre_a")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := ds.AddFeature(SideItem, "genre_b")
	if again, _ := ds.AddFeature(SideItem, "genre_a"); again != a || b == a {
		t.Fatalf("feature indices %d %d %d", a, b, again)
	}
	if err := ds.SetFeatures(SideItem, 3, []int32{a, b}, []float32{1, 0.5}); err != nil {
		t.Fatal(err)
	}
	if ds.NumItems() != 3 {
		t.Fatalf("a feature row did not add the id: %d items", ds.NumItems())
	}
	f, v, err := ds.Features(SideItem, 3)
	if err != nil || len(f) != 2 || v[1] != 0.5 {
		t.Fatalf("%v %v %v", f, v, err)
	}
	wantStatus(t, ds.SetFeatures(SideItem, 3, []int32{a, a}, nil), ErrFormat)
	wantStatus(t, ds.SetFeatures(SideItem, 3, []int32{99}, nil), ErrRange)
	if err := ds.SetFeatures(SideItem, 1, []int32{b}, nil); err != nil {
		t.Fatal(err)
	}
	if _, v, _ := ds.Features(SideItem, 1); len(v) != 1 || v[0] != 1 {
		t.Fatalf("nil values are not all 1: %v", v)
	}
}

func TestSplits(t *testing.T) {
	ds := sample(t)
	defer ds.Close()
	tr, te, err := ds.SplitRandom(0.25, 9)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	defer te.Close()
	if tr.NumRatings()+te.NumRatings() != ds.NumRatings() || te.NumRatings() == 0 {
		t.Fatalf("split %d + %d of %d", tr.NumRatings(), te.NumRatings(), ds.NumRatings())
	}
	if tr.NumUsers() != ds.NumUsers() || te.NumFeatures(SideItem) != ds.NumFeatures(SideItem) {
		t.Error("split parts do not share the id maps and features")
	}
	wantStatus(t, func() error { _, _, err := ds.SplitRandom(1.5, 1); return err }(), ErrRange)

	tr2, te2, err := ds.SplitPerUser(2, 9)
	if err != nil {
		t.Fatal(err)
	}
	defer tr2.Close()
	defer te2.Close()
	if te2.NumRatings() == 0 || te2.NumRatings() > 2*ds.NumUsers() {
		t.Fatalf("held out %d for %d users", te2.NumRatings(), ds.NumUsers())
	}
	perUser := map[int64]int{}
	for j := 0; j < te2.NumRatings(); j++ {
		u, _, _, _, _ := te2.Rating(j)
		perUser[u]++
	}
	for u, n := range perUser {
		if n != 2 {
			t.Fatalf("user %d has %d held-out ratings", u, n)
		}
	}
	if tr2.NumRatings()+te2.NumRatings() != ds.NumRatings() {
		t.Fatal("per-user split lost ratings")
	}
}

func TestDatasetClose(t *testing.T) {
	ds, err := NewDataset()
	if err != nil {
		t.Fatal(err)
	}
	ds.Close()
	ds.Close() // twice is fine
	if err := ds.AddRating(1, 1, 1, 1); err != ErrClosed {
		t.Fatalf("use after Close: %v", err)
	}
	if ds.NumRatings() != 0 {
		t.Fatal("count of a closed dataset")
	}
	var zero Dataset
	if _, _, err := zero.SplitRandom(0.1, 1); err != ErrClosed {
		t.Fatalf("zero dataset: %v", err)
	}
}
