//! Whole-chart tests: files written, PNG decodable at the right size, SVG
//! carrying its texts, skipping, folding, determinism.

use std::path::Path;

use super::*;

/// A small deterministic pseudo-random stream (no dependency on `rand`'s
/// stream, which these fixtures must not follow).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The fixture's run: a day, with the endpoint AZ outage of
/// [`throughput_fixture`] and an acceptance at 1 h as its events.
fn meta() -> ChartMeta {
    ChartMeta {
        scenario: "quickstart".to_string(),
        seed: 42,
        window_s: 86_400.0,
        projected: false,
        monthly_usd: Some(1234.5),
        timeline: Timeline {
            windows: vec![EventWindow {
                start_s: 43_200.0,
                end_s: 45_000.0,
                open_end: false,
                label: "use1-az2 down".to_string(),
                kind: WindowKind::Outage,
            }],
            markers: vec![EventMarker {
                time_s: 3_600.0,
                label: "acme-orders accepted".to_string(),
            }],
        },
    }
}

/// The standard normal CDF (Abramowitz–Stegun 7.1.26 for erf).
fn normal_cdf(z: f64) -> f64 {
    let x = z.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erf = 1.0 - poly * (-x * x).exp();
    if z >= 0.0 {
        0.5 * (1.0 + erf)
    } else {
        0.5 * (1.0 - erf)
    }
}

/// A day of a PrivateLink-heavy architecture: two endpoint AZs (one out for
/// 30 minutes at 12 h, its peer taking the load), a DX link, a NAT gateway
/// and `tgw_attachments` small TGW attachments; sampled every minute.
pub(super) fn throughput_fixture(tgw_attachments: usize) -> Vec<ResourceSeries> {
    let day = 86_400.0;
    let step = 60.0;
    let n = (day / step) as usize;
    let diurnal = |t: f64| 0.55 + 0.45 * (2.0 * std::f64::consts::PI * (t / day - 0.3)).sin();
    let outage = |t: f64| (43_200.0..45_000.0).contains(&t);
    let mut rng = Lcg(7);
    let mut series = |name: &str, kind: &str, f: &dyn Fn(f64, f64) -> f64, cap: Vec<(f64, f64)>| {
        let points = (0..=n)
            .map(|i| {
                let t = i as f64 * step;
                (t, f(t, rng.next()).max(0.0))
            })
            .collect();
        ResourceSeries {
            name: name.to_string(),
            kind: kind.to_string(),
            points,
            capacity: cap,
        }
    };
    let mut out = vec![
        series(
            "acme-orders/use1-az1",
            "endpoint AZ",
            &|t, r| {
                let base = 6e9 * diurnal(t) * (0.9 + 0.2 * r);
                if outage(t) {
                    2.0 * base
                } else {
                    base
                }
            },
            vec![(0.0, 10e9), (21_600.0, 40e9)],
        ),
        series(
            "acme-orders/use1-az2",
            "endpoint AZ",
            &|t, r| {
                if outage(t) {
                    0.0
                } else {
                    5.5e9 * diurnal(t) * (0.9 + 0.2 * r)
                }
            },
            vec![
                (0.0, 10e9),
                (21_600.0, 40e9),
                (43_200.0, 0.0),
                (45_000.0, 40e9),
            ],
        ),
        series(
            "dx-ashburn-1",
            "DX link",
            &|t, r| (7.2e9 * diurnal(t) + 1e9 * r).min(10e9),
            vec![(0.0, 10e9)],
        ),
        series(
            "nat-use1-az1",
            "NAT",
            &|t, r| 1.5e9 * diurnal(t) * (0.8 + 0.4 * r),
            vec![(0.0, 45e9)],
        ),
    ];
    for k in 0..tgw_attachments {
        let scale = 2e8 + 1.1e8 * k as f64;
        out.push(series(
            &format!("tgw-attach-spoke-{k:02}"),
            "TGW attachment",
            &move |t, r| scale * diurnal(t + 600.0 * k as f64) * (0.7 + 0.6 * r),
            vec![(0.0, 50e9)],
        ));
    }
    out
}

