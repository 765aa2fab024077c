//! The spec tree: projects, work items (with their subtree, trash and positions) and the
//! search words of each item.

pub mod items;
mod packed;
pub mod projects;
pub mod words;

/// Most bind parameters in one statement. SQLite resolves `$N` names by a linear scan per
/// bind, so a statement's cost grows with the square of its parameters: past about a thousand
/// it costs more than it saves (see docs/benchmarks.md).
pub(crate) const MAX_PARAMS: usize = 999;

/// `($1, $2, $3), ($4, $5, $6), …` for `rows` rows of `cols` columns.
pub(crate) fn values_placeholders(rows: usize, cols: usize) -> String {
    let mut s = String::with_capacity(rows * cols * 5);
    for r in 0..rows {
        if r > 0 {
            s.push_str(", ");
        }
        s.push('(');
        for c in 0..cols {
            if c > 0 {
                s.push_str(", ");
            }
            s.push('$');
            s.push_str(&(r * cols + c + 1).to_string());
        }
        s.push(')');
    }
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_number_rows_and_columns() {
        assert_eq!(
            super::values_placeholders(2, 3),
            "($1, $2, $3), ($4, $5, $6)"
        );
    }
}
