//! The sealing API. Every content column (document states, versions, comments, attachments)
//! and every secret (SSO keys, TOTP seeds, webhook secrets) is written through [`Sealer`], so
//! envelope encryption (a master key wrapping per-organization data keys, AES-256-GCM) can be
//! switched on later without touching the domains. Sealed values carry a one-byte format tag,
//! so plain and encrypted values can live side by side during a key rollout.

use spectree_domain::ids::OrgId;

use crate::StoreError;

/// Format tag of a value stored as-is.
const TAG_PLAIN: u8 = 0;

/// Seals and opens content for one organization.
pub trait Sealer: Send + Sync {
    /// Seals `plain` for `org`.
    fn seal(&self, org: OrgId, plain: &[u8]) -> Result<Vec<u8>, StoreError>;
    /// Opens a value sealed for `org`.
    fn open(&self, org: OrgId, sealed: &[u8]) -> Result<Vec<u8>, StoreError>;
}

/// Seals a text value.
pub fn seal_text(sealer: &dyn Sealer, org: OrgId, text: &str) -> Result<Vec<u8>, StoreError> {
    sealer.seal(org, text.as_bytes())
}

/// Opens a sealed text value.
pub fn open_text(sealer: &dyn Sealer, org: OrgId, sealed: &[u8]) -> Result<String, StoreError> {
    String::from_utf8(sealer.open(org, sealed)?)
        .map_err(|_| StoreError::Corrupt("sealed text is not UTF-8".into()))
}

/// Stores content unencrypted, tagged so a later encrypting sealer can tell it apart.
#[derive(Debug, Default, Clone, Copy)]
pub struct PassThroughSealer;

impl Sealer for PassThroughSealer {
    fn seal(&self, _org: OrgId, plain: &[u8]) -> Result<Vec<u8>, StoreError> {
        let mut out = Vec::with_capacity(plain.len() + 1);
        out.push(TAG_PLAIN);
        out.extend_from_slice(plain);
        Ok(out)
    }

    fn open(&self, _org: OrgId, sealed: &[u8]) -> Result<Vec<u8>, StoreError> {
        match sealed.split_first() {
            Some((&TAG_PLAIN, rest)) => Ok(rest.to_vec()),
            Some((tag, _)) => Err(StoreError::Corrupt(format!(
                "sealed value has unknown format tag {tag}"
            ))),
            None => Err(StoreError::Corrupt("sealed value is empty".into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pass_through_round_trips_and_rejects_unknown_formats() {
        let s = PassThroughSealer;
        let org = OrgId::new();
        let sealed = s.seal(org, b"spec").unwrap();
        assert_eq!(s.open(org, &sealed).unwrap(), b"spec");
        assert!(s.open(org, &[9, 1, 2]).is_err());
        assert!(s.open(org, &[]).is_err());
    }
}
