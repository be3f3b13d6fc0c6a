//! The declarations that make a wire type: [`wire_struct!`](crate::wire_struct) for objects
//! and [`wire_enum!`](crate::wire_enum) for snake_case names. Each generates the type, its
//! [`FromJson`](crate::json::FromJson) reader and its [`ToJson`](crate::json::ToJson) writer from
//! one list of fields, so the two directions cannot drift apart.
//!
//! A field is `name: Type = "jsonKey"`, optionally followed by how it may be absent:
//!
//! | mode | reading when absent | writing |
//! |---|---|---|
//! | (none) | `missing_field` error | always |
//! | `optional` (an `Option`) | `None`; `null` is `None` too | only when `Some` |
//! | `default` | `Default::default()` | always |
//! | `default(expr)` | `expr` | always |
//! | `skip_empty` | `Default::default()` | only when not empty |

/// Declare a wire struct (see the module documentation).
#[macro_export]
macro_rules! wire_struct {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $(
                $(#[$fmeta:meta])*
                $fvis:vis $field:ident : $ty:ty = $key:literal $(, $mode:ident $(($default:expr))?)?
            );* $(;)?
        }
    ) => {
        $(#[$meta])*
        $vis struct $name {
            $( $(#[$fmeta])* $fvis $field: $ty, )*
        }

        impl $crate::json::Placeholder for $name {
            fn placeholder() -> Self {
                $name { $( $field: $crate::json::Placeholder::placeholder(), )* }
            }
        }

        impl $crate::json::ReadField for $name {
            fn read_field(&mut self, r: &mut $crate::json::Reader<'_>, index: usize) -> $crate::error::Result<()> {
                let mut i = 0usize;
                $(
                    if index == i {
                        return $crate::json::FromJson::read_into(r, &mut self.$field);
                    }
                    i += 1;
                )*
                let _ = i;
                Ok(())
            }
        }

        impl $crate::json::FromJson for $name {
            fn read(r: &mut $crate::json::Reader<'_>) -> $crate::error::Result<Self> {
                const KEYS: &[&str] = &[$($key),*];
                // `fields` reports presence as a 64-bit mask.
                const _: () = assert!(KEYS.len() <= 64);
                // Every field starts as a placeholder; each is then read, defaulted, or
                // reported missing below, so no placeholder survives.
                let mut value = <$name as $crate::json::Placeholder>::placeholder();
                // The keys without a mode must be present: one check for all of them.
                const REQUIRED: u64 = $crate::json::required_mask(&[$($crate::wire_required!($($mode)?)),*]);
                let seen = r.fields(KEYS, &mut value)?;
                $crate::json::check_required(KEYS, REQUIRED, seen)?;
                let mut bit = 1u64;
                $(
                    $crate::wire_finish!(value.$field, $ty, seen & bit != 0, $key $(, $mode $(($default))?)?);
                    bit <<= 1;
                )*
                let _ = (bit, seen);
                Ok(value)
            }
        }

        impl $crate::json::ToJson for $name {
            fn write_json(&self, w: &mut dyn $crate::json::JsonWriter) {
                w.begin_object();
                $( $crate::wire_write!(w, self.$field, $key $(, $mode)?); )*
                w.end_object();
            }
        }
    };
}

/// Check or complete a field once its object has been read (see [`wire_struct!`](crate::wire_struct)).
#[doc(hidden)]
#[macro_export]
macro_rules! wire_finish {
    // Required: checked for all the struct's keys at once (`check_required`).
    ($place:expr, $ty:ty, $seen:expr, $key:literal) => {};
    ($place:expr, $ty:ty, $seen:expr, $key:literal, optional) => {};
    // Absent and defaulted: the placeholder stays when it is the default already.
    ($place:expr, $ty:ty, $seen:expr, $key:literal, default) => {
        if !$seen && !<$ty as $crate::json::Placeholder>::IS_DEFAULT {
            $place = Default::default();
        }
    };
    ($place:expr, $ty:ty, $seen:expr, $key:literal, skip_empty) => {
        if !$seen && !<$ty as $crate::json::Placeholder>::IS_DEFAULT {
            $place = Default::default();
        }
    };
    ($place:expr, $ty:ty, $seen:expr, $key:literal, default($default:expr)) => {
        if !$seen {
            $place = $default;
        }
    };
}

/// Whether a field of this mode must be present (see [`wire_struct!`](crate::wire_struct)).
#[doc(hidden)]
#[macro_export]
macro_rules! wire_required {
    () => {
        true
    };
    ($mode:ident) => {
        false
    };
}

/// Write one field (see [`wire_struct!`](crate::wire_struct)).
#[doc(hidden)]
#[macro_export]
macro_rules! wire_write {
    ($w:ident, $value:expr, $key:literal, optional) => {
        if let Some(value) = &$value {
            $w.key($key);
            $crate::json::ToJson::write_json(value, $w);
        }
    };
    ($w:ident, $value:expr, $key:literal, skip_empty) => {
        if !$value.is_empty() {
            $w.key($key);
            $crate::json::ToJson::write_json(&$value, $w);
        }
    };
    ($w:ident, $value:expr, $key:literal $(, $mode:ident)?) => {
        $w.key($key);
        $crate::json::ToJson::write_json(&$value, $w);
    };
}

/// Declare an enumeration written as snake_case names: the enum, `ALL` in declaration
/// order, `as_str`, `from_wire`, and its JSON reader and writer (also as an object key).
#[macro_export]
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )*
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: [$name; [$($text),*].len()] = [$($name::$variant),*];

            /// The names, quoted and comma-separated, for messages.
            const EXPECTED: &'static str = concat!($("`", $text, "`, "),*);

            /// The snake_case wire name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $text, )*
                }
            }

            /// The position in [`Self::ALL`] (how the JS boundary sends the value).
            pub fn index(self) -> u32 {
                self as u32
            }

            /// The value whose wire name is `name`.
            pub fn from_wire(name: &str) -> Option<Self> {
                match name {
                    $( $text => Some($name::$variant), )*
                    _ => None,
                }
            }
        }

        impl $crate::collections::Enumeration for $name {
            const VALUES: &'static [Self] = &$name::ALL;
            fn position(self) -> u32 {
                self as u32
            }
        }

        impl $crate::json::Placeholder for $name {
            fn placeholder() -> Self {
                let [first, ..] = $name::ALL;
                first
            }
        }

        impl $crate::json::FromJson for $name {
            fn read(r: &mut $crate::json::Reader<'_>) -> $crate::error::Result<Self> {
                let name = r.string()?;
                $name::from_wire(&name).ok_or_else(|| $crate::json::unknown_variant(&name, Self::EXPECTED))
            }
        }

        impl $crate::json::ToJson for $name {
            fn write_json(&self, w: &mut dyn $crate::json::JsonWriter) {
                w.string(self.as_str());
            }
        }

        impl $crate::json::JsonKey for $name {
            fn from_key(key: &str) -> $crate::error::Result<Self> {
                $name::from_wire(key).ok_or_else(|| $crate::json::unknown_variant(key, Self::EXPECTED))
            }
            fn write_key(&self, w: &mut dyn $crate::json::JsonWriter) {
                w.key(self.as_str());
            }
        }

        impl $crate::text::Piece for $name {
            fn put(&self, out: &mut dyn $crate::text::TextSink) {
                out.push_text(self.as_str());
            }
        }

        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

/// Declare a struct that is only ever written (a decision): the struct and its
/// [`ToJson`](crate::json::ToJson) writer. Fields take the same modes as
/// [`wire_struct!`](crate::wire_struct); the struct may borrow with one lifetime.
#[macro_export]
macro_rules! wire_output {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident $(<$lt:lifetime>)? {
            $(
                $(#[$fmeta:meta])*
                $fvis:vis $field:ident : $ty:ty = $key:literal $(, $mode:ident)?
            );* $(;)?
        }
    ) => {
        $(#[$meta])*
        $vis struct $name $(<$lt>)? {
            $( $(#[$fmeta])* $fvis $field: $ty, )*
        }

        impl $(<$lt>)? $crate::json::ToJson for $name $(<$lt>)? {
            fn write_json(&self, w: &mut dyn $crate::json::JsonWriter) {
                w.begin_object();
                $( $crate::wire_write!(w, self.$field, $key $(, $mode)?); )*
                w.end_object();
            }
        }
    };
}
