// librecsgd. SPDX-License-Identifier: BSD-2-Clause
//! Hyper-parameters by name through rs_param_from_name; enumerated values by
//! the names of the generated constant groups.

mod common;
use librecsgd::{sys, Model, Value};

#[test]
fn numbers_set_by_name_read_back() {
    let mut m = Model::new("collaborative").unwrap();
    m.set("factors", 24).unwrap().set("learning_rate", 0.02).unwrap().set("l2_bias", 0.5f32).unwrap();
    assert_eq!(m.get("factors").unwrap(), Value::Int(24));
    assert_eq!(m.get_int("factors").unwrap(), 24);
    assert_eq!(m.get("learning_rate").unwrap(), Value::Real(0.02));
    assert_eq!(m.get_double("l2_bias").unwrap(), 0.5);
    // an integer is a valid real
    m.set("learning_rate", 1).unwrap();
    assert_eq!(m.get_double("learning_rate").unwrap(), 1.0);
    // every parameter the headers define is known to the library by name
    let names = librecsgd::param_names();
    assert!(names.len() >= 30, "{:?}", names);
    for n in &names {
        assert_eq!(librecsgd::param_name(librecsgd::param_id(n).unwrap()).as_deref(), Some(n.as_str()));
    }
}

#[test]
fn enumerated_parameters_take_and_give_names() {
    let mut m = Model::new("hybrid").unwrap();
    assert_eq!(m.get("scorer").unwrap(), Value::Name("hybrid".into()));
    assert_eq!(m.get("lr_policy").unwrap(), Value::Name("auto".into()));
    m.set("lr_policy", "adagrad").unwrap().set("init", "scaled_normal").unwrap();
    m.set("on_divergence", "halve_lr").unwrap().set("cold_start", "error").unwrap().set("clip", "norm").unwrap();
    assert_eq!(m.get("lr_policy").unwrap().as_name(), Some("adagrad"));
    assert_eq!(m.get_int("lr_policy").unwrap(), sys::RS_LR_ADAGRAD as i64);
    assert_eq!(m.get("init").unwrap().as_name(), Some("scaled_normal"));
    assert_eq!(m.get("on_divergence").unwrap().as_name(), Some("halve_lr"));
    assert_eq!(m.get("cold_start").unwrap().as_name(), Some("error"));
    assert_eq!(m.get("clip").unwrap().as_name(), Some("norm"));
    // the number works as well
    m.set("lr_policy", sys::RS_LR_ADAM).unwrap();
    assert_eq!(m.get("lr_policy").unwrap().as_name(), Some("adam"));
    assert_eq!(
        librecsgd::param_choices("lr_policy").unwrap().unwrap(),
        vec!["constant", "inverse_time", "adagrad", "adam", "auto"]
    );
    assert_eq!(librecsgd::param_choices("factors").unwrap(), None);
}

#[test]
fn bad_names_and_values_fail_with_the_library_codes_and_messages() {
    let mut m = Model::new("collaborative").unwrap();
    let e = m.set("no_such_thing", 1).unwrap_err();
    assert_eq!(e.status(), sys::RS_ERR_UNKNOWN_PARAM);
    assert!(e.message().contains("no_such_thing"));
    let e = m.set("learning_rate", 0.0).unwrap_err();
    assert_eq!(e.status(), sys::RS_ERR_RANGE);
    assert_eq!(e.message(), "learning_rate = 0 is outside (0, 10]", "the library's own message");
    assert_eq!(m.get_double("learning_rate").unwrap(), 0.05, "a failed setter changes nothing");
    let e = m.set("factors", 2.5).unwrap_err();
    assert_eq!(e.status(), sys::RS_ERR_PARAM_TYPE);
    let e = m.set("factors", "many").unwrap_err();
    assert_eq!(e.status(), sys::RS_ERR_PARAM_TYPE);
    let e = m.set("lr_policy", "fastest").unwrap_err();
    assert_eq!(e.status(), sys::RS_ERR_INVALID_ARG);
    assert!(e.message().contains("constant, inverse_time, adagrad, adam"), "{}", e);
    assert!(m.set("scorer", "hybrid").is_err(), "the scorer is fixed by Model::new");
    let e = Model::new("telepathic").unwrap_err();
    assert_eq!(e.status(), sys::RS_ERR_INVALID_ARG);
    assert!(e.message().contains("collaborative, content, hybrid"), "{}", e);
}

#[test]
fn bounds_and_with_params() {
    assert_eq!(librecsgd::param_bounds("factors").unwrap(), (1.0, 4096.0));
    assert_eq!(librecsgd::param_bounds("nope").unwrap_err().status(), sys::RS_ERR_UNKNOWN_PARAM);
    let m = Model::with_params("content", [("factors", Value::from(4)), ("lr_policy", "adam".into())]).unwrap();
    assert_eq!(m.get("scorer").unwrap().as_name(), Some("content"));
    assert_eq!(m.get_int("factors").unwrap(), 4);
    assert_eq!(m.get("lr_policy").unwrap().as_name(), Some("adam"));
}
