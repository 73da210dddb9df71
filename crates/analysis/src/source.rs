//! Where files come from: a canonical root, paths resolved against it (never
//! outside it), and source files loaded with their language and size checked.
//! A file we cannot analyse is not an error but a [`Skip`] with a reason.

use crate::error::{Error, ErrorCode, Result};
use crate::lang::Lang;
use serde::Serialize;
use std::path::{Component, Path, PathBuf};

/// Files larger than this are skipped unless the caller sets another limit.
pub const DEFAULT_MAX_BYTES: u64 = 2 * 1024 * 1024;

/// A file that was not analysed, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skip {
    pub file: String,
    pub reason: String,
}

/// A source file read into memory.
#[derive(Debug)]
pub struct SourceFile {
    /// Path relative to the root, with `/` separators.
    pub path: String,
    pub lang: Lang,
    pub text: Vec<u8>,
}

pub enum Loaded {
    Source(SourceFile),
    Skipped(Skip),
}

/// The directory every path must stay inside.
#[derive(Debug, Clone)]
pub struct Root {
    dir: PathBuf,
}

impl Root {
    pub fn new(root: &str) -> Result<Root> {
        if root.is_empty() {
            return Err(Error::new(ErrorCode::BadRequest, "root must not be empty"));
        }
        let dir = Path::new(root).canonicalize().map_err(|e| {
            Error::new(
                ErrorCode::Io,
                format!("root {root:?} cannot be opened: {e}"),
            )
        })?;
        if !dir.is_dir() {
            return Err(Error::new(
                ErrorCode::Io,
                format!("root {root:?} is not a directory"),
            ));
        }
        Ok(Root { dir })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Resolves `file` (relative to the root, or absolute) to an absolute
    /// path inside the root. `..` that climbs out of the root, an absolute path
    /// elsewhere, or a symlink pointing out of it are refused.
    pub fn resolve(&self, file: &str) -> Result<PathBuf> {
        let refused = || {
            Error::new(
                ErrorCode::OutsideRoot,
                format!("path {file:?} is outside the root {}", self.dir.display()),
            )
        };
        let joined = self.dir.join(file);
        let mut normal = PathBuf::new();
        for part in joined.components() {
            match part {
                Component::ParentDir => {
                    if !normal.pop() {
                        return Err(refused());
                    }
                }
                Component::CurDir => {}
                other => normal.push(other),
            }
        }
        if !normal.starts_with(&self.dir) {
            return Err(refused());
        }
        // A symlink inside the root may still point out of it: the deepest
        // part of the path that exists must really be inside.
        let mut existing = normal.as_path();
        loop {
            if let Ok(real) = existing.canonicalize() {
                if !real.starts_with(&self.dir) {
                    return Err(refused());
                }
                break;
            }
            match existing.parent() {
                Some(parent) => existing = parent,
                None => break,
            }
        }
        Ok(normal)
    }

    /// The root-relative form of an absolute path inside the root.
    pub fn relative(&self, abs: &Path) -> String {
        let rel = abs.strip_prefix(&self.dir).unwrap_or(abs);
        let mut out = String::new();
        for (i, part) in rel.components().enumerate() {
            if i > 0 {
                out.push('/');
            }
            out.push_str(&part.as_os_str().to_string_lossy());
        }
        out
    }

    /// Reads `file` if it is inside the root, of a known language and not too
    /// large. Only a path outside the root is an error.
    pub fn load(&self, file: &str, max_bytes: u64) -> Result<Loaded> {
        let abs = self.resolve(file)?;
        let path = self.relative(&abs);
        let skip = |reason: String| {
            Ok(Loaded::Skipped(Skip {
                file: path.clone(),
                reason,
            }))
        };
        let Some(lang) = Lang::from_path(&abs) else {
            return skip("unsupported language".to_string());
        };
        let meta = match abs.metadata() {
            Ok(meta) => meta,
            Err(_) => return skip("not found".to_string()),
        };
        if !meta.is_file() {
            return skip("not a file".to_string());
        }
        if meta.len() > max_bytes {
            return skip(format!(
                "too large: {} bytes (limit {max_bytes})",
                meta.len()
            ));
        }
        match std::fs::read(&abs) {
            Ok(text) => Ok(Loaded::Source(SourceFile { path, lang, text })),
            Err(e) => skip(format!("unreadable: {e}")),
        }
    }

    /// Loads every file, splitting the readable ones from the skipped ones.
    /// Fails as a whole if any path is outside the root.
    pub fn load_all(
        &self,
        files: &[String],
        max_bytes: u64,
    ) -> Result<(Vec<SourceFile>, Vec<Skip>)> {
        let mut sources = Vec::new();
        let mut skipped = Vec::new();
        for file in files {
            match self.load(file, max_bytes)? {
                Loaded::Source(source) => sources.push(source),
                Loaded::Skipped(skip) => skipped.push(skip),
            }
        }
        Ok((sources, skipped))
    }
}

/// Line `row` (0-based) of `text`, trimmed and cut to `max_chars`
/// characters. Scans from the start: for many look-ups use [`Lines`].
pub fn line_at(text: &[u8], row: usize, max_chars: usize) -> String {
    let line = text.split(|&b| b == b'\n').nth(row).unwrap_or_default();
    clip(String::from_utf8_lossy(line).trim(), max_chars)
}

/// Line look-ups in constant time after one pass over the text.
pub struct Lines<'a> {
    text: &'a [u8],
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    pub fn new(text: &'a [u8]) -> Self {
        let mut starts = vec![0];
        starts.extend(
            text.iter()
                .enumerate()
                .filter(|(_, &b)| b == b'\n')
                .map(|(i, _)| i + 1),
        );
        Lines { text, starts }
    }

