//! Every trace reader (oracleGeneral, zstd, CSV, text, Twitter) on the same bytes: no panic, no hang.
#![no_main]
use cachesim::trace::csv::CsvReader;
use cachesim::trace::oracle::OracleReader;
use cachesim::trace::text::TextReader;
use cachesim::trace::{CsvOptions, TraceFormat, TraceReader, TraceSpec};
use libfuzzer_sys::fuzz_target;
use std::io::Read;

fn drain(mut r: Box<dyn TraceReader + '_>) {
    let mut b = Vec::new();
    while let Ok(true) = r.read_batch(&mut b) {}
}

fn spec(format: TraceFormat, skip: bool) -> TraceSpec {
    TraceSpec {
        path: "fuzz.input".into(),
        format,
        zstd: false,
        csv: CsvOptions::default(),
        skip_bad_lines: skip,
    }
}

fuzz_target!(|data: &[u8]| {
    drain(Box::new(OracleReader::new(data, "fuzz.bin".into())));
    if let Ok(dec) = zstd::stream::read::Decoder::new(data) {
        drain(Box::new(OracleReader::new(dec.take(1 << 20), "fuzz.zst".into())));
    }
    for skip in [false, true] {
        drain(Box::new(TextReader::new(data, "fuzz.txt".into(), skip)));
        for (format, twitter) in [(TraceFormat::Csv, false), (TraceFormat::Twitter, true)] {
            if let Ok(r) = CsvReader::new(data, &spec(format, skip), twitter) {
                drain(Box::new(r));
            }
        }
    }
});
