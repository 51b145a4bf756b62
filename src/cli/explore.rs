//! `irqlab explore SCENARIO`: prints the report of [`crate::explore`] (its speed on stderr)
//! and writes its JSON.

use crate::explore::ExploreArgs;
use crate::run::RunError;

/// Runs the exploration; returns its exit code (0 clean, 1 failures found).
pub fn run(args: &ExploreArgs) -> Result<i32, RunError> {
    let report = crate::explore::explore(args)?;
    print!("{}", report.text);
    eprintln!("{}", report.speed_line());
    if let Some(path) = &args.json {
        let text = serde_json::to_string_pretty(&report.json).expect("JSON values serialise");
        std::fs::write(path, text + "\n")
            .map_err(|e| RunError::io(format!("{}: cannot write: {e}", path.display())))?;
    }
    Ok(report.exit_code)
}
