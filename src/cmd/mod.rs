//! One file per subcommand: arguments in, checked configuration, execution, output.

pub mod analyze;
pub mod check;
pub mod compare;
pub mod generate;
pub mod plan;
pub mod policies;
pub mod run;
pub mod sweep;
