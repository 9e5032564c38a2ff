#!/usr/bin/env python3
# librecsgd. SPDX-License-Identifier: BSD-2-Clause
"""rsapi.py: the public C API of librecsgd, read from its headers.

Every binding (Python, Go, Rust) generates its declarations and constants
from this one reading of the headers, so nothing is copied by hand:

    python3 bindings/gen/rsapi.py json  [--include DIR]   the API as JSON
    python3 bindings/gen/rsapi.py list  [--include DIR]   one line per item

The headers are run through the C preprocessor (``cc -E``; ``$CC`` or
``cc``), and only the lines that come from ``include/librecsgd/`` are kept,
so system headers never leak in. From those lines it takes:

- functions: every declaration marked ``RS_API`` (after preprocessing,
  ``__attribute__((visibility("default")))``), with its return type and
  parameters, each parsed into a base type, constness and pointer depth;
- callbacks: every ``typedef RET (*name)(PARAMS);``;
- integer typedefs (``typedef int32_t rs_status;``) and opaque handles
  (``typedef struct rs_model rs_model;``);
- constants: every member of every ``enum`` (evaluated, in groups named by
  the members' common prefix) and every object-like ``RS_*`` macro with an
  integer or string value (``cc -dM -E``);
- param_choices: for every enumerated parameter, the constant group its
  values come from, read from the comment beside it in the header
  (``RS_PARAM_LR_POLICY = 300, /* RS_LR_*, ... */`` gives
  ``"RS_PARAM_LR_POLICY": "RS_LR"``; ``cc -E -C`` keeps the comments).

Python 3.7 or later, standard library only.
"""

import argparse
import json
import os
import re
import shlex
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_INCLUDE = os.path.normpath(os.path.join(HERE, "..", "..", "include"))
# recsgd.h is the umbrella; headers it does not include (experimental.h)
# are read too when they exist, and their items are marked.
HEADERS = ["librecsgd/recsgd.h"]
OPTIONAL_HEADERS = [("librecsgd/experimental.h", "RS_ENABLE_EXPERIMENTAL")]

API_MARK = '__attribute__((visibility("default")))'


class ParseError(Exception):
    pass


def _cc():
    return shlex.split(os.environ.get("CC", "cc"))


def _preprocess(include_dir, header, defines=(), macros=False, comments=False):
    """Preprocessed text of one header, keeping only librecsgd's own lines."""
    src = '#include "%s"\n' % header
    cmd = _cc() + ["-E", "-x", "c", "-std=c99", "-I", include_dir]
    cmd += ["-D%s" % d for d in defines]
    if macros:
        cmd += ["-dM"]
    if comments:
        cmd += ["-C"]
    cmd += ["-"]
    try:
        out = subprocess.run(cmd, input=src.encode(), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, check=True).stdout.decode()
    except FileNotFoundError:
        raise ParseError("no C compiler: set CC (tried %s)" % " ".join(_cc()))
    except subprocess.CalledProcessError as e:
        raise ParseError("%s failed:\n%s" % (" ".join(cmd), e.stderr.decode()))
    if macros:
        return out
    keep, ours = [], False
    marker = re.compile(r'^# \d+ "([^"]*)"')
    own_dir = os.path.join(os.path.abspath(include_dir), "librecsgd") + os.sep
    for line in out.splitlines():
        m = marker.match(line)
        if m:
            path = m.group(1)
            ours = os.path.abspath(path).startswith(own_dir)
            continue
        if ours:
            keep.append(line)
    return "\n".join(keep)


def _statements(text):
    """Top-level declarations, split at ';' outside braces and parentheses."""
    out, depth, cur = [], 0, []
    for ch in text:
        if ch in "{(":
            depth += 1
        elif ch in "})":
            depth -= 1
        if ch == ";" and depth == 0:
            s = " ".join("".join(cur).split())
            if s:
                out.append(s)
            cur = []
        else:
            cur.append(ch)
    return out


def _split_params(s):
    parts, depth, cur = [], 0, []
    for ch in s:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    last = "".join(cur).strip()
    if last:
        parts.append(last)
    return parts


def parse_type(t):
    """'const int64_t *' -> {'c': 'const int64_t *', 'base': 'int64_t',
    'const': True, 'ptr': 1, 'const_ptr': False}. 'const' refers to the
    pointee (or the value when ptr is 0)."""
    t = " ".join(t.replace("*", " * ").split())
    toks = t.split()
    ptr = toks.count("*")
    # const after the last '*' qualifies the pointer itself
    const_ptr = ptr > 0 and toks[-1] == "const"
    if const_ptr:
        toks = toks[:-1]
    base_toks = [x for x in toks if x not in ("*", "const")]
    is_const = "const" in toks[: toks.index("*")] if ptr else "const" in toks
    base = " ".join(base_toks)
    c = ("const " if is_const else "") + base + (" " + "*" * ptr if ptr else "")
    return {"c": c, "base": base, "const": bool(is_const), "ptr": ptr, "const_ptr": const_ptr}


