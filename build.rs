//! Rebuilds when a migration changes, because they are embedded into the binary.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
