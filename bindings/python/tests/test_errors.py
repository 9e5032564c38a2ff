# librecsgd. SPDX-License-Identifier: BSD-2-Clause
"""librecsgd.Error and its subclasses: one per status, carrying .status and
the library's message; RS_FALLBACK is a visible success, never an exception."""

import pickle

import pytest

import librecsgd as rs
from librecsgd import _capi, errors
from conftest import small_model


def test_one_subclass_per_error_status():
    for name in _capi.GROUPS["RS_STATUS"]:
        value = getattr(_capi, name)
        if name.startswith("RS_ERR_"):
            cls = errors.BY_STATUS[value]
            assert issubclass(cls, rs.Error) and cls is not rs.Error
            assert getattr(rs, cls.__name__) is cls
            e = errors.error_for(value, "msg", "rs_x")
            assert type(e) is cls and e.status == value and e.message == "msg"
            assert str(e) == "rs_x: msg [%s]" % name
        else:  # RS_OK, RS_FALLBACK
            assert value not in errors.BY_STATUS
    assert rs.FormatError.__name__ == "FormatError" and rs.RangeError.__name__ == "RangeError"
    assert type(errors.error_for(9999, "new code")) is rs.Error  # unknown codes are errors


def test_python_builtin_bases():
    assert issubclass(rs.RangeError, ValueError)
    assert issubclass(rs.IoError, OSError)
    assert issubclass(rs.NoMemoryError, MemoryError)
    assert issubclass(rs.UnknownIdError, LookupError)
    assert issubclass(rs.ParamTypeError, TypeError)


def test_format_error_carries_the_library_message(tmp_path):
    bad = tmp_path / "bad.tsv"
    bad.write_text("1 2 3.5\n1 x 4\n")
    with pytest.raises(rs.FormatError) as e:
        rs.Dataset.from_file(str(bad))
    assert e.value.status == rs.RS_ERR_FORMAT
    assert e.value.function == "rs_dataset_load_file"
    assert "2" in e.value.message and e.value.message  # names the line


def test_io_error_for_a_missing_file(tmp_path):
    with pytest.raises(rs.IoError) as e:
        rs.Dataset.from_file(str(tmp_path / "missing.tsv"))
    assert e.value.status == rs.RS_ERR_IO
    assert isinstance(e.value, OSError)


def test_range_error_names_the_bounds():
    with pytest.raises(rs.RangeError) as e:
        rs.Model(factors=0)
    assert e.value.status == rs.RS_ERR_RANGE
    assert "factors" in e.value.message and "4096" in e.value.message


def test_unknown_parameter():
    with pytest.raises(rs.UnknownParamError) as e:
        rs.Model(no_such_parameter=1)
    assert e.value.status == rs.RS_ERR_UNKNOWN_PARAM and "no_such_parameter" in str(e.value)


def test_state_error_before_fit():
    with rs.Model() as m:
        with pytest.raises(rs.StateError) as e:
            m.predict(1, 1)
        assert e.value.status == rs.RS_ERR_STATE
        assert e.value.message  # rs_status_string plus the arguments
        with pytest.raises(rs.StateError):
            m.to_bytes()


def test_fallback_is_a_visible_success(collab):
    score = collab.predict(999999, 1)
    assert isinstance(score, float)
    score2, status = collab.predict(999999, 1, return_status=True)
    assert status == rs.RS_FALLBACK and score2 == score
    _, status = collab.predict(1, 1, return_status=True)
    assert status == rs.RS_OK
    top, status = collab.recommend(999999, k=5, return_status=True)
    assert status == rs.RS_FALLBACK and len(top) == 5


def test_unknown_id_error_when_cold_start_is_error(split):
    with small_model(split[0], cold_start="error") as m:
        m.fit(split[0])
        with pytest.raises(rs.UnknownIdError) as e:
            m.predict(999999, 1)
        assert e.value.status == rs.RS_ERR_UNKNOWN_ID
        scores, status = m.predict_batch([1, 999999], [1, 1], return_status=True)
        assert list(status) == [rs.RS_OK, rs.RS_ERR_UNKNOWN_ID]  # per pair, not raised
        with pytest.raises(rs.UnknownIdError):
            m.predict_batch([1, 999999], [1, 1])


def test_errors_pickle():
    e = errors.error_for(rs.RS_ERR_RANGE, "x = 0 is outside [1, 2]", "rs_model_set_int")
    back = pickle.loads(pickle.dumps(e))
    assert type(back) is rs.RangeError and back.status == e.status and str(back) == str(e)
