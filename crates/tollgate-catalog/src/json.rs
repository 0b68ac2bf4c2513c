//! JSON documents as the catalogers read them: a UTF-8 byte order mark tolerated (npm, Node and
//! Composer accept one; editors add them), errors that name the format and the line and column,
//! and objects that are objects.

use crate::cataloger::{CatalogError, excerpt};

/// The bytes without a UTF-8 byte order mark.
pub(crate) fn without_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes)
}

/// A JSON document read into `T`, after a UTF-8 byte order mark if any; a serde error names
/// the line and column.
pub(crate) fn json<T: serde::de::DeserializeOwned>(
    format: &'static str,
    bytes: &[u8],
) -> Result<T, CatalogError> {
    serde_json::from_slice(without_bom(bytes))
        .map_err(|error| CatalogError::malformed(format, error.to_string()))
}

/// `T` read from a JSON object only. A struct that serde derives also accepts an array, taking
/// the fields by position (`["a/b", "1.0"]` would be a package named `a/b`); no format read
/// here writes one, so it is an error, as a value of any other wrong type is.
pub(crate) struct JsonObject<T>(pub(crate) T);

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for JsonObject<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectVisitor<T>(std::marker::PhantomData<T>);

        impl<'de, T: serde::Deserialize<'de>> serde::de::Visitor<'de> for ObjectVisitor<T> {
            type Value = T;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                T::deserialize(serde::de::value::MapAccessDeserializer::new(map))
            }
        }

        deserializer
            .deserialize_map(ObjectVisitor(std::marker::PhantomData))
            .map(JsonObject)
    }
}

/// A JSON file whose top level is an object (after a byte order mark, if any), read into `T`.
pub(crate) fn json_object<T: serde::de::DeserializeOwned>(
    format: &'static str,
    bytes: &[u8],
) -> Result<T, CatalogError> {
    let bytes = without_bom(bytes);
    if let Some(&first) = bytes.iter().find(|b| !b.is_ascii_whitespace())
        && first != b'{'
    {
        return Err(CatalogError::malformed(
            format,
            format!(
                "the top level is not a JSON object but starts with `{}`",
                excerpt(&[first])
            ),
        ));
    }
    serde_json::from_slice(bytes)
        .map_err(|error| CatalogError::malformed(format, error.to_string()))
}
