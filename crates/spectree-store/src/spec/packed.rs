//! A project's tree without content, read as one packed value (docs/decisions/0006): one
//! record per item, `id,parent,position,type,status,priority,assignee,length,title`, records
//! separated by `;`, an empty parent or assignee for none, and the sealed title as its bytes,
//! `length` of them. None of the fields before the title can hold a `,` or a `;` (ids,
//! positions, enum names, a number); the title can hold anything, so a reader takes its
//! length and skips it.

use memchr::{memchr, memchr_iter};
use spectree_domain::ids::{OrgId, ProjectId};
use sqlx::{AnyConnection, Row};

use super::items::TreeRow;
use crate::seal::{Sealer, open_text};
use crate::{StoreError, StoreResult};

/// The aggregate that packs a project's rows, per database: bytes, so the sealed titles go
/// as they are (as hex text they were twice the size, and encoding and decoding them was a
/// third of PostgreSQL's time for the query and a fifth of the server's for a large tree).
fn packed_records(dialect_pg: bool) -> &'static str {
    // One `concat_ws` per row (not a chain of `||`, which copies the record once per
    // field); both databases skip NULL arguments, hence the COALESCEs. The empty last
    // argument ends the length with a `,`.
    macro_rules! fields {
        () => {
            "concat_ws(',', id, COALESCE(parent_id, ''), position, item_type, status, priority, \
             COALESCE(assignee_id, ''), octet_length(title), '')"
        };
    }
    if dialect_pg {
        concat!(
            "string_agg(textsend(",
            fields!(),
            ") || title, '\\x3b'::bytea)"
        )
    } else {
        // SQLite concatenates a blob's bytes as they are, NULs included.
        concat!("CAST(group_concat(", fields!(), " || title, ';') AS BLOB)")
    }
}

/// Every live item of a project, without content, in no particular order.
pub(super) async fn tree(
    c: &mut AnyConnection,
    sealer: &dyn Sealer,
    org: OrgId,
    project: ProjectId,
) -> StoreResult<Vec<TreeRow>> {
    let pg = c.backend_name().eq_ignore_ascii_case("postgresql");
    let sql = format!(
        "SELECT {} AS t FROM work_items WHERE project_id = $1 AND deleted_at IS NULL",
        packed_records(pg)
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(project.to_string())
        .fetch_one(c)
        .await?;
    // Borrowed from the row: the packed value of a large tree is tens of MB.
    let packed: Option<&[u8]> = row.try_get("t")?;
    match packed {
        Some(p) => unpack_all(p, sealer, org),
        None => Ok(Vec::new()),
    }
}

/// The rows of a packed tree, in one pass over the bytes (`memchr` for the separators).
fn unpack_all(packed: &[u8], sealer: &dyn Sealer, org: OrgId) -> StoreResult<Vec<TreeRow>> {
    // Sized up front (a large tree's rows were copied at every doubling); a `;` in a title
    // only makes it larger than needed.
    let mut rows = Vec::with_capacity(memchr_iter(b';', packed).count() + 1);
    let mut rec = Record {
        packed,
        start: 0,
        at: 0,
    };
    loop {
        rows.push(rec.row(sealer, org)?);
        match packed.get(rec.at) {
            None => return Ok(rows),
            Some(b';') => {
                rec.at += 1;
                rec.start = rec.at;
            }
            Some(_) => return Err(rec.corrupt()),
        }
    }
}

/// Fields of a record before its title.
const FIELDS: usize = 8;

/// A field's value.
fn val<T: std::str::FromStr>(s: &str) -> Result<T, ()> {
    s.parse().map_err(|_| ())
}

/// An optional id: empty for none.
fn opt<T: std::str::FromStr>(s: &str) -> Result<Option<T>, ()> {
    if s.is_empty() {
        Ok(None)
    } else {
        val(s).map(Some)
    }
}

/// A reader of the records of a packed tree.
struct Record<'a> {
    packed: &'a [u8],
    /// Where the current record starts (for errors).
    start: usize,
    /// Where the reader is.
    at: usize,
}

impl<'a> Record<'a> {
    fn corrupt(&self) -> StoreError {
        let end = self.packed.len().min(self.start + 200);
        let rec = String::from_utf8_lossy(&self.packed[self.start.min(end)..end]);
        StoreError::Corrupt(format!("tree record {rec:?}"))
    }

