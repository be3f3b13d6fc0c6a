//! History bytes written by hand, in ways `record` never writes them.

use ciam_policy::state::EventRef;

/// Encoding 2 (see `src/state/encoding.rs`) with every distinct string stored twice in its
/// table, and each event pointing at the copy `second` picks for it (cycled over the events).
/// `record` never writes a string twice, but the module reads bytes from outside: these must
/// decide as the same history written once.
pub fn with_repeated_strings<'a>(last_success_at: Option<i64>, events: &[EventRef<'a>], second: &[bool]) -> Vec<u8> {
    // Tables in the encoding's order: device ids, addresses, channels, countries.
    let mut tables: [Vec<&'a str>; 4] = Default::default();
    let mut records = Vec::new();
    for (i, event) in events.iter().enumerate() {
        let copy = u8::from(second.get(i % second.len().max(1)).copied().unwrap_or(false));
        let mut position = |table: usize, text: Option<&'a str>| {
            let Some(text) = text else { return 0 };
            let strings = &mut tables[table];
            let first = strings.iter().position(|s| *s == text).unwrap_or_else(|| {
                strings.extend([text, text]);
                strings.len() - 2
            });
            u8::try_from(first).unwrap() + copy
        };
        let device = position(0, event.device_id);
        let ip = position(1, event.ip);
        let channel = position(2, event.channel);
        let country = position(3, event.country);
        let coordinates = event.lat.zip(event.lon);
        let fields = u8::from(event.device_id.is_some())
            | u8::from(event.ip.is_some()) << 1
            | u8::from(event.country.is_some()) << 2
            | u8::from(coordinates.is_some()) << 3
            | u8::from(event.channel.is_some()) << 4;
        let change = event.change.map_or(0, |c| c.index() as u8 + 1);
        let units = |degrees: f64| ((degrees * 1e4).round() as i32).to_le_bytes();
        let (lat, lon) = coordinates.map_or(([0; 4], [0; 4]), |(lat, lon)| (units(lat), units(lon)));
        records.push(event.kind.index() as u8 | change << 4);
        records.push(fields);
        records.extend_from_slice(&event.at.to_le_bytes()[..5]);
        records.extend_from_slice(&[device, ip, channel, country, 0]);
        records.extend_from_slice(&lat);
        records.extend_from_slice(&lon);
    }
    let mut out = b"CH\x02".to_vec();
    match last_success_at {
        Some(at) => {
            out.push(1);
            out.extend_from_slice(&at.to_le_bytes()[..5]);
        }
        None => out.push(0),
    }
    for table in &tables {
        out.push(u8::try_from(table.len()).unwrap());
        out.extend(table.iter().map(|s| u8::try_from(s.len()).unwrap()));
        out.extend(table.iter().flat_map(|s| s.bytes()));
    }
    out.push(u8::try_from(events.len()).unwrap());
    out.extend_from_slice(&records);
    out
}
