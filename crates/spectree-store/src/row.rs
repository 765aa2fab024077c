//! Reading typed values out of `AnyRow`s: ids are text, times are integer milliseconds.

use std::str::FromStr;

use spectree_domain::Timestamp;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::StoreError;

/// A text column parsed into `T` (ids, roles).
pub(crate) fn parse<T: FromStr>(row: &AnyRow, col: &str) -> Result<T, StoreError> {
    let s: String = row.try_get(col)?;
    s.parse()
        .map_err(|_| StoreError::Corrupt(format!("column {col}: {s:?}")))
}

/// A nullable text column parsed into `T`.
pub(crate) fn parse_opt<T: FromStr>(row: &AnyRow, col: &str) -> Result<Option<T>, StoreError> {
    let s: Option<String> = row.try_get(col)?;
    s.map(|s| {
        s.parse()
            .map_err(|_| StoreError::Corrupt(format!("column {col}: {s:?}")))
    })
    .transpose()
}

/// A time column.
pub(crate) fn ts(row: &AnyRow, col: &str) -> Result<Timestamp, StoreError> {
    Ok(Timestamp(row.try_get::<i64, _>(col)?))
}

/// A nullable time column.
pub(crate) fn ts_opt(row: &AnyRow, col: &str) -> Result<Option<Timestamp>, StoreError> {
    Ok(row.try_get::<Option<i64>, _>(col)?.map(Timestamp))
}

/// A 0/1 flag column.
pub(crate) fn flag(row: &AnyRow, col: &str) -> Result<bool, StoreError> {
    Ok(row.try_get::<i64, _>(col)? != 0)
}

/// A text column.
pub(crate) fn text(row: &AnyRow, col: &str) -> Result<String, StoreError> {
    Ok(row.try_get(col)?)
}

/// A nullable text column.
pub(crate) fn text_opt(row: &AnyRow, col: &str) -> Result<Option<String>, StoreError> {
    Ok(row.try_get(col)?)
}

/// A sealed text column, opened.
pub(crate) fn sealed_text(
    row: &AnyRow,
    col: &str,
    sealer: &dyn crate::seal::Sealer,
    org: spectree_domain::ids::OrgId,
) -> Result<String, StoreError> {
    let bytes: Vec<u8> = row.try_get(col)?;
    crate::seal::open_text(sealer, org, &bytes)
}

/// Bytes from the hex text a database rendered them as (`hex()`, `encode(…, 'hex')`),
/// decoded into a buffer of their exact size. `hex::decode` collects through an iterator
/// that gives no size, so its vector grew by doubling: with the copies that made, a sixth of
/// the server's CPU for a large tree. `None` for odd lengths and non-hex characters.
pub(crate) fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    let mut out = vec![0; s.len() / 2];
    hex::decode_to_slice(s, &mut out).ok()?;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::unhex;

    #[test]
    fn hex_of_either_case_decodes_and_anything_else_is_refused() {
        assert_eq!(unhex("00ff7Fa0"), Some(vec![0, 255, 127, 160]));
        assert_eq!(unhex(""), Some(Vec::new()));
        assert_eq!(unhex("abc"), None);
        assert_eq!(unhex("zz"), None);
    }
}
