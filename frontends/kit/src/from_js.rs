//! Reading a value the browser parsed from JSON (`Response.json()`, an event's `detail`,
//! a host's `data-props`) into a Rust type with serde.
//!
//! This does what `serde_wasm_bindgen::from_value` does for JSON values: `null` and
//! `undefined` are `()` and `None`, numbers are integers when they are safe integers,
//! arrays are sequences, plain objects are structs and maps, a string is a unit variant
//! and a one-key object is a variant with content. What it does not do is say why a value
//! did not fit: its error has no message. serde's messages name the value found ("invalid
//! type: floating point `1.5`, expected u32"), which brings the formatting of floats and
//! of every kind of value into each MFE's wasm, only to be thrown away: every caller turns
//! a failure into "not the expected shape". Without them each MFE's wasm is ~12 kB of
//! brotli smaller. (JSON from `JSON.parse` has no `BigInt`, `Map` or bytes, which
//! serde-wasm-bindgen also reads; this does not.)

use js_sys::{Array, Number, Object};
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, EnumAccess, IntoDeserializer, MapAccess, SeqAccess,
    VariantAccess, Visitor,
};
use std::fmt;
use wasm_bindgen::{JsCast, JsValue};

/// `value` read as `T`, or `None` when it does not have `T`'s shape.
pub fn from_js<T: DeserializeOwned>(value: JsValue) -> Option<T> {
    T::deserialize(Js(value)).ok()
}

/// A value that does not have the shape asked for. Deliberately without details (see the
/// module docs).
#[derive(Debug)]
struct Invalid;

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the value does not have the expected shape")
    }
}

impl std::error::Error for Invalid {}

// Every way serde reports a misfit is answered without building its message: the ones
// with a default that formats one (`invalid_type` and the like) are overridden too, so
// the formatting code is never linked in, whatever the optimiser inlines.
impl de::Error for Invalid {
    #[inline(always)]
    fn custom<T: fmt::Display>(_: T) -> Self {
        Invalid
    }

    #[inline(always)]
    fn invalid_type(_: de::Unexpected, _: &dyn de::Expected) -> Self {
        Invalid
    }

    #[inline(always)]
    fn invalid_value(_: de::Unexpected, _: &dyn de::Expected) -> Self {
        Invalid
    }

    #[inline(always)]
    fn invalid_length(_: usize, _: &dyn de::Expected) -> Self {
        Invalid
    }

    #[inline(always)]
    fn unknown_variant(_: &str, _: &'static [&'static str]) -> Self {
        Invalid
    }

    #[inline(always)]
    fn unknown_field(_: &str, _: &'static [&'static str]) -> Self {
        Invalid
    }

    #[inline(always)]
    fn missing_field(_: &'static str) -> Self {
        Invalid
    }

    #[inline(always)]
    fn duplicate_field(_: &'static str) -> Self {
        Invalid
    }
}

type Result<T> = std::result::Result<T, Invalid>;

/// A browser value as a serde [`de::Deserializer`].
struct Js(JsValue);

impl Js {
    /// `null` or `undefined`.
    fn is_nullish(&self) -> bool {
        self.0.is_null() || self.0.is_undefined()
    }

    /// The number, if it is an integer that a double holds exactly.
    fn safe_integer(&self) -> Option<i64> {
        Number::is_safe_integer(&self.0).then(|| self.0.unchecked_into_f64() as i64)
    }

    /// A plain object's (or an array's) `[key, value]` pairs; `None` for anything else.
    fn entries(&self) -> Option<Array> {
        self.0
            .is_object()
            .then(|| Object::entries(self.0.unchecked_ref()))
    }
}

impl<'de> de::Deserializer<'de> for Js {
    type Error = Invalid;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if self.is_nullish() {
            visitor.visit_unit()
        } else if let Some(value) = self.0.as_bool() {
            visitor.visit_bool(value)
        } else if let Some(value) = self.safe_integer() {
            visitor.visit_i64(value)
        } else if let Some(value) = self.0.as_f64() {
            visitor.visit_f64(value)
        } else if let Some(value) = self.0.as_string() {
            visitor.visit_string(value)
        } else if Array::is_array(&self.0) {
            self.deserialize_seq(visitor)
        } else {
            self.deserialize_map(visitor)
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_bool(self.0.as_bool().ok_or(Invalid)?)
    }

