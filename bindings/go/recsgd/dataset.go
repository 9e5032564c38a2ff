// librecsgd. SPDX-License-Identifier: BSD-2-Clause

package recsgd

/*
#include "shim.h"
*/
import "C"

import (
	"fmt"
	"io"
	"runtime"
	"runtime/cgo"
	"unsafe"
)

// Dataset is a set of ratings with optional user and item features
// (rs_dataset). External ids are int64 and map to dense indices in order of
// first appearance. A failed call leaves the dataset as it was.
//
// Getters, counts and the splits may run concurrently; every other method
// needs exclusive use of the Dataset. Fit only reads its datasets, so one
// Dataset may feed concurrent fits of different models.
type Dataset struct {
	s *datasetState // shared by copies of the Dataset value; nil for a zero Dataset
}

// datasetState carries the finaliser (see modelState).
type datasetState struct {
	ptr *C.rs_dataset
}

func wrapDataset(p *C.rs_dataset) *Dataset {
	s := &datasetState{ptr: p}
	runtime.SetFinalizer(s, (*datasetState).free)
	return &Dataset{s: s}
}

func (s *datasetState) free() {
	if s.ptr != nil {
		C.rs_dataset_free(s.ptr)
		s.ptr = nil
	}
}

// NewDataset creates an empty dataset.
func NewDataset() (*Dataset, error) {
	if versionErr != nil {
		return nil, versionErr
	}
	var p *C.rs_dataset
	if err := statusError("NewDataset", C.rs_dataset_new(&p, nil, nil)); err != nil {
		return nil, err
	}
	return wrapDataset(p), nil
}

