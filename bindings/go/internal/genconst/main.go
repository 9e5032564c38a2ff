// librecsgd. SPDX-License-Identifier: BSD-2-Clause

// Command genconst writes recsgd/zconstants.go from the public headers.
// It is run by `go generate` in bindings/go/recsgd:
//
//	go run librecsgd/internal/genconst [-include DIR] [-rsapi FILE] [-o FILE]
//
// Defaults are relative to that directory: ../../../include and
// ../../gen/rsapi.py; $RECSGD_INCLUDE and $RECSGD_RSAPI override them.
package main

import (
	"flag"
	"fmt"
	"os"

	"librecsgd/internal/apigen"
)

func main() {
	include := flag.String("include", apigen.DefaultInclude(), "directory holding librecsgd/recsgd.h")
	rsapi := flag.String("rsapi", apigen.DefaultRsapi(), "path of bindings/gen/rsapi.py")
	out := flag.String("o", "zconstants.go", "output file (- for stdout)")
	flag.Parse()
	api, err := apigen.Read(*rsapi, *include)
	if err != nil {
		fmt.Fprintln(os.Stderr, "genconst:", err)
		os.Exit(1)
	}
	src, err := apigen.Constants(api)
	if err != nil {
		fmt.Fprintln(os.Stderr, "genconst:", err)
		os.Exit(1)
	}
	if *out == "-" {
		_, err = os.Stdout.Write(src)
	} else {
		err = os.WriteFile(*out, src, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "genconst:", err)
		os.Exit(1)
	}
}
