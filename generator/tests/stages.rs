//! The stage check of build.rs: a stage naming a later one fails the
//! build. Checked here on small source trees, and on the real one.

#[allow(dead_code)]
mod stages {
    include!("../stages.rs");
    pub fn check(files: &[(&str, &str)]) -> Vec<String> {
        let files: Vec<(String, String)> = files
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        let mut out: Vec<String> = unknown_modules(&files)
            .into_iter()
            .map(|m| format!("unknown {m}"))
            .collect();
        out.extend(
            boundary_violations(&files)
                .into_iter()
                .map(|(f, l, u)| format!("{f}:{l} {u}")),
        );
        out
    }
    pub fn stale(files: &[(String, String)]) -> Vec<String> {
        stale_pending(files)
    }
}

fn check(files: &[(&str, &str)], expected: &[&str]) {
    assert_eq!(stages::check(files), expected);
}

#[test]
fn earlier_stages_and_base_modules_are_allowed() {
    check(
        &[
            (
                "frontend/spec.rs",
                "use crate::ir::Graph;\nuse crate::error::Result;",
            ),
            ("sim/verify.rs", "use crate::{emit, hw::Design, golden};"),
            ("output.rs", "use crate::error::Error;"),
            ("plan/cost.rs", "use crate::hw::Design;"),
            ("hw/lower.rs", "use crate::plan::HwPlan;"),
            ("main.rs", "use tomatl::sim;"),
        ],
        &[],
    );
}

#[test]
fn a_later_stage_is_refused_wherever_it_is_named() {
    check(
        &[
            ("ir/mod.rs", "fn f() { crate::plan::plan(); }"),
            ("plan/x.rs", "use crate::{ir, emit::Artifact};"),
            (
                "golden/ops.rs",
                "let x = crate::sim::VerifyReport::default();",
            ),
            ("output.rs", "use crate::ir::Graph;"),
        ],
        &[
            "ir/mod.rs:1 plan",
            "plan/x.rs:1 emit",
            "golden/ops.rs:1 sim",
            "output.rs:1 ir",
        ],
    );
}

#[test]
fn comments_and_other_paths_do_not_count() {
    check(
        &[
            (
                "ir/a.rs",
                "// see crate::sim for the runner\n/// [`crate::emit`]",
            ),
            ("ir/b.rs", "use other_crate::sim;"),
        ],
        &[],
    );
}

#[test]
fn a_module_in_no_stage_is_reported() {
    check(&[("backdoor/mod.rs", "")], &["unknown backdoor"]);
}

#[test]
fn the_source_tree_keeps_its_boundaries() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    let mut todo = vec![src.clone()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).expect("read src").flatten() {
            let p = e.path();
            if p.is_dir() {
                todo.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let rel = p
                    .strip_prefix(&src)
                    .expect("under src")
                    .to_string_lossy()
                    .to_string();
                files.push((rel, std::fs::read_to_string(&p).expect("read")));
            }
        }
    }
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    check(&refs, &[]);
    let owned: Vec<(String, String)> = files.clone();
    assert!(stages::stale(&owned).is_empty());
}
