// librecsgd. SPDX-License-Identifier: BSD-2-Clause

package recsgd

/*
#include "shim.h"
*/
import "C"

import (
	"io"
	"runtime"
	"runtime/cgo"
	"unsafe"
)

// Models are saved in the library's one versioned, checksummed binary
// format, whichever call writes them: Save, WriteTo and MarshalBinary give
// the same bytes. Saving is a shared call (it may run beside Predict);
// loading creates a new Model. A blob from a newer format version fails
// with ErrVersion, a corrupt or foreign one with ErrFormat.

// Save writes the fitted model to path atomically (a temporary file in the
// same directory, flushed, then renamed over path).
func (m *Model) Save(path string) error {
	p, err := m.handle()
	if err != nil {
		return err
	}
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	buf := make([]C.char, errmsgCap)
	defer runtime.KeepAlive(m)
	st := C.rs_model_save_file(p, cpath, &buf[0], errmsgCap)
	return bufError("Save", st, buf, nil)
}

// LoadModel reads a model from a file.
func LoadModel(path string) (*Model, error) {
	if versionErr != nil {
		return nil, versionErr
	}
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	buf := make([]C.char, errmsgCap)
	var p *C.rs_model
	st := C.rs_model_load_file(&p, cpath, nil, nil, &buf[0], errmsgCap)
	if err := bufError("LoadModel", st, buf, nil); err != nil {
		return nil, err
	}
	return wrapModel(p), nil
}

// MarshalBinary returns the saved model as bytes (encoding.BinaryMarshaler).
func (m *Model) MarshalBinary() ([]byte, error) {
	p, err := m.handle()
	if err != nil {
		return nil, err
	}
	buf := make([]C.char, errmsgCap)
	defer runtime.KeepAlive(m)
	var size C.size_t
	st := C.rs_model_save_buffer(p, nil, 0, &size, &buf[0], errmsgCap)
	if Status(st) != ErrRange && Status(st) != OK {
		return nil, bufError("MarshalBinary", st, buf, nil)
	}
	out := make([]byte, int(size))
	st = C.rs_model_save_buffer(p, unsafe.Pointer(&out[0]), size, &size, &buf[0], errmsgCap)
	if err := bufError("MarshalBinary", st, buf, nil); err != nil {
		return nil, err
	}
	return out[:size], nil
}

// LoadModelBytes reads a model from the bytes of MarshalBinary (or of a
// saved file); b is not retained.
func LoadModelBytes(b []byte) (*Model, error) {
	p, err := loadBuffer("LoadModelBytes", b)
	if err != nil {
		return nil, err
	}
	return wrapModel(p), nil
}

func loadBuffer(op string, b []byte) (*C.rs_model, error) {
	if versionErr != nil {
		return nil, versionErr
	}
	buf := make([]C.char, errmsgCap)
	var data unsafe.Pointer
	if len(b) > 0 {
		data = unsafe.Pointer(&b[0])
	}
	var p *C.rs_model
	st := C.rs_model_load_buffer(&p, data, C.size_t(len(b)), nil, nil, &buf[0], errmsgCap)
	if err := bufError(op, st, buf, nil); err != nil {
		return nil, err
	}
	return p, nil
}

// UnmarshalBinary loads a model into a zero (or closed) Model, so a Model
// can be a field of a gob-encoded value (encoding.BinaryUnmarshaler).
func (m *Model) UnmarshalBinary(b []byte) error {
	if m.s != nil && m.s.ptr != nil {
		return &Error{Status: ErrState, Op: "UnmarshalBinary", Message: "the model already holds a model; Close it first"}
	}
	p, err := loadBuffer("UnmarshalBinary", b)
	if err != nil {
		return err
	}
	m.s = newModelState(p)
	return nil
}

// WriteTo streams the saved model to w (io.WriterTo).
func (m *Model) WriteTo(w io.Writer) (int64, error) {
	p, err := m.handle()
	if err != nil {
		return 0, err
	}
	wr := &writer{w: w}
	h := cgo.NewHandle(wr)
	defer h.Delete()
	buf := make([]C.char, errmsgCap)
	defer runtime.KeepAlive(m)
	st := C.recsgd_go_save(p, C.uintptr_t(h), &buf[0], errmsgCap)
	return wr.n, bufError("WriteTo", st, buf, wr.err)
}

// ReadModel reads a model from r, which must hold exactly one saved model
// at its start (the library stops reading when the blob is complete).
func ReadModel(r io.Reader) (*Model, error) {
	if versionErr != nil {
		return nil, versionErr
	}
	rd := &reader{r: r}
	h := cgo.NewHandle(rd)
	defer h.Delete()
	buf := make([]C.char, errmsgCap)
	var p *C.rs_model
	st := C.recsgd_go_load(&p, C.uintptr_t(h), &buf[0], errmsgCap)
	if err := bufError("ReadModel", st, buf, rd.err); err != nil {
		return nil, err
	}
	return wrapModel(p), nil
}

// writer and reader adapt io.Writer and io.Reader to the library's
// rs_writer_fn and rs_reader_fn (through recsgdGoWrite and recsgdGoRead).
type writer struct {
	w   io.Writer
	n   int64
	err error
}

type reader struct {
	r       io.Reader
	pending error // an error that came with data; reported on the next call
	err     error // the error that failed the call
}

func (w *writer) write(p []byte) int32 {
	n, err := w.w.Write(p)
	w.n += int64(n)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	if err != nil {
		w.err = err
		return 1
	}
	return 0
}

// read fills p; it returns the byte count (0 at end of input) and whether
// to fail the call.
func (r *reader) read(p []byte) (int, bool) {
	if r.pending != nil {
		err := r.pending
		r.pending = nil
		if err == io.EOF {
			return 0, false
		}
		r.err = err
		return 0, true
	}
	for tries := 0; tries < 100; tries++ {
		n, err := r.r.Read(p)
		if n > 0 {
			r.pending = err
			return n, false
		}
		if err == io.EOF {
			return 0, false
		}
		if err != nil {
			r.err = err
			return 0, true
		}
	}
	r.err = io.ErrNoProgress
	return 0, true
}
