//! The OpenAPI document is committed (`docs/openapi.json`) so API changes show up in review.
//! Regenerate with `MOTCUA_UPDATE_OPENAPI=1 cargo test -p web --test openapi`: the test then
//! writes the new document and still fails, saying so; the next run compares the new file.

#[test]
fn committed_openapi_document_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.json");
    let current = web::openapi_json();
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    let document: serde_json::Value = serde_json::from_str(&current).expect("valid JSON");
    assert_eq!(document["openapi"], "3.1.0");
    // Rewriting never makes the comparison pass: the run that rewrites the file fails.
    let rewritten = committed != current && std::env::var_os("MOTCUA_UPDATE_OPENAPI").is_some();
    if rewritten {
        std::fs::write(path, &current).expect("write docs/openapi.json");
    }
    assert!(
        !rewritten,
        "docs/openapi.json was out of date and has been rewritten: review it, run the test again and commit it"
    );
    assert!(
        committed == current,
        "docs/openapi.json is out of date: run MOTCUA_UPDATE_OPENAPI=1 cargo test -p web --test openapi and commit it"
    );
}