    // serde converts any integer to any other (with range checks): one signed and one
    // unsigned entry point are enough.
    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_i64(self.safe_integer().ok_or(Invalid)?)
    }

    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.safe_integer() {
            Some(value) if value >= 0 => visitor.visit_u64(value as u64),
            _ => Err(Invalid),
        }
    }

    fn deserialize_i8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_i64(visitor)
    }

    fn deserialize_i16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_i64(visitor)
    }

    fn deserialize_i32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_i64(visitor)
    }

    fn deserialize_u8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_u64(visitor)
    }

    fn deserialize_u16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_u64(visitor)
    }

    fn deserialize_u32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_u64(visitor)
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_f64(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_f64(self.0.as_f64().ok_or(Invalid)?)
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_string(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_string(visitor)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_string(self.0.as_string().ok_or(Invalid)?)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, _: V) -> Result<V::Value> {
        Err(Invalid)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, _: V) -> Result<V::Value> {
        Err(Invalid)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if self.is_nullish() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if self.is_nullish() {
            visitor.visit_unit()
        } else {
            Err(Invalid)
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let array = self.0.dyn_into::<Array>().map_err(|_| Invalid)?;
        visitor.visit_seq(Elements { array, next: 0 })
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _: usize, visitor: V) -> Result<V::Value> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: usize,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let entries = self.entries().ok_or(Invalid)?;
        visitor.visit_map(Entries {
            entries,
            next: 0,
            value: JsValue::UNDEFINED,
        })
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        if !self.0.is_object() {
            return Err(Invalid);
        }
        visitor.visit_map(Fields {
            object: self.0,
            fields: fields.iter(),
            value: JsValue::UNDEFINED,
        })
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        let (tag, content) = if self.0.is_string() {
            (self.0, JsValue::UNDEFINED)
        } else {
            let entries = self.entries().ok_or(Invalid)?;
            if entries.length() != 1 {
                return Err(Invalid);
            }
            let pair: Array = entries.get(0).unchecked_into();
            (pair.get(0), pair.get(1))
        };
        visitor.visit_enum(Variant { tag, content })
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_string(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_unit()
    }
}

impl IntoDeserializer<'_, Invalid> for Js {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

/// An array's elements.
struct Elements {
    array: Array,
    next: u32,
}

impl<'de> SeqAccess<'de> for Elements {
    type Error = Invalid;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        if self.next >= self.array.length() {
            return Ok(None);
        }
        let element = self.array.get(self.next);
        self.next += 1;
        seed.deserialize(Js(element)).map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.array.length().saturating_sub(self.next) as usize)
    }
}

/// An object's entries, for maps (and structs with flattened fields).
struct Entries {
    entries: Array,
    next: u32,
    value: JsValue,
}

impl<'de> MapAccess<'de> for Entries {
    type Error = Invalid;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        if self.next >= self.entries.length() {
            return Ok(None);
        }
        let pair: Array = self.entries.get(self.next).unchecked_into();
        self.next += 1;
        self.value = pair.get(1);
        seed.deserialize(Js(pair.get(0))).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        seed.deserialize(Js(std::mem::take(&mut self.value)))
    }
}

/// A struct's fields, looked up by name; a field the object does not have (or holds as
/// `undefined`) is missing, and serde decides whether it may be.
struct Fields {
    object: JsValue,
    fields: std::slice::Iter<'static, &'static str>,
    value: JsValue,
}

impl Fields {
    /// The next field the object has, with its value kept for `next_value_seed`.
    fn next_present(&mut self) -> Option<&'static str> {
        for field in &mut self.fields {
            let value =
                js_sys::Reflect::get(&self.object, &JsValue::from_str(field)).unwrap_or_default();
            if !value.is_undefined() {
                self.value = value;
                return Some(field);
            }
        }
        None
    }
}

impl<'de> MapAccess<'de> for Fields {
    type Error = Invalid;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        match self.next_present() {
            Some(field) => seed
                .deserialize(de::value::BorrowedStrDeserializer::new(field))
                .map(Some),
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        seed.deserialize(Js(std::mem::take(&mut self.value)))
    }
}

/// An enum value: its variant's name and what it holds (`undefined` for a unit variant).
struct Variant {
    tag: JsValue,
    content: JsValue,
}

impl<'de> EnumAccess<'de> for Variant {
    type Error = Invalid;
    type Variant = Js;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Js)> {
        Ok((seed.deserialize(Js(self.tag))?, Js(self.content)))
    }
}

impl<'de> VariantAccess<'de> for Js {
    type Error = Invalid;

    fn unit_variant(self) -> Result<()> {
        de::Deserialize::deserialize(self)
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value> {
        de::Deserializer::deserialize_tuple(self, len, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        de::Deserializer::deserialize_struct(self, "", fields, visitor)
    }
}