def _parse_param(p, idx):
    if p == "void":
        return None
    if p == "...":
        raise ParseError("variadic functions are not allowed in the public API")
    m = re.match(r"^(.*?)([A-Za-z_][A-Za-z0-9_]*)$", p)
    if not m or not m.group(1).strip():
        # unnamed parameter
        ty, name = p, "arg%d" % idx
    else:
        ty, name = m.group(1).strip(), m.group(2)
    d = parse_type(ty)
    d["name"] = name
    return d


def _parse_function(decl):
    m = re.match(r"^(.*?)\b([A-Za-z_][A-Za-z0-9_]*)\s*\((.*)\)$", decl)
    if not m:
        raise ParseError("cannot parse declaration: %s" % decl)
    ret, name, params = m.group(1).strip(), m.group(2), m.group(3)
    ps = [_parse_param(p, k) for k, p in enumerate(_split_params(params))]
    return {"name": name, "ret": parse_type(ret), "params": [p for p in ps if p]}


def _eval_int(expr, known):
    e = expr.strip()
    e = re.sub(r"\b(0[xX][0-9a-fA-F]+|\d+)[uUlL]*\b", r"\1", e)
    e = re.sub(r"\(\s*(u?int(8|16|32|64)_t|int|unsigned|long)\s*\)", "", e)
    names = re.findall(r"(?<![0-9A-Za-z_])[A-Za-z_][A-Za-z0-9_]*", e)
    for n in names:
        if n not in known:
            raise ParseError("cannot evaluate %r (unknown %s)" % (expr, n))
    if not re.fullmatch(r"[\sA-Za-z0-9_xX()+\-*/|&<>~]*", e):
        raise ParseError("cannot evaluate %r" % expr)
    e = e.replace("/", "//")
    return int(eval(e, {"__builtins__": {}}, dict(known)))  # only digits, names, operators


def _common_prefix(names):
    if not names:
        return ""
    p = os.path.commonprefix(names)
    return p[: p.rfind("_") + 1] if "_" in p else p


def _parse_header(include_dir, header, defines, experimental, api):
    text = _preprocess(include_dir, header, defines)
    known = {c["name"]: c["value"] for c in api["constants"] if isinstance(c["value"], int)}
    seen_fn = {f["name"] for f in api["functions"]}
    for st in _statements(text):
        if st.startswith(API_MARK):
            f = _parse_function(st[len(API_MARK):].strip())
            if f["name"] in seen_fn:
                continue
            f["experimental"] = experimental
            api["functions"].append(f)
            seen_fn.add(f["name"])
            continue
        m = re.match(r"^typedef (.*?)\(\s*\*\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)\s*\((.*)\)$", st)
        if m:
            if any(c["name"] == m.group(2) for c in api["callbacks"]):
                continue
            ps = [_parse_param(p, k) for k, p in enumerate(_split_params(m.group(3)))]
            api["callbacks"].append({"name": m.group(2), "ret": parse_type(m.group(1)),
                                     "params": [p for p in ps if p], "experimental": experimental})
            continue
        m = re.match(r"^typedef struct ([A-Za-z_][A-Za-z0-9_]*) ([A-Za-z_][A-Za-z0-9_]*)$", st)
        if m:
            if m.group(2) not in api["handles"]:
                api["handles"].append(m.group(2))
            continue
        m = re.match(r"^typedef ([A-Za-z_][A-Za-z0-9_ ]*?) ([A-Za-z_][A-Za-z0-9_]*)$", st)
        if m:
            api["typedefs"][m.group(2)] = m.group(1)
            continue
        m = re.match(r"^enum\s*\{(.*)\}$", st)
        if m:
            members, value = [], -1
            for item in _split_params(m.group(1)):
                if "=" in item:
                    n, v = [x.strip() for x in item.split("=", 1)]
                    value = _eval_int(v, known)
                else:
                    n, value = item.strip(), value + 1
                known[n] = value
                members.append((n, value))
            names = [n for n, _ in members]
            group = _common_prefix(names) or names[0]
            if group == "RS_":  # the status codes: RS_OK, RS_ERR_*, RS_FALLBACK
                group = "RS_STATUS_" if "RS_OK" in names else names[0]
            for n, v in members:
                if n in known and any(c["name"] == n for c in api["constants"]):
                    continue
                api["constants"].append({"name": n, "value": v, "group": group.rstrip("_"),
                                         "kind": "enum", "experimental": experimental})
            continue
    # object-like macros with integer or string values; -dM lists them in no
    # particular order, so evaluate until nothing more resolves
    pending = []
    for line in _preprocess(include_dir, header, defines, macros=True).splitlines():
        m = re.match(r"^#define (RS_[A-Z0-9_]+) (.+)$", line)
        # (the define that unlocks an optional header is the caller's, not the API's)
        if m and m.group(1) != "RS_API" and m.group(1) not in defines and \
                not any(c["name"] == m.group(1) for c in api["constants"]):
            pending.append((m.group(1), m.group(2).strip()))
    pending.sort()
    resolved = True
    while pending and resolved:
        resolved, rest = False, []
        for name, body in pending:
            if re.fullmatch(r'"[^"]*"', body):
                val = body[1:-1]
            else:
                try:
                    val = _eval_int(body, known)
                except ParseError:
                    rest.append((name, body))
                    continue
                known[name] = val
            resolved = True
            group = "_".join(name.split("_")[:2])
            api["constants"].append({"name": name, "value": val, "group": group, "kind": "macro",
                                     "experimental": experimental})
        pending = rest
    # what is left is not a constant (attribute and function-like macros)
    _parse_param_choices(include_dir, header, defines, api)


