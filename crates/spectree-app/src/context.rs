//! Who is asking and from where.

use spectree_domain::ids::{SessionId, TokenId, UserId};

/// Facts about the request that the audit log records.
#[derive(Debug, Clone, Default)]
pub struct RequestCtx {
    /// Client address.
    pub ip: Option<String>,
    /// Browser or client name.
    pub user_agent: Option<String>,
}

/// How an actor proved who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthVia {
    /// A session cookie; writes must carry this CSRF token.
    Session {
        /// The session.
        id: SessionId,
        /// Its CSRF token.
        csrf_token: String,
    },
    /// A personal API token.
    Token {
        /// The token.
        id: TokenId,
    },
}

/// An authenticated user making a request.
#[derive(Debug, Clone)]
pub struct Actor {
    /// The user.
    pub user_id: UserId,
    /// Their email.
    pub email: String,
    /// Their name.
    pub name: String,
    /// Whether they administer the instance.
    pub instance_admin: bool,
    /// How they authenticated.
    pub via: AuthVia,
    /// Where the request came from.
    pub ctx: RequestCtx,
}
