//! Finding the source files of a repository: a walk that honours
//! `.gitignore` (even outside a git checkout), `.ignore` and git's exclude
//! file, skips hidden entries and `node_modules`, and keeps files whose
//! language is wanted. Sorted by path so results are deterministic.

use crate::lang::Lang;
use crate::source::Root;
use ignore::WalkBuilder;

pub struct Discovered {
    /// Root-relative paths with their language.
    pub files: Vec<(String, Lang)>,
    /// The walk stopped at the file limit.
    pub truncated: bool,
}

pub fn discover(root: &Root, accept: impl Fn(Lang) -> bool, max_files: usize) -> Discovered {
    let walker = WalkBuilder::new(root.dir())
        .hidden(true)
        .git_ignore(true)
        .git_exclude(true)
        .git_global(false)
        .ignore(true)
        .parents(true)
        .require_git(false)
        .follow_links(false)
        .filter_entry(|entry| entry.file_name() != "node_modules")
        .sort_by_file_name(|a, b| a.cmp(b))
        .build();
    let mut files = Vec::new();
    for entry in walker.flatten() {
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let Some(lang) = Lang::from_path(entry.path()) else {
            continue;
        };
        if !accept(lang) {
            continue;
        }
        if files.len() == max_files {
            return Discovered {
                files,
                truncated: true,
            };
        }
        files.push((root.relative(entry.path()), lang));
    }
    Discovered {
        files,
        truncated: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn honours_gitignore_without_a_git_checkout() {
        let dir = std::env::temp_dir().join(format!("analysis-discover-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for sub in ["src", "dist", "node_modules/x", ".hidden"] {
            std::fs::create_dir_all(dir.join(sub)).unwrap();
        }
        std::fs::write(dir.join(".gitignore"), "dist/\n*.gen.ts\n").unwrap();
        for file in [
            "src/a.ts",
            "src/b.gen.ts",
            "src/c.py",
            "src/d.txt",
            "dist/e.js",
            "node_modules/x/f.js",
            ".hidden/g.ts",
        ] {
            std::fs::write(dir.join(file), "").unwrap();
        }
        let root = Root::new(dir.to_str().unwrap()).unwrap();
        let all = discover(&root, |_| true, 100);
        let names: Vec<&str> = all.files.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(names, ["src/a.ts", "src/c.py"]);
        let py = discover(&root, |l| l == Lang::Python, 100);
        assert_eq!(py.files, [("src/c.py".to_string(), Lang::Python)]);
        let capped = discover(&root, |_| true, 1);
        assert!(capped.truncated);
        assert_eq!(capped.files.len(), 1);
    }
}
