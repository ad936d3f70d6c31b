//! `generate` to oracleGeneral fills every record's next-access field; checked against a brute-force
//! scan over the keys actually written (.bin and .zst), across several of the writer's blocks.

use assert_cmd::Command;
use std::io::Read;

const RECORD: usize = 24;

/// (key, next_access) of every record.
fn records(bytes: &[u8]) -> Vec<(u64, i64)> {
    assert_eq!(bytes.len() % RECORD, 0);
    bytes
        .chunks_exact(RECORD)
        .map(|r| {
            (
                u64::from_le_bytes(r[4..12].try_into().unwrap()),
                i64::from_le_bytes(r[16..24].try_into().unwrap()),
            )
        })
        .collect()
}

/// The 1-based position of the next record with the same key, -1 if none, by a forward scan per
/// record (independent of the writer's backward pass). Costs keys x records, so the test uses few keys.
fn brute_force(keys: &[u64]) -> Vec<i64> {
    (0..keys.len())
        .map(|i| {
            (i + 1..keys.len())
                .find(|&j| keys[j] == keys[i])
                .map(|j| j as i64 + 1)
                .unwrap_or(-1)
        })
        .collect()
}

#[test]
fn generated_next_access_matches_brute_force() {
    let dir = tempfile::tempdir().unwrap();
    let w = dir.path().join("w.toml");
    // 2.5 blocks of the backward pass (1 Mi records each), 200 keys: every key repeats.
    std::fs::write(
        &w,
        "seed = 7\n[workload]\nrequests = 2_600_000\nkeys = 200\npopularity = { dist = \"zipf\", alpha = 0.8 }\nsize = { dist = \"fixed\", value = \"100\" }\n",
    )
    .unwrap();
    let mut outputs = Vec::new();
    for name in ["t.bin", "t.zst"] {
        let out = dir.path().join(name);
        Command::cargo_bin("cachesim")
            .unwrap()
            .args(["generate", w.to_str().unwrap(), "-o", out.to_str().unwrap(), "--quiet"])
            .assert()
            .success();
        let raw = std::fs::read(&out).unwrap();
        let bytes = if name.ends_with(".zst") {
            let mut v = Vec::new();
            zstd::stream::read::Decoder::new(&raw[..])
                .unwrap()
                .read_to_end(&mut v)
                .unwrap();
            v
        } else {
            raw
        };
        let recs = records(&bytes);
        assert_eq!(recs.len(), 2_600_000);
        let keys: Vec<u64> = recs.iter().map(|r| r.0).collect();
        let got: Vec<i64> = recs.iter().map(|r| r.1).collect();
        let want = brute_force(&keys);
        assert_eq!(got.iter().filter(|&&x| x == -1).count(), 200, "one last access per key");
        assert!(got == want, "{name}: next-access fields differ from a brute-force scan");
        outputs.push(bytes);
    }
    assert!(outputs[0] == outputs[1], ".bin and decompressed .zst differ");
}