pub(super) fn cost_fixture() -> Vec<AccountCost> {
    let acct = |name: &str, cats: &[(&str, f64)]| AccountCost {
        account: name.to_string(),
        by_category: cats.iter().map(|(c, v)| (c.to_string(), *v)).collect(),
    };
    vec![
        acct(
            "provider",
            &[
                ("endpoint_data_processed", 412.5),
                ("cross_az", 96.2),
                ("nat_hours", 32.4),
                ("nat_data_processed", 58.1),
            ],
        ),
        acct(
            "acme",
            &[
                ("endpoint_hours", 14.6),
                ("endpoint_data_processed", 188.0),
                ("cross_az", 41.7),
            ],
        ),
        acct(
            "globex",
            &[
                ("endpoint_hours", 29.2),
                ("endpoint_data_processed", 75.3),
                ("tgw_attachment_hours", 36.5),
                ("tgw_data_processed", 22.0),
            ],
        ),
        acct(
            "shared-network",
            &[
                ("tgw_attachment_hours", 109.5),
                ("dx_port_hours", 219.0),
                ("dx_data_out", 61.4),
                ("internet_out", 17.9),
            ],
        ),
        acct(
            "initech",
            &[("endpoint_hours", 7.3), ("peering_cross_az", 3.1)],
        ),
    ]
}

pub(super) fn conn_fixture() -> Vec<ConnCell> {
    let cell = |s: &str, t: &str, d: u64, denied: &[(&str, u64)]| ConnCell {
        source: s.to_string(),
        target: t.to_string(),
        delivered: d,
        denied: denied.iter().map(|(r, n)| (r.to_string(), *n)).collect(),
    };
    vec![
        cell("acme-web", "orders (PrivateLink)", 172_800, &[]),
        cell(
            "acme-web",
            "payments (PrivateLink)",
            0,
            &[("NOT_ALLOWED_PRINCIPAL", 8_640)],
        ),
        cell("acme-web", "s3 (gateway endpoint)", 43_200, &[]),
        cell(
            "globex-api",
            "orders (PrivateLink)",
            0,
            &[("PENDING_ACCEPTANCE", 3_600)],
        ),
        cell(
            "globex-api",
            "payments (PrivateLink)",
            51_000,
            &[("AZ_UNAVAILABLE", 1_800)],
        ),
        cell(
            "initech-batch",
            "orders (PrivateLink)",
            2_400,
            &[("SECURITY_GROUP_DENY", 7_200)],
        ),
        cell("initech-batch", "on-prem 10.200.0.0/16 via DX", 20_000, &[]),
        cell(
            "legacy-reporting-service-in-the-old-shared-services-vpc",
            "on-prem 10.200.0.0/16 via DX",
            0,
            &[("TRANSITIVE_PEERING", 1_440)],
        ),
        cell(
            "legacy-reporting-service-in-the-old-shared-services-vpc",
            "internet (NAT)",
            900,
            &[("NO_ROUTE", 60), ("NACL_DENY", 30)],
        ),
    ]
}

pub(super) fn fct_fixture() -> Vec<FctSeries> {
    // Log-normal completion times: (class, median s, sigma).
    let classes = [
        ("checkout", 0.018, 0.6),
        ("batch-upload", 2.4, 0.9),
        ("health-check", 0.0011, 0.3),
    ];
    classes
        .iter()
        .map(|&(class, median, sigma)| {
            let points = (0..=200)
                .map(|i| {
                    let z = -4.0 + 8.0 * f64::from(i) / 200.0;
                    let t = median * (sigma * z).exp();
                    (t, normal_cdf(z))
                })
                .collect();
            FctSeries {
                class: class.to_string(),
                points,
            }
        })
        .collect()
}

pub(super) fn cross_az_fixture() -> Vec<CrossAzPoint> {
    let day = 86_400.0;
    let mut rng = Lcg(11);
    (1..=288)
        .map(|i| {
            let t = f64::from(i) * 300.0;
            let diurnal = 0.55 + 0.45 * (2.0 * std::f64::consts::PI * (t / day - 0.3)).sin();
            let bytes = 120e9 * diurnal * (0.85 + 0.3 * rng.next());
            (t, bytes, bytes / 1e9 * 0.02)
        })
        .collect()
}

