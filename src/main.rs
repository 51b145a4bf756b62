//! The `irqlab` binary: parses the command line and maps the result to an exit code.

use clap::Parser;

fn main() {
    let cli = irqlab::cli::Cli::parse();
    std::process::exit(irqlab::cli::run(cli));
}
