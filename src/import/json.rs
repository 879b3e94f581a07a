//! Reading JSON inputs with positioned errors: every value carries its JSON
//! path (`$.planned_values.root_module.resources[3].values.cidr_block`), so a
//! value of the wrong type is reported with the file, the path and what was
//! expected.
//!
//! Owns: JSON access for the readers. Must not: know AWS or Terraform.

use serde_json::Value;

use super::ImportError;

/// Parses a JSON file, read through [`crate::input`] (regular files only,
/// within the cap of import sources, `import` in `VPCSIM_MAX_INPUT`).
pub fn read_file(path: &std::path::Path) -> Result<Value, ImportError> {
    let file = path.display().to_string();
    let bytes = crate::input::read(path, crate::input::Kind::Import)?;
    parse(&bytes, &file)
}

/// Parses JSON text; syntax errors carry line and column.
pub fn parse(bytes: &[u8], file: &str) -> Result<Value, ImportError> {
    serde_json::from_slice(bytes).map_err(|e| ImportError::Syntax {
        file: file.to_string(),
        line: e.line(),
        col: e.column(),
        message: e.to_string(),
    })
}

/// A value and where it is.
#[derive(Debug, Clone)]
pub struct At<'a> {
    pub v: &'a Value,
    pub path: String,
    pub file: &'a str,
}

impl<'a> At<'a> {
    pub fn root(v: &'a Value, file: &'a str) -> Self {
        At {
            v,
            path: "$".to_string(),
            file,
        }
    }

    /// An error about this value: expected `what`.
    pub fn wrong(&self, expected: &str) -> ImportError {
        ImportError::Shape {
            file: self.file.to_string(),
            path: self.path.clone(),
            expected: expected.to_string(),
            found: describe(self.v),
        }
    }

    /// A missing field.
    pub fn missing(&self, key: &str, expected: &str) -> ImportError {
        ImportError::Shape {
            file: self.file.to_string(),
            path: format!("{}.{key}", self.path),
            expected: expected.to_string(),
            found: "nothing (the field is missing)".to_string(),
        }
    }

    /// Field `key`; absent and `null` are `None`.
    pub fn get(&self, key: &str) -> Option<At<'a>> {
        match self.v.get(key) {
            None | Some(Value::Null) => None,
            Some(v) => Some(At {
                v,
                path: format!("{}.{key}", self.path),
                file: self.file,
            }),
        }
    }

    /// Element `i` of an array.
    pub fn at(&self, i: usize) -> Option<At<'a>> {
        self.v.get(i).map(|v| At {
            v,
            path: format!("{}[{i}]", self.path),
            file: self.file,
        })
    }

    pub fn as_str(&self) -> Result<&'a str, ImportError> {
        self.v.as_str().ok_or_else(|| self.wrong("a string"))
    }

    /// An optional string field.
    pub fn str(&self, key: &str) -> Result<Option<&'a str>, ImportError> {
        self.get(key).map(|a| a.as_str()).transpose()
    }

    /// A required string field.
    pub fn req_str(&self, key: &str) -> Result<&'a str, ImportError> {
        self.str(key)?.ok_or_else(|| self.missing(key, "a string"))
    }

    /// An optional string field, as an owned string.
    pub fn string(&self, key: &str) -> Result<Option<String>, ImportError> {
        Ok(self.str(key)?.map(str::to_string))
    }

    pub fn bool(&self, key: &str) -> Result<Option<bool>, ImportError> {
        self.get(key)
            .map(|a| a.v.as_bool().ok_or_else(|| a.wrong("true or false")))
            .transpose()
    }

    /// An integer field; a string of digits is accepted too (AWS writes
    /// some numbers as strings).
    pub fn int(&self, key: &str) -> Result<Option<i64>, ImportError> {
        let Some(a) = self.get(key) else {
            return Ok(None);
        };
        match a.v {
            Value::Number(n) => n
                .as_i64()
                .or_else(|| {
                    n.as_f64()
                        .filter(|f| f.fract() == 0.0 && f.abs() < 1e15)
                        .map(|f| f as i64)
                })
                .map(Some)
                .ok_or_else(|| a.wrong("an integer")),
            Value::String(s) => s
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| a.wrong("an integer")),
            _ => Err(a.wrong("an integer")),
        }
    }

    /// An array field; absent is empty.
    pub fn array(&self, key: &str) -> Result<Vec<At<'a>>, ImportError> {
        let Some(a) = self.get(key) else {
            return Ok(Vec::new());
        };
        a.items()
    }

    /// The elements of this array.
    pub fn items(&self) -> Result<Vec<At<'a>>, ImportError> {
        let arr = self.v.as_array().ok_or_else(|| self.wrong("an array"))?;
        Ok((0..arr.len()).filter_map(|i| self.at(i)).collect())
    }

    /// A list of strings; absent is empty, a single string is a list of one.
    pub fn strings(&self, key: &str) -> Result<Vec<String>, ImportError> {
        let Some(a) = self.get(key) else {
            return Ok(Vec::new());
        };
        if let Value::String(s) = a.v {
            return Ok(vec![s.clone()]);
        }
        a.items()?
            .iter()
            .filter(|x| !x.v.is_null())
            .map(|x| x.as_str().map(str::to_string))
            .collect()
    }

    /// The value of tag `key` in an AWS `Tags: [{Key, Value}]` list or a
    /// Terraform `tags: {key: value}` map.
    pub fn tag(&self, key: &str) -> Option<String> {
        if let Some(Value::Object(m)) = self.v.get("tags") {
            return m.get(key).and_then(|v| v.as_str()).map(str::to_string);
        }
        let tags = self
            .v
            .get("Tags")
            .or_else(|| self.v.get("tags"))?
            .as_array()?;
        tags.iter().find_map(|t| {
            let k = t.get("Key").or_else(|| t.get("key"))?.as_str()?;
            if k == key {
                t.get("Value")
                    .or_else(|| t.get("value"))?
                    .as_str()
                    .map(str::to_string)
            } else {
                None
            }
        })
    }
}

/// A short description of a JSON value for error messages.
pub fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("{b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => {
            let short: String = s.chars().take(40).collect();
            format!("the string {short:?}")
        }
        Value::Array(a) => format!("an array of {}", a.len()),
        Value::Object(_) => "an object".into(),
    }
}
