//! Store errors. Constraint violations are told apart here, where they happen, so use cases can
//! turn them into domain errors (a duplicate email, a taken slug) without parsing messages.

/// A failure of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint refused the write.
    #[error("duplicate value")]
    Duplicate,
    /// A foreign key or check constraint refused the write.
    #[error("constraint violated: {0}")]
    Constraint(String),
    /// A value read back could not be understood (corrupt or foreign data).
    #[error("corrupt row: {0}")]
    Corrupt(String),
    /// Migrations failed.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Any other database error.
    #[error("database error: {0}")]
    Database(sqlx::Error),
    /// The transaction was not committed: its commit, or the commit of the group it was
    /// part of (SQLite group commit, docs/decisions/0017), failed.
    #[error("commit failed: {0}")]
    Commit(String),
    /// Blob storage failed.
    #[error("blob storage error: {0}")]
    Io(#[from] std::io::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &e {
            match db.kind() {
                sqlx::error::ErrorKind::UniqueViolation => return StoreError::Duplicate,
                sqlx::error::ErrorKind::ForeignKeyViolation
                | sqlx::error::ErrorKind::CheckViolation
                | sqlx::error::ErrorKind::NotNullViolation => {
                    return StoreError::Constraint(db.message().to_owned());
                }
                _ => {}
            }
        }
        StoreError::Database(e)
    }
}
