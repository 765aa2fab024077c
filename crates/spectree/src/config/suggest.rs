//! "Did you mean …?" for unknown keys and variables.

/// The candidate closest to `target` by edit distance, if it is close enough to be a likely
/// typo (at most a third of the target's length, and at most 3 edits).
pub(super) fn closest<S: AsRef<str>>(
    target: &str,
    candidates: impl IntoIterator<Item = S>,
) -> Option<String> {
    let limit = (target.chars().count() / 3).clamp(1, 3);
    candidates
        .into_iter()
        .map(|candidate| (distance(target, candidate.as_ref()), candidate))
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate.as_ref().to_owned())
}

/// Levenshtein distance, ASCII case-insensitive.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().map(|c| c.to_ascii_lowercase()).collect();
    let b: Vec<char> = b.chars().map(|c| c.to_ascii_lowercase()).collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous[j] + usize::from(ca != cb);
            let insert = current[j] + 1;
            let delete = previous[j + 1] + 1;
            current.push(substitute.min(insert).min(delete));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_near_miss_is_suggested_and_a_stranger_is_not() {
        let keys = ["auth.session_idle_timeout", "auth.login_window"];
        assert_eq!(
            closest("auth.sesion_idle_timeout", keys).as_deref(),
            Some("auth.session_idle_timeout")
        );
        assert_eq!(closest("colour", keys), None);
    }
}
