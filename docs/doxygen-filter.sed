# Doxygen INPUT_FILTER for include/librecsgd/*.h (used only by `make docs`).
# The headers are written to be read as plain text (STYLE.md R1: the header
# is the manual), so this filter adds the doxygen markup at generation time
# instead of cluttering them. Every rule keeps the line count, so warnings
# point at the right header line.
#
# 1. The file's opening comment becomes its @file block (the license line is
#    dropped, the "name.h: " prefix of line 2 removed).
1s|^/\* librecsgd - embeddable recommender library\. SPDX-License-Identifier: BSD-2-Clause$|/** @file|
2s|^ \* [a-z_]*\.h: | * |
# 2. A plain comment at column 0 before an enum, typedef or macro group
#    documents it (section banners "/* ---- x ---- */" stay plain).
s|^/\* \([A-Za-z]\)|/** \1|
# 3. Trailing comments of enum constants and macros document those members.
/^ *RS_[A-Z0-9_]* *= *[^ ]*,\{0,1\} *\/\* /s|/\* |/**< |
/^#define RS_[A-Z0-9_]* .*\/\* /s|/\* |/**< |
# 4. The contract lines of a function block become titled paragraphs.
s|^ \* Errors: | * @rserrors |
s|^ \* Ownership: | * @rsownership |
s|^ \* Thread safety: | * @rsthreads |
# 5. A backslash in a comment is C text ('\n'), not a doxygen command.
/\/\*\*</s|\\\([a-z]\)|\\\\\1|g
