//! The client's address behind proxies: the rightmost hop that no trusted proxy added, so a
//! client cannot choose its own address by sending `X-Forwarded-For` itself.

use std::net::IpAddr;

use ipnet::IpNet;

/// Which peers may tell the client's address.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum ProxyTrust {
    /// Headers are ignored: the socket peer is the client.
    #[default]
    None,
    /// Only the direct peer is a proxy (`trust_proxy_headers` without `trusted_proxies`).
    DirectPeer,
    /// These networks are proxies (`trusted_proxies`).
    Networks(Vec<IpNet>),
}

impl ProxyTrust {
    fn trusts(&self, ip: IpAddr, is_peer: bool) -> bool {
        match self {
            ProxyTrust::None => false,
            ProxyTrust::DirectPeer => is_peer,
            ProxyTrust::Networks(nets) => nets.iter().any(|n| n.contains(&ip)),
        }
    }
}

/// Parses `10.0.0.0/8`, `::1` or `192.0.2.7` (one address) as a network.
pub fn parse_network(s: &str) -> Result<IpNet, String> {
    let s = s.trim();
    s.parse::<IpNet>()
        .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("`{s}` is not an address or CIDR network (e.g. 10.0.0.0/8)"))
}

/// The hops a request went through, oldest first: `X-Forwarded-For`'s list, else the `for=`
/// values of `Forwarded` (RFC 7239). `None` marks a hop that is not an address.
pub fn forwarded_hops(x_forwarded_for: Option<&str>, forwarded: Option<&str>) -> Vec<Option<IpAddr>> {
    if let Some(xff) = x_forwarded_for {
        return xff.split(',').map(|h| parse_hop(h.trim())).collect();
    }
    let Some(fwd) = forwarded else { return Vec::new() };
    fwd.split(',')
        .filter_map(|element| {
            element.split(';').find_map(|pair| {
                let (k, v) = pair.trim().split_once('=')?;
                k.trim().eq_ignore_ascii_case("for").then(|| parse_hop(v.trim().trim_matches('"')))
            })
        })
        .collect()
}

/// `192.0.2.1`, `192.0.2.1:4711`, `2001:db8::1` or `[2001:db8::1]:4711`.
fn parse_hop(h: &str) -> Option<IpAddr> {
    if let Ok(ip) = h.parse() {
        return Some(ip);
    }
    if let Some(rest) = h.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    h.rsplit_once(':').and_then(|(ip, port)| port.parse::<u16>().ok().and(ip.parse().ok()))
}

/// The client: walking back from the socket peer through the hops, the first address that
/// is not a trusted proxy. A hop that is not an address ends the walk (what lies before it
/// cannot be trusted); so does running out of hops.
pub fn client_address(peer: IpAddr, hops: &[Option<IpAddr>], trust: &ProxyTrust) -> IpAddr {
    if !trust.trusts(peer, true) {
        return peer;
    }
    let mut client = peer;
    for hop in hops.iter().rev() {
        let Some(ip) = *hop else { break };
        client = ip;
        if !trust.trusts(ip, false) {
            break;
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn a_client_cannot_choose_its_address() {
        let nets = ProxyTrust::Networks(vec![parse_network("10.0.0.0/8").unwrap()]);
        let peer = ip("10.0.0.2");
        // The client sent "X-Forwarded-For: 6.6.6.6"; the proxy appended what it saw.
        let hops = forwarded_hops(Some("6.6.6.6, 203.0.113.9"), None);
        assert_eq!(client_address(peer, &hops, &nets), ip("203.0.113.9"));
        // Two trusted proxies in a row.
        let hops = forwarded_hops(Some("6.6.6.6, 203.0.113.9, 10.1.1.1"), None);
        assert_eq!(client_address(peer, &hops, &nets), ip("203.0.113.9"));
        // The direct peer only: the rightmost hop.
        assert_eq!(client_address(peer, &hops, &ProxyTrust::DirectPeer), ip("10.1.1.1"));
        // An untrusted peer's headers count for nothing.
        assert_eq!(client_address(ip("198.51.100.4"), &hops, &nets), ip("198.51.100.4"));
        assert_eq!(client_address(peer, &hops, &ProxyTrust::None), peer);
        // Garbage ends the walk at the last trusted hop.
        let hops = forwarded_hops(Some("203.0.113.9, nonsense, 10.1.1.1"), None);
        assert_eq!(client_address(peer, &hops, &nets), ip("10.1.1.1"));
    }

    #[test]
    fn forwarded_and_ports_are_read() {
        let hops = forwarded_hops(None, Some(r#"for=6.6.6.6, for="[2001:db8::1]:4711";proto=https, For=192.0.2.1:80"#));
        assert_eq!(hops, vec![Some(ip("6.6.6.6")), Some(ip("2001:db8::1")), Some(ip("192.0.2.1"))]);
        assert_eq!(forwarded_hops(None, None), Vec::new());
        assert!(parse_network("10.0.0.0/33").is_err());
        assert_eq!(parse_network(" ::1 ").unwrap().to_string(), "::1/128");
    }
}
