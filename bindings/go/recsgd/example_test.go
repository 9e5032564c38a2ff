// librecsgd. SPDX-License-Identifier: BSD-2-Clause

package recsgd_test

import (
	"errors"
	"fmt"
	"log"

	"librecsgd/recsgd"
)

// The quick start of README.md.
func Example() {
	all, err := recsgd.LoadDataset("../../../data/sample/ratings.tsv", recsgd.FormatMovielens)
	if err != nil {
		log.Fatal(err)
	}
	defer all.Close()
	train, test, err := all.SplitRandom(0.2, 42)
	if err != nil {
		log.Fatal(err)
	}
	defer train.Close()
	defer test.Close()
	m, err := recsgd.NewModelNamed("collaborative", map[string]interface{}{"factors": 16, "epochs": 20, "threads": 1})
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	if err := m.Fit(train, nil); err != nil {
		log.Fatal(err)
	}
	recs, fellBack, err := m.Recommend(1, 3, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(recs), fellBack)
	_, fellBack, _ = m.Predict(424242, 1) // an unknown user: a success, visible
	fmt.Println(fellBack)
	err = m.Set("learning_rate", 0)
	var e *recsgd.Error
	fmt.Println(errors.Is(err, recsgd.ErrRange), errors.As(err, &e) && e.Message != "")
	// Output:
	// 3 false
	// true
	// true true
}
