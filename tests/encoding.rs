//! The history's byte encodings and the address check they rely on:
//! - a history written by 0.1.0 (encoding 1, checked in) still decodes, to the same events;
//! - encoding 2 round-trips, and its one-pass validation accepts and rejects exactly what the
//!   full, path-naming check does (random histories, valid and damaged);
//! - the hand-written IP check accepts exactly what Rust's `IpAddr` parser accepts.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use ciam_policy::state::{decode, encode, encode_refs, EventRef};
use ciam_policy::validate::is_ip;
use ciam_policy::{ChangeKind, EventType, History};
use proptest::prelude::*;

#[test]
fn a_history_written_by_0_1_0_still_decodes() {
    let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/history-encoding-1.bin")).unwrap();
    let json = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/history-encoding-1.json")).unwrap();
    assert_eq!(bytes[2], 1, "the fixture is encoding 1");
    let want: History = ciam_policy::json::from_str(&json).unwrap();
    let got = decode(&bytes).unwrap();
    assert_eq!(got, want);
    assert_eq!(got.events.len(), 80);
    // Re-encoded it is encoding 2, smaller, and the same history.
    let again = encode(&got);
    assert_eq!(again[2], 2);
    assert!(again.len() < bytes.len(), "{} ≥ {}", again.len(), bytes.len());
    assert_eq!(decode(&again).unwrap(), want);
}

/// A field value: mostly valid, sometimes not, so both outcomes of validation occur.
fn text(valid: &'static [&'static str], invalid: &'static [&'static str]) -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        3 => Just(None),
        6 => prop::sample::select(valid).prop_map(|s| Some(s.to_string())),
        1 => prop::sample::select(invalid).prop_map(|s| Some(s.to_string())),
    ]
}

fn event() -> impl Strategy<Value = ciam_policy::Event> {
    let kinds = prop::sample::select(EventType::ALL.to_vec());
    let changes = prop::option::weighted(0.8, prop::sample::select(ChangeKind::ALL.to_vec()));
    let times = prop_oneof![20 => 1_799_000_000i64..1_800_000_000, 1 => Just(253_402_300_800i64)];
    let coordinates = prop_oneof![
        4 => Just((None, None)),
        4 => (-900_000i32..=900_000, -1_800_000i32..=1_800_000).prop_map(|(a, b)| (Some(f64::from(a) / 1e4), Some(f64::from(b) / 1e4))),
        1 => Just((Some(90.0001), Some(0.0))),
    ];
    (
        kinds,
        times,
        text(&["phone-1", "laptop", "d3"], &["has space", ""]),
        text(&["203.0.113.7", "2001:db8::1", "::ffff:1.2.3.4"], &["999.1.1.1", "1.2.3", "localhost"]),
        text(&["DE", "FR", "T1"], &["de", "D"]),
        coordinates,
        text(&["email", "sms", "recovery_code"], &["e mail", ""]),
        changes,
    )
        .prop_map(|(kind, at, device_id, ip, country, (lat, lon), channel, change)| ciam_policy::Event {
            kind,
            at,
            device_id,
            ip,
            country,
            lat,
            lon,
            channel,
            change,
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn encoding_2_validates_exactly_as_the_full_check(
        mut events in prop::collection::vec(event(), 0..40),
        sort in prop::bool::weighted(0.9),
        last_success_at in prop::option::of(1_700_000_000i64..1_800_000_000),
    ) {
        if sort {
            events.sort_by_key(|e| e.at);
        }
        let history = History { version: 1, last_success_at, events };
        let full = history.validate("/history");
        let refs: Vec<EventRef<'_>> = history.events.iter().map(|e| e.as_ref()).collect();
        let bytes = encode_refs(last_success_at, &refs);
        match (decode(&bytes), full) {
            (Ok(decoded), Ok(())) => prop_assert_eq!(decoded, history),
            (Err(got), Err(want)) => prop_assert_eq!(got, want),
            (got, want) => prop_assert!(false, "decode {:?} but the full check {:?}", got.map(|_| ()), want),
        }
    }

    #[test]
    fn the_ip_check_is_the_standard_parser(text in "[0-9a-fA-F:.]{0,45}") {
        prop_assert_eq!(is_ip(&text), text.parse::<std::net::IpAddr>().is_ok(), "{}", text);
    }

    #[test]
    fn the_ip_check_agrees_on_real_and_damaged_addresses(
        v6 in any::<[u16; 8]>(),
        v4 in any::<[u8; 4]>(),
        shape in 0..4usize,
        edit in prop::option::of((any::<usize>(), prop::sample::select(vec!['0', '1', 'a', 'F', ':', '.', 'x', ' ']), 0..3usize)),
    ) {
        let text = match shape {
            0 => std::net::Ipv4Addr::from(v4).to_string(),
            1 => std::net::Ipv6Addr::from(v6).to_string(),
            2 => std::net::Ipv6Addr::from([0, 0, 0, 0, 0, 0xffff, v6[6], v6[7]]).to_string(),
            _ => format!("{:x}::{}", v6[0], std::net::Ipv4Addr::from(v4)),
        };
        let mut chars: Vec<char> = text.chars().collect();
        if let Some((at, c, op)) = edit {
            let at = at % (chars.len() + 1);
            match op {
                0 => chars.insert(at, c),
                1 if at < chars.len() => { chars.remove(at); }
                _ if at < chars.len() => chars[at] = c,
                _ => {}
            }
        }
        let text: String = chars.into_iter().collect();
        prop_assert_eq!(is_ip(&text), text.parse::<std::net::IpAddr>().is_ok(), "{}", text);
    }
}

#[test]
fn the_ip_check_on_edge_cases() {
    for text in [
        "0.0.0.0",
        "255.255.255.255",
        "256.1.1.1",
        "01.1.1.1",
        "1.1.1",
        "1.1.1.1.1",
        "1..1.1",
        "::",
        ":::",
        "::1",
        "1::",
        "1:2:3:4:5:6:7:8",
        "1:2:3:4:5:6:7:8:9",
        "1::2:3:4:5:6:7",
        "1::2:3:4:5:6:7:8",
        "::ffff:1.2.3.4",
        "1:2:3:4:5:6:1.2.3.4",
        "1:2:3:4:5:6:7:1.2.3.4",
        "1.2.3.4::",
        "::1.2.3.4",
        "12345::",
        "fe80::1%eth0",
        "[::1]",
        "",
        " 1.1.1.1",
        "1:2:3:4:5:6:7::",
        "::2:3:4:5:6:7:8",
    ] {
        assert_eq!(is_ip(text), text.parse::<std::net::IpAddr>().is_ok(), "{text}");
    }
}
