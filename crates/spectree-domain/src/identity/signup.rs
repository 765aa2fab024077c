//! Who may create an account.

use serde::{Deserialize, Serialize};

use super::Email;

/// Whether anyone may sign up or only people holding an invitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignupMode {
    /// Anyone (subject to the allowed domains).
    #[default]
    Open,
    /// Only with an invitation addressed to the same email.
    InviteOnly,
}

/// The instance's sign-up policy.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SignupPolicy {
    /// Open or invite-only.
    pub mode: SignupMode,
    /// When non-empty, only addresses in these domains may sign up without an invitation, and
    /// they must verify the address before they can sign in.
    pub allowed_domains: Vec<String>,
}

/// Why a sign-up was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignupDenied {
    /// The instance has no administrator yet.
    #[error("this instance is not set up yet")]
    SetupRequired,
    /// Invite-only and no matching invitation.
    #[error("sign-up needs an invitation on this instance")]
    InvitationRequired,
    /// Domain not allowed.
    #[error("sign-up is not open to this email domain")]
    DomainNotAllowed,
}

impl SignupPolicy {
    /// Decides a sign-up. `invited` is true when the person holds a valid invitation for this
    /// address (which also proves the mailbox). Returns whether the address must be verified
    /// before the account may sign in.
    pub fn decide(&self, email: &Email, invited: bool, set_up: bool) -> Result<bool, SignupDenied> {
        if !set_up {
            return Err(SignupDenied::SetupRequired);
        }
        if invited {
            return Ok(false);
        }
        if self.mode == SignupMode::InviteOnly {
            return Err(SignupDenied::InvitationRequired);
        }
        if self.allowed_domains.is_empty() {
            return Ok(false);
        }
        let domain = email.domain();
        if self
            .allowed_domains
            .iter()
            .any(|d| d.eq_ignore_ascii_case(domain))
        {
            Ok(true)
        } else {
            Err(SignupDenied::DomainNotAllowed)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email(s: &str) -> Email {
        Email::parse(s).unwrap()
    }

    #[test]
    fn the_policy_decides_every_case() {
        let open = SignupPolicy::default();
        assert_eq!(
            open.decide(&email("a@x.io"), false, false),
            Err(SignupDenied::SetupRequired)
        );
        assert_eq!(open.decide(&email("a@x.io"), false, true), Ok(false));

        let invite = SignupPolicy {
            mode: SignupMode::InviteOnly,
            allowed_domains: vec![],
        };
        assert_eq!(
            invite.decide(&email("a@x.io"), false, true),
            Err(SignupDenied::InvitationRequired)
        );
        assert_eq!(invite.decide(&email("a@x.io"), true, true), Ok(false));

        let domains = SignupPolicy {
            mode: SignupMode::Open,
            allowed_domains: vec!["acme.com".into()],
        };
        assert_eq!(domains.decide(&email("a@ACME.com"), false, true), Ok(true));
        assert_eq!(
            domains.decide(&email("a@evil.com"), false, true),
            Err(SignupDenied::DomainNotAllowed)
        );
        assert_eq!(domains.decide(&email("a@evil.com"), true, true), Ok(false));
    }
}
