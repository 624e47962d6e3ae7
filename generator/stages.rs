// The stage boundaries of `src/`, checked by build.rs on every build: a
// stage may name only itself, the stages before it and the base modules.
// (Included by build.rs and by tests/stages.rs; plain std, no crate paths.)

/// Modules every stage may use: errors, output safety, the embedded
/// sources, progress lines, the verify verdict, a build's measurements.
const BASE: &[&str] = &[
    "error",
    "output",
    "embedded",
    "progress",
    "verdict",
    "implemented",
];

/// Each stage and the stages it may use. `plan` and `hw` are one stage
/// (the planner prices candidate plans by lowering them).
const STAGES: &[(&str, &[&str])] = &[
    ("ir", &[]),
    ("frontend", &["ir"]),
    ("golden", &["ir"]),
    ("import", &["ir", "frontend"]),
    ("plan", &["ir", "frontend", "hw"]),
    ("hw", &["ir", "plan"]),
    ("ptq", &["ir", "frontend", "golden", "plan", "hw"]),
    // backends ship golden vectors (the HLS testbench, driver selftests)
    ("emit", &["ir", "golden", "plan", "hw"]),
    ("sim", &["ir", "frontend", "golden", "plan", "hw", "emit"]),
    ("build", &["ir", "golden", "plan", "hw", "emit", "sim"]),
];

/// Back-arrows being removed, `(file, used stage)`: tolerated until their
/// move lands, and reported as stale once they are gone.
const PENDING: &[(&str, &str)] = &[];

/// The top-level modules a source text names through `crate::`.
fn crate_refs(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let code = match line.find("//") {
            Some(i) => &line[..i],
            None => line,
        };
        let mut rest = code;
        while let Some(i) = rest.find("crate::") {
            // `tomatl_crate::x` or `my_crate::x` are other paths
            let before = rest[..i].chars().next_back();
            rest = &rest[i + "crate::".len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            if let Some(group) = rest.strip_prefix('{') {
                // `crate::{a, b::c}`: the first segment of each item
                let end = group.find('}').unwrap_or(group.len());
                for item in group[..end].split(',') {
                    let name: String = item
                        .trim()
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    if !name.is_empty() {
                        out.push((n + 1, name));
                    }
                }
                continue;
            }
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.push((n + 1, name));
            }
        }
    }
    out
}

/// The stage a file under `src/` belongs to: its first path component
/// (`plan/cost.rs` → `plan`, `output.rs` → `output`).
fn stage_of(rel: &str) -> String {
    let first = rel.split('/').next().unwrap_or(rel);
    first.trim_end_matches(".rs").to_string()
}

/// Every use of a later stage: `(file, line, used)`.
fn boundary_violations(files: &[(String, String)]) -> Vec<(String, usize, String)> {
    let mut bad = Vec::new();
    for (rel, text) in files {
        let stage = stage_of(rel);
        if stage == "main" || stage == "lib" {
            continue;
        }
        let allowed: Option<&[&str]> = if BASE.contains(&stage.as_str()) {
            Some(BASE)
        } else {
            STAGES.iter().find(|(s, _)| *s == stage).map(|(_, a)| *a)
        };
        for (line, used) in crate_refs(text) {
            let ok = used == stage
                || BASE.contains(&used.as_str())
                || allowed.is_some_and(|a| a.contains(&used.as_str()));
            let pending = PENDING.iter().any(|(f, u)| f == rel && *u == used);
            if !ok && !pending {
                bad.push((rel.clone(), line, used));
            }
        }
    }
    bad
}

/// Entries of `PENDING` whose back-arrow is gone (to be deleted there).
fn stale_pending(files: &[(String, String)]) -> Vec<String> {
    PENDING
        .iter()
        .filter(|(f, u)| {
            !files
                .iter()
                .any(|(rel, text)| rel == f && crate_refs(text).iter().any(|(_, x)| x == u))
        })
        .map(|(f, u)| format!("{f} -> {u}"))
        .collect()
}

/// A module of `src/` that is in no stage and not a base module.
fn unknown_modules(files: &[(String, String)]) -> Vec<String> {
    let mut out: Vec<String> = files
        .iter()
        .map(|(rel, _)| stage_of(rel))
        .filter(|s| {
            s != "main"
                && s != "lib"
                && !BASE.contains(&s.as_str())
                && !STAGES.iter().any(|(n, _)| n == s)
        })
        .collect();
    out.sort();
    out.dedup();
    out
}
