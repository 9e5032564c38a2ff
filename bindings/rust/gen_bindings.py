#!/usr/bin/env python3
# librecsgd. SPDX-License-Identifier: BSD-2-Clause
"""gen_bindings.py: the Rust declarations of librecsgd-sys, from the headers.

    python3 bindings/rust/gen_bindings.py [--include DIR] [-o FILE]
    python3 bindings/rust/gen_bindings.py [--include DIR] --check FILE

The first form writes the Rust text (default: librecsgd-sys/src/bindings.rs
beside this script); --check regenerates it in memory and exits 1, printing
a unified diff, when FILE differs. The -sys crate's test runs --check, so a
header change that is not regenerated (or a hand edit) fails `cargo test`.

Everything comes from bindings/gen/rsapi.py (the one reading of the public
headers shared by every binding); this backend only spells it in Rust:

- handles: `#[repr(C)]` zero-sized opaque structs (not constructible, not
  Send/Sync/Unpin: the safe crate decides what may cross threads);
- integer typedefs: `pub type` aliases; callbacks: `Option<unsafe extern "C"
  fn(...)>` so NULL is `None`;
- functions: one `extern "C"` block, in header order;
- constants: `pub const`, typed `rs_status`/`rs_param` for those groups, i32
  for other enum members (C enum constants are int), u32 for macros whose
  literal has a `u` suffix, i32 for other integer macros, `&str` for string
  macros;
- tables for the safe crate: every integer constant group in header order
  (`RS_CONSTANT_GROUPS`), and for each enumerated parameter (RS_PARAM_* in
  the 300-399 range, "enumerated choices" in model.h) the group holding its
  values (`RS_PARAM_CHOICES`). The group is found by name: the parameter's
  suffix equals the group's, or starts or ends with it (LR_POLICY -> RS_LR,
  ON_DIVERGENCE -> RS_DIVERGENCE); anything but exactly one match is an
  error here, so a new enumerated parameter cannot silently lose its names.

Items of experimental.h (if present) are emitted under
`#[cfg(feature = "experimental")]`.
"""

import argparse
import difflib
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "gen"))
import rsapi  # noqa: E402

DEFAULT_OUT = os.path.join(HERE, "librecsgd-sys", "src", "bindings.rs")

BASE_TYPES = {
    "void": "c_void",
    "char": "c_char",
    "float": "f32",
    "double": "f64",
    "size_t": "usize",
    "int8_t": "i8",
    "int16_t": "i16",
    "int32_t": "i32",
    "int64_t": "i64",
    "uint8_t": "u8",
    "uint16_t": "u16",
    "uint32_t": "u32",
    "uint64_t": "u64",
    "int": "c_int",
}

RUST_KEYWORDS = set("""as async await box break const continue crate dyn else enum extern false fn for
if impl in let loop match mod move mut priv pub ref return self Self static struct super trait true
try type typeof unsafe unsized use virtual where while yield abstract become do final macro override
final union""".split())

ENUMERATED_PARAMS = range(300, 400)  # model.h: "300-399 enumerated choices (set as int)"
NON_CHOICE_GROUPS = ("RS_STATUS", "RS_PARAM")


class GenError(Exception):
    pass


def rust_ident(name):
    return name + "_" if name in RUST_KEYWORDS else name


def rust_type(t, api):
    """A parsed rsapi type -> Rust type text."""
    base = t["base"]
    if base in BASE_TYPES:
        r = BASE_TYPES[base]
    elif base in api["typedefs"] or base in api["handles"] or base in {c["name"] for c in api["callbacks"]}:
        r = base
    else:
        raise GenError("no Rust spelling for C type %r" % t["c"])
    if t["ptr"] == 0:
        return "()" if r == "c_void" else r
    # const in rsapi qualifies the innermost pointee
    r = ("*const " if t["const"] else "*mut ") + r
    for _ in range(t["ptr"] - 1):
        r = "*mut " + r
    return r


def fn_signature(params, ret, api):
    args = ", ".join("%s: %s" % (rust_ident(p["name"]), rust_type(p, api)) for p in params)
    r = rust_type(ret, api)
    return "(%s)%s" % (args, "" if r == "()" else " -> " + r)


def unsigned_macros(include_dir):
    """Names of integer macros written with a 'u' suffix (0x01u): typed u32."""
    out = set()
    for header, define in [(rsapi.HEADERS[0], None)] + list(rsapi.OPTIONAL_HEADERS):
        if not os.path.isfile(os.path.join(include_dir, header)):
            continue
        text = rsapi._preprocess(include_dir, header, (define,) if define else (), macros=True)
        for line in text.splitlines():
            m = re.match(r"^#define (RS_[A-Z0-9_]+) (0[xX][0-9a-fA-F]+|\d+)[uU][lL]*$", line)
            if m:
                out.add(m.group(1))
    return out


def const_type(c, unsigned):
    if isinstance(c["value"], str):
        return "&str"
    if c["kind"] == "enum":
        if c["group"] == "RS_STATUS":
            return "rs_status"
        if c["group"] == "RS_PARAM":
            return "rs_param"
        return "i32"
    if c["name"] in unsigned:
        return "u32" if 0 <= c["value"] < 2**32 else "u64"
    return "i32" if -2**31 <= c["value"] < 2**31 else "i64"


def rust_str(s):
    return '"%s"' % s.replace("\\", "\\\\").replace('"', '\\"')


