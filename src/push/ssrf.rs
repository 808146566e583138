//! The SSRF guard: callback URLs may not reach loopback, private, link-local (cloud metadata
//! included) or other special addresses unless an allowed network from config contains them.

use ipnet::IpNet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

fn forbidden_v4(ip: Ipv4Addr) -> bool {
    let o = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local() // 169.254.0.0/16: cloud metadata lives here
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || o[0] == 0
        || (o[0] == 100 && (64..128).contains(&o[1])) // 100.64.0.0/10 carrier-grade NAT
        || (o[0] == 192 && o[1] == 0 && o[2] == 0) // 192.0.0.0/24 IETF protocol assignments
        || (o[0] == 198 && (18..20).contains(&o[1])) // 198.18.0.0/15 benchmarking
        || o[0] >= 240 // reserved
}

fn forbidden_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return forbidden_v4(v4);
    }
    let s = ip.segments();
    // 2002::/16 (6to4) carries an IPv4 address in its next 32 bits.
    let six_to_four = Ipv4Addr::new((s[1] >> 8) as u8, s[1] as u8, (s[2] >> 8) as u8, s[2] as u8);
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || s[..6].iter().all(|&x| x == 0) // ::/96 IPv4-compatible (::a.b.c.d), deprecated
        || (s[0] & 0xfe00) == 0xfc00 // fc00::/7 unique local
        || (s[0] & 0xffc0) == 0xfe80 // fe80::/10 link local
        || (s[0] & 0xffc0) == 0xfec0 // fec0::/10 site local, deprecated but routed by some
        || (s[0] == 0x64 && s[1] == 0xff9b) // 64:ff9b::/96 and 64:ff9b:1::/48 NAT64 reach private v4
        || (s[0] == 0x2001 && s[1] == 0xdb8) // documentation
        || (s[0] == 0x2001 && s[1] == 0) // 2001::/32 Teredo tunnels to any v4
        || (s[0] == 0x2002 && forbidden_v4(six_to_four))
}

/// Whether a push may be sent to `ip`.
pub fn allowed(ip: IpAddr, allow: &[IpNet]) -> bool {
    if allow.iter().any(|n| n.contains(&ip)) {
        return true;
    }
    match ip {
        IpAddr::V4(v4) => !forbidden_v4(v4),
        IpAddr::V6(v6) => !forbidden_v6(v6),
    }
}

/// Parses `push.allow_networks`: comma-separated CIDRs (a bare address is a /32 or /128).
pub fn parse_networks(s: &str) -> Result<Vec<IpNet>, String> {
    s.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            p.parse::<IpNet>()
                .or_else(|_| p.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| format!("{p:?} is not a network (e.g. 127.0.0.0/8)"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn special_addresses_are_refused_by_default() {
        for bad in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "255.255.255.255",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a00:1",
            "64:ff9b:1::a00:1",
            "::127.0.0.1",
            "::10.0.0.1",
            "::8.8.8.8",
            "fec0::1",
            "2002:a00:1::1",
            "2001:0:4136:e378::1",
        ] {
            assert!(!allowed(ip(bad), &[]), "{bad}");
        }
        for good in ["8.8.8.8", "203.119.0.1", "2400:3200::1", "2002:808:808::1"] {
            assert!(allowed(ip(good), &[]), "{good}");
        }
    }

    #[test]
    fn allowed_networks_open_exactly_themselves() {
        let allow = parse_networks("127.0.0.0/8, 10.0.0.5").unwrap();
        assert!(allowed(ip("127.0.0.1"), &allow));
        assert!(allowed(ip("10.0.0.5"), &allow));
        assert!(!allowed(ip("10.0.0.6"), &allow));
        assert!(!allowed(ip("::1"), &allow));
        assert!(parse_networks("").unwrap().is_empty());
        assert!(parse_networks("localhost").is_err());
    }
}
