//! Property tests: every trace reader (oracleGeneral, zstd, CSV, text, Twitter) fed arbitrary
//! bytes and mutations of the sample traces (flips, inserts, truncations) through the public reader
//! API must return requests or an error: never panic, never hang. Inputs are bounded (at most a few
//! KiB), so each is handled in bounded time.
//!
//! CI runs the default case count; a long soak: `PROPTEST_CASES=200000 cargo test --release --test it -- fuzz_traces::`.

use cachesim::trace::csv::CsvReader;
use cachesim::trace::oracle::OracleReader;
use cachesim::trace::text::TextReader;
use cachesim::trace::{CsvOptions, TraceFormat, TraceReader, TraceSpec};
use proptest::prelude::*;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

const MAX_LEN: usize = 4096;

fn samples() -> &'static [Vec<u8>; 4] {
    static S: OnceLock<[Vec<u8>; 4]> = OnceLock::new();
    S.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("traces");
        let head = |name: &str| {
            let mut v = Vec::new();
            std::fs::File::open(dir.join(name))
                .unwrap()
                .take(MAX_LEN as u64)
                .read_to_end(&mut v)
                .unwrap();
            v
        };
        let twitter =
            b"0,abc,10,90,1,get,0\n5,abc,10,190,1,set,3600\n6,abd,4,0,2,delete,0\n7,k,3,5,1,gets,0\n".to_vec();
        [
            head("sample.oracleGeneral.bin"),
            head("sample.csv"),
            head("sample.txt"),
            twitter,
        ]
    })
}

fn spec(format: TraceFormat, skip: bool) -> TraceSpec {
    TraceSpec {
        path: PathBuf::from("fuzz.input"),
        format,
        zstd: false,
        csv: CsvOptions::default(),
        skip_bad_lines: skip,
        block_size: 4096,
    }
}

/// Drains a reader; the request count is bounded by the input size, so a loop past it is a hang.
fn drain(mut r: Box<dyn TraceReader + '_>, len: usize) {
    let mut b = Vec::new();
    let mut batches = 0usize;
    while let Ok(true) = r.read_batch(&mut b) {
        batches += 1;
        assert!(
            batches <= len + 2,
            "reader does not end: {batches} batches from {len} bytes"
        );
    }
}

/// Feeds `data` to every reader, with and without --skip-bad-lines.
fn all_readers(data: &[u8]) {
    drain(Box::new(OracleReader::new(data, "fuzz.bin".into())), data.len());
    // zstd: the bytes as a compressed stream (mostly invalid), and compressed for real.
    if let Ok(dec) = zstd::stream::read::Decoder::new(data) {
        drain(
            Box::new(OracleReader::new(dec.take(1 << 20), "fuzz.zst".into())),
            1 << 15,
        );
    }
    let packed = zstd::encode_all(data, 1).unwrap();
    let dec = zstd::stream::read::Decoder::new(&packed[..]).unwrap();
    drain(Box::new(OracleReader::new(dec, "fuzz.zst".into())), data.len());
    for skip in [false, true] {
        drain(Box::new(TextReader::new(data, "fuzz.txt".into(), skip)), data.len());
        for (format, twitter) in [(TraceFormat::Csv, false), (TraceFormat::Twitter, true)] {
            if let Ok(r) = CsvReader::new(data, &spec(format, skip), twitter) {
                drain(Box::new(r), data.len());
            }
        }
    }
}

/// A sample trace's head with `edits` applied: (kind, position, byte) flips, inserts, deletes.
fn mutate(base: &[u8], edits: &[(u8, usize, u8)], cut: usize) -> Vec<u8> {
    let mut v = base.to_vec();
    for &(kind, pos, byte) in edits {
        if v.is_empty() {
            v.push(byte);
            continue;
        }
        let i = pos % v.len();
        match kind % 4 {
            0 => v[i] ^= byte | 1,
            1 => v.insert(i, byte),
            2 => {
                v.remove(i);
            }
            _ => v[i] = byte,
        }
    }
    v.truncate(cut % (v.len() + 1));
    v
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes(data in proptest::collection::vec(any::<u8>(), 0..MAX_LEN)) {
        all_readers(&data);
    }

    #[test]
    fn arbitrary_text(data in "[0-9a-z,;|\t :.\\-+TZ\n#]{0,512}") {
        all_readers(data.as_bytes());
    }

    #[test]
    fn mutated_samples(
        which in 0usize..4,
        edits in proptest::collection::vec((any::<u8>(), any::<usize>(), any::<u8>()), 0..16),
        cut in any::<usize>(),
    ) {
        let data = mutate(&samples()[which], &edits, cut);
        all_readers(&data);
    }

    #[test]
    fn files_through_trace_spec(data in proptest::collection::vec(any::<u8>(), 0..512), ext in 0usize..5) {
        // The path API too: format resolution (auto) and the zstd sniffing of real files.
        let names = ["t.bin", "t.csv", "t.txt", "t", "t.zst"];
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join(names[ext]);
        std::fs::write(&p, &data).unwrap();
        if let Ok(s) = TraceSpec::new(&p, TraceFormat::Auto) {
            if let Ok(r) = s.open(None) {
                drain(r, data.len() + (1 << 15));
            }
        }
    }
}

#[test]
fn valid_samples_still_read() {
    // The harness itself: the unmutated samples read without error.
    let s = samples();
    let mut n = 0;
    let mut r = OracleReader::new(&s[0][..s[0].len() / 24 * 24], "s.bin".into());
    let mut b = Vec::new();
    while r.read_batch(&mut b).unwrap() {
        n += b.len();
    }
    assert_eq!(n, s[0].len() / 24);
    let mut r = TextReader::new(&s[2][..], "s.txt".into(), false);
    assert!(r.read_batch(&mut b).unwrap() && !b.is_empty());
}
