# librecsgd. SPDX-License-Identifier: BSD-2-Clause
"""Names for enumerated values, derived from the generated constant groups.

A group such as RS_LR (RS_LR_CONSTANT, RS_LR_INVERSE_TIME, RS_LR_ADAGRAD,
RS_LR_ADAM) gives the names "constant", "inverse_time", "adagrad", "adam".
The enumerated parameters know their group from the header
(_capi.PARAM_CHOICES), so `lr_policy="adagrad"` needs no table here.
"""

from . import _capi


def choices(group):
    """{lower-case name: value} of one constant group, e.g. 'RS_SIDE'."""
    prefix = group + "_"
    return {n[len(prefix):].lower(): getattr(_capi, n)
            for n in _capi.GROUPS.get(group, ()) if n.startswith(prefix)}


def value_of(group, value, what):
    """An int stays as it is; a name (case-insensitive) becomes its value."""
    if isinstance(value, bool):
        raise TypeError("%s: expected a name or an int, got %r" % (what, value))
    if isinstance(value, int):
        return value
    table = choices(group)
    if isinstance(value, str) and value.lower() in table:
        return table[value.lower()]
    raise ValueError("%s must be one of %s, not %r"
                     % (what, ", ".join(sorted(table, key=table.get)), value))


def name_of(group, value):
    """The name of a value of a group, or the value itself if it has none."""
    for n, v in choices(group).items():
        if v == value:
            return n
    return value


# Value groups of the enumerated parameters, keyed by the parameter's value
# (RS_PARAM_LR_POLICY = 300 -> "RS_LR").
PARAM_GROUPS = {getattr(_capi, p): g for p, g in _capi.PARAM_CHOICES.items()}

# Epoch statistics: index -> key, from the RS_STAT_* names ("train_rmse").
# RS_STAT_COUNT_* are the number of entries a version fills, not indices.
STAT_KEYS = {getattr(_capi, n): n[len("RS_STAT_"):].lower()
             for n in _capi.GROUPS["RS_STAT"] if not n.startswith("RS_STAT_COUNT")}


def stats_dict(values):
    """{key: value} of one epoch's statistics (unnamed entries: 'stat_<i>')."""
    return {STAT_KEYS.get(i, "stat_%d" % i): v for i, v in enumerate(values)}


# Evaluation metrics: index -> key, from the RS_METRIC_* names ("rmse",
# "precision", "users_skipped"). RS_METRIC_COUNT_* are counts, not indices.
METRIC_KEYS = {getattr(_capi, n): n[len("RS_METRIC_"):].lower()
               for n in _capi.GROUPS["RS_METRIC"] if not n.startswith("RS_METRIC_COUNT")}
