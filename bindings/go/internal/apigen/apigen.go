// librecsgd. SPDX-License-Identifier: BSD-2-Clause

// Package apigen reads the public C API of librecsgd through the project's
// one header reader, bindings/gen/rsapi.py, and renders the Go constants of
// package recsgd (zconstants.go) from it. The generator command
// (librecsgd/internal/genconst, run by go generate) and the test that checks
// the committed file against the headers both use it, so they cannot drift.
package apigen

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// Type is one C type as rsapi.py parses it.
type Type struct {
	C        string `json:"c"`
	Base     string `json:"base"`
	Const    bool   `json:"const"`
	Ptr      int    `json:"ptr"`
	ConstPtr bool   `json:"const_ptr"`
	Name     string `json:"name"`
}

// Function is an RS_API function or a callback typedef.
type Function struct {
	Name         string `json:"name"`
	Ret          Type   `json:"ret"`
	Params       []Type `json:"params"`
	Experimental bool   `json:"experimental"`
}

// Constant is an enum member or an object-like RS_* macro. Value holds an
// int64 or a string.
type Constant struct {
	Name         string      `json:"name"`
	Value        interface{} `json:"value"`
	Group        string      `json:"group"`
	Kind         string      `json:"kind"`
	Experimental bool        `json:"experimental"`
}

// API is the JSON document of `rsapi.py json`, plus the choice groups of the
// enumerated parameters.
type API struct {
	Functions []Function        `json:"functions"`
	Callbacks []Function        `json:"callbacks"`
	Handles   []string          `json:"handles"`
	Typedefs  map[string]string `json:"typedefs"`
	Constants []Constant        `json:"constants"`

	// ParamChoices is rsapi.py's "param_choices", in versions that read it.
	ParamChoices map[string]string `json:"param_choices"`

	// Choices maps an enumerated parameter (RS_PARAM_LR_POLICY) to the
	// constant group of its values (RS_LR). The headers say it in the
	// parameter's comment, "/* RS_LR_*, default ... */". It is rsapi.py's
	// param_choices when that is present; with an rsapi.py that does not
	// read comments, Read takes it from the raw header lines with the same
	// rule.
	Choices map[string]string `json:"-"`
}

// Python is the interpreter used to run rsapi.py: $PYTHON, else Debian's
// /usr/bin/python3, else python3 from PATH.
func Python() string {
	if p := os.Getenv("PYTHON"); p != "" {
		return p
	}
	if _, err := os.Stat("/usr/bin/python3"); err == nil {
		return "/usr/bin/python3"
	}
	return "python3"
}

// Read runs `rsapi.py json --include includeDir` and decodes its output.
func Read(rsapiPath, includeDir string) (*API, error) {
	cmd := exec.Command(Python(), rsapiPath, "json", "--include", includeDir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s %s json --include %s: %v: %s", Python(), rsapiPath, includeDir,
			err, strings.TrimSpace(stderr.String()))
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.UseNumber()
	var api API
	if err := dec.Decode(&api); err != nil {
		return nil, fmt.Errorf("decoding rsapi.py output: %v", err)
	}
	for i := range api.Constants {
		c := &api.Constants[i]
		switch v := c.Value.(type) {
		case json.Number:
			n, err := v.Int64()
			if err != nil {
				return nil, fmt.Errorf("constant %s: %v", c.Name, err)
			}
			c.Value = n
		case string:
		default:
			return nil, fmt.Errorf("constant %s: value %v is neither integer nor string", c.Name, v)
		}
	}
	choices := api.ParamChoices
	if choices == nil {
		if choices, err = readChoices(filepath.Join(includeDir, "librecsgd")); err != nil {
			return nil, err
		}
	}
	groups := map[string]bool{}
	for _, c := range api.Constants {
		groups[c.Group] = true
	}
	api.Choices = map[string]string{}
	for p, g := range choices {
		if !groups[g] {
			return nil, fmt.Errorf("%s names its values %s_*, but no constant group %s exists", p, g, g)
		}
		api.Choices[p] = g
	}
	return &api, nil
}

var choiceLine = regexp.MustCompile(`^\s*(RS_PARAM_[A-Z0-9_]+)\s*=\s*[0-9]+\s*,?\s*/\*\s*(RS_[A-Z0-9_]+?)_\*`)

func readChoices(dir string) (map[string]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.h"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no headers in %s", dir)
	}
	out := map[string]string{}
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			if m := choiceLine.FindStringSubmatch(sc.Text()); m != nil {
				out[m[1]] = m[2]
			}
		}
		err = sc.Err()
		fh.Close()
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// FunctionNames returns the names of every RS_API function, sorted.
func (a *API) FunctionNames() []string {
	var names []string
	for _, f := range a.Functions {
		names = append(names, f.Name)
	}
	sort.Strings(names)
	return names
}

// moduleRoot is the directory of this module's go.mod (bindings/go), found
// by walking up from the working directory; "" when not found.
func moduleRoot() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil &&
			bytes.HasPrefix(b, []byte("module librecsgd\n")) {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// DefaultInclude is $RECSGD_INCLUDE, else the source tree's include/
// (two levels above the module root).
func DefaultInclude() string {
	if d := os.Getenv("RECSGD_INCLUDE"); d != "" {
		return d
	}
	return filepath.Join(moduleRoot(), "..", "..", "include")
}

// DefaultRsapi is $RECSGD_RSAPI, else bindings/gen/rsapi.py of the source tree.
func DefaultRsapi() string {
	if f := os.Getenv("RECSGD_RSAPI"); f != "" {
		return f
	}
	return filepath.Join(moduleRoot(), "..", "gen", "rsapi.py")
}
