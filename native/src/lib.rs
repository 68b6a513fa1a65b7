//! Native kernels of passage-provenance, exposed to Python as `provenance._native`.
//!
//! One module per kernel, each plain Rust over slices (unit-tested with `cargo test`);
//! the `bindings` module (feature `python`, turned on by maturin) holds the thin
//! `#[pyfunction]` wrappers: they check and convert numpy arguments, release the GIL
//! around the batch work and return numpy arrays. The Python modules under
//! `provenance/pipeline/` keep the documented API and call these.

pub mod align;
pub mod anchors;
pub mod candidates;
pub mod entries;
pub mod filters;
pub mod graph;
pub mod lsh;
pub mod minhash;
pub mod normalise;
pub mod offsets;
pub mod realign;
pub mod shingle;
pub mod spans;
pub mod split;
pub mod streams;
pub mod units;
pub mod verify;

#[cfg(feature = "python")]
mod bindings;