    /// Line `row` (0-based) as bytes, without its newline.
    pub fn raw(&self, row: usize) -> &'a [u8] {
        let Some(&start) = self.starts.get(row) else {
            return &[];
        };
        let end = self
            .starts
            .get(row + 1)
            .map_or(self.text.len(), |&next| next - 1);
        &self.text[start..end]
    }

    /// Like [`line_at`].
    pub fn get(&self, row: usize, max_chars: usize) -> String {
        let Some(&start) = self.starts.get(row) else {
            return String::new();
        };
        let end = self
            .starts
            .get(row + 1)
            .map_or(self.text.len(), |&next| next - 1);
        clip(
            String::from_utf8_lossy(&self.text[start..end]).trim(),
            max_chars,
        )
    }
}

/// `s` cut to at most `max_chars` characters, with `…` when cut.
pub fn clip(s: &str, max_chars: usize) -> String {
    match s.char_indices().nth(max_chars) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_root(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("analysis-source-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("src")).unwrap();
        dir
    }

    #[test]
    fn paths_outside_the_root_are_refused() {
        let dir = temp_root("outside");
        let root = Root::new(dir.to_str().unwrap()).unwrap();
        for bad in ["../x.ts", "src/../../x.ts", "/etc/passwd"] {
            let err = root.resolve(bad).unwrap_err();
            assert_eq!(err.code, ErrorCode::OutsideRoot, "{bad}");
        }
        assert!(root.resolve("src/../a.ts").is_ok());
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink("/etc", dir.join("link")).unwrap();
            for through_link in ["link/passwd", "link/no-such-file.ts"] {
                let err = root.resolve(through_link).unwrap_err();
                assert_eq!(err.code, ErrorCode::OutsideRoot, "{through_link}");
            }
        }
    }

    #[test]
    fn unknown_missing_and_large_files_are_skipped_with_reasons() {
        let dir = temp_root("skips");
        std::fs::write(dir.join("notes.txt"), "hi").unwrap();
        std::fs::write(dir.join("big.ts"), "x".repeat(100)).unwrap();
        std::fs::write(dir.join("src/ok.ts"), "let a = 1;").unwrap();
        let root = Root::new(dir.to_str().unwrap()).unwrap();
        let files: Vec<String> = ["notes.txt", "gone.py", "big.ts", "./src/ok.ts"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let (sources, skipped) = root.load_all(&files, 50).unwrap();
        assert_eq!(sources.len(), 1);
        assert_eq!(sources[0].path, "src/ok.ts");
        assert_eq!(sources[0].lang, Lang::TypeScript);
        let reasons: Vec<(&str, &str)> = skipped
            .iter()
            .map(|s| (s.file.as_str(), s.reason.as_str()))
            .collect();
        assert_eq!(reasons[0], ("notes.txt", "unsupported language"));
        assert_eq!(reasons[1], ("gone.py", "not found"));
        assert_eq!(reasons[2].0, "big.ts");
        assert!(reasons[2].1.starts_with("too large: 100 bytes"));
    }

    #[test]
    fn clip_counts_characters_not_bytes() {
        assert_eq!(clip("héllo", 3), "hél…");
        assert_eq!(clip("abc", 3), "abc");
        assert_eq!(line_at(b"a\n  b  \nc", 1, 10), "b");
        assert_eq!(line_at(b"a", 5, 10), "");
        let text = b"one\n  two  \n\nfour";
        let lines = Lines::new(text);
        for row in 0..6 {
            assert_eq!(lines.get(row, 10), line_at(text, row, 10), "row {row}");
        }
    }
}
