//! Rebuild when a migration is added or changed, so the embedded set is never stale.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
