//! The rows and workloads shared by the benchmark binary (main.rs) and the
//! fixed-iteration profiling driver (bin/profile.rs, for callgrind).

pub mod clock;
pub mod copy_xor;
pub mod decode_rows;
pub mod encode_rows;
pub mod mem_stream;
pub mod ring_sink;
pub mod workload;
