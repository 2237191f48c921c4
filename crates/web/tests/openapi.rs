//! The OpenAPI document is committed (`docs/openapi.json`) so API changes show up in review.
//! Regenerate with `MOTCUA_UPDATE_OPENAPI=1 cargo test -p web --test openapi`.

#[test]
fn committed_openapi_document_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.json");
    let current = web::openapi_json();
    if std::env::var_os("MOTCUA_UPDATE_OPENAPI").is_some() {
        std::fs::write(path, &current).expect("write docs/openapi.json");
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    let document: serde_json::Value = serde_json::from_str(&current).expect("valid JSON");
    assert_eq!(document["openapi"], "3.1.0");
    assert!(
        committed == current,
        "docs/openapi.json is out of date: run MOTCUA_UPDATE_OPENAPI=1 cargo test -p web --test openapi and commit it"
    );
}
