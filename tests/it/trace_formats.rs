//! The trace formats beyond oracleGeneral/CSV/text/Twitter CSV: lcs (every version), vscsi,
//! twr-bin, the Wikipedia binaries, Meta KV and CDN CSVs, MSR Cambridge, ARC and LIRS. Each is
//! written here by hand (layouts documented beside the bytes), read back through `TraceSpec` and
//! compared request by request; auto-detection is checked where the format allows it; a
//! truncated or garbled file is exit 2 through the CLI with a message naming the file.

use crate::support::cachesim;
use cachesim::model::request::{Op, Request, NANOS_PER_SEC, NEVER};
use cachesim::trace::{parse_key, TraceFormat, TraceSpec};
use std::path::{Path, PathBuf};

const S: u64 = NANOS_PER_SEC;

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn read(path: &Path, format: TraceFormat) -> Vec<Request> {
    read_spec(TraceSpec::new(path, format).unwrap())
}

fn read_spec(spec: TraceSpec) -> Vec<Request> {
    let mut r = spec.open(None).unwrap();
    let (mut all, mut b) = (Vec::new(), Vec::new());
    while r.read_batch(&mut b).unwrap() {
        all.extend_from_slice(&b);
    }
    all
}

/// Runs `cachesim run -q -t FILE --trace-format X -p lru -s 10`; returns (exit code, stderr).
fn run(path: &Path, format: &str, extra: &[&str]) -> (i32, String) {
    let out = cachesim()
        .args(["run", "-q", "-t"])
        .arg(path)
        .args(["--trace-format", format, "-p", "lru", "-s", "10"])
        .args(extra)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The file is refused with exit 2 and a message naming it and containing `want`.
fn refused(path: &Path, format: &str, want: &str) {
    let (code, err) = run(path, format, &[]);
    assert_eq!(code, 2, "{format}: {err}");
    let name = path.file_name().unwrap().to_str().unwrap();
    assert!(
        err.contains(name) && err.contains(want),
        "{format}: wanted {want:?} in: {err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

fn req(time: u64, key: u64, size: u64, op: Op, ttl: u64, next: u64) -> Request {
    Request {
        time,
        key,
        size,
        op,
        ttl,
        next_access: next,
        absent: false,
        instance: 0,
    }
}

/// Projection compared for every format.
fn view(r: &[Request]) -> Vec<(u64, u64, u64, Op, u64, u64)> {
    r.iter()
        .map(|q| (q.time, q.key, q.size, q.op, q.ttl, q.next_access))
        .collect()
}

/// An lcs header (8192 bytes): u64 start magic, u64 version, stat {i64 version, i64 n_req, ...},
/// padding, u64 end magic at byte 8184.
fn lcs_header(version: u64, n_req: u64) -> Vec<u8> {
    let mut h = vec![0u8; 8192];
    h[..8].copy_from_slice(&0x1234_5678_9abc_def0u64.to_le_bytes());
    h[8..16].copy_from_slice(&version.to_le_bytes());
    h[16..24].copy_from_slice(&1u64.to_le_bytes());
    h[24..32].copy_from_slice(&n_req.to_le_bytes());
    h[8184..].copy_from_slice(&0x1234_5678_9abc_def0u64.to_le_bytes());
    h
}

#[test]
fn lcs_versions_by_hand() {
    let d = tempfile::tempdir().unwrap();
    // (time s, id, size, op code, tenant, ttl s, next access)
    let recs = [
        (10u32, 42u64, 100u64, 1u8, 3u32, 0u32, 3i64),
        (11, 43, 5000, 3, 4, 3600, -1),
        (12, 42, 100, 9, 3, 0, -1),
    ];
    for version in 1..=8u64 {
        let mut b = lcs_header(version, recs.len() as u64);
        for &(t, id, size, op, tenant, ttl, next) in &recs {
            b.extend_from_slice(&t.to_le_bytes()); // u32 clock_time
            b.extend_from_slice(&id.to_le_bytes()); // u64 obj_id
            if version >= 3 {
                b.extend_from_slice(&size.to_le_bytes()); // i64 obj_size
            } else {
                b.extend_from_slice(&(size as u32).to_le_bytes()); // u32 obj_size
            }
            if version >= 2 {
                b.extend_from_slice(&(op as u32 | tenant << 8).to_le_bytes()); // op:8, tenant:24
            }
            if version >= 3 {
                b.extend_from_slice(&ttl.to_le_bytes()); // u32 ttl
            }
            b.extend_from_slice(&next.to_le_bytes()); // i64 next_access_vtime
            let features = [0, 0, 0, 0, 1, 2, 4, 8, 16][version as usize];
            b.extend(std::iter::repeat_n(0xabu8, 4 * features)); // u32 features
        }
        let name = format!("t{version}.lcs");
        let p = write(d.path(), &name, &b);
        let want: Vec<Request> = (0..3)
            .map(|i| {
                let (t, id, size, _, _, _, next) = recs[i];
                let (op, ttl) = if version == 1 {
                    (Op::Read, 0)
                } else {
                    (
                        [Op::Read, Op::Write, Op::Delete][i],
                        if version >= 3 { recs[i].5 as u64 * S } else { 0 },
                    )
                };
                req(
                    t as u64 * S,
                    id,
                    size,
                    op,
                    ttl,
                    if next < 0 { NEVER } else { next as u64 },
                )
            })
            .collect();
        // Detected by its magic whatever the name, and with the name.
        assert_eq!(view(&read(&p, TraceFormat::Auto)), view(&want), "v{version}");
        let odd = write(d.path(), &format!("v{version}.data"), &b);
        assert_eq!(
            TraceSpec::new(&odd, TraceFormat::Auto).unwrap().format,
            TraceFormat::Lcs
        );
        let spec = TraceSpec::new(&p, TraceFormat::Lcs).unwrap();
        assert!(spec.has_next_access());
        assert_eq!(spec.has_ttl_column().unwrap(), version >= 3);
        let (code, err) = run(&p, "lcs", &[]);
        assert_eq!(code, 0, "{err}");

        // Truncated mid-record, a bad version, a bad end magic: exit 2 naming the file.
        let t = write(d.path(), &format!("cut{version}.lcs"), &b[..b.len() - 3]);
        refused(&t, "lcs", &format!("truncated lcs v{version}"));
        let mut bad = b.clone();
        bad[8] = 42;
        refused(&write(d.path(), "ver.lcs", &bad), "lcs", "unknown version 42");
        let mut bad = b.clone();
        bad[8190] ^= 0xff;
        refused(&write(d.path(), "end.lcs", &bad), "lcs", "end magic");
    }
    refused(
        &write(d.path(), "short.lcs", &lcs_header(2, 0)[..500]),
        "lcs",
        "truncated",
    );
    refused(
        &write(d.path(), "garbage.lcs", b"hello, world, this is plain text\n"),
        "lcs",
        "start magic",
    );
}

#[test]
fn lcs_zstd_compressed() {
    let d = tempfile::tempdir().unwrap();
    let reqs: Vec<Request> = (0..20_000u64)
        .map(|i| req(i / 100 * S, i % 333, 1 + i % 50, Op::Write, 60 * S, NEVER))
        .collect();
    let mut b = Vec::new();
    cachesim::trace::lcs::write(3, &reqs, &mut b).unwrap();
    let z = zstd::encode_all(&b[..], 3).unwrap();
    let p = write(d.path(), "big.lcs.zst", &z);
    assert_eq!(view(&read(&p, TraceFormat::Auto)), view(&reqs));
}

#[test]
fn vscsi_both_versions() {
    let d = tempfile::tempdir().unwrap();
    // (SCSI opcode, lbn, length in bytes, timestamp in microseconds)
    let recs = [
        (0x28u16, 1000u64, 4096u32, 5_000_000u64),
        (0x2a, 2000, 8192, 5_000_123),
        (0x28, 1000, 4096, 6_000_000),
    ];
    for v in [1u8, 2] {
        let mut b = Vec::new();
        for &(cmd, lbn, len, ts) in &recs {
            if v == 1 {
                // v1, 32 bytes: u32 serial, u32 len, u32 nSG, u16 cmd, u16 ver (0x01xx), u64 lbn, u64 ts
                b.extend_from_slice(&9u32.to_le_bytes());
                b.extend_from_slice(&len.to_le_bytes());
                b.extend_from_slice(&1u32.to_le_bytes());
                b.extend_from_slice(&cmd.to_le_bytes());
                b.extend_from_slice(&0x0100u16.to_le_bytes());
            } else {
                // v2, 40 bytes: u16 cmd, u16 ver (0x02xx), u32 serial, u32 len, u32 nSG, u64 lbn, u64 ts, u64 rt
                b.extend_from_slice(&cmd.to_le_bytes());
                b.extend_from_slice(&0x0200u16.to_le_bytes());
                b.extend_from_slice(&9u32.to_le_bytes());
                b.extend_from_slice(&len.to_le_bytes());
                b.extend_from_slice(&1u32.to_le_bytes());
            }
            b.extend_from_slice(&lbn.to_le_bytes());
            b.extend_from_slice(&ts.to_le_bytes());
            if v == 2 {
                b.extend_from_slice(&77u64.to_le_bytes());
            }
        }
        let p = write(d.path(), &format!("w{v}.vscsitrace"), &b);
        let want: Vec<Request> = recs
            .iter()
            .map(|&(cmd, lbn, len, ts)| {
                req(
                    ts * 1000,
                    lbn,
                    len as u64,
                    if cmd == 0x2a { Op::Write } else { Op::Read },
                    0,
                    NEVER,
                )
            })
            .collect();
        assert_eq!(view(&read(&p, TraceFormat::Auto)), view(&want), "v{v}");
        assert_eq!(run(&p, "vscsi", &[]).0, 0);
        refused(
            &write(d.path(), &format!("cut{v}.vscsi"), &b[..b.len() - 1]),
            "vscsi",
            &format!("truncated vscsi v{v}"),
        );
    }
    refused(
        &write(d.path(), "x.vscsi", &[0x55u8; 200]),
        "vscsi",
        "not a vscsi trace",
    );
}

#[test]
fn twr_bin_and_the_twr_alias() {
    let d = tempfile::tempdir().unwrap();
    // 20 bytes: u32 time (s), u64 id, u32 key_size<<22 | value_size, u32 op<<24 | ttl (s)
    let recs = [
        (100u32, 7u64, 20u32, 300u32, 1u8, 0u32),
        (101, 8, 30, 1000, 3, 86400),
        (102, 7, 20, 0, 9, 0),
    ];
    let mut b = Vec::new();
    for &(t, id, k, v, op, ttl) in &recs {
        b.extend_from_slice(&t.to_le_bytes());
        b.extend_from_slice(&id.to_le_bytes());
        b.extend_from_slice(&((k << 22) | v).to_le_bytes());
        b.extend_from_slice(&(((op as u32) << 24) | ttl).to_le_bytes());
    }
    let p = write(d.path(), "c52.twr", &b);
    let want = vec![
        req(100 * S, 7, 320, Op::Read, 0, NEVER),
        req(101 * S, 8, 1030, Op::Write, 86400 * S, NEVER),
        req(102 * S, 7, 20, Op::Delete, 0, NEVER),
    ];
    assert_eq!(view(&read(&p, TraceFormat::TwrBin)), view(&want));
    assert_eq!(run(&p, "twr-bin", &[]).0, 0);
    // `twr` stays the CSV form (as before); on a binary file it points to twr-bin.
    refused(&p, "twr", "twr-bin");
    refused(&write(d.path(), "cut.twr", &b[..45]), "twr-bin", "record 3");
    let mut bad = b.clone();
    bad[39] = 250;
    refused(&write(d.path(), "op.twr", &bad), "twr-bin", "operation code 250");
}

#[test]
fn wiki_binaries() {
    let d = tempfile::tempdir().unwrap();
    // wiki16u: u64 id, u32 size, u16 content type (14 B); wiki19u: u32 time + that (18 B);
    // wiki19t: u32 time, u64 id, u32 size (16 B).
    for (name, time, ct) in [
        ("wiki16u", false, true),
        ("wiki19u", true, true),
        ("wiki19t", true, false),
    ] {
        let mut b = Vec::new();
        for (t, id, size) in [(5u32, 11u64, 2048u32), (6, 12, 100), (6, 11, 2048)] {
            if time {
                b.extend_from_slice(&t.to_le_bytes());
            }
            b.extend_from_slice(&id.to_le_bytes());
            b.extend_from_slice(&size.to_le_bytes());
            if ct {
                b.extend_from_slice(&2u16.to_le_bytes());
            }
        }
        let p = write(d.path(), &format!("{name}.bin"), &b);
        let t = |s: u64| if time { s * S } else { 0 };
        let want = vec![
            req(t(5), 11, 2048, Op::Read, 0, NEVER),
            req(t(6), 12, 100, Op::Read, 0, NEVER),
            req(t(6), 11, 2048, Op::Read, 0, NEVER),
        ];
        let format = <TraceFormat as clap::ValueEnum>::from_str(name, false).unwrap();
        assert_eq!(view(&read(&p, format)), view(&want), "{name}");
        assert_eq!(run(&p, name, &[]).0, 0);
        refused(
            &write(d.path(), &format!("cut-{name}.bin"), &b[..b.len() - 1]),
            name,
            "record 3",
        );
    }
}

#[test]
fn meta_kv_and_cdn() {
    let d = tempfile::tempdir().unwrap();
    // 202401 layout: op_count repeats the row; size = key_size + size; op_time and ttl in seconds.
    let kv = "op_time,key,key_size,op,op_count,size,cache_hits,ttl,usecase,sub_usecase\n\
              604038471,82131353f9ddc8c6,48,GET,2,87,1,0,366387042,3003229276\n\
              604038473,828769c1e1ce3a29,67,SET,1,65,0,7200,2777918327,655456894\n\
              604038475,828769c1e1ce3a29,67,DELETE,1,0,0,0,2777918327,655456894\n";
    let p = write(d.path(), "kvcache_202401.csv", kv.as_bytes());
    let (a, b) = (parse_key(b"82131353f9ddc8c6"), parse_key(b"828769c1e1ce3a29"));
    let want = vec![
        req(604038471 * S, a, 135, Op::Read, 0, NEVER),
        req(604038471 * S, a, 135, Op::Read, 0, NEVER),
        req(604038473 * S, b, 132, Op::Write, 7200 * S, NEVER),
        req(604038475 * S, b, 67, Op::Delete, 0, NEVER),
    ];
    assert_eq!(
        TraceSpec::new(&p, TraceFormat::Auto).unwrap().format,
        TraceFormat::MetaKv
    );
    assert_eq!(view(&read(&p, TraceFormat::Auto)), view(&want));
    assert_eq!(run(&p, "meta-kv", &[]).0, 0);
    // 202206 layout: no time.
    let old = write(
        d.path(),
        "kv2022.csv",
        b"key,op,size,op_count,key_size\n1668757755,SET,82,1,40\n",
    );
    assert_eq!(
        view(&read(&old, TraceFormat::MetaKv)),
        view(&[req(0, 1668757755, 122, Op::Write, 0, NEVER)])
    );
    refused(
        &write(
            d.path(),
            "badop.csv",
            format!("{kv}604038476,x,1,PUT,1,1,0,0,1,1\n").as_bytes(),
        ),
        "meta-kv",
        "line 5",
    );
    refused(
        &write(d.path(), "nohdr.csv", b"1,GET,1,1,1\n"),
        "meta-kv",
        "no key column",
    );

    let cdn = "timestamp,cacheKey,OpType,objectSize,responseSize,responseHeaderSize,rangeStart,rangeEnd,TTL,SamplingRate,cache_hit,item_value,RequestHandler,cdn_content_type_id,vip_type\n\
               1678838400,k1,1,52345,52345,300,-1,-1,86400,0.2,1,0,h,3,1\n\
               1678838401,k2,1,10,10,300,-1,-1,0,0.2,0,0,h,3,1\n";
    let p = write(d.path(), "rnha.csv", cdn.as_bytes());
    assert_eq!(
        TraceSpec::new(&p, TraceFormat::Auto).unwrap().format,
        TraceFormat::MetaCdn
    );
    let want = vec![
        req(1678838400 * S, parse_key(b"k1"), 52345, Op::Read, 86400 * S, NEVER),
        req(1678838401 * S, parse_key(b"k2"), 10, Op::Read, 0, NEVER),
    ];
    assert_eq!(view(&read(&p, TraceFormat::Auto)), view(&want));
    assert_eq!(run(&p, "meta-cdn", &[]).0, 0);
    refused(
        &write(d.path(), "cdncut.csv", format!("{cdn}1678838402,k3\n").as_bytes()),
        "meta-cdn",
        "line 4",
    );
}

#[test]
fn msr_blocks_and_block_size() {
    let d = tempfile::tempdir().unwrap();
    // Timestamp (FILETIME, 100 ns since 1601),Hostname,DiskNumber,Type,Offset,Size,ResponseTime
    let text = "128166372003061629,src1,0,Read,8192,8192,41286\n\
                128166372003061630,src1,0,Write,12288,100,100\n";
    let p = write(d.path(), "src1_0.csv", text.as_bytes());
    assert_eq!(TraceSpec::new(&p, TraceFormat::Auto).unwrap().format, TraceFormat::Msr);
    let t0 = (128166372003061629u64 - 116_444_736_000_000_000) * 100;
    let want = vec![
        req(t0, 2, 4096, Op::Read, 0, NEVER),
        req(t0, 3, 4096, Op::Read, 0, NEVER),
        req(t0 + 100, 3, 4096, Op::Write, 0, NEVER),
    ];
    assert_eq!(view(&read(&p, TraceFormat::Msr)), view(&want));
    // 512-byte blocks: 16 + 1 requests.
    let mut spec = TraceSpec::new(&p, TraceFormat::Msr).unwrap();
    spec.block_size = 512;
    let r = read_spec(spec);
    assert_eq!(r.len(), 17);
    assert!(r.iter().all(|q| q.size == 512));
    assert_eq!((r[0].key, r[16].key), (16, 24));
    assert_eq!(run(&p, "msr", &["--block-size", "512"]).0, 0);
    // In a workload file.
    let wl = write(
        d.path(),
        "w.toml",
        format!("[workload]\ntrace = {:?}\nformat = \"msr\"\nblock_size = 1024\n[cache]\npolicies = [\"lru\"]\nsizes = [\"10KiB\"]\n", p.to_str().unwrap())
            .as_bytes(),
    );
    let out = cachesim().args(["run", "-q", "-f", "json"]).arg(&wl).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let n = v["results"][0]["requests"].as_u64();
    assert_eq!(n, Some(8 + 1), "{v}");
    refused(
        &write(d.path(), "bad.csv", format!("{text}1,src1,0,Flush,0,1,1\n").as_bytes()),
        "msr",
        "line 3",
    );
}

#[test]
fn arc_and_lirs() {
    let d = tempfile::tempdir().unwrap();
    // ARC .lis: start_block count ignored request_number
    let p = write(d.path(), "P1.lis", b"100 3 0 1\n7 1 0 2\n");
    let keys: Vec<(u64, u64)> = read(&p, TraceFormat::Auto).iter().map(|q| (q.key, q.size)).collect();
    assert_eq!(keys, vec![(100, 4096), (101, 4096), (102, 4096), (7, 4096)]);
    assert_eq!(run(&p, "arc", &[]).0, 0);
    refused(&write(d.path(), "bad.lis", b"100 3 0 1\n7 x 0 2\n"), "arc", "line 2");

    // LIRS .trc: one block number per line, `*` lines skipped.
    let p = write(d.path(), "sprite.trc", b"5\n6\n*\n5\n");
    assert_eq!(TraceSpec::new(&p, TraceFormat::Auto).unwrap().format, TraceFormat::Lirs);
    let keys: Vec<(u64, u64)> = read(&p, TraceFormat::Auto).iter().map(|q| (q.key, q.size)).collect();
    assert_eq!(keys, vec![(5, 4096), (6, 4096), (5, 4096)]);
    assert_eq!(run(&p, "lirs", &[]).0, 0);
    refused(&write(d.path(), "bad.trc", b"5\nfive\n"), "lirs", "line 2");
}

#[test]
fn garbage_never_panics() {
    // Random bytes through every reader: an error or requests, never a crash.
    let d = tempfile::tempdir().unwrap();
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for len in [0usize, 1, 7, 20, 33, 100, 1024, 9000] {
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        let p = write(d.path(), &format!("g{len}"), &bytes);
        for f in [
            TraceFormat::Lcs,
            TraceFormat::Vscsi,
            TraceFormat::TwrBin,
            TraceFormat::Wiki16u,
            TraceFormat::Wiki19u,
            TraceFormat::Wiki19t,
            TraceFormat::MetaKv,
            TraceFormat::MetaCdn,
            TraceFormat::Msr,
            TraceFormat::Arc,
            TraceFormat::Lirs,
        ] {
            let spec = TraceSpec::new(&p, f).unwrap();
            if let Ok(mut r) = spec.open(None) {
                let mut b = Vec::new();
                while let Ok(true) = r.read_batch(&mut b) {}
            }
        }
    }
}
