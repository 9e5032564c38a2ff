// librecsgd. SPDX-License-Identifier: BSD-2-Clause

// Command batchbench prints how long the Go binding's batch calls take next
// to the same C calls made directly through cgo, on one model (the binding's
// and the direct one are loaded from the same bytes): PredictBatchInto and
// PredictBatch over 1 M (user, item) pairs against rs_predict_batch, and
// RecommendBatch for every user against rs_topk_batch. The goal is a
// ratio within 1.3x; measure it on a quiet machine.
//
//	batchbench [RATINGS_FILE]   (default: $RS_DATA_DIR/ml-100k/u.data, else data/sample)
package main

/*
#cgo pkg-config: librecsgd
#include <stdlib.h>
#include <librecsgd/recsgd.h>
*/
import "C"

import (
	"fmt"
	"os"
	"path/filepath"
	"time"
	"unsafe"

	"librecsgd/recsgd"
)

const (
	pairs  = 1 << 20
	k      = 10
	rounds = 7
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "batchbench:", err)
		os.Exit(1)
	}
}

func ratingsFile() string {
	if len(os.Args) > 1 {
		return os.Args[1]
	}
	dir := os.Getenv("RS_DATA_DIR")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "data")
	}
	if p := filepath.Join(dir, "ml-100k", "u.data"); fileExists(p) {
		return p
	}
	return filepath.Join("..", "..", "data", "sample", "ratings.tsv")
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// best runs each f rounds times, interleaved (so a change in machine load
// hits all of them alike), and returns the fastest run of each.
func best(fs ...func()) []time.Duration {
	b := make([]time.Duration, len(fs))
	for r := 0; r < rounds; r++ {
		for j, f := range fs {
			t := time.Now()
			f()
			if d := time.Since(t); r == 0 || d < b[j] {
				b[j] = d
			}
		}
	}
	return b
}

func run() error {
	path := ratingsFile()
	ds, err := recsgd.LoadDataset(path, recsgd.FormatMovielens)
	if err != nil {
		return err
	}
	defer ds.Close()
	m, err := recsgd.NewModelNamed("collaborative", map[string]interface{}{"factors": 64, "epochs": 10, "threads": 1})
	if err != nil {
		return err
	}
	defer m.Close()
	if err := m.Fit(ds, nil); err != nil {
		return err
	}
	blob, err := m.MarshalBinary()
	if err != nil {
		return err
	}
	// score with a model loaded from the bytes, like the direct one: a
	// freshly fitted model's memory is laid out differently
	m.Close()
	if m, err = recsgd.LoadModelBytes(blob); err != nil {
		return err
	}
	var cm *C.rs_model
	if st := C.rs_model_load_buffer(&cm, unsafe.Pointer(&blob[0]), C.size_t(len(blob)), nil, nil, nil, 0); st != 0 {
		return fmt.Errorf("rs_model_load_buffer: %d", st)
	}
	defer C.rs_model_free(cm)

	nu, ni := ds.NumUsers(), ds.NumItems()
	userIDs, itemIDs := make([]int64, nu), make([]int64, ni)
	for j := range userIDs {
		if userIDs[j], err = ds.IndexToID(recsgd.SideUser, j); err != nil {
			return err
		}
	}
	for j := range itemIDs {
		if itemIDs[j], err = ds.IndexToID(recsgd.SideItem, j); err != nil {
			return err
		}
	}
	users, items := make([]int64, pairs), make([]int64, pairs)
	x := uint64(12345)
	for j := range users {
		x = x*6364136223846793005 + 1442695040888963407
		users[j] = userIDs[(x>>33)%uint64(nu)]
		items[j] = itemIDs[(x>>13)%uint64(ni)]
	}
	fmt.Printf("batchbench: %s, %d users, %d items, 64 factors; best of %d rounds\n", path, nu, ni, rounds)

	// predict
	cScores := make([]float32, pairs)
	goScores := make([]float32, pairs)
	var alloc []float32
	t := best(func() {
		C.rs_predict_batch(cm, (*C.int64_t)(unsafe.Pointer(&users[0])), (*C.int64_t)(unsafe.Pointer(&items[0])),
			pairs, (*C.float)(unsafe.Pointer(&cScores[0])), nil)
	}, func() {
		if _, err := m.PredictBatchInto(users, items, goScores, nil); err != nil {
			panic(err)
		}
	}, func() {
		if alloc, _, err = m.PredictBatch(users, items); err != nil {
			panic(err)
		}
	})
	tc, tInto, tAlloc := t[0], t[1], t[2]
	for j := range cScores {
		if cScores[j] != goScores[j] || cScores[j] != alloc[j] {
			return fmt.Errorf("pair %d: C %v, Go %v / %v", j, cScores[j], goScores[j], alloc[j])
		}
	}
	fmt.Printf("predict %d pairs:  C %8.3f ms  Go PredictBatchInto %8.3f ms (%.2fx)  Go PredictBatch %8.3f ms (%.2fx, allocates scores and statuses)\n",
		pairs, ms(tc), ms(tInto), ratio(tInto, tc), ms(tAlloc), ratio(tAlloc, tc))

	// recommend for every user
	cItems := make([]int64, nu*k)
	cTop := make([]float32, nu*k)
	counts := make([]C.size_t, nu)
	var b *recsgd.BatchRecommendations
	t = best(func() {
		C.rs_topk_batch(cm, (*C.int64_t)(unsafe.Pointer(&userIDs[0])), C.size_t(nu), k, 0,
			(*C.int64_t)(unsafe.Pointer(&cItems[0])), (*C.float)(unsafe.Pointer(&cTop[0])), &counts[0])
	}, func() {
		if b, err = m.RecommendBatch(userIDs, k, nil); err != nil {
			panic(err)
		}
	})
	tc, tg := t[0], t[1]
	for j := range cItems {
		if cItems[j] != b.Items[j] {
			return fmt.Errorf("topk entry %d: C %d, Go %d", j, cItems[j], b.Items[j])
		}
	}
	fmt.Printf("recommend k=%d for %d users:  C %8.3f ms  Go RecommendBatch %8.3f ms (%.2fx)\n",
		k, nu, ms(tc), ms(tg), ratio(tg, tc))
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func ratio(a, b time.Duration) float64 { return float64(a) / float64(b) }
