//! Rendering throughput: the receipt (form 01, A5) and an official letter (A4), each rendered
//! to PDF/A-2b from its example data after a warm-up render (fonts, library and templates are
//! loaded once per process; the memo caches keep the last few compilations).
//!
//! Run: `cargo bench -p docs --bench render`. Target: under 20 ms per render.

use std::hint::black_box;

use divan::Bencher;
use typeset::DocumentKind;

fn main() {
    divan::main();
}

fn bench_kind(bencher: Bencher, kind: DocumentKind) {
    let data = kind.example();
    typeset::render(kind, &data).expect("warm-up render");
    bencher.bench(|| typeset::render(kind, black_box(&data)).expect("render"));
}

#[divan::bench]
fn receipt(bencher: Bencher) {
    bench_kind(bencher, DocumentKind::Receipt);
}

#[divan::bench]
fn official_letter(bencher: Bencher) {
    bench_kind(bencher, DocumentKind::OfficialLetter);
}

/// A receipt whose data changes on every render (another applicant each time), so that the
/// memo caches cannot reuse the previous layout.
#[divan::bench]
fn receipt_fresh_data(bencher: Bencher) {
    let mut data = DocumentKind::Receipt.example();
    typeset::render(DocumentKind::Receipt, &data).expect("warm-up render");
    let mut counter = 0u32;
    bencher.bench_local(|| {
        counter += 1;
        data["applicant"]["phone"] = serde_json::json!(format!("0903 {counter:06}"));
        typeset::render(DocumentKind::Receipt, black_box(&data)).expect("render")
    });
}
