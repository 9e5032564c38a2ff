// librecsgd. SPDX-License-Identifier: BSD-2-Clause
//! save/load through files, bytes, Read and Write; errors of each.

mod common;
use librecsgd::{sys, Model};

fn tmpdir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("librecsgd-rust-{}-{}", name, std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn same_answers(a: &Model, b: &Model) {
    for (u, i) in [(1, 1), (2, 5), (3, 700), (999_999, 1)] {
        assert_eq!(a.predict(u, i).unwrap(), b.predict(u, i).unwrap());
    }
    assert_eq!(a.recommend(1, 10).unwrap(), b.recommend(1, 10).unwrap());
}

#[test]
fn file_bytes_and_streams_round_trip_to_the_same_blob() {
    let (train, _) = common::split();
    for scorer in ["collaborative", "hybrid"] {
        let m = common::fitted(scorer, &train);
        let dir = tmpdir(scorer);
        let path = dir.join("m.model");
        m.save(&path).unwrap();
        let from_file = Model::load(&path).unwrap();
        same_answers(&m, &from_file);
        let bytes = m.to_bytes().unwrap();
        assert_eq!(bytes, std::fs::read(&path).unwrap(), "one format for file and buffer");
        same_answers(&m, &Model::from_bytes(&bytes).unwrap());
        let mut streamed = Vec::new();
        m.save_to(&mut streamed).unwrap();
        assert_eq!(streamed, bytes);
        same_answers(&m, &Model::load_from(&streamed[..]).unwrap());
        same_answers(&m, &m.try_clone().unwrap());
        assert_eq!(from_file.get("scorer").unwrap().as_name(), Some(scorer));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[test]
fn bad_blobs_and_paths_fail_with_messages() {
    let (train, _) = common::split();
    let m = common::fitted("collaborative", &train);
    let mut bytes = m.to_bytes().unwrap();
    let e = Model::from_bytes(&bytes[..bytes.len() / 2]).unwrap_err();
    assert_eq!(e.status(), sys::RS_ERR_FORMAT);
    assert!(!e.message().is_empty() && e.message() != librecsgd::status_string(sys::RS_ERR_FORMAT), "{}", e);
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    assert_eq!(Model::from_bytes(&bytes).unwrap_err().status(), sys::RS_ERR_FORMAT);
    assert_eq!(Model::from_bytes(b"not a model").unwrap_err().status(), sys::RS_ERR_FORMAT);
    let e = Model::load("/nonexistent/dir/m.model").unwrap_err();
    assert_eq!(e.status(), sys::RS_ERR_IO);
    let e = m.save("/nonexistent/dir/m.model").unwrap_err();
    assert_eq!(e.status(), sys::RS_ERR_IO);
    let unfitted = Model::new("collaborative").unwrap();
    assert_eq!(unfitted.to_bytes().unwrap_err().status(), sys::RS_ERR_STATE);
}

struct FailingWriter;
impl std::io::Write for FailingWriter {
    fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
        Err(std::io::Error::new(std::io::ErrorKind::Other, "quota exceeded"))
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
struct PanickingWriter;
impl std::io::Write for PanickingWriter {
    fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
        panic!("writer exploded")
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn writer_errors_and_panics_fail_the_save_cleanly() {
    let (train, _) = common::split();
    let m = common::fitted("collaborative", &train);
    let e = m.save_to(FailingWriter).unwrap_err();
    assert_eq!(e.status(), sys::RS_ERR_IO);
    assert!(e.message().contains("quota exceeded"), "{}", e);
    let e = m.save_to(PanickingWriter).unwrap_err();
    assert_eq!(e.status(), sys::RS_ERR_CANCELLED);
    assert!(e.is_callback_panic() && e.message().contains("writer exploded"), "{}", e);
    assert!(m.predict(1, 1).is_ok(), "the model is unharmed");
}