def choice_groups(api):
    """[(param constant, value group)] for every enumerated parameter."""
    groups = []
    for c in api["constants"]:
        if c["kind"] == "enum" and c["group"] not in NON_CHOICE_GROUPS and c["group"] not in groups:
            groups.append(c["group"])
    out = []
    declared = api.get("param_choices", {})  # rsapi.py reads them from the header comments
    for c in api["constants"]:
        if c["group"] != "RS_PARAM" or c["value"] not in ENUMERATED_PARAMS:
            continue
        if declared.get(c["name"]) in groups:
            out.append((c, declared[c["name"]]))
            continue
        suffix = c["name"][len("RS_PARAM_"):]
        hits = []
        for g in groups:
            gs = g[len("RS_"):]
            if suffix == gs or suffix.startswith(gs + "_") or suffix.endswith("_" + gs):
                hits.append(g)
        if len(hits) != 1:
            raise GenError("enumerated parameter %s: %s value groups match by name (%s); name its "
                           "value constants RS_<SUFFIX>_* after the parameter"
                           % (c["name"], len(hits), ", ".join(hits) or "none"))
        out.append((c, hits[0]))
    return out


def cfg(item, lines):
    if item.get("experimental"):
        lines.append('#[cfg(feature = "experimental")]')


def generate(include_dir):
    api = rsapi.read_api(include_dir)
    unsigned = unsigned_macros(os.path.abspath(include_dir))
    v = api["version"]
    L = []
    L.append("// @generated by bindings/rust/gen_bindings.py from the librecsgd %s headers" % v["string"])
    L.append("// (through bindings/gen/rsapi.py). Do not edit: regenerate with")
    L.append("//     python3 bindings/rust/gen_bindings.py")
    L.append("// `cargo test` fails when this file and the headers disagree.")
    L.append("")
    L.append("use std::os::raw::{c_char, c_void};")
    L.append("")
    L.append("// ---- integer typedefs ----")
    for name, c in api["typedefs"].items():
        if c not in BASE_TYPES:
            raise GenError("typedef %s of %s: no Rust spelling" % (name, c))
        L.append("pub type %s = %s;" % (name, BASE_TYPES[c]))
    L.append("")
    L.append("// ---- opaque handles (pointer-only; never constructed in Rust) ----")
    for h in api["handles"]:
        L.append("#[repr(C)]")
        L.append("pub struct %s {" % h)
        L.append("    _opaque: [u8; 0],")
        L.append("    _marker: core::marker::PhantomData<(*mut u8, core::marker::PhantomPinned)>,")
        L.append("}")
    L.append("")
    L.append("// ---- callback types (None is NULL) ----")
    for cb in api["callbacks"]:
        cfg(cb, L)
        L.append('pub type %s = Option<unsafe extern "C" fn%s>;'
                 % (cb["name"], fn_signature(cb["params"], cb["ret"], api)))
    L.append("")
    L.append("// ---- functions (RS_API), in header order ----")
    L.append('extern "C" {')
    for f in api["functions"]:
        if f.get("experimental"):
            L.append('    #[cfg(feature = "experimental")]')
        L.append("    pub fn %s%s;" % (f["name"], fn_signature(f["params"], f["ret"], api)))
    L.append("}")
    L.append("")
    L.append("// ---- constants, by group ----")
    group = None
    for c in api["constants"]:
        if c["group"] != group:
            group = c["group"]
            L.append("// %s" % group)
        cfg(c, L)
        val = rust_str(c["value"]) if isinstance(c["value"], str) else str(c["value"])
        L.append("pub const %s: %s = %s;" % (c["name"], const_type(c, unsigned), val))
    L.append("")
    L.append("/// Every integer constant group of the headers, in header order:")
    L.append("/// (group prefix, [(constant name, value)]).")
    L.append("pub const RS_CONSTANT_GROUPS: &[(&str, &[(&str, i64)])] = &[")
    order = []
    for c in api["constants"]:
        if isinstance(c["value"], int) and not c.get("experimental") and c["group"] not in order:
            order.append(c["group"])
    for g in order:
        L.append("    (%s, &[" % rust_str(g))
        for c in api["constants"]:
            if c["group"] == g and isinstance(c["value"], int) and not c.get("experimental"):
                L.append("        (%s, %d)," % (rust_str(c["name"]), c["value"]))
        L.append("    ]),")
    L.append("];")
    L.append("")
    L.append("/// Enumerated parameters (RS_PARAM_* 300-399) and the constant group")
    L.append("/// holding their values: (parameter, parameter constant name, value group).")
    L.append("pub const RS_PARAM_CHOICES: &[(rs_param, &str, &str)] = &[")
    for c, g in choice_groups(api):
        L.append("    (%s, %s, %s)," % (c["name"], rust_str(c["name"]), rust_str(g)))
    L.append("];")
    return "\n".join(L) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--include", default=rsapi.DEFAULT_INCLUDE,
                    help="directory holding librecsgd/recsgd.h (default: the source tree)")
    g = ap.add_mutually_exclusive_group()
    g.add_argument("-o", "--output", default=DEFAULT_OUT, help="file to write")
    g.add_argument("--check", metavar="FILE", help="compare FILE with the headers instead")
    a = ap.parse_args(argv)
    try:
        text = generate(a.include)
    except (rsapi.ParseError, GenError) as e:
        print("gen_bindings.py: %s" % e, file=sys.stderr)
        return 2
    if a.check:
        with open(a.check) as f:
            old = f.read()
        if old == text:
            print("gen_bindings.py: %s matches the headers in %s" % (a.check, os.path.abspath(a.include)))
            return 0
        sys.stdout.writelines(difflib.unified_diff(
            old.splitlines(True), text.splitlines(True), a.check,
            "regenerated from %s" % os.path.abspath(a.include)))
        print("gen_bindings.py: %s differs from the headers in %s; regenerate it with "
              "python3 bindings/rust/gen_bindings.py" % (a.check, os.path.abspath(a.include)),
              file=sys.stderr)
        return 1
    with open(a.output, "w") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
