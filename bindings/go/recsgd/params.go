// librecsgd. SPDX-License-Identifier: BSD-2-Clause

package recsgd

/*
#include "shim.h"
*/
import "C"

import (
	"fmt"
	"math"
	"reflect"
	"sort"
	"strings"
)

// paramAccess is what Model and Dataset give setParam and getParam: the
// typed C setters and getters of one handle and its last-error message.
type paramAccess struct {
	setInt    func(Param, int64) C.rs_status
	setDouble func(Param, float64) C.rs_status
	getInt    func(Param, *C.int64_t) C.rs_status
	getDouble func(Param, *C.double) C.rs_status
	lastError func() string
}

// setParam sets p from a Go value. Integers, bools and floats go to the
// setter of their kind; when the library answers RS_ERR_PARAM_TYPE, an
// integer is retried as a real and an integral float as an integer, so
// Set("learning_rate", 1) and Set("factors", 16.0) both work. A string is
// the name of a value of an enumerated parameter ("adagrad" for "lr_policy").
func setParam(op string, a paramAccess, p Param, value interface{}) error {
	var st C.rs_status
	rv := reflect.ValueOf(value)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		st = setInteger(a, p, rv.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		u := rv.Uint()
		if u > math.MaxInt64 {
			return &Error{Status: ErrRange, Op: op, Message: fmt.Sprintf("%s = %d does not fit an int64", p.Name(), u)}
		}
		st = setInteger(a, p, int64(u))
	case reflect.Bool:
		var v int64
		if rv.Bool() {
			v = 1
		}
		st = a.setInt(p, v)
	case reflect.Float32, reflect.Float64:
		f := rv.Float()
		st = a.setDouble(p, f)
		if Status(st) == ErrParamType && f == math.Trunc(f) && math.Abs(f) < math.MaxInt64 {
			st = a.setInt(p, int64(f))
		}
	case reflect.String:
		choices, ok := paramChoices[p]
		if !ok {
			return &Error{Status: ErrParamType, Op: op,
				Message: fmt.Sprintf("%s takes a number, not the name %q", p.Name(), rv.String())}
		}
		v, ok := choices[rv.String()]
		if !ok {
			names := make([]string, 0, len(choices))
			for n := range choices {
				names = append(names, n)
			}
			sort.Strings(names)
			return &Error{Status: ErrRange, Op: op, Message: fmt.Sprintf("%s has no value %q (choose from %s)",
				p.Name(), rv.String(), strings.Join(names, ", "))}
		}
		st = a.setInt(p, v)
	default:
		return &Error{Status: ErrParamType, Op: op,
			Message: fmt.Sprintf("%s: cannot set a parameter from a %T", p.Name(), value)}
	}
	if Status(st) == OK {
		return nil
	}
	return &Error{Status: Status(st), Op: op, Message: a.lastError()}
}

func setInteger(a paramAccess, p Param, v int64) C.rs_status {
	st := a.setInt(p, v)
	if Status(st) == ErrParamType {
		st = a.setDouble(p, float64(v))
	}
	return st
}

func getInt(op string, a paramAccess, name string) (int64, error) {
	p, err := ParamByName(name)
	if err != nil {
		return 0, err
	}
	var v C.int64_t
	if err := statusError(op, a.getInt(p, &v)); err != nil {
		return 0, err
	}
	return int64(v), nil
}

// getFloat reads a real parameter, or an integer one converted.
func getFloat(op string, a paramAccess, name string) (float64, error) {
	p, err := ParamByName(name)
	if err != nil {
		return math.NaN(), err
	}
	var d C.double
	st := a.getDouble(p, &d)
	if Status(st) == ErrParamType {
		var v C.int64_t
		st = a.getInt(p, &v)
		d = C.double(v)
	}
	if err := statusError(op, st); err != nil {
		return math.NaN(), err
	}
	return float64(d), nil
}

func sortedKeys(m map[string]interface{}) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
