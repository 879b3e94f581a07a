//! Reading VPC Flow Log files: plain or gzip text, one record per line,
//! fields separated by spaces, in the default version-2 format or a custom
//! format whose field names are on the file's header line (as Amazon S3
//! delivery writes them) or given with `--format`.
//!
//! Fields are found by name, so any order and any extra fields are read;
//! `-` is a missing value. Names are accepted with hyphens (`srcaddr`,
//! `log-status`), underscores (`log_status`, as Athena writes them) or as
//! `${field}` (the `--log-format` syntax).
//!
//! Owns: files → [`Record`]s. Must not: know the scenario.

use std::io::Read;
use std::net::IpAddr;
use std::path::Path;

use super::super::ImportError;

/// The default format (version 2), in order.
pub const DEFAULT_FIELDS: [&str; 14] = [
    "version",
    "account-id",
    "interface-id",
    "srcaddr",
    "dstaddr",
    "srcport",
    "dstport",
    "protocol",
    "packets",
    "bytes",
    "start",
    "end",
    "action",
    "log-status",
];

/// The fields a record cannot do without.
const REQUIRED: [&str; 7] = [
    "srcaddr", "dstaddr", "srcport", "dstport", "protocol", "bytes", "start",
];

/// One flow-log record, with what the import uses of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The network interface that captured it (`-` when the format has none).
    pub interface: String,
    /// Addresses as captured on the interface.
    pub src: IpAddr,
    pub dst: IpAddr,
    /// The packet's original addresses (`pkt-srcaddr`, `pkt-dstaddr`) where
    /// they differ, e.g. through a NAT gateway.
    pub pkt_src: Option<IpAddr>,
    pub pkt_dst: Option<IpAddr>,
    pub src_port: u16,
    pub dst_port: u16,
    /// IANA protocol number.
    pub protocol: u8,
    pub bytes: u64,
    /// Start of the aggregation interval, Unix seconds.
    pub start: u64,
    /// OR of the TCP flags seen (`tcp-flags`), when the format has them.
    pub tcp_flags: Option<u16>,
    /// `pkt-src-aws-service`, `pkt-dst-aws-service` (`S3`, `DYNAMODB`, ...).
    pub src_service: Option<String>,
    pub dst_service: Option<String>,
}

/// A file's records and the lines it skipped.
#[derive(Debug, Default)]
pub struct FileRecords {
    pub records: Vec<Record>,
    /// Records with `log-status` NODATA or SKIPDATA (no flow data).
    pub no_data: u64,
    /// Records whose action is REJECT.
    pub rejected: u64,
}

/// Reads one flow-log file (gzip when it starts with the gzip magic).
/// `format` is the `--format` field list, used when the file has no header.
pub fn read_file(path: &Path, format: Option<&[String]>) -> Result<FileRecords, ImportError> {
    let file = path.display().to_string();
    let bytes = crate::input::read(path, crate::input::Kind::Import)?;
    let bytes = if bytes.starts_with(&[0x1f, 0x8b]) {
        gunzip(&bytes, &file)?
    } else {
        bytes
    };
    let text = String::from_utf8(bytes).map_err(|e| {
        let (line, col) = crate::input::position_of(e.as_bytes(), e.utf8_error().valid_up_to());
        ImportError::Syntax {
            file: file.clone(),
            line,
            col,
            message: "not UTF-8 text: a flow log is text, plain or gzip".into(),
        }
    })?;
    parse(&text, &file, format)
}

/// Decompresses within the cap of import sources (a small file that
/// inflates without bound is refused, not read into memory).
fn gunzip(bytes: &[u8], file: &str) -> Result<Vec<u8>, ImportError> {
    let cap = crate::input::cap(crate::input::Kind::Import)?;
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(bytes)
        .take(cap.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(|e| ImportError::Format {
            file: file.to_string(),
            message: format!("not a readable gzip file: {e}"),
        })?;
    if out.len() as u64 > cap {
        return Err(ImportError::Format {
            file: file.to_string(),
            message: format!(
                "decompresses to more than {} (the cap of import sources; raise it with {}=import=<size>)",
                crate::units::Bytes(cap),
                crate::input::ENV
            ),
        });
    }
    Ok(out)
}

/// A field name as the import compares it: `${log_status}` → `log-status`.
pub fn normalise(name: &str) -> String {
    name.trim()
        .trim_start_matches("${")
        .trim_end_matches('}')
        .to_ascii_lowercase()
        .replace('_', "-")
}

/// Splits a `--format` value (`${version} ${srcaddr} ...` or
/// `srcaddr,dstaddr,...`) into field names.
pub fn format_fields(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || c == ',')
        .filter(|s| !s.is_empty())
        .map(normalise)
        .collect()
}

/// Whether a line is a header: its first token is a field name, not a value.
fn is_header(line: &str) -> bool {
    line.split_whitespace().next().is_some_and(|t| {
        let t = normalise(t);
        t.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    })
}

