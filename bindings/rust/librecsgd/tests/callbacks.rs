// librecsgd. SPDX-License-Identifier: BSD-2-Clause
//! Closures as progress, init, clip and log callbacks; a panic in any of
//! them never crosses into C: training stops and the call returns an Error
//! with RS_ERR_CANCELLED.

mod common;
use librecsgd::{sys, ControlFlow, Model, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

#[test]
fn progress_sees_every_epoch_and_may_borrow_locals() {
    let (train, test) = common::split();
    let mut m = common::model("collaborative", 5);
    let mut seen = Vec::new(); // borrowed, not 'static
    m.fit_with_progress(&train, Some(&test), |s| {
        seen.push((s.epoch(), s.train_rmse(), s.valid_rmse()));
        ControlFlow::Continue(())
    })
    .unwrap();
    let stats = m.epoch_stats().unwrap();
    assert_eq!(seen.len(), stats.len());
    for (k, (e, rmse, valid)) in seen.iter().enumerate() {
        assert_eq!(*e, k + 1);
        assert_eq!(*rmse, stats[k].train_rmse());
        assert!(valid.is_some());
    }
}

#[test]
fn progress_break_stops_training_with_cancelled() {
    let (train, _) = common::split();
    let mut m = common::model("collaborative", 50);
    let e = m
        .fit_with_progress(&train, None, |s| if s.epoch() >= 2 { ControlFlow::Break(()) } else { ControlFlow::Continue(()) })
        .unwrap_err();
    assert_eq!(e.status(), sys::RS_ERR_CANCELLED);
    assert!(!e.is_callback_panic());
    assert!(e.message().contains("epoch 2"), "the library's message: {}", e);
    assert_eq!(m.epoch_stats().unwrap().len(), 2);
    assert!(m.predict(1, 1).is_ok(), "the model keeps its last complete epoch");
}

#[test]
fn a_panic_in_progress_stops_training_and_becomes_an_error() {
    let (train, _) = common::split();
    let mut m = common::model("collaborative", 50);
    let e = m
        .fit_with_progress(&train, None, |s| {
            if s.epoch() == 3 {
                panic!("progress exploded at epoch {}", s.epoch());
            }
            ControlFlow::Continue(())
        })
        .unwrap_err();
    assert_eq!(e.status(), sys::RS_ERR_CANCELLED);
    assert!(e.is_callback_panic());
    assert!(e.message().contains("progress exploded at epoch 3"), "{}", e);
    assert_eq!(m.epoch_stats().unwrap().len(), 3);
    assert!(m.predict(1, 1).is_ok());
    // the trampoline is gone: the next fit runs to the end
    m.set("epochs", 2).unwrap();
    m.fit(&train, None).unwrap();
    assert_eq!(m.epoch_stats().unwrap().len(), 2);
    // partial_fit takes a progress closure too
    let new = librecsgd::Dataset::from_slices(&[1, 2], &[3, 4], &[4.0, 2.0], None).unwrap();
    let e = m.partial_fit_with_progress(&new, None, |_| panic!("online progress exploded")).unwrap_err();
    assert!(e.is_callback_panic() && e.status() == sys::RS_ERR_CANCELLED, "{}", e);
    let mut calls = 0;
    m.partial_fit_with_progress(&new, None, |_| {
        calls += 1;
        ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!(calls, m.get_int("online_epochs").unwrap());
}

fn pattern_init(blocks: Arc<Mutex<Vec<(String, usize, usize)>>>) -> impl FnMut(librecsgd::InitBlock<'_>) -> ControlFlow<()> + Send {
    move |b| {
        blocks.lock().unwrap().push((b.block_name(), b.rows, b.cols));
        assert_eq!(b.values.len(), b.rows * b.cols);
        let mut x = b.seed | 1;
        for v in b.values.iter_mut() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *v = ((x % 2001) as f32 - 1000.0) * 1e-5;
        }
        ControlFlow::Continue(())
    }
}

#[test]
fn init_closure_fills_every_factor_block() {
    let (train, _) = common::split();
    let blocks = Arc::new(Mutex::new(Vec::new()));
    let mut m = common::model("collaborative", 3);
    m.set_init_callback(pattern_init(blocks.clone())).unwrap();
    assert_eq!(m.get("init").unwrap(), Value::Name("custom".into()));
    m.fit(&train, None).unwrap();
    let got = blocks.lock().unwrap().clone();
    assert!(got.contains(&("user_factors".into(), 1000, 8)), "{:?}", got);
    assert!(got.contains(&("item_factors".into(), 800, 8)), "{:?}", got);
    // the same closure gives the same model; the built-in a different one
    let mut again = common::model("collaborative", 3);
    again.set_init_callback(pattern_init(Arc::new(Mutex::new(Vec::new())))).unwrap();
    again.fit(&train, None).unwrap();
    assert_eq!(m.predict(1, 1).unwrap(), again.predict(1, 1).unwrap());
    again.clear_init_callback().unwrap();
    assert_eq!(again.get("init").unwrap(), Value::Name("normal".into()));
    again.fit(&train, None).unwrap();
    assert_ne!(m.predict(1, 1).unwrap(), again.predict(1, 1).unwrap());
}

#[test]
fn init_break_cancels_and_init_panic_is_reported() {
    let (train, _) = common::split();
    let mut m = common::model("collaborative", 3);
    m.set_init_callback(|_| ControlFlow::Break(())).unwrap();
    let e = m.fit(&train, None).unwrap_err();
    assert_eq!(e.status(), sys::RS_ERR_CANCELLED);
    assert!(!e.is_callback_panic());
    m.set_init_callback(|b| {
        if b.block == sys::RS_BLOCK_ITEM_FACTORS {
            panic!("init exploded on {}", b.block_name());
        }
        ControlFlow::Continue(())
    })
    .unwrap();
    let e = m.fit(&train, None).unwrap_err();
    assert_eq!(e.status(), sys::RS_ERR_CANCELLED);
    assert!(e.is_callback_panic());
    assert!(e.message().contains("init exploded on item_factors"), "{}", e);
    assert_eq!(m.predict(1, 1).unwrap_err().status(), sys::RS_ERR_STATE, "never fitted");
}

#[test]
fn clip_closure_runs_on_gradients() {
    let (train, _) = common::split();
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let mut m = common::model("collaborative", 2);
    m.set_clip_callback(move |g| {
        c.fetch_add(1, Ordering::Relaxed);
        let mut changed = false;
        for x in g.iter_mut() {
            if x.abs() > 0.01 {
                *x = x.signum() * 0.01;
                changed = true;
            }
        }
        changed
    })
    .unwrap();
    assert_eq!(m.get("clip").unwrap().as_name(), Some("custom"));
    m.fit(&train, None).unwrap();
    assert!(calls.load(Ordering::Relaxed) > train.num_ratings());
    let share = m.epoch_stats().unwrap()[0].get("clip_share").unwrap();
    assert!(share > 0.0 && share <= 1.0, "{}", share);
    m.clear_clip_callback().unwrap();
    assert_eq!(m.get("clip").unwrap().as_name(), Some("none"));
}

#[test]
fn a_panic_in_clip_stops_training_at_the_epoch_end() {
    let (train, _) = common::split();
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let mut m = common::model("collaborative", 20);
    m.set_clip_callback(move |_| {
        if c.fetch_add(1, Ordering::Relaxed) == 1000 {
            panic!("clip exploded");
        }
        false
    })
    .unwrap();
    let e = m.fit(&train, None).unwrap_err();
    assert_eq!(e.status(), sys::RS_ERR_CANCELLED);
    assert!(e.is_callback_panic());
    assert!(e.message().contains("clip exploded"), "{}", e);
    assert_eq!(m.epoch_stats().unwrap().len(), 1, "stopped after the epoch of the panic");
    assert_eq!(calls.load(Ordering::Relaxed), 1001, "not called again after the panic");
}

#[test]
fn clip_closure_on_several_training_threads() {
    if !common::has_threads() {
        eprintln!("skipped: library built without threads");
        return;
    }
    let (train, _) = common::split();
    let threads = Arc::new(Mutex::new(std::collections::HashSet::new()));
    let t = threads.clone();
    let mut m = common::model("collaborative", 2);
    m.set("threads", 2).unwrap();
    m.set_clip_callback(move |_| {
        t.lock().unwrap().insert(std::thread::current().id());
        false
    })
    .unwrap();
    m.fit(&train, None).unwrap();
    assert!(!threads.lock().unwrap().is_empty());
}

#[test]
fn log_closure_receives_diagnostics_and_its_panics_are_contained() {
    let (train, _) = common::split();
    let lines = Arc::new(Mutex::new(Vec::new()));
    let l = lines.clone();
    let mut m = common::model("hybrid", 3);
    m.set_log_callback(move |level, msg| l.lock().unwrap().push((level, msg.to_string()))).unwrap();
    m.fit(&train, None).unwrap();
    let got = lines.lock().unwrap().clone();
    assert!(got.iter().any(|(lv, msg)| *lv == sys::RS_LOG_INFO && msg.contains("cold-start refit")), "{:?}", got);
    m.set_log_callback(|_, _| panic!("log exploded")).unwrap();
    m.fit(&train, None).unwrap();
    m.clear_log_callback().unwrap();
    assert!(m.predict(1, 1).is_ok());
    let _ = Model::new("collaborative").unwrap();
}
