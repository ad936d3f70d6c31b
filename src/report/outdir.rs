//! `--out DIR` written as a whole: every file is built in a sibling directory (`.DIR.tmp-...`, same
//! parent, so same file system) and the finished directory then takes DIR's place. DIR is always
//! either the earlier run or the new one, never a mix of the two (an interrupted or failed run
//! leaves the earlier one untouched, a finished one leaves no file of the earlier one behind).
//!
//! Because DIR is replaced whole, an existing DIR is only replaced when it is empty or holds
//! nothing but what cachesim writes there; anything else is refused rather than deleted.

use crate::error::input_error;
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};

/// Files that mark a directory as an earlier `--out` of cachesim (run/sweep/check, plan, analyze).
const MARKERS: [&str; 3] = ["summary.json", "plan.json", "analysis.json"];
/// Extensions of everything cachesim writes into `--out`.
const OUTPUT_EXTS: [&str; 6] = ["json", "csv", "md", "html", "png", "svg"];

/// An output directory under construction; dropped without [`OutDir::commit`], it is removed.
#[derive(Debug)]
pub struct OutDir {
    target: PathBuf,
    staging: PathBuf,
    committed: bool,
}

impl OutDir {
    /// Checks `target` can be written (or replaced) and creates the sibling directory to build in,
    /// before any work, so a bad path fails early.
    pub fn create(target: &Path) -> Result<OutDir> {
        let shown = target.display();
        let cannot = |e: std::io::Error| input_error(format!("--out {shown}: cannot create the directory: {e}"));
        let target = match std::fs::metadata(target) {
            Ok(m) if !m.is_dir() => {
                return Err(input_error(format!(
                    "--out {shown}: exists and is not a directory; give a directory to write the results into"
                )))
            }
            Ok(_) => {
                check_replaceable(target)?;
                // Resolves `.`, `..` and symbolic links: the real directory is the one replaced.
                std::fs::canonicalize(target).map_err(cannot)?
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => target.to_path_buf(),
            Err(e) => return Err(cannot(e)),
        };
        let (parent, name) = split(&target)
            .ok_or_else(|| input_error(format!("--out {shown}: give a directory with a name, not a root")))?;
        std::fs::create_dir_all(&parent).map_err(cannot)?;
        let staging = unique_sibling(&parent, &name, "tmp", |p| std::fs::create_dir(p)).map_err(cannot)?;
        Ok(OutDir {
            target: parent.join(&name),
            staging,
            committed: false,
        })
    }

    /// Where to write the files.
    pub fn path(&self) -> &Path {
        &self.staging
    }

    /// Puts the finished directory in place of the target (unless a signal arrived meanwhile: then
    /// the earlier directory stays and the new one is removed).
    pub fn commit(mut self) -> Result<()> {
        crate::interrupt::check()?;
        let shown = self.target.display().to_string();
        if std::fs::symlink_metadata(&self.target).is_ok() {
            if !exchange(&self.staging, &self.target) {
                // No atomic exchange here: move the old directory aside, the new one in.
                let (parent, name) = split(&self.target).context("--out has no parent")?;
                let old = unique_sibling(&parent, &name, "old", |p| std::fs::rename(&self.target, p))
                    .with_context(|| format!("--out {shown}: moving the earlier results aside"))?;
                if let Err(e) = std::fs::rename(&self.staging, &self.target) {
                    let _ = std::fs::rename(&old, &self.target);
                    return Err(e).with_context(|| format!("--out {shown}: moving the new results in"));
                }
                self.staging = old;
            }
            // `staging` now holds the earlier run.
            std::fs::remove_dir_all(&self.staging)
                .with_context(|| format!("--out {shown}: removing the earlier results"))?;
        } else {
            std::fs::rename(&self.staging, &self.target)
                .with_context(|| format!("--out {shown}: moving the results in"))?;
        }
        self.committed = true;
        Ok(())
    }
}

impl Drop for OutDir {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.staging);
        }
    }
}

/// Refuses to replace a directory holding anything cachesim did not write there.
fn check_replaceable(dir: &Path) -> Result<()> {
    let shown = dir.display();
    let read =
        std::fs::read_dir(dir).map_err(|e| input_error(format!("--out {shown}: cannot read the directory: {e}")))?;
    let mut names = Vec::new();
    for entry in read {
        let entry = entry.map_err(|e| input_error(format!("--out {shown}: cannot read the directory: {e}")))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_file = entry.file_type().is_ok_and(|t| t.is_file());
        let ext_ok = Path::new(&name)
            .extension()
            .is_some_and(|e| OUTPUT_EXTS.contains(&e.to_string_lossy().as_ref()));
        if !is_file || !ext_ok {
            return Err(foreign(dir, &name));
        }
        names.push(name);
    }
    if names.is_empty() || names.iter().any(|n| MARKERS.contains(&n.as_str())) {
        Ok(())
    } else {
        Err(foreign(dir, &names[0]))
    }
}