// LoadDataset creates a dataset from a rating file (FormatMovielens,
// FormatCSV or FormatLibmf).
func LoadDataset(path string, format Format) (*Dataset, error) {
	d, err := NewDataset()
	if err != nil {
		return nil, err
	}
	if err := d.LoadFile(path, format); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// DatasetFromSlices creates a dataset from parallel slices of ratings in
// one call (rs_dataset_add_ratings). weights may be nil (all 1).
func DatasetFromSlices(users, items []int64, ratings, weights []float32) (*Dataset, error) {
	d, err := NewDataset()
	if err != nil {
		return nil, err
	}
	if err := d.AddRatings(users, items, ratings, weights); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// Close frees the dataset. It is safe to call more than once.
func (d *Dataset) Close() error {
	if d != nil && d.s != nil {
		d.s.free()
		runtime.SetFinalizer(d.s, nil)
	}
	return nil
}

func (d *Dataset) handle() (*C.rs_dataset, error) {
	if d == nil || d.s == nil || d.s.ptr == nil {
		return nil, ErrClosed
	}
	return d.s.ptr, nil
}

// mutErr is the error of a failed mutating call, with the dataset's message.
func (d *Dataset) mutErr(op string, st C.rs_status, cause error) error {
	if Status(st).IsSuccess() {
		return nil
	}
	return &Error{Status: Status(st), Op: op, Message: C.GoString(C.rs_dataset_last_error(d.s.ptr)), Err: cause}
}

func (d *Dataset) params() paramAccess {
	return paramAccess{
		setInt: func(p Param, v int64) C.rs_status { return C.rs_dataset_set_int(d.s.ptr, C.rs_param(p), C.int64_t(v)) },
		setDouble: func(p Param, v float64) C.rs_status {
			return C.rs_dataset_set_double(d.s.ptr, C.rs_param(p), C.double(v))
		},
		getInt:    func(p Param, v *C.int64_t) C.rs_status { return C.rs_dataset_get_int(d.s.ptr, C.rs_param(p), v) },
		getDouble: func(p Param, v *C.double) C.rs_status { return C.rs_dataset_get_double(d.s.ptr, C.rs_param(p), v) },
		lastError: func() string { return C.GoString(C.rs_dataset_last_error(d.s.ptr)) },
	}
}

// Set sets a dataset parameter by name ("rating_min", "csv_delimiter", ...).
func (d *Dataset) Set(name string, value interface{}) error {
	p, err := ParamByName(name)
	if err != nil {
		return err
	}
	return d.SetParam(p, value)
}

// SetParam sets a dataset parameter by key (ParamRatingMin, ...).
func (d *Dataset) SetParam(p Param, value interface{}) error {
	if _, err := d.handle(); err != nil {
		return err
	}
	defer runtime.KeepAlive(d)
	return setParam("Dataset.Set", d.params(), p, value)
}

// GetInt reads an integer dataset parameter by name.
func (d *Dataset) GetInt(name string) (int64, error) {
	if _, err := d.handle(); err != nil {
		return 0, err
	}
	defer runtime.KeepAlive(d)
	return getInt("Dataset.GetInt", d.params(), name)
}

// GetFloat reads a real (or integer) dataset parameter by name.
func (d *Dataset) GetFloat(name string) (float64, error) {
	if _, err := d.handle(); err != nil {
		return 0, err
	}
	defer runtime.KeepAlive(d)
	return getFloat("Dataset.GetFloat", d.params(), name)
}

// ---- ratings ----

// AddRating appends one rating (weight 1 for an unweighted rating).
func (d *Dataset) AddRating(user, item int64, rating, weight float32) error {
	p, err := d.handle()
	if err != nil {
		return err
	}
	defer runtime.KeepAlive(d)
	st := C.rs_dataset_add_rating(p, C.int64_t(user), C.int64_t(item), C.float(rating), C.float(weight))
	return d.mutErr("AddRating", st, nil)
}

// AddRatings appends len(users) ratings at once, all or none. weights may
// be nil (all 1); otherwise all slices have the same length.
func (d *Dataset) AddRatings(users, items []int64, ratings, weights []float32) error {
	p, err := d.handle()
	if err != nil {
		return err
	}
	if err := sameLen("AddRatings", len(users), len(items), len(ratings)); err != nil {
		return err
	}
	if weights != nil {
		if err := sameLen("AddRatings", len(users), len(weights)); err != nil {
			return err
		}
	}
	defer runtime.KeepAlive(d)
	st := C.rs_dataset_add_ratings(p, i64p(users), i64p(items), f32p(ratings), f32p(weights), C.size_t(len(users)))
	return d.mutErr("AddRatings", st, nil)
}

// LoadFile appends the ratings of a file.
func (d *Dataset) LoadFile(path string, format Format) error {
	return d.loadPath("LoadFile", path, func(p *C.rs_dataset, cpath *C.char) C.rs_status {
		return C.rs_dataset_load_file(p, cpath, C.int32_t(format))
	})
}

// loadPath runs one of the file loaders.
func (d *Dataset) loadPath(op, path string, load func(*C.rs_dataset, *C.char) C.rs_status) error {
	p, err := d.handle()
	if err != nil {
		return err
	}
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	defer runtime.KeepAlive(d)
	return d.mutErr(op, load(p, cpath), nil)
}

// Load appends the ratings read from r; name appears in error messages.
func (d *Dataset) Load(r io.Reader, format Format, name string) error {
	return d.loadFrom("Load", r, name, func(p *C.rs_dataset, h C.uintptr_t, cname *C.char) C.rs_status {
		return C.recsgd_go_dataset_load(p, h, C.int32_t(format), cname)
	})
}

// loadFrom runs one of the reader-callback loaders with r behind a
// cgo.Handle; an error of r is the cause of the returned error.
func (d *Dataset) loadFrom(op string, r io.Reader, name string, load func(*C.rs_dataset, C.uintptr_t, *C.char) C.rs_status) error {
	p, err := d.handle()
	if err != nil {
		return err
	}
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	rd := &reader{r: r}
	h := cgo.NewHandle(rd)
	defer h.Delete()
	defer runtime.KeepAlive(d)
	st := load(p, C.uintptr_t(h), cname)
	return d.mutErr(op, st, rd.err)
}

// NumRatings is the number of ratings.
func (d *Dataset) NumRatings() int {
	defer runtime.KeepAlive(d)
	return int(C.rs_dataset_num_ratings(d.cptr()))
}

// NumUsers is the number of distinct users (with ratings or features).
func (d *Dataset) NumUsers() int {
	defer runtime.KeepAlive(d)
	return int(C.rs_dataset_num_users(d.cptr()))
}

// NumItems is the number of distinct items (with ratings or features).
func (d *Dataset) NumItems() int {
	defer runtime.KeepAlive(d)
	return int(C.rs_dataset_num_items(d.cptr()))
}

// cptr is the handle or nil; for the count functions, which accept NULL.
func (d *Dataset) cptr() *C.rs_dataset {
	if d == nil || d.s == nil {
		return nil
	}
	return d.s.ptr
}

// Rating reads rating number index (insertion order).
func (d *Dataset) Rating(index int) (user, item int64, rating, weight float32, err error) {
	p, err := d.handle()
	if err != nil {
		return 0, 0, 0, 0, err
	}
	if index < 0 {
		return 0, 0, 0, 0, &Error{Status: ErrRange, Op: "Rating", Message: fmt.Sprintf("index %d < 0", index)}
	}
	defer runtime.KeepAlive(d)
	var u, i C.int64_t
	var r, w C.float
	if err := statusError("Rating", C.rs_dataset_get_rating(p, C.size_t(index), &u, &i, &r, &w)); err != nil {
		return 0, 0, 0, 0, err
	}
	return int64(u), int64(i), float32(r), float32(w), nil
}

// Ratings copies every rating out of the dataset into slices. The C API
// reads ratings one at a time (rs_dataset_get_rating), so this makes one
// cgo call per rating; it is meant for evaluation, not for hot paths.
func (d *Dataset) Ratings() (users, items []int64, ratings, weights []float32, err error) {
	p, err := d.handle()
	if err != nil {
		return nil, nil, nil, nil, err
	}
	defer runtime.KeepAlive(d)
	n := int(C.rs_dataset_num_ratings(p))
	users, items = make([]int64, n), make([]int64, n)
	ratings, weights = make([]float32, n), make([]float32, n)
	for j := 0; j < n; j++ {
		st := C.rs_dataset_get_rating(p, C.size_t(j), (*C.int64_t)(&users[j]), (*C.int64_t)(&items[j]),
			(*C.float)(&ratings[j]), (*C.float)(&weights[j]))
		if err := statusError("Ratings", st); err != nil {
			return nil, nil, nil, nil, err
		}
	}
	return users, items, ratings, weights, nil
}

// IDToIndex is the dense index of an external id.
func (d *Dataset) IDToIndex(side Side, id int64) (int, error) {
	p, err := d.handle()
	if err != nil {
		return -1, err
	}
	defer runtime.KeepAlive(d)
	var idx C.int32_t
	if err := statusError("IDToIndex", C.rs_dataset_id_to_index(p, C.int32_t(side), C.int64_t(id), &idx)); err != nil {
		return -1, err
	}
	return int(idx), nil
}

// IndexToID is the external id of a dense index.
func (d *Dataset) IndexToID(side Side, index int) (int64, error) {
	p, err := d.handle()
	if err != nil {
		return 0, err
	}
	defer runtime.KeepAlive(d)
	var id C.int64_t
	if err := statusError("IndexToID", C.rs_dataset_index_to_id(p, C.int32_t(side), C.int32_t(index), &id)); err != nil {
		return 0, err
	}
	return int64(id), nil
}

// ---- features ----

// AddFeature declares a named feature on one side (or finds it) and
// returns its index.
func (d *Dataset) AddFeature(side Side, name string) (int32, error) {
	p, err := d.handle()
	if err != nil {
		return -1, err
	}
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	defer runtime.KeepAlive(d)
	var idx C.int32_t
	if err := d.mutErr("AddFeature", C.rs_dataset_add_feature(p, C.int32_t(side), cname, &idx), nil); err != nil {
		return -1, err
	}
	return int32(idx), nil
}

// NumFeatures is the number of declared features on one side.
func (d *Dataset) NumFeatures(side Side) int {
	defer runtime.KeepAlive(d)
	return int(C.rs_dataset_num_features(d.cptr(), C.int32_t(side)))
}

// FeatureName is the name of a declared feature; ok is false when index is
// out of range.
func (d *Dataset) FeatureName(side Side, index int32) (name string, ok bool) {
	p, err := d.handle()
	if err != nil {
		return "", false
	}
	defer runtime.KeepAlive(d)
	s := C.rs_dataset_feature_name(p, C.int32_t(side), C.int32_t(index))
	if s == nil {
		return "", false
	}
	return C.GoString(s), true
}

// SetFeatures sets (replaces) the sparse feature row of one id; values may
// be nil (all 1). An id with features and no ratings describes a cold-start
// user or item.
func (d *Dataset) SetFeatures(side Side, id int64, features []int32, values []float32) error {
	p, err := d.handle()
	if err != nil {
		return err
	}
	if values != nil {
		if err := sameLen("Dataset.SetFeatures", len(features), len(values)); err != nil {
			return err
		}
	}
	defer runtime.KeepAlive(d)
	st := C.rs_dataset_set_features(p, C.int32_t(side), C.int64_t(id), i32p(features), f32p(values),
		C.size_t(len(features)))
	return d.mutErr("Dataset.SetFeatures", st, nil)
}

// Features copies the sparse feature row of one id.
func (d *Dataset) Features(side Side, id int64) (features []int32, values []float32, err error) {
	p, err := d.handle()
	if err != nil {
		return nil, nil, err
	}
	defer runtime.KeepAlive(d)
	var n C.size_t
	st := C.rs_dataset_get_features(p, C.int32_t(side), C.int64_t(id), nil, nil, 0, &n)
	if err := statusError("Features", st); err != nil {
		return nil, nil, err
	}
	features = make([]int32, int(n))
	values = make([]float32, int(n))
	if n > 0 {
		st = C.rs_dataset_get_features(p, C.int32_t(side), C.int64_t(id), i32p(features), f32p(values), n, &n)
		if err := statusError("Features", st); err != nil {
			return nil, nil, err
		}
	}
	return features[:n], values[:n], nil
}

// LoadFeaturesFile reads feature rows for one side from a file.
func (d *Dataset) LoadFeaturesFile(side Side, path string, format FeatureFormat) error {
	return d.loadPath("LoadFeaturesFile", path, func(p *C.rs_dataset, cpath *C.char) C.rs_status {
		return C.rs_dataset_load_features_file(p, C.int32_t(side), cpath, C.int32_t(format))
	})
}

// LoadFeatures reads feature rows for one side from r; name appears in
// error messages.
func (d *Dataset) LoadFeatures(side Side, r io.Reader, format FeatureFormat, name string) error {
	return d.loadFrom("LoadFeatures", r, name, func(p *C.rs_dataset, h C.uintptr_t, cname *C.char) C.rs_status {
		return C.recsgd_go_dataset_load_features(p, C.int32_t(side), h, C.int32_t(format), cname)
	})
}

// StandardizeFeatures scales one side's features to mean 0, variance 1
// (constant features, such as one-hot flags, are left alone).
func (d *Dataset) StandardizeFeatures(side Side) error {
	p, err := d.handle()
	if err != nil {
		return err
	}
	defer runtime.KeepAlive(d)
	return d.mutErr("StandardizeFeatures", C.rs_dataset_standardize_features(p, C.int32_t(side)), nil)
}

// ---- splits ----

// SplitRandom splits the ratings at random into two new datasets, with
// testFraction of them in test. Both parts share the id maps and feature
// rows of d; d is unchanged.
func (d *Dataset) SplitRandom(testFraction float64, seed uint64) (train, test *Dataset, err error) {
	p, err := d.handle()
	if err != nil {
		return nil, nil, err
	}
	defer runtime.KeepAlive(d)
	var tr, te *C.rs_dataset
	st := C.rs_dataset_split_random(p, C.double(testFraction), C.uint64_t(seed), &tr, &te)
	if err := statusError("SplitRandom", st); err != nil {
		return nil, nil, err
	}
	return wrapDataset(tr), wrapDataset(te), nil
}

// SplitPerUser holds out n ratings of every user with more than n
// (rs_dataset_split_holdout): they go to test, the rest to train.
func (d *Dataset) SplitPerUser(n int, seed uint64) (train, test *Dataset, err error) {
	p, err := d.handle()
	if err != nil {
		return nil, nil, err
	}
	if n < 0 {
		return nil, nil, &Error{Status: ErrRange, Op: "SplitPerUser", Message: fmt.Sprintf("n = %d < 0", n)}
	}
	defer runtime.KeepAlive(d)
	var tr, te *C.rs_dataset
	st := C.rs_dataset_split_holdout(p, C.size_t(n), C.uint64_t(seed), &tr, &te)
	if err := statusError("SplitPerUser", st); err != nil {
		return nil, nil, err
	}
	return wrapDataset(tr), wrapDataset(te), nil
}
