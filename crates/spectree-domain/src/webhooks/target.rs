//! Where a webhook may post: an http(s) URL whose host is not a loopback, private,
//! link-local or otherwise internal address. The same address rule is applied again to every
//! address a host name resolves to when a delivery connects (so a name that later resolves to
//! an internal address is refused too).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use url::{Host, Url};

use super::MAX_URL_BYTES;

/// Why a webhook target was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    /// Not an absolute http(s) URL with a host, or too long, or with credentials.
    #[error("{0}")]
    InvalidUrl(String),
    /// The host is, or resolves to, an address webhooks may not reach.
    #[error("{0} is a loopback, private, link-local or otherwise internal address")]
    Forbidden(IpAddr),
}

/// Parses and checks a webhook URL. An IP-literal host is checked here; a host name is
/// checked on its resolved addresses by the caller. Returns the parsed URL.
pub fn check_url(text: &str, allow_private: bool) -> Result<Url, TargetError> {
    let invalid = |m: &str| TargetError::InvalidUrl(m.to_owned());
    if text.len() > MAX_URL_BYTES {
        return Err(invalid("a webhook URL holds at most 2048 bytes"));
    }
    let url = Url::parse(text.trim()).map_err(|e| TargetError::InvalidUrl(format!("{e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("a webhook URL must be http:// or https://"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("a webhook URL must not carry credentials"));
    }
    if url.fragment().is_some() {
        return Err(invalid("a webhook URL must not have a #fragment"));
    }
    let ip = match url.host() {
        None => return Err(invalid("a webhook URL needs a host")),
        Some(Host::Domain("")) => return Err(invalid("a webhook URL needs a host")),
        Some(Host::Domain(_)) => None,
        Some(Host::Ipv4(v4)) => Some(IpAddr::V4(v4)),
        Some(Host::Ipv6(v6)) => Some(IpAddr::V6(v6)),
    };
    if let Some(ip) = ip
        && !allow_private
        && is_forbidden_ip(ip)
    {
        return Err(TargetError::Forbidden(ip));
    }
    Ok(url)
}

fn v4_forbidden(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_multicast()
        || a == 0 // "this network"
        || (a == 100 && (64..128).contains(&b)) // shared address space (carrier NAT)
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240 // reserved
}

fn v6_forbidden(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    if let Some(v4) = ip.to_ipv4_mapped() {
        return v4_forbidden(v4);
    }
    // NAT64 (64:ff9b::/96) embeds an IPv4 address that is what is really reached.
    if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
        let v4 = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
        return v4_forbidden(v4);
    }
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (s[0] & 0xfe00) == 0xfc00 // unique local
        || (s[0] & 0xffc0) == 0xfe80 // link-local
        || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated)
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || s[..6] == [0, 0, 0, 0, 0, 0] // IPv4-compatible (deprecated) and the like
}

/// Whether webhooks may not reach `ip`: loopback, private, link-local (cloud metadata),
/// carrier NAT, unspecified, multicast, broadcast, documentation and reserved ranges, and
/// IPv6 forms that embed such an IPv4 address.
pub fn is_forbidden_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4_forbidden(v4),
        IpAddr::V6(v6) => v6_forbidden(v6),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses_are_forbidden_and_public_ones_are_not() {
        for bad in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1",
        ] {
            assert!(is_forbidden_ip(bad.parse().unwrap()), "{bad}");
        }
        for good in [
            "93.184.216.34",
            "1.1.1.1",
            "2606:4700:4700::1111",
            "64:ff9b::101:101",
        ] {
            assert!(!is_forbidden_ip(good.parse().unwrap()), "{good}");
        }
    }

    #[test]
    fn urls_must_be_http_with_a_host_and_no_credentials() {
        assert!(check_url("https://hooks.example.com/x", false).is_ok());
        assert!(check_url("http://93.184.216.34:8080/x", false).is_ok());
        for bad in [
            "ftp://example.com/",
            "file:///etc/passwd",
            "https://user:pw@example.com/",
            "not a url",
            "https://example.com/#frag",
        ] {
            assert!(
                matches!(check_url(bad, false), Err(TargetError::InvalidUrl(_))),
                "{bad}"
            );
        }
        assert!(check_url(&format!("https://e.com/{}", "a".repeat(2048)), false).is_err());
    }

    #[test]
    fn ip_literal_targets_are_checked_unless_private_targets_are_allowed() {
        for bad in [
            "http://127.0.0.1:9/",
            "http://10.0.0.5/",
            "http://169.254.169.254/latest/meta-data",
            "http://[::1]:8080/",
            "http://0x7f.1/",
        ] {
            assert!(
                matches!(check_url(bad, false), Err(TargetError::Forbidden(_))),
                "{bad}"
            );
            assert!(check_url(bad, true).is_ok(), "{bad}");
        }
    }
}