fn foreign(dir: &Path, name: &str) -> anyhow::Error {
    input_error(format!(
        "--out {}: the directory holds {name}, which is not an output of cachesim; --out replaces the whole \
         directory, so give a new or empty directory, or one that an earlier cachesim run wrote",
        dir.display()
    ))
}

/// The parent and the file name of `p` (`.` for a bare name).
fn split(p: &Path) -> Option<(PathBuf, std::ffi::OsString)> {
    let name = p.file_name()?.to_os_string();
    let parent = match p.parent() {
        Some(q) if !q.as_os_str().is_empty() => q.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Some((parent, name))
}

/// Runs `make` on `.NAME.KIND-PID-N` in `parent` for the first N whose name is free.
fn unique_sibling(
    parent: &Path,
    name: &std::ffi::OsStr,
    kind: &str,
    make: impl Fn(&Path) -> std::io::Result<()>,
) -> std::io::Result<PathBuf> {
    let pid = std::process::id();
    for n in 0u32.. {
        let p = parent.join(format!(".{}.{kind}-{pid}-{n}", name.to_string_lossy()));
        if std::fs::symlink_metadata(&p).is_ok() {
            continue;
        }
        match make(&p) {
            Ok(()) => return Ok(p),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    unreachable!("u32 names exhausted")
}

/// Swaps two paths in one step (Linux `renameat2(RENAME_EXCHANGE)`); false where unsupported.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let (Ok(ca), Ok(cb)) = (
        std::ffi::CString::new(a.as_os_str().as_bytes()),
        std::ffi::CString::new(b.as_os_str().as_bytes()),
    ) else {
        return false;
    };
    // SAFETY: both are valid NUL-terminated paths that outlive the call.
    #[allow(unsafe_code)]
    let rc = unsafe {
        libc::syscall(
            libc::SYS_renameat2,
            libc::AT_FDCWD,
            ca.as_ptr(),
            libc::AT_FDCWD,
            cb.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    rc == 0
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
        let mut v: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (
                    e.file_name().to_string_lossy().into_owned(),
                    std::fs::read(e.path()).unwrap_or_default(),
                )
            })
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_committed_dir_replaces_the_old_one_whole() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("out");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("summary.json"), "old").unwrap();
        std::fs::write(target.join("timeline.csv"), "old").unwrap();
        let o = OutDir::create(&target).unwrap();
        std::fs::write(o.path().join("summary.json"), "new").unwrap();
        o.commit().unwrap();
        assert_eq!(files(&target), vec![("summary.json".into(), b"new".to_vec())]);
        assert_eq!(files(root.path()).len(), 1, "no staging or old directory left");
    }

    #[test]
    fn a_dropped_dir_leaves_the_old_one_untouched() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("out");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("summary.json"), "old").unwrap();
        let o = OutDir::create(&target).unwrap();
        std::fs::write(o.path().join("summary.json"), "new").unwrap();
        drop(o);
        assert_eq!(files(&target), vec![("summary.json".into(), b"old".to_vec())]);
        assert_eq!(files(root.path()).len(), 1);
        // And a new target is not created at all.
        drop(OutDir::create(&root.path().join("fresh")).unwrap());
        assert_eq!(files(root.path()).len(), 1);
    }

    #[test]
    fn foreign_directories_and_files_are_refused() {
        let root = tempfile::tempdir().unwrap();
        std::fs::write(root.path().join("notes.txt"), "mine").unwrap();
        let e = OutDir::create(root.path()).unwrap_err();
        assert_eq!(crate::error::exit_code(&e), 2);
        assert!(e.to_string().contains("notes.txt"), "{e}");
        let data = root.path().join("data");
        std::fs::create_dir(&data).unwrap();
        std::fs::write(data.join("users.csv"), "mine").unwrap();
        let e = OutDir::create(&data).unwrap_err();
        assert!(e.to_string().contains("users.csv"), "{e}");
        let e = OutDir::create(&root.path().join("notes.txt")).unwrap_err();
        assert!(e.to_string().contains("not a directory"), "{e}");
        assert_eq!(std::fs::read(data.join("users.csv")).unwrap(), b"mine");
    }
}
