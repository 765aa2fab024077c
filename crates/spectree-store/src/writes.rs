//! Writes of one use case sent to the database together (docs/decisions/0031).
//!
//! A use case that writes several tables (an item create: the item, its search words, its
//! first version, its activity, its watch and its audit record) paid a round trip per
//! statement: on SQLite each one a hand-off to sqlx's worker thread and back, on PostgreSQL
//! one over the network. [`Writes`] collects the statements, each written with its own
//! parameters `$1`, `$2`, … as if it ran alone, and sends them in one go: on SQLite as one
//! multi-statement query (its parameters numbered across the statements), on PostgreSQL as
//! one statement of data-modifying common table expressions. Either way they run in order
//! of [`Writes::push`] on SQLite and all against one snapshot on PostgreSQL, so a statement
//! must not read what another of the same [`Writes`] writes (foreign keys are checked at
//! the end of the statement on PostgreSQL, so a row may refer to one inserted beside it).
//! Only `INSERT`, `UPDATE` and `DELETE` statements without a `RETURNING` clause belong here.

use futures_util::TryStreamExt;
use sqlx::any::AnyArguments;
use sqlx::{Any, AnyConnection, Arguments, Encode, Executor, Row, Type};

use crate::{StoreError, StoreResult};

/// Statements to send together, with their parameters.
pub struct Writes {
    postgres: bool,
    statements: Vec<String>,
    /// For each statement, the rows it must write and what they are, if it is checked.
    expected: Vec<Option<(u64, &'static str)>>,
    args: AnyArguments,
    /// The first value that could not be encoded, reported by [`Writes::run`].
    error: Option<String>,
}

/// Binds the parameters of the statement last pushed, in order.
pub struct Binder<'a>(&'a mut Writes);

impl Binder<'_> {
    /// The next parameter's value.
    pub fn bind<'t, T: Encode<'t, Any> + Type<Any>>(self, value: T) -> Self {
        if let Err(e) = self.0.args.add(value)
            && self.0.error.is_none()
        {
            self.0.error = Some(e.to_string());
        }
        self
    }

    /// The statement must write exactly `rows` rows, or [`Writes::run`] fails with a
    /// constraint error naming `what` (say, rows of a parent that was not found).
    pub fn expect_rows(self, rows: u64, what: &'static str) -> Self {
        if let Some(slot) = self.0.expected.last_mut() {
            *slot = Some((rows, what));
        }
        self
    }
}

impl Writes {
    /// No statements yet, for the backend of `c`.
    pub fn new(c: &AnyConnection) -> Writes {
        Writes {
            postgres: c.backend_name().eq_ignore_ascii_case("postgresql"),
            statements: Vec::new(),
            expected: Vec::new(),
            args: AnyArguments::default(),
            error: None,
        }
    }

    /// Whether the statements go to PostgreSQL (for statements written per backend).
    pub fn is_postgres(&self) -> bool {
        self.postgres
    }

    /// Statements pushed so far.
    pub fn len(&self) -> usize {
        self.statements.len()
    }

    /// Whether no statement has been pushed.
    pub fn is_empty(&self) -> bool {
        self.statements.is_empty()
    }

