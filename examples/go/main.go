// librecsgd. SPDX-License-Identifier: BSD-2-Clause

// Command quickstart is examples/quickstart.c in Go: load data/sample, split
// off test and validation sets, fit a collaborative model with early
// stopping, print the held-out RMSE and the top-10 of two users.
//
//	cd examples/go && go run . [../../data/sample]
package main

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	"librecsgd/recsgd"
)

func main() {
	dir := filepath.Join("..", "..", "data", "sample")
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	if err := run(dir); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	fmt.Printf("librecsgd %s (threads: %v)\n", recsgd.LibraryVersion(),
		recsgd.LibraryFeatures().Has(recsgd.FeatureThreads))

	// 1. data
	all, err := recsgd.LoadDataset(filepath.Join(dir, "ratings.tsv"), recsgd.FormatMovielens)
	if err != nil {
		return err // e.g. "recsgd: LoadFile: I/O error: cannot open ..."
	}
	defer all.Close()
	if err := all.LoadFeaturesFile(recsgd.SideItem, filepath.Join(dir, "item_features.txt"), recsgd.FeaturesSparse); err != nil {
		return err
	}
	fmt.Printf("loaded %d ratings: %d users, %d items, %d item features\n",
		all.NumRatings(), all.NumUsers(), all.NumItems(), all.NumFeatures(recsgd.SideItem))

	// 2. splits: test (20%), then validation (10% of the rest) for early stopping
	rest, test, err := all.SplitRandom(0.2, 1)
	if err != nil {
		return err
	}
	defer rest.Close()
	defer test.Close()
	train, valid, err := rest.SplitRandom(0.1, 2)
	if err != nil {
		return err
	}
	defer train.Close()
	defer valid.Close()
	fmt.Printf("split: %d train, %d validation, %d test ratings\n",
		train.NumRatings(), valid.NumRatings(), test.NumRatings())

	// 3. model: hyper-parameters by name, a Go progress callback
	m, err := recsgd.NewModelNamed("collaborative", map[string]interface{}{
		"factors": 16, "epochs": 200, "patience": 5, "learning_rate": 0.02, "l2_factors": 0.05,
	})
	if err != nil {
		return err
	}
	defer m.Close()
	if err := m.SetProgressFunc(func(s recsgd.EpochStats) bool {
		if math.Mod(s[recsgd.StatEpoch], 10) == 0 {
			fmt.Printf("  epoch %3.0f  train RMSE %.4f  validation RMSE %.4f\n",
				s[recsgd.StatEpoch], s[recsgd.StatTrainRMSE], s[recsgd.StatValidRMSE])
		}
		return false // true would stop training
	}); err != nil {
		return err
	}
	fmt.Println("fitting a collaborative model (16 factors, at most 200 epochs, early stopping on validation):")
	if err := m.Fit(train, valid); err != nil {
		return err
	}
	stats, err := m.EpochStats()
	if err != nil {
		return err
	}
	fmt.Printf("  stopped after %d epochs; validation RMSE of the last epoch %.4f\n",
		len(stats), stats[len(stats)-1][recsgd.StatValidRMSE])

	// 4. held-out RMSE: one PredictBatch call for the whole test set
	users, items, ratings, _, err := test.Ratings()
	if err != nil {
		return err
	}
	scores, statuses, err := m.PredictBatch(users, items)
	if err != nil {
		return err
	}
	var sse float64
	fallbacks := 0
	for j := range scores {
		d := float64(scores[j] - ratings[j])
		sse += d * d
		if statuses[j] == recsgd.Fallback {
			fallbacks++
		}
	}
	fmt.Printf("\nheld-out RMSE: %.4f on %d test ratings (%d scored by the cold-start fallback)\n",
		math.Sqrt(sse/float64(len(scores))), len(scores), fallbacks)

	// 5. recommendations
	for _, u := range []int64{1, 2} {
		recs, fellBack, err := m.Recommend(u, 10, nil)
		if err != nil {
			return err
		}
		fmt.Printf("\nTop-10 for user %d (items the user rated in training are excluded)%s:\n", u,
			map[bool]string{true: " (unknown user: fallback ranking)"}[fellBack])
		for k, r := range recs {
			rating, _, _ := m.Predict(u, r.ID)
			fmt.Printf("  %2d. item %4d  predicted %.2f  (score %.2f)  %s\n", k+1, r.ID, rating, r.Score, label(all, r.ID))
		}
	}

	// errors carry the status and the library's message
	if err := m.Set("learning_rate", -1); errors.Is(err, recsgd.ErrRange) {
		fmt.Printf("\nas expected: %v\n", err)
	}
	return nil
}

// label is the item's indicator features ("genre_drama decade_1990s").
func label(ds *recsgd.Dataset, item int64) string {
	feats, vals, err := ds.Features(recsgd.SideItem, item)
	if err != nil {
		return ""
	}
	var names []string
	for j, f := range feats {
		if name, ok := ds.FeatureName(recsgd.SideItem, f); ok && vals[j] == 1 {
			names = append(names, name)
		}
	}
	return strings.Join(names, " ")
}