def _parse_param_choices(include_dir, header, defines, api):
    """Enumerated parameters name their value group in the comment beside
    them: 'RS_PARAM_INIT = 301, /* RS_INIT_*, default ... */'."""
    groups = {c["group"] for c in api["constants"]}
    params = {c["name"] for c in api["constants"] if c["name"].startswith("RS_PARAM_")}
    text = _preprocess(include_dir, header, defines, comments=True)
    pat = r"\b(RS_PARAM_[A-Z0-9_]+)\s*=\s*[^,/]*,?\s*/\*\s*(RS_[A-Z0-9_]+?)_\*"
    for m in re.finditer(pat, text):
        name, group = m.group(1), m.group(2)
        if name in params and group in groups:
            api["param_choices"].setdefault(name, group)


def read_api(include_dir=DEFAULT_INCLUDE):
    """The API of the headers under include_dir as a plain dict."""
    include_dir = os.path.abspath(include_dir)
    if not os.path.isfile(os.path.join(include_dir, HEADERS[0])):
        raise ParseError("no %s under %s" % (HEADERS[0], include_dir))
    api = {"functions": [], "callbacks": [], "handles": [], "typedefs": {}, "constants": [],
           "param_choices": {}}
    for h in HEADERS:
        _parse_header(include_dir, h, (), False, api)
    for h, define in OPTIONAL_HEADERS:
        if os.path.isfile(os.path.join(include_dir, h)):
            _parse_header(include_dir, h, (define,), True, api)
    consts = {c["name"]: c["value"] for c in api["constants"]}
    api["version"] = {k: consts.get("RS_VERSION_" + k.upper())
                      for k in ("major", "minor", "patch", "string")}
    if not api["functions"]:
        raise ParseError("no RS_API function found under %s" % include_dir)
    return api


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("what", choices=["json", "list"])
    ap.add_argument("--include", default=DEFAULT_INCLUDE,
                    help="directory holding librecsgd/recsgd.h (default: the source tree)")
    a = ap.parse_args(argv)
    try:
        api = read_api(a.include)
    except ParseError as e:
        print("rsapi.py: %s" % e, file=sys.stderr)
        return 1
    if a.what == "json":
        json.dump(api, sys.stdout, indent=1, sort_keys=True)
        sys.stdout.write("\n")
    else:
        for f in api["functions"]:
            args = ", ".join("%s %s" % (p["c"], p["name"]) for p in f["params"]) or "void"
            print("function %s %s(%s)" % (f["ret"]["c"], f["name"], args))
        for cb in api["callbacks"]:
            args = ", ".join("%s %s" % (p["c"], p["name"]) for p in cb["params"])
            print("callback %s (*%s)(%s)" % (cb["ret"]["c"], cb["name"], args))
        for h in api["handles"]:
            print("handle %s" % h)
        for k, v in sorted(api["typedefs"].items()):
            print("typedef %s %s" % (v, k))
        for c in api["constants"]:
            print("constant %s %s = %r" % (c["group"], c["name"], c["value"]))
        for p, g in sorted(api["param_choices"].items()):
            print("choices %s %s_*" % (p, g))
    return 0


if __name__ == "__main__":
    sys.exit(main())
