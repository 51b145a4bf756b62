//! `irqlab bench`: prints the speed figures of [`crate::bench`].

use std::path::PathBuf;

use crate::run::RunError;

/// Arguments of `irqlab bench`.
#[derive(clap::Args, Debug)]
pub struct BenchArgs {
    /// Iterations of the pure-Python benchmark loop.
    #[arg(long, default_value_t = 2_000_000)]
    pub iterations: u64,
    /// The folder of shipped scenarios.
    #[arg(long, default_value = "scenarios")]
    pub scenarios: PathBuf,
}

/// Runs the benchmarks and prints one figure a line; returns the exit code.
pub fn run(args: &BenchArgs) -> Result<i32, RunError> {
    let figures = crate::bench::run_all(&args.scenarios, args.iterations)?;
    for f in figures {
        println!("{:<58} {:>12.3} {}", f.what, f.value, f.unit);
    }
    Ok(0)
}