/// Parses the text of one file.
pub fn parse(
    text: &str,
    file: &str,
    format: Option<&[String]>,
) -> Result<FileRecords, ImportError> {
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_end_matches('\r')))
        .filter(|(_, l)| !l.trim().is_empty())
        .peekable();
    let fields: Vec<String> = match lines.peek() {
        Some((_, l)) if is_header(l) => {
            let f = l.split_whitespace().map(normalise).collect();
            lines.next();
            f
        }
        _ => match format {
            Some(f) => f.to_vec(),
            None => DEFAULT_FIELDS.iter().map(|s| s.to_string()).collect(),
        },
    };
    let layout = Layout::new(&fields, file, format.is_some())?;
    let mut out = FileRecords::default();
    for (line, l) in lines {
        let values: Vec<&str> = l.split_whitespace().collect();
        if values.len() != fields.len() {
            return Err(ImportError::Syntax {
                file: file.to_string(),
                line,
                col: 1,
                message: format!(
                    "expected {} fields ({}), found {}",
                    fields.len(),
                    layout.origin,
                    values.len()
                ),
            });
        }
        layout.record(&values, file, line, &mut out)?;
    }
    Ok(out)
}

/// Where each field the import reads is on a line.
struct Layout {
    /// What the field list came from, for messages.
    origin: &'static str,
    at: std::collections::BTreeMap<&'static str, usize>,
}

/// Every field the import reads.
const READ: [&str; 15] = [
    "interface-id",
    "srcaddr",
    "dstaddr",
    "pkt-srcaddr",
    "pkt-dstaddr",
    "srcport",
    "dstport",
    "protocol",
    "bytes",
    "start",
    "action",
    "log-status",
    "tcp-flags",
    "pkt-src-aws-service",
    "pkt-dst-aws-service",
];

impl Layout {
    fn new(fields: &[String], file: &str, given: bool) -> Result<Layout, ImportError> {
        let origin = if given {
            "as --format says"
        } else if fields.len() == DEFAULT_FIELDS.len()
            && fields.iter().zip(DEFAULT_FIELDS).all(|(a, b)| a == b)
        {
            "the default version-2 format"
        } else {
            "as the header line says"
        };
        let mut at = std::collections::BTreeMap::new();
        for name in READ {
            if let Some(i) = fields.iter().position(|f| f == name) {
                at.insert(name, i);
            }
        }
        let missing: Vec<&str> = REQUIRED
            .iter()
            .copied()
            .filter(|f| !at.contains_key(f))
            .collect();
        if !missing.is_empty() {
            return Err(ImportError::Format {
                file: file.to_string(),
                message: format!(
                    "the flow-log format ({origin}: {}) lacks the field{} {}; a record needs {}",
                    fields.join(" "),
                    if missing.len() == 1 { "" } else { "s" },
                    missing.join(", "),
                    REQUIRED.join(", ")
                ),
            });
        }
        Ok(Layout { origin, at })
    }