pub(super) fn full_fixture() -> ChartData {
    ChartData {
        throughput: throughput_fixture(10),
        cost: cost_fixture(),
        connectivity: conn_fixture(),
        fct: fct_fixture(),
        cross_az: cross_az_fixture(),
    }
}

/// A minimal PNG reader for tests: checks the signature and every chunk's
/// CRC, inflates the image data (checking its Adler-32), undoes the row
/// filters, and returns `(width, height, RGB(A) rows)`.
mod png {
    pub struct Image {
        pub width: u32,
        pub height: u32,
        pub channels: usize,
        pub pixels: Vec<u8>,
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xffff_ffffu32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xedb8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    fn adler32(bytes: &[u8]) -> u32 {
        let (mut a, mut b) = (1u32, 0u32);
        for &x in bytes {
            a = (a + u32::from(x)) % 65_521;
            b = (b + a) % 65_521;
        }
        (b << 16) | a
    }

    struct Bits<'a> {
        data: &'a [u8],
        pos: usize,
        buf: u64,
        cnt: u32,
    }

    impl Bits<'_> {
        fn bits(&mut self, n: u32) -> Result<u32, String> {
            while self.cnt < n {
                let byte = *self.data.get(self.pos).ok_or("deflate: out of data")?;
                self.pos += 1;
                self.buf |= u64::from(byte) << self.cnt;
                self.cnt += 8;
            }
            let v = (self.buf & ((1u64 << n) - 1)) as u32;
            self.buf >>= n;
            self.cnt -= n;
            Ok(v)
        }
        fn align(&mut self) {
            self.buf = 0;
            self.cnt = 0;
        }
    }

    struct Huffman {
        counts: [i32; 16],
        symbols: Vec<u16>,
    }

    impl Huffman {
        fn new(lengths: &[u8]) -> Huffman {
            let mut counts = [0i32; 16];
            for &l in lengths {
                counts[l as usize] += 1;
            }
            counts[0] = 0;
            let mut offs = [0usize; 16];
            for l in 1..16 {
                offs[l] = offs[l - 1] + counts[l - 1] as usize;
            }
            let mut symbols = vec![0u16; lengths.len()];
            for (sym, &l) in lengths.iter().enumerate() {
                if l != 0 {
                    symbols[offs[l as usize]] = sym as u16;
                    offs[l as usize] += 1;
                }
            }
            Huffman { counts, symbols }
        }

        fn decode(&self, br: &mut Bits) -> Result<u16, String> {
            let (mut code, mut first, mut index) = (0i32, 0i32, 0i32);
            for len in 1..16 {
                code |= br.bits(1)? as i32;
                let count = self.counts[len];
                if code - count < first {
                    return Ok(self.symbols[(index + code - first) as usize]);
                }
                index += count;
                first = (first + count) << 1;
                code <<= 1;
            }
            Err("deflate: bad code".to_string())
        }
    }

    const LBASE: [u16; 29] = [
        3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115,
        131, 163, 195, 227, 258,
    ];
    const LEXT: [u8; 29] = [
        0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
    ];
    const DBASE: [u16; 30] = [
        1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
        2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
    ];
    const DEXT: [u8; 30] = [
        0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12,
        13, 13,
    ];

    fn codes(
        br: &mut Bits,
        out: &mut Vec<u8>,
        lit: &Huffman,
        dist: &Huffman,
    ) -> Result<(), String> {
        loop {
            let sym = lit.decode(br)? as usize;
            if sym < 256 {
                out.push(sym as u8);
            } else if sym == 256 {
                return Ok(());
            } else {
                let s = sym - 257;
                if s >= 29 {
                    return Err("deflate: bad length".to_string());
                }
                let len = LBASE[s] as usize + br.bits(u32::from(LEXT[s]))? as usize;
                let d = dist.decode(br)? as usize;
                if d >= 30 {
                    return Err("deflate: bad distance".to_string());
                }
                let back = DBASE[d] as usize + br.bits(u32::from(DEXT[d]))? as usize;
                if back > out.len() {
                    return Err("deflate: distance too far".to_string());
                }
                for _ in 0..len {
                    out.push(out[out.len() - back]);
                }
            }
        }
    }

    fn inflate(data: &[u8]) -> Result<Vec<u8>, String> {
        let mut br = Bits {
            data,
            pos: 0,
            buf: 0,
            cnt: 0,
        };
        let mut out = Vec::new();
        loop {
            let last = br.bits(1)?;
            match br.bits(2)? {
                0 => {
                    br.align();
                    let p = br.pos;
                    let hdr = data.get(p..p + 4).ok_or("deflate: short stored header")?;
                    let len = u16::from_le_bytes([hdr[0], hdr[1]]) as usize;
                    let body = data
                        .get(p + 4..p + 4 + len)
                        .ok_or("deflate: short stored")?;
                    out.extend_from_slice(body);
                    br.pos = p + 4 + len;
                }
                1 => {
                    let mut l = [8u8; 288];
                    l[144..256].fill(9);
                    l[256..280].fill(7);
                    codes(
                        &mut br,
                        &mut out,
                        &Huffman::new(&l),
                        &Huffman::new(&[5u8; 30]),
                    )?;
                }
                2 => {
                    let nlen = br.bits(5)? as usize + 257;
                    let ndist = br.bits(5)? as usize + 1;
                    let ncode = br.bits(4)? as usize + 4;
                    const ORDER: [usize; 19] = [
                        16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
                    ];
                    let mut cl = [0u8; 19];
                    for &o in &ORDER[..ncode] {
                        cl[o] = br.bits(3)? as u8;
                    }
                    let clh = Huffman::new(&cl);
                    let mut lengths = Vec::with_capacity(nlen + ndist);
                    while lengths.len() < nlen + ndist {
                        let sym = clh.decode(&mut br)?;
                        match sym {
                            0..=15 => lengths.push(sym as u8),
                            16 => {
                                let prev = *lengths.last().ok_or("deflate: repeat first")?;
                                for _ in 0..3 + br.bits(2)? {
                                    lengths.push(prev);
                                }
                            }
                            17 => lengths.extend(std::iter::repeat_n(0, 3 + br.bits(3)? as usize)),
                            _ => lengths.extend(std::iter::repeat_n(0, 11 + br.bits(7)? as usize)),
                        }
                    }
                    let lit = Huffman::new(&lengths[..nlen]);
                    let dist = Huffman::new(&lengths[nlen..nlen + ndist]);
                    codes(&mut br, &mut out, &lit, &dist)?;
                }
                _ => return Err("deflate: bad block type".to_string()),
            }
            if last == 1 {
                return Ok(out);
            }
        }
    }

    pub fn decode(bytes: &[u8]) -> Result<Image, String> {
        const SIG: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
        if bytes.get(..8) != Some(&SIG[..]) {
            return Err("no PNG signature".to_string());
        }
        let (mut pos, mut idat, mut ihdr, mut ended) = (8, Vec::new(), None, false);
        while pos + 12 <= bytes.len() {
            let len =
                u32::from_be_bytes(bytes[pos..pos + 4].try_into().map_err(|_| "len")?) as usize;
            let kind = &bytes[pos + 4..pos + 8];
            let data = bytes.get(pos + 8..pos + 8 + len).ok_or("short chunk")?;
            let crc = bytes
                .get(pos + 8 + len..pos + 12 + len)
                .ok_or("short crc")?;
            if crc32(&bytes[pos + 4..pos + 8 + len]).to_be_bytes() != crc {
                return Err(format!("bad CRC in {}", String::from_utf8_lossy(kind)));
            }
            match kind {
                b"IHDR" => ihdr = Some(data.to_vec()),
                b"IDAT" => idat.extend_from_slice(data),
                b"IEND" => ended = true,
                _ => {}
            }
            pos += 12 + len;
        }
        let ihdr = ihdr.ok_or("no IHDR")?;
        if !ended {
            return Err("no IEND".to_string());
        }
        let width = u32::from_be_bytes(ihdr[0..4].try_into().map_err(|_| "w")?);
        let height = u32::from_be_bytes(ihdr[4..8].try_into().map_err(|_| "h")?);
        let channels = match (ihdr[8], ihdr[9]) {
            (8, 2) => 3,
            (8, 6) => 4,
            other => return Err(format!("unexpected depth/colour {other:?}")),
        };
        if idat.len() < 6 {
            return Err("no image data".to_string());
        }
        let raw = inflate(&idat[2..idat.len() - 4])?;
        let adler = u32::from_be_bytes(idat[idat.len() - 4..].try_into().map_err(|_| "adler")?);
        if adler32(&raw) != adler {
            return Err("bad Adler-32".to_string());
        }
        let stride = width as usize * channels;
        if raw.len() != height as usize * (stride + 1) {
            return Err(format!(
                "{} bytes of image data for {width}×{height}",
                raw.len()
            ));
        }
        // Undo the row filters.
        let mut pixels = vec![0u8; height as usize * stride];
        for y in 0..height as usize {
            let filter = raw[y * (stride + 1)];
            let src = &raw[y * (stride + 1) + 1..(y + 1) * (stride + 1)];
            for x in 0..stride {
                let a = if x >= channels {
                    pixels[y * stride + x - channels]
                } else {
                    0
                };
                let b = if y > 0 {
                    pixels[(y - 1) * stride + x]
                } else {
                    0
                };
                let c = if x >= channels && y > 0 {
                    pixels[(y - 1) * stride + x - channels]
                } else {
                    0
                };
                let pred = match filter {
                    0 => 0,
                    1 => a,
                    2 => b,
                    3 => ((u16::from(a) + u16::from(b)) / 2) as u8,
                    4 => {
                        let p = i16::from(a) + i16::from(b) - i16::from(c);
                        let (pa, pb, pc) = (
                            (p - i16::from(a)).abs(),
                            (p - i16::from(b)).abs(),
                            (p - i16::from(c)).abs(),
                        );
                        if pa <= pb && pa <= pc {
                            a
                        } else if pb <= pc {
                            b
                        } else {
                            c
                        }
                    }
                    f => return Err(format!("bad filter {f}")),
                };
                pixels[y * stride + x] = src[x].wrapping_add(pred);
            }
        }
        Ok(Image {
            width,
            height,
            channels,
            pixels,
        })
    }
}

