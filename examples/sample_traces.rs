//! Regenerates the sample traces in `traces/`: `cargo run --release --example sample_traces`.

fn main() -> anyhow::Result<()> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("traces");
    cachesim::trace::sample::write(&dir)?;
    println!("wrote sample traces to {}", dir.display());
    Ok(())
}
