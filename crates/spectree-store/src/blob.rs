//! Blob storage (attachments, backups). The embedded default keeps blobs as files under the
//! data directory; S3-compatible storage comes with the self-hosting work.

use std::path::{Path, PathBuf};

use crate::StoreError;

/// Files under one root directory, addressed by slash-separated keys.
#[derive(Debug, Clone)]
pub struct LocalBlobs {
    root: PathBuf,
}

impl LocalBlobs {
    /// Opens (and creates) the root directory.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self, StoreError> {
        let root = root.into();
        std::fs::create_dir_all(&root)?;
        Ok(Self { root })
    }

    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn path(&self, key: &str) -> Result<PathBuf, StoreError> {
        let ok = !key.is_empty()
            && key.split('/').all(|part| {
                !part.is_empty()
                    && part != "."
                    && part != ".."
                    && part
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
            });
        if ok {
            Ok(self.root.join(key))
        } else {
            Err(StoreError::Constraint(format!("invalid blob key {key:?}")))
        }
    }

    /// Writes a blob atomically (temporary file, then rename).
    pub async fn put(&self, key: &str, bytes: &[u8]) -> Result<(), StoreError> {
        let path = self.path(key)?;
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir).await?;
        }
        let tmp = path.with_extension("tmp-write");
        tokio::fs::write(&tmp, bytes).await?;
        tokio::fs::rename(&tmp, &path).await?;
        Ok(())
    }

    /// Reads a blob, or `None` when there is none under the key.
    pub async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        match tokio::fs::read(self.path(key)?).await {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn blobs_round_trip_and_keys_cannot_escape_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = LocalBlobs::open(dir.path().join("blobs")).unwrap();
        blobs.put("org/a.txt", b"hello").await.unwrap();
        assert_eq!(blobs.get("org/a.txt").await.unwrap().unwrap(), b"hello");
        assert!(blobs.get("org/none").await.unwrap().is_none());
        assert!(blobs.put("../escape", b"x").await.is_err());
        assert!(blobs.put("/abs", b"x").await.is_err());
    }
}