/// What every chart must show: its title, the run's subtitle, and these
/// axis labels.
fn expected_texts(kind: ChartKind) -> Vec<&'static str> {
    let mut t = vec![
        kind.title(),
        "scenario: quickstart · seed 42 · 1d simulated",
    ];
    // Time charts carry the run's events: the outage window and the
    // acceptance, each labelled, and the kind in the legend.
    let events = ["use1-az2 down", "acme-orders accepted", "AZ outage"];
    t.extend(match kind {
        ChartKind::Throughput => [vec!["Time (h)", "Throughput (Gbps)"], events.to_vec()].concat(),
        ChartKind::CostBreakdown => vec![
            "Account",
            "Cost of the 1d window (USD)",
            "per 730-hour month: $1,234.50",
            "Endpoint hours",
        ],
        ChartKind::Connectivity => vec!["Target (columns)", "Source (rows)"],
        ChartKind::Fct => vec!["Flow completion time (log scale)", "Flows completed (%)"],
        ChartKind::CrossAz => [
            vec![
                "Time (h)",
                "Data per interval (GiB)",
                "Cost per interval (USD)",
            ],
            events.to_vec(),
        ]
        .concat(),
    });
    t
}

fn check_files(dir: &Path, kind: ChartKind, written: &[PathBuf]) {
    let svg_path = dir.join("charts").join(format!("{}.svg", kind.name()));
    let png_path = dir.join("charts").join(format!("{}.png", kind.name()));
    assert_eq!(written, [svg_path.clone(), png_path.clone()], "{kind:?}");

    let png = std::fs::read(&png_path).expect("png written");
    let img = png::decode(&png).unwrap_or_else(|e| panic!("{kind:?}: {e}"));
    assert_eq!((img.width, img.height), CHART_SIZE, "{kind:?}");
    // A drawn chart has many colours (text antialiasing, series); a blank or
    // half-drawn canvas has one or two.
    let mut colours: Vec<&[u8]> = img.pixels.chunks(img.channels).collect();
    colours.sort_unstable();
    colours.dedup();
    assert!(colours.len() > 20, "{kind:?}: {} colours", colours.len());

    let svg = std::fs::read_to_string(&svg_path).expect("svg written");
    assert!(
        svg.starts_with("<svg") || svg.starts_with("<?xml"),
        "{kind:?}"
    );
    assert!(svg.trim_end().ends_with("</svg>"), "{kind:?}: closed");
    for text in expected_texts(kind) {
        assert!(svg.contains(text), "{kind:?}: SVG lacks {text:?}");
    }
    // No temporary file is left next to the charts.
    let leftovers: Vec<_> = std::fs::read_dir(dir.join("charts"))
        .expect("charts dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn every_chart_renders_a_decodable_png_and_an_svg_with_its_texts() {
    // Each chart is written from small synthetic data; the PNG is decoded
    // here (signature, CRCs, inflate, filters), so a truncated or mis-sized
    // image fails, and the SVG must hold the title, the subtitle and the
    // axis labels a reader needs.
    let data = ChartData {
        throughput: throughput_fixture(2),
        cost: cost_fixture(),
        connectivity: conn_fixture(),
        fct: fct_fixture(),
        cross_az: cross_az_fixture(),
    };
    let m = meta();
    for kind in ChartKind::ALL {
        let dir = tempfile::tempdir().expect("tempdir");
        let written = match kind {
            ChartKind::Throughput => render_throughput(dir.path(), &m, &data.throughput),
            ChartKind::CostBreakdown => render_cost_breakdown(dir.path(), &m, &data.cost),
            ChartKind::Connectivity => render_connectivity(dir.path(), &m, &data.connectivity),
            ChartKind::Fct => render_fct(dir.path(), &m, &data.fct),
            ChartKind::CrossAz => render_cross_az(dir.path(), &m, &data.cross_az),
        }
        .unwrap_or_else(|e| panic!("{kind:?}: {e}"));
        check_files(dir.path(), kind, &written);
    }
}

#[test]
fn short_runs_use_minutes_and_small_rates_use_mbps() {
    // A 30-minute run at a few hundred Mbps: the axes must say so instead
    // of showing 0.5 h and 0.3 Gbps.
    let series = vec![ResourceSeries {
        name: "nat-a".to_string(),
        kind: "NAT".to_string(),
        points: (0..=30)
            .map(|i| (f64::from(i) * 60.0, 3e8 + 1e7 * f64::from(i)))
            .collect(),
        capacity: vec![(0.0, 5e8)],
    }];
    let svg = throughput_svg(&meta(), &series)
        .expect("draws")
        .expect("not skipped");
    assert!(svg.contains("Time (min)"));
    assert!(svg.contains("Throughput (Mbps)"));
}

#[test]
fn a_run_with_one_sample_shows_it_from_time_zero() {
    // A one-minute run sampled every minute has one sample per resource, at
    // 60 s: the axis starts at 0 and the sample is marked (a line through
    // one point draws nothing).
    let series = vec![ResourceSeries {
        name: "endpoint:e/use1-az1".to_string(),
        kind: "endpoint-az".to_string(),
        points: vec![(60.0, 4e8)],
        capacity: vec![(0.0, 1e10)],
    }];
    let t = throughput::prepare(&series).expect("chart");
    assert_eq!(t.x.start, 0.0);
    let svg = throughput_svg(&meta(), &series)
        .expect("draws")
        .expect("not skipped");
    assert!(svg.contains("<circle"), "the lone sample is marked");
}

#[test]
fn charts_with_nothing_to_show_are_skipped() {
    // Empty inputs, a connectivity matrix of one always-delivered pair and
    // an all-zero cross-AZ series draw nothing and write no file.
    let dir = tempfile::tempdir().expect("tempdir");
    let m = meta();
    assert!(render_all(dir.path(), &m, &ChartData::default())
        .expect("no error")
        .is_empty());
    let quiet = ChartData {
        throughput: vec![ResourceSeries {
            name: "idle".to_string(),
            kind: "NAT".to_string(),
            points: Vec::new(),
            capacity: vec![(0.0, 45e9)],
        }],
        cost: vec![AccountCost {
            account: "free".to_string(),
            by_category: vec![("peering_same_az".to_string(), 0.0)],
        }],
        connectivity: vec![ConnCell {
            source: "a".to_string(),
            target: "b".to_string(),
            delivered: 100,
            denied: Vec::new(),
        }],
        fct: vec![FctSeries {
            class: "none".to_string(),
            points: Vec::new(),
        }],
        cross_az: vec![(60.0, 0.0, 0.0), (120.0, 0.0, 0.0)],
    };
    assert!(render_all(dir.path(), &m, &quiet)
        .expect("no error")
        .is_empty());
    assert!(chart_svgs(&m, &quiet).expect("no error").is_empty());
    assert!(
        !dir.path().join("charts").exists() || {
            std::fs::read_dir(dir.path().join("charts"))
                .expect("dir")
                .next()
                .is_none()
        }
    );
}

#[test]
fn fifty_resources_show_the_top_eight_and_one_others_line() {
    // 4 named resources + 46 TGW attachments: the legend must list at most
    // TOP_RESOURCES + 1 lines, the last one standing for the rest.
    let input = throughput_fixture(46);
    assert_eq!(input.len(), 50);
    let t = throughput::prepare(&input).expect("chart");
    assert!(t.lines.len() <= 9, "{} lines", t.lines.len());
    assert_eq!(t.lines.len(), TOP_RESOURCES + 1);
    assert_eq!(
        t.lines.last().map(|l| l.label.as_str()),
        Some("others (42 resources)")
    );
    // The busiest resource comes first.
    assert_eq!(t.lines[0].label, "acme-orders/use1-az1");
    let svg = throughput_svg(&meta(), &input)
        .expect("draws")
        .expect("drawn");
    assert!(svg.contains("others (42 resources)"));
    assert!(
        !svg.contains("tgw-attach-spoke-00 "),
        "small ones are folded"
    );
}

#[test]
fn rendering_is_deterministic() {
    // Two renders of the same data (here into two folders) give the same
    // bytes, SVG and PNG: no clock, no hash-order, no address leaks in.
    let data = full_fixture();
    let m = meta();
    let (a, b) = (
        tempfile::tempdir().expect("a"),
        tempfile::tempdir().expect("b"),
    );
    let wa = render_all(a.path(), &m, &data).expect("a renders");
    let wb = render_all(b.path(), &m, &data).expect("b renders");
    assert_eq!(wa.len(), 2 * ChartKind::ALL.len());
    for (pa, pb) in wa.iter().zip(&wb) {
        let (ba, bb) = (std::fs::read(pa).expect("a"), std::fs::read(pb).expect("b"));
        assert!(ba == bb, "{} differs between two renders", pa.display());
    }
    assert_eq!(
        chart_svgs(&m, &data).expect("svgs"),
        chart_svgs(&m, &data).expect("svgs")
    );
    // The SVG handed to the HTML report is the file's content.
    let inline = chart_svgs(&m, &data).expect("svgs");
    let file = std::fs::read_to_string(a.path().join("charts/throughput.svg")).expect("svg");
    assert_eq!(inline[0].1, file);
}

#[test]
fn markup_in_names_is_escaped_in_svg() {
    // A resource named like a tag must stay text: the SVG holds the escaped
    // form and no raw `<script`.
    let mut input = throughput_fixture(0);
    input[0].name = "<script>alert(1)</script>".to_string();
    let svg = throughput_svg(&meta(), &input)
        .expect("draws")
        .expect("drawn");
    assert!(!svg.contains("<script"));
    assert!(svg.contains("&lt;script&gt;"));
}

#[test]
fn degenerate_inputs_draw_without_error() {
    // One sample, NaN, infinities, negative amounts, zero throughput, a 1×1
    // matrix: each either draws or is skipped, never fails or panics.
    let m = meta();
    let data = ChartData {
        throughput: vec![
            ResourceSeries {
                name: String::new(),
                kind: String::new(),
                points: vec![(5.0, 0.0), (f64::NAN, 1e9), (6.0, f64::INFINITY)],
                capacity: Vec::new(),
            },
            ResourceSeries {
                name: "one".to_string(),
                kind: "NAT".to_string(),
                points: vec![(5.0, 0.0)],
                capacity: vec![(5.0, 1e9)],
            },
        ],
        cost: vec![AccountCost {
            account: "a".to_string(),
            by_category: vec![
                ("cross_az".to_string(), -3.0),
                ("nat_hours".to_string(), 0.5),
            ],
        }],
        connectivity: vec![ConnCell {
            source: "a".to_string(),
            target: "b".to_string(),
            delivered: 0,
            denied: vec![("NO_ROUTE".to_string(), 1)],
        }],
        fct: vec![FctSeries {
            class: "x".to_string(),
            points: vec![(0.01, 1.0)],
        }],
        cross_az: vec![(60.0, 1e6, f64::NAN), (60.0, 2e6, 0.0)],
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let written = render_all(dir.path(), &m, &data).expect("draws");
    assert_eq!(written.len(), 2 * ChartKind::ALL.len());
}

/// Writes every chart of the realistic fixture to
/// `$TMPDIR/vpcsim-chart-samples/charts/` for a person to look at.
#[test]
#[ignore = "writes sample charts for visual review"]
fn write_samples() {
    let dir = std::env::temp_dir().join("vpcsim-chart-samples");
    let written = render_all(&dir, &meta(), &full_fixture()).expect("renders");
    for p in written {
        println!("{}", p.display());
    }
    // Large inputs: what the folding and truncation must keep readable.
    let mut conn = Vec::new();
    for s in 0..40u64 {
        for t in 0..30u64 {
            if (s * 7 + t * 3) % 5 == 0 {
                continue;
            }
            let denied = match (s + t) % 6 {
                0 => vec![("NO_ROUTE".to_string(), 5 + s)],
                1 => vec![("SECURITY_GROUP_DENY".to_string(), 40)],
                2 => vec![(format!("REASON_{}", t % 11), 3 * t)],
                _ => Vec::new(),
            };
            conn.push(ConnCell {
                source: format!("workload-{s:02}-in-account-{}-vpc-prod-main", s % 7),
                target: format!("service-{t:02}.vpce.amazonaws.com (PrivateLink)"),
                delivered: 100 * (s % 4) + t,
                denied,
            });
        }
    }
    let cost = (0..30)
        .map(|i: u32| AccountCost {
            account: format!("customer-account-number-{i:02}"),
            by_category: vec![
                ("endpoint_hours".to_string(), 7.3 * f64::from(i % 4 + 1)),
                ("endpoint_data_processed".to_string(), 3.0 * f64::from(i)),
                ("cross_az".to_string(), f64::from(i * i) / 10.0),
            ],
        })
        .collect();
    let fct = (0..12)
        .map(|i: u32| FctSeries {
            class: format!("class-{i}"),
            points: (1..=40)
                .map(|k| (1e-3 * f64::from(i + 1) * f64::from(k), f64::from(k) / 40.0))
                .collect(),
        })
        .collect();
    let large = ChartData {
        throughput: throughput_fixture(46),
        cost,
        connectivity: conn,
        fct,
        cross_az: cross_az_fixture()[..24].to_vec(),
    };
    let dir = std::env::temp_dir().join("vpcsim-chart-samples-large");
    for p in render_all(&dir, &meta(), &large).expect("renders") {
        println!("{}", p.display());
    }
    // A short run with one small resource and a capacity change.
    let short = vec![ResourceSeries {
        name: "nat-use1-az2".to_string(),
        kind: "NAT".to_string(),
        points: (0..=90)
            .map(|i| (f64::from(i) * 20.0, 2e8 + 4e6 * f64::from(i % 30)))
            .collect(),
        capacity: vec![(0.0, 5e8), (900.0, 3e8)],
    }];
    let dir = std::env::temp_dir().join("vpcsim-chart-samples-short");
    for p in render_throughput(&dir, &meta(), &short).expect("renders") {
        println!("{}", p.display());
    }
}
