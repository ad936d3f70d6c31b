//! Code the test modules share.

use assert_cmd::Command;

/// The `cachesim` binary of this build, ready for arguments.
pub fn cachesim() -> Command {
    Command::cargo_bin("cachesim").unwrap()
}
