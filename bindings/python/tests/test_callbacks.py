# librecsgd. SPDX-License-Identifier: BSD-2-Clause
"""Python callbacks under C: progress (can stop training), init, clip, log;
an exception inside any of them stops training cleanly and is re-raised
from fit with its traceback; nothing unwinds through C."""

import traceback

import pytest

import librecsgd as rs
from librecsgd import _buffers
from conftest import small_model

np = _buffers.numpy


def test_progress_sees_every_epoch(split):
    seen = []
    with small_model(split[0], epochs=4) as m:
        m.fit(split[0], progress=seen.append)
        assert [s["epoch"] for s in seen] == [1, 2, 3, 4]
        same = [{k: (v if v == v else "nan") for k, v in d.items()} for d in seen]
        assert same == [{k: (v if v == v else "nan") for k, v in d.items()}
                        for d in m.epoch_stats()]
        assert not m.stopped


def test_progress_returning_true_stops_training(split):
    with small_model(split[0], epochs=50) as m:
        m.fit(split[0], progress=lambda s: s["epoch"] >= 2)
        assert m.stopped
        assert len(m.epoch_stats()) == 2
        m.predict(1, 1)  # the model keeps its last complete epoch
        m.fit(split[0])  # and trains again without the callback
        assert not m.stopped and len(m.epoch_stats()) > 2


def boom(stats):
    if stats["epoch"] == 2:
        raise ZeroDivisionError("boom in progress")


def test_exception_in_progress_is_reraised_with_traceback(split):
    with small_model(split[0], epochs=10) as m:
        with pytest.raises(ZeroDivisionError, match="boom in progress") as e:
            m.fit(split[0], progress=boom)
        frames = [f.name for f in traceback.extract_tb(e.value.__traceback__)]
        assert "boom" in frames and "fit" in frames
        notes = getattr(e.value, "__notes__", None)
        if notes is not None:  # Python 3.11: the C status is noted
            assert any("RS_ERR_CANCELLED" in n for n in notes)
        assert len(m.epoch_stats()) == 2
        assert isinstance(m.predict(1, 1), float)  # the model is intact and usable
        m.fit(split[0], progress=lambda s: None)
        assert len(m.epoch_stats()) == 10


def test_keyboard_interrupt_in_a_callback_stops_training(split):
    def interrupt(stats):
        raise KeyboardInterrupt
    with small_model(split[0], epochs=10) as m:
        with pytest.raises(KeyboardInterrupt):
            m.fit(split[0], progress=interrupt)
        assert len(m.epoch_stats()) == 1


def test_python_init_matches_the_builtin(split):
    """A Python initialiser that zeroes every block gives the model init='zero' gives."""
    calls = []

    def zero(block, values, seed):
        # values: a (rows, cols) numpy array, or a 2-D memoryview without numpy
        rows, cols = values.shape
        calls.append((block, (rows, cols), seed))
        for r in range(rows):
            for c in range(cols):
                values[r, c] = 0.0
    with small_model(split[0], init=zero) as a, small_model(split[0], init="zero") as b:
        assert a.get_param("init") == "custom"
        a.fit(split[0])
        b.fit(split[0])
        assert calls and {c[0] for c in calls} <= {rs.RS_BLOCK_USER_FACTORS, rs.RS_BLOCK_ITEM_FACTORS}
        pairs = [(u, i) for u in (1, 2, 3) for i in (1, 5, 9)]
        assert [a.predict(u, i) for u, i in pairs] == [b.predict(u, i) for u, i in pairs]
        a.set_init(None)
        assert a.get_param("init") == "zero" or a.get_param("init") != "custom"


def test_python_init_that_raises_cancels_the_fit(split):
    def bad(block, values, seed):
        raise ValueError("no init today")
    with small_model(split[0]) as m:
        m.set_init(bad)
        with pytest.raises(ValueError, match="no init today"):
            m.fit(split[0])
        with pytest.raises(rs.StateError):  # C saw RS_ERR_CANCELLED before any epoch
            m.predict(1, 1)


