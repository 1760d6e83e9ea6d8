//! Enums stored and exchanged as stable snake_case codes.
//!
//! The database keeps these as `TEXT` with a `CHECK (... IN (...))`, the API and the forms send
//! the same codes, so one macro gives every such enum the same `ALL`, `code`, `parse`,
//! `Display`, `FromStr` and serde behaviour instead of a dozen hand-written copies.

/// A code that is not one of an enum's codes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} '{code}' (expected one of: {expected})")]
pub struct UnknownCode {
    /// What kind of code was expected ("ticket status", "channel", ...).
    pub what: &'static str,
    /// The text that was given.
    pub code: String,
    /// The accepted codes, comma-separated.
    pub expected: String,
}

/// Declares a fieldless enum whose variants each carry a stable code.
macro_rules! code_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident ($what:literal) {
            $( $(#[$vmeta:meta])* $variant:ident = $code:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize,
        )]
        $vis enum $name {
            $( $(#[$vmeta])* #[serde(rename = $code)] $variant ),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable code stored in the database and sent over the API.
            pub fn code(self) -> &'static str {
                match self {
                    $($name::$variant => $code),+
                }
            }

            /// Parse a code (surrounding whitespace is ignored).
            pub fn parse(code: &str) -> Result<$name, $crate::codes::UnknownCode> {
                let wanted = code.trim();
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.code() == wanted)
                    .ok_or_else(|| $crate::codes::UnknownCode {
                        what: $what,
                        code: code.to_string(),
                        expected: Self::ALL
                            .iter()
                            .map(|v| v.code())
                            .collect::<Vec<_>>()
                            .join(", "),
                    })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::codes::UnknownCode;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $name::parse(s)
            }
        }
    };
}

pub(crate) use code_enum;

#[cfg(test)]
mod tests {
    code_enum! {
        /// A test enum.
        enum Fruit ("fruit") {
            /// An apple.
            Apple = "apple",
            /// A blood orange.
            BloodOrange = "blood_orange",
        }
    }

    #[test]
    fn codes_round_trip_through_parse_display_and_serde() {
        use serde::Deserialize;
        use serde::de::value::{Error, StrDeserializer};
        for f in Fruit::ALL {
            assert_eq!(Fruit::parse(f.code()).unwrap(), *f);
            assert_eq!(f.to_string().parse::<Fruit>().unwrap(), *f);
            let de = StrDeserializer::<Error>::new(f.code());
            assert_eq!(Fruit::deserialize(de).unwrap(), *f);
        }
    }

    #[test]
    fn unknown_code_names_the_kind_and_the_expected_codes() {
        let err = Fruit::parse("pear").unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown fruit 'pear' (expected one of: apple, blood_orange)"
        );
    }

    #[test]
    fn parse_ignores_surrounding_whitespace_but_not_case() {
        assert_eq!(Fruit::parse(" apple "), Ok(Fruit::Apple));
        assert!(Fruit::parse("Apple").is_err());
    }
}
