//! All integration tests in one binary (one link instead of one per file): each module is one
//! former test file. Run one with `cargo test --release --test it -- MODULE::`.

mod alerts;
mod analyze;
mod check;
mod cli;
mod cluster;
mod cluster_engine;
mod conformance;
mod docs;
mod edge_engine;
mod edge_generate_next_access;
mod edge_inputs;
mod edge_mrc_many_sizes;
mod edge_plan;
mod edge_signals;
mod edge_sizes;
mod edge_writes;
mod engine;
mod engine_cases;
mod fuzz_parsers;
mod fuzz_traces;
mod generators;
mod html;
mod layers;
mod mrc;
mod properties;
mod reports;
mod support;
mod tiers;
mod tiers_engine;
mod trace_formats;
mod trace_routing;
mod vary;
mod workload_errors;
mod workload_features;
mod workloads;
