//! The HTTP client deliveries go out with: no redirects, no proxies, a timeout, and a DNS
//! resolver that refuses host names resolving to internal addresses, so the address checked
//! is the address connected to (a name cannot pass a check at creation and later resolve to
//! a loopback or metadata address).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use spectree_domain::webhooks::is_forbidden_ip;

use super::WebhookSettings;

/// Why a host name may not be delivered to.
#[derive(Debug, thiserror::Error)]
pub(crate) enum LookupError {
    /// It resolves to an address webhooks may not reach.
    #[error(
        "refused: {host} resolves to {addr}, a loopback, private, link-local or otherwise internal address"
    )]
    Forbidden {
        /// The name.
        host: String,
        /// The refused address.
        addr: IpAddr,
    },
    /// It does not resolve.
    #[error("{host} does not resolve: {reason}")]
    Unresolvable {
        /// The name.
        host: String,
        /// What the resolver said.
        reason: String,
    },
}

/// Resolves through the system resolver and refuses internal addresses unless allowed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct GuardedResolver {
    pub allow_private: bool,
}

impl GuardedResolver {
    /// The addresses of `host`, all of them reachable by webhooks.
    pub(crate) async fn lookup(self, host: &str) -> Result<Vec<SocketAddr>, LookupError> {
        let unresolvable = |reason: String| LookupError::Unresolvable {
            host: host.to_owned(),
            reason,
        };
        let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, 0))
            .await
            .map_err(|e| unresolvable(e.to_string()))?
            .collect();
        if addrs.is_empty() {
            return Err(unresolvable("no addresses".into()));
        }
        if !self.allow_private
            && let Some(bad) = addrs.iter().find(|a| is_forbidden_ip(a.ip()))
        {
            return Err(LookupError::Forbidden {
                host: host.to_owned(),
                addr: bad.ip(),
            });
        }
        Ok(addrs)
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let this = *self;
        Box::pin(async move {
            let addrs = this.lookup(name.as_str()).await?;
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

/// Builds the delivery client.
pub(crate) fn build(settings: &WebhookSettings) -> reqwest::Result<reqwest::Client> {
    crate::install_tls_provider();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(settings.timeout)
        .connect_timeout(settings.timeout)
        .user_agent(concat!("Spectree-Webhooks/", env!("CARGO_PKG_VERSION")))
        .dns_resolver(Arc::new(GuardedResolver {
            allow_private: settings.allow_private_targets,
        }))
        .build()
}
