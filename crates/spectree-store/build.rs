// `sqlx::migrate!` embeds the migrations when this crate compiles; without this, cargo does
// not know to recompile it when a migration file is added or changed.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
