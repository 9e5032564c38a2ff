// librecsgd. SPDX-License-Identifier: BSD-2-Clause

// Command identity is the Go implementation of the cross-language identity
// workflow (bindings/identity/SPEC.md): it must print exactly what the C
// reference prints and save byte-identical model files.
//
//	identity SAMPLE_DATA_DIR OUT_DIR
package main

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"

	"librecsgd/recsgd"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: identity SAMPLE_DATA_DIR OUT_DIR")
		os.Exit(2)
	}
	out := bufio.NewWriter(os.Stdout)
	err := run(out, os.Args[1], os.Args[2])
	if ferr := out.Flush(); err == nil {
		err = ferr
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "identity:", err)
		os.Exit(1)
	}
}

func run(w *bufio.Writer, dataDir, outDir string) error {
	all, err := recsgd.LoadDataset(filepath.Join(dataDir, "ratings.tsv"), recsgd.FormatMovielens)
	if err != nil {
		return err
	}
	defer all.Close()
	if err := all.LoadFeaturesFile(recsgd.SideUser, filepath.Join(dataDir, "user_features.txt"), recsgd.FeaturesSparse); err != nil {
		return err
	}
	if err := all.LoadFeaturesFile(recsgd.SideItem, filepath.Join(dataDir, "item_features.txt"), recsgd.FeaturesSparse); err != nil {
		return err
	}
	train, test, err := all.SplitRandom(0.2, 42)
	if err != nil {
		return err
	}
	defer train.Close()
	defer test.Close()

	for _, scorer := range []string{"collaborative", "hybrid"} {
		if err := one(w, scorer, train, test, outDir); err != nil {
			return fmt.Errorf("%s: %w", scorer, err)
		}
	}
	return nil
}

func one(w *bufio.Writer, scorer string, train, test *recsgd.Dataset, outDir string) error {
	m, err := recsgd.NewModelNamed(scorer, nil)
	if err != nil {
		return err
	}
	defer m.Close()
	// set by name, in the order of the SPEC
	for _, kv := range []struct {
		name  string
		value int
	}{{"factors", 16}, {"epochs", 8}, {"seed", 7}, {"threads", 1}} {
		if err := m.Set(kv.name, kv.value); err != nil {
			return err
		}
	}
	if err := m.Fit(train, nil); err != nil {
		return err
	}
	stats, err := m.EpochStats()
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "scorer %s\n", scorer)
	last := math.NaN()
	if len(stats) > 0 {
		last = stats[len(stats)-1].Get(recsgd.StatTrainRMSE)
	}
	fmt.Fprintf(w, "epochs %d train_rmse %016x\n", len(stats), math.Float64bits(last))
	for _, u := range []int64{1, 2, 3} {
		fmt.Fprintf(w, "topk user %d\n", u)
		recs, _, err := m.Recommend(u, 10, nil)
		if err != nil {
			return err
		}
		for r, rec := range recs {
			fmt.Fprintf(w, "%d %d %08x %.6f\n", r+1, rec.ID, math.Float32bits(rec.Score), rec.Score)
		}
	}
	fmt.Fprintln(w, "predict")
	if err := predictBlock(w, m); err != nil {
		return err
	}
	fmt.Fprintln(w, "evaluate")
	if err := evaluateBlock(w, m, test); err != nil {
		return err
	}
	path := filepath.Join(outDir, "go-"+scorer+".model")
	if err := m.Save(path); err != nil {
		return err
	}
	back, err := recsgd.LoadModel(path)
	if err != nil {
		return err
	}
	defer back.Close()
	fmt.Fprintln(w, "reloaded")
	return predictBlock(w, back)
}

// predictBlock prints one rs_predict per pair, user-major; status is the
// numeric rs_status (0 for OK, 100 for the fallback).
func predictBlock(w *bufio.Writer, m *recsgd.Model) error {
	ids := []int64{1, 2, 3, 999999}
	for _, u := range ids {
		for _, i := range ids {
			s, fellBack, err := m.Predict(u, i)
			if err != nil {
				return err
			}
			st := recsgd.OK
			if fellBack {
				st = recsgd.Fallback
			}
			fmt.Fprintf(w, "%d %d %d %08x %.6f\n", u, i, int32(st), math.Float32bits(s), s)
		}
	}
	return nil
}

// evaluateBlock prints every entry of both evaluation calls on test, in
// Metric order, as the bits of the double.
func evaluateBlock(w *bufio.Writer, m *recsgd.Model, test *recsgd.Dataset) error {
	all, err := m.EvaluateRatings(test)
	if err != nil {
		return err
	}
	ranking, err := m.EvaluateRanking(test, &recsgd.RankingOptions{K: 10, Threshold: 4})
	if err != nil {
		return err
	}
	for k, v := range ranking {
		all[k] = v
	}
	keys := make([]recsgd.Metric, 0, len(all))
	for k := range all {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(a, b int) bool { return keys[a] < keys[b] })
	for _, k := range keys {
		fmt.Fprintf(w, "%d %016x\n", int32(k), math.Float64bits(all[k]))
	}
	return nil
}