def test_python_clip_matches_the_builtin(split):
    c = 0.05

    def clip_value(grad):
        # grad: a float32 numpy vector, or a memoryview without numpy
        changed = False
        for k in range(len(grad)):
            if grad[k] > c or grad[k] < -c:
                grad[k] = c if grad[k] > c else -c
                changed = True
        return changed
    kw = dict(epochs=2, factors=4, clip_threshold=c)
    rest, train = split[0].split_random(0.04, seed=1)  # ~1900 ratings: the Python policy is slow
    with rest, train, small_model(train, clip=clip_value, **kw) as a, \
            small_model(train, clip="value", **kw) as b:
        a.fit(train)
        b.fit(train)
        sa, sb = a.epoch_stats(), b.epoch_stats()
        assert sa[-1]["clip_share"] > 0
        assert [s["clip_share"] for s in sa] == pytest.approx([s["clip_share"] for s in sb])
        assert a.predict(1, 2) == pytest.approx(b.predict(1, 2), abs=1e-4)


def test_exception_in_clip_stops_training_at_the_epoch_end(split):
    calls = [0]

    def clip(grad):
        calls[0] += 1
        raise RuntimeError("bad clip")
    with small_model(split[0], epochs=5) as m:
        m.set_clip(clip)
        with pytest.raises(RuntimeError, match="bad clip"):
            m.fit(split[0])
        assert calls[0] == 1  # later rows skip the Python call
        assert len(m.epoch_stats()) == 1  # rs_fit was cancelled after the first epoch
        m.set_clip(None)
        m.fit(split[0])
        assert len(m.epoch_stats()) == 5


def test_log_callback(split):
    logs = []
    with small_model(split[0], scorer="hybrid", threads=2, cold_epochs=2) as m:
        m.set_log(lambda level, msg: logs.append((level, msg)))
        m.fit(split[0])
    assert logs and all(isinstance(msg, str) and msg for _, msg in logs)
    assert {lvl for lvl, _ in logs} <= {rs.RS_LOG_ERROR, rs.RS_LOG_WARN, rs.RS_LOG_INFO,
                                        rs.RS_LOG_DEBUG}

    def bad(level, msg):
        raise LookupError("log failed")
    with small_model(split[0], scorer="hybrid", threads=2, cold_epochs=2, log=bad) as m:
        with pytest.raises(LookupError, match="log failed"):
            m.fit(split[0])


def test_callbacks_are_kept_alive_by_the_model(split):
    import gc
    with small_model(split[0]) as m:
        m.set_init(lambda block, values, seed: None)  # no other reference to the lambda
        gc.collect()
        m.fit(split[0])  # would crash if the trampoline had been collected
    assert m.closed


def test_a_callback_cannot_free_what_c_is_using(split):
    train = split[0]
    with small_model(train, epochs=3) as m:
        def close_model(stats):
            m.close()
        with pytest.raises(rs.MisuseError):
            m.fit(train, progress=close_model)
        assert not m.closed and isinstance(m.predict(1, 1), float)

        def close_data(stats):
            train.close()
        with pytest.raises(rs.MisuseError):
            m.fit(train, progress=close_data)
        assert not train.closed


def test_a_callback_calling_back_into_its_model_gets_misuse(split):
    with small_model(split[0], epochs=3) as m:
        def reenter(stats):
            m.set_params(factors=3)  # rs_model_set_int from inside rs_fit
        with pytest.raises(rs.MisuseError) as e:
            m.fit(split[0], progress=reenter)
        assert e.value.status == rs.RS_ERR_MISUSE
        assert m.get_param("factors") == 4  # unchanged


def test_shared_calls_from_many_threads(collab):
    """predict / recommend are `shared` in C and ctypes drops the GIL around
    them: threads may use one model at once."""
    import threading
    users = list(range(1, 201))
    want = [collab.recommend(u, k=5) for u in users]
    got, errors = {}, []

    def work(part):
        try:
            for u in part:
                got[u] = (collab.recommend(u, k=5), collab.predict(u, 3))
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)
    threads = [threading.Thread(target=work, args=(users[k::4],)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert [got[u][0] for u in users] == want
    assert [got[u][1] for u in users] == [collab.predict(u, 3) for u in users]