    /// Adds a statement whose parameters are written `$1`, `$2`, …; bind their values in
    /// that order on the returned [`Binder`], all of them before the next push.
    pub fn push(&mut self, sql: &str) -> Binder<'_> {
        let offset = self.args.len();
        self.statements.push(renumber(sql, offset));
        self.expected.push(None);
        Binder(self)
    }

    /// Runs the statements, in one round trip; returns the rows each one wrote. A statement
    /// that wrote other than the rows it expects fails the run (the caller's transaction is
    /// then to be rolled back).
    pub async fn run(mut self, c: &mut AnyConnection) -> StoreResult<Vec<u64>> {
        let expected = std::mem::take(&mut self.expected);
        let done = self.run_all(c).await?;
        for (rows, expect) in done.iter().zip(expected) {
            if let Some((want, what)) = expect
                && *rows != want
            {
                return Err(StoreError::Constraint(format!(
                    "{what}: {want} rows to write, {rows} written"
                )));
            }
        }
        Ok(done)
    }

    async fn run_all(mut self, c: &mut AnyConnection) -> StoreResult<Vec<u64>> {
        if let Some(e) = self.error {
            return Err(StoreError::Constraint(format!("a value to write: {e}")));
        }
        let n = self.statements.len();
        match n {
            0 => Ok(Vec::new()),
            1 => {
                let sql = self.statements.swap_remove(0);
                let done = sqlx::query_with(sqlx::AssertSqlSafe(sql), self.args)
                    .execute(&mut *c)
                    .await?;
                Ok(vec![done.rows_affected()])
            }
            _ if self.postgres => {
                let row = sqlx::query_with(sqlx::AssertSqlSafe(cte(&self.statements)), self.args)
                    .fetch_one(&mut *c)
                    .await?;
                (0..n)
                    .map(|i| {
                        let count: i64 = row.try_get(i)?;
                        Ok(u64::try_from(count).unwrap_or(0))
                    })
                    .collect()
            }
            _ => {
                let sql = self.statements.join(";\n");
                let done: Vec<u64> = c
                    .execute_many(sqlx::query_with(sqlx::AssertSqlSafe(sql), self.args))
                    .map_ok(|r| r.rows_affected())
                    .try_collect()
                    .await?;
                if done.len() != n {
                    return Err(StoreError::Corrupt(format!(
                        "{n} statements sent together, {} ran",
                        done.len()
                    )));
                }
                Ok(done)
            }
        }
    }
}

/// The statements as one PostgreSQL statement: each a common table expression returning a
/// row per row written, then how many each wrote.
fn cte(statements: &[String]) -> String {
    let mut sql = String::with_capacity(statements.iter().map(|s| s.len() + 40).sum());
    sql.push_str("WITH ");
    for (i, s) in statements.iter().enumerate() {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&format!("w{i} AS ({s} RETURNING 1)"));
    }
    sql.push_str(" SELECT ");
    for i in 0..statements.len() {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&format!("(SELECT count(*) FROM w{i})"));
    }
    sql
}

/// `sql` with each parameter `$n` written `$(n + offset)`. Parameters are the only `$`
/// followed by a digit in the statements of this crate (no dollar-quoted strings).
fn renumber(sql: &str, offset: usize) -> String {
    if offset == 0 {
        return sql.to_owned();
    }
    let mut out = String::with_capacity(sql.len() + 16);
    let mut rest = sql;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..=at]);
        rest = &rest[at + 1..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 {
            let n: usize = rest[..digits].parse().unwrap_or(0);
            out.push_str(&(n + offset).to_string());
            rest = &rest[digits..];
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_numbered_after_those_of_earlier_statements() {
        assert_eq!(
            renumber("INSERT INTO t (a, b) VALUES ($1, $2), ($3, $10)", 4),
            "INSERT INTO t (a, b) VALUES ($5, $6), ($7, $14)"
        );
        assert_eq!(
            renumber("SELECT value ->> '$.a' FROM json_each($1)", 2),
            "SELECT value ->> '$.a' FROM json_each($3)"
        );
        assert_eq!(
            renumber("DELETE FROM t WHERE a = $1", 0),
            "DELETE FROM t WHERE a = $1"
        );
    }

    #[test]
    fn postgres_gets_one_statement_counting_each_ones_rows() {
        assert_eq!(
            cte(&[
                "INSERT INTO a VALUES ($1)".into(),
                "DELETE FROM b WHERE x = $2".into()
            ]),
            "WITH w0 AS (INSERT INTO a VALUES ($1) RETURNING 1), \
             w1 AS (DELETE FROM b WHERE x = $2 RETURNING 1) \
             SELECT (SELECT count(*) FROM w0), (SELECT count(*) FROM w1)"
        );
    }
}