    /// The record at the reader, which then stands after its title.
    fn row(&mut self, sealer: &dyn Sealer, org: OrgId) -> StoreResult<TreeRow> {
        // The fields before the title: found with `memchr`, checked as text once.
        let mut ends = [0usize; FIELDS];
        let mut at = self.at;
        for end in &mut ends {
            at += memchr(b',', &self.packed[at..]).ok_or_else(|| self.corrupt())?;
            *end = at - self.at;
            at += 1;
        }
        let head = std::str::from_utf8(&self.packed[self.at..at]).map_err(|_| self.corrupt())?;
        self.at = at;
        let mut from = 0;
        let mut fields = ends.iter().map(|&end| {
            let f = &head[from..end];
            from = end + 1;
            f
        });
        let mut next = || fields.next().unwrap_or_default();
        let corrupt = |_| self.corrupt();
        let id = val(next()).map_err(corrupt)?;
        let parent_id = opt(next()).map_err(corrupt)?;
        let position = next().to_owned();
        let item_type = val(next()).map_err(corrupt)?;
        let status = val(next()).map_err(corrupt)?;
        let priority = val(next()).map_err(corrupt)?;
        let assignee_id = opt(next()).map_err(corrupt)?;
        let len: usize = val(next()).map_err(corrupt)?;
        let sealed = self
            .packed
            .get(self.at..self.at.saturating_add(len))
            .ok_or_else(|| self.corrupt())?;
        self.at += len;
        Ok(TreeRow {
            id,
            parent_id,
            position,
            item_type,
            status,
            priority,
            assignee_id,
            title: open_text(sealer, org, sealed)?,
            content: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use spectree_domain::ids::{ItemId, UserId};
    use spectree_domain::spec::{ItemType, Priority, Status};

    use super::*;
    use crate::seal::{PassThroughSealer, seal_text};

    fn record(r: &TreeRow, org: OrgId) -> Vec<u8> {
        let opt = |v: Option<String>| v.unwrap_or_default();
        let sealed = seal_text(&PassThroughSealer, org, &r.title).unwrap();
        let mut rec = format!(
            "{},{},{},{},{},{},{},{},",
            r.id,
            opt(r.parent_id.map(|p| p.to_string())),
            r.position,
            r.item_type,
            r.status,
            r.priority,
            opt(r.assignee_id.map(|a| a.to_string())),
            sealed.len(),
        )
        .into_bytes();
        rec.extend_from_slice(&sealed);
        rec
    }

    fn join(records: &[&[u8]]) -> Vec<u8> {
        records.join(&b';')
    }

    #[test]
    fn packed_records_unpack_to_their_rows_and_bad_ones_are_refused() {
        let org = OrgId::new();
        let root = TreeRow {
            id: ItemId::new(),
            parent_id: None,
            position: "80".into(),
            item_type: ItemType::Epic,
            status: Status::Draft,
            priority: Priority::High,
            assignee_id: Some(UserId::new()),
            title: "Payments, refunds; and \"more\" \u{e9}\u{1f600}".into(),
            content: None,
        };
        let child = TreeRow {
            id: ItemId::new(),
            parent_id: Some(root.id),
            position: "7f8a".into(),
            item_type: ItemType::Feature,
            status: Status::InReview,
            priority: Priority::Low,
            assignee_id: None,
            title: String::new(),
            content: None,
        };
        let (r1, r2) = (record(&root, org), record(&child, org));
        let rows = unpack_all(&join(&[&r1, &r2]), &PassThroughSealer, org).unwrap();
        assert_eq!(rows, vec![root.clone(), child.clone()]);
        let rows = unpack_all(&join(&[&r2, &r1]), &PassThroughSealer, org).unwrap();
        assert_eq!(rows, vec![child, root.clone()]);
        assert_eq!(
            unpack_all(&r1, &PassThroughSealer, org).unwrap(),
            vec![root.clone()]
        );

        let good = String::from_utf8(r1.clone()).unwrap();
        let len = seal_text(&PassThroughSealer, org, &root.title)
            .unwrap()
            .len();
        for bad in [
            String::new(),
            format!("{good},"),                  // something after the title
            format!("{good};"),                  // an empty record
            good.replace("\u{1f600}", "\u{e9}"), // the title cut short
            good.replace(",epic,", ",saga,"),
            good.replacen(&format!(",{len},"), &format!(",{},", len + 1), 1),
            good.replacen(&format!(",{len},"), ",x,", 1),
            good.replacen(&format!(",{len},"), ",99999999999999999999,", 1),
            format!("x{good}"),
        ] {
            assert!(
                matches!(
                    unpack_all(bad.as_bytes(), &PassThroughSealer, org),
                    Err(StoreError::Corrupt(_))
                ),
                "{bad:?}"
            );
        }
    }
}