    /// The value of `field`, `None` when the format lacks it or it is `-`.
    fn get<'v>(&self, values: &[&'v str], field: &str) -> Option<&'v str> {
        let v = *values.get(*self.at.get(field)?)?;
        (v != "-").then_some(v)
    }

    fn record(
        &self,
        values: &[&str],
        file: &str,
        line: usize,
        out: &mut FileRecords,
    ) -> Result<(), ImportError> {
        let status = self.get(values, "log-status");
        if matches!(status, Some("NODATA") | Some("SKIPDATA")) {
            out.no_data += 1;
            return Ok(());
        }
        if self.get(values, "action") == Some("REJECT") {
            out.rejected += 1;
            return Ok(());
        }
        let bad = |field: &str, what: &str| {
            let col = values
                .iter()
                .take(self.at.get(field).copied().unwrap_or(0))
                .map(|v| v.len() + 1)
                .sum::<usize>()
                + 1;
            ImportError::Syntax {
                file: file.to_string(),
                line,
                col,
                message: format!(
                    "field {field}: expected {what}, found {:?}",
                    self.get(values, field).unwrap_or("-")
                ),
            }
        };
        let req = |field: &str, what: &str| self.get(values, field).ok_or_else(|| bad(field, what));
        let ip = |field: &str| -> Result<IpAddr, ImportError> {
            req(field, "an IP address")?
                .parse()
                .map_err(|_| bad(field, "an IP address"))
        };
        let num = |field: &str, what: &str| -> Result<u64, ImportError> {
            req(field, what)?.parse().map_err(|_| bad(field, what))
        };
        let opt_ip = |field: &str| -> Result<Option<IpAddr>, ImportError> {
            match self.get(values, field) {
                None => Ok(None),
                Some(v) => v.parse().map(Some).map_err(|_| bad(field, "an IP address")),
            }
        };
        let port = |field: &str| -> Result<u16, ImportError> {
            u16::try_from(num(field, "a port (0 to 65535)")?)
                .map_err(|_| bad(field, "a port (0 to 65535)"))
        };
        let tcp_flags = match self.get(values, "tcp-flags") {
            None => None,
            Some(v) => Some(v.parse().map_err(|_| bad("tcp-flags", "a number"))?),
        };
        out.records.push(Record {
            interface: self.get(values, "interface-id").unwrap_or("-").to_string(),
            src: ip("srcaddr")?,
            dst: ip("dstaddr")?,
            pkt_src: opt_ip("pkt-srcaddr")?,
            pkt_dst: opt_ip("pkt-dstaddr")?,
            src_port: port("srcport")?,
            dst_port: port("dstport")?,
            protocol: u8::try_from(num("protocol", "an IANA protocol number")?)
                .map_err(|_| bad("protocol", "an IANA protocol number (0 to 255)"))?,
            bytes: num("bytes", "a byte count")?,
            start: num("start", "Unix seconds")?,
            tcp_flags,
            src_service: self.get(values, "pkt-src-aws-service").map(str::to_string),
            dst_service: self.get(values, "pkt-dst-aws-service").map(str::to_string),
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEFAULT: &str = "\
2 123456789012 eni-1 10.0.1.5 10.0.2.9 40001 443 6 10 1500 1700000000 1700000060 ACCEPT OK
2 123456789012 eni-1 - - - - - - - 1700000000 1700000060 - NODATA
2 123456789012 eni-1 10.0.1.5 10.0.2.9 40002 22 6 1 60 1700000000 1700000060 REJECT OK
";

    #[test]
    fn the_default_format_reads_without_a_header() {
        let r = parse(DEFAULT, "f.log", None).expect("parses");
        assert_eq!(r.records.len(), 1);
        assert_eq!((r.no_data, r.rejected), (1, 1));
        let rec = &r.records[0];
        assert_eq!(rec.interface, "eni-1");
        assert_eq!((rec.src_port, rec.dst_port, rec.protocol), (40001, 443, 6));
        assert_eq!((rec.bytes, rec.start), (1500, 1_700_000_000));
        assert_eq!(rec.tcp_flags, None);
    }

    #[test]
    fn custom_fields_are_read_by_name_in_any_order() {
        let text = "\
start bytes dstaddr srcaddr dstport srcport protocol tcp-flags pkt-dst-aws-service vpc-id
1700000060 900 52.216.1.2 10.0.1.5 443 40003 6 2 S3 vpc-1
";
        let r = parse(text, "f.log", None).expect("parses");
        let rec = &r.records[0];
        assert_eq!(rec.src.to_string(), "10.0.1.5");
        assert_eq!(rec.dst.to_string(), "52.216.1.2");
        assert_eq!((rec.bytes, rec.start), (900, 1_700_000_060));
        assert_eq!(rec.tcp_flags, Some(2));
        assert_eq!(rec.dst_service.as_deref(), Some("S3"));
        assert_eq!(rec.interface, "-");
        // Athena's underscores and the ${} syntax name the same fields.
        assert_eq!(normalise("${log_status}"), "log-status");
        assert_eq!(
            format_fields("${srcaddr} ${dstaddr},${start}"),
            ["srcaddr", "dstaddr", "start"]
        );
    }

    #[test]
    fn bad_lines_are_positioned() {
        let e = parse(
            "2 1 eni-1 10.0.1.5 10.0.2.9 40001 443 6 10 1500 1700000000\n",
            "f.log",
            None,
        )
        .expect_err("short line");
        assert!(
            e.to_string().starts_with(
                "f.log:1:1: expected 14 fields (the default version-2 format), found 11"
            ),
            "{e}"
        );
        let e = parse(
            "srcaddr dstaddr srcport dstport protocol bytes start\n10.0.0.1 10.0.0.2 1 2 6 lots 5\n",
            "f.log",
            None,
        )
        .expect_err("bad bytes");
        assert_eq!(
            e.to_string(),
            "f.log:2:25: field bytes: expected a byte count, found \"lots\""
        );
        let e = parse("version srcaddr dstaddr\n", "f.log", None).expect_err("no ports");
        assert!(
            e.to_string()
                .contains("lacks the fields srcport, dstport, protocol, bytes, start"),
            "{e}"
        );
    }

    #[test]
    fn cut_and_mangled_text_is_an_error_not_a_panic() {
        let text =
            "version interface-id srcaddr dstaddr srcport dstport protocol bytes start tcp-flags\n\
                    5 eni-1 10.0.1.5 10.0.2.9 40001 443 6 1500 1700000000 3\n";
        for cut in 0..text.len() {
            let _ = parse(&text[..cut], "f.log", None);
            let mangled: String = text
                .char_indices()
                .map(|(i, c)| if i == cut && c != '\n' { 'x' } else { c })
                .collect();
            let _ = parse(&mangled, "f.log", None);
        }
    }

    #[test]
    fn gzip_is_read_and_bounded() {
        use std::io::Write;
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("f.log.gz");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(DEFAULT.as_bytes()).expect("write");
        std::fs::write(&p, gz.finish().expect("finish")).expect("write");
        let r = read_file(&p, None).expect("reads");
        assert_eq!(r.records.len(), 1);
        std::fs::write(&p, [0x1f, 0x8b, 0, 1, 2]).expect("write");
        let e = read_file(&p, None).expect_err("broken gzip");
        assert!(e.to_string().contains("not a readable gzip file"), "{e}");
    }
}
