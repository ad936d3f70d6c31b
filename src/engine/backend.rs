//! The backing store: `concurrency` servers with a FIFO queue beyond them, sampled service times,
//! timeouts, outages, and a committed version per key.
//!
//! A read takes the committed version when its service starts; a write commits (version + 1, or
//! the version a write-behind flush carries) when its service completes. Requests are jobs in a
//! slab (reused slots carry a generation, so a late timeout never hits a newer job); memory follows
//! the requests in flight and the keys ever written.

use super::config::{EngineConfig, Outage};
use super::latency::Latency;
use rand::rngs::SmallRng;
use rustc_hash::FxHashMap;
use std::collections::VecDeque;

/// Who waits for a backend job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner {
    /// A client request or a background load (a task of the engine).
    Task(u32),
    /// A write-behind flush batch, or the write-back of an evicted dirty entry.
    Flush,
}

/// One key of a write-behind batch and the version its write commits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchEntry {
    /// The key.
    pub key: u64,
    /// The version the write carries.
    pub version: u64,
}

/// Where a job is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobState {
    /// Waiting for a server.
    Queued,
    /// Being served.
    Running,
    /// Its owner gave up while it waited: it will never run.
    Cancelled,
    /// Done; the slot is free.
    Free,
}

/// One backend request.
#[derive(Clone, Debug)]
pub struct Job {
    /// Who waits for it.
    pub owner: Owner,
    /// A write (else a read).
    pub write: bool,
    /// The key (of a read or a single write).
    pub key: u64,
    /// Keys and versions of a flush batch.
    pub batch: Vec<BatchEntry>,
    /// When it was sent.
    pub submit: u64,
    /// The version read, or committed.
    pub version: u64,
    /// Where it is.
    pub state: JobState,
    /// Its owner was told it failed (a timeout while it ran): the result is dropped.
    pub abandoned: bool,
    /// Slot generation.
    pub gen: u32,
}

/// A job that a server just started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Started {
    /// The job.
    pub job: u32,
    /// When it completes, ns.
    pub done: u64,
}

/// What happened to a submitted job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Submitted {
    /// Served now.
    Started(Started),
    /// Waiting for a server.
    Queued {
        /// The job.
        job: u32,
    },
    /// The backend is down.
    Down {
        /// When it comes back, ns.
        until: u64,
    },
}

/// A job that completed, and the queued job that took its server, if any.
#[derive(Clone, Debug)]
pub struct Finished {
    /// The completed job's contents (its slot is already free).
    pub job: Job,
    /// The next job started.
    pub next: Option<Started>,
}

/// The backend's counters.
#[derive(Clone, Copy, Debug, Default)]
pub struct BackendCounters {
    /// Reads sent.
    pub reads: u64,
    /// Keys written.
    pub writes: u64,
    /// Most jobs in service at once.
    pub peak_busy: u64,
    /// Longest queue.
    pub peak_queue: u64,
    /// Integral of jobs in the system over time (ns).
    pub area: u128,
    /// Summed time in the system of the jobs that left it (ns).
    pub time_in_system: u128,
    /// Jobs that left the system.
    pub departures: u64,
}

/// Servers, queue and committed versions.
pub struct Backend {
    jobs: Vec<Job>,
    free: Vec<u32>,
    servers: Option<u64>,
    busy: u64,
    queue: VecDeque<u32>,
    queued: u64,
    last: u64,
    read_latency: Latency,
    write_latency: Latency,
    outages: Vec<Outage>,
    committed: FxHashMap<u64, u64>,
    /// Counters.
    pub counters: BackendCounters,
}

impl Backend {
    /// An idle backend.
    pub fn new(cfg: &EngineConfig) -> Backend {
        Backend {
            jobs: Vec::new(),
            free: Vec::new(),
            servers: cfg.concurrency,
            busy: 0,
            queue: VecDeque::new(),
            queued: 0,
            last: 0,
            read_latency: cfg.read_latency,
            write_latency: cfg.write_latency,
            outages: cfg.outages.clone(),
            committed: FxHashMap::default(),
            counters: BackendCounters::default(),
        }
    }

    /// The committed version of `key` (0 if never written).
    #[inline]
    pub fn version(&self, key: u64) -> u64 {
        self.committed.get(&key).copied().unwrap_or(0)
    }

    /// Keys with a job waiting or in service (reads, writes and every key of a flush batch).
    pub fn keys_in_flight(&self, out: &mut rustc_hash::FxHashSet<u64>) {
        for j in &self.jobs {
            if matches!(j.state, JobState::Queued | JobState::Running) {
                out.insert(j.key);
                out.extend(j.batch.iter().map(|e| e.key));
            }
        }
    }

    /// Keys with a committed version.
    pub fn versions_len(&self) -> usize {
        self.committed.len()
    }

    /// Forgets the committed versions of the keys `keep` rejects. Safe for keys that are neither
    /// cached nor in flight: no older value of them exists anywhere, so counting their versions
    /// again from 0 changes no staleness verdict.
    pub fn retain_versions(&mut self, keep: impl Fn(u64) -> bool) {
        self.committed.retain(|k, _| keep(*k));
    }

    /// The job in slot `id`.
    pub fn job(&self, id: u32) -> &Job {
        &self.jobs[id as usize]
    }

    #[inline]
    fn account(&mut self, now: u64) {
        let in_system = self.busy + self.queued;
        self.counters.area += in_system as u128 * (now - self.last) as u128;
        self.last = now;
    }

    fn outage_end(&self, now: u64) -> Option<u64> {
        self.outages
            .iter()
            .find(|o| o.start <= now && now < o.end)
            .map(|o| o.end)
    }

    /// Sends a request at `now`.
    pub fn submit(
        &mut self,
        now: u64,
        owner: Owner,
        write: bool,
        key: u64,
        batch: Vec<BatchEntry>,
        rng: &mut SmallRng,
    ) -> Submitted {
        if let Some(until) = self.outage_end(now) {
            return Submitted::Down { until };
        }
        self.account(now);
        if write {
            self.counters.writes += if batch.is_empty() { 1 } else { batch.len() as u64 };
        } else {
            self.counters.reads += 1;
        }
        let job = Job {
            owner,
            write,
            key,
            batch,
            submit: now,
            version: 0,
            state: JobState::Queued,
            abandoned: false,
            gen: 0,
        };
        let id = match self.free.pop() {
            Some(id) => {
                let gen = self.jobs[id as usize].gen.wrapping_add(1);
                self.jobs[id as usize] = Job { gen, ..job };
                id
            }
            None => {
                self.jobs.push(job);
                (self.jobs.len() - 1) as u32
            }
        };
        if self.servers.is_none_or(|s| self.busy < s) {
            let done = self.start(now, id, rng);
            Submitted::Started(Started { job: id, done })
        } else {
            self.queue.push_back(id);
            self.queued += 1;
            self.counters.peak_queue = self.counters.peak_queue.max(self.queued);
            Submitted::Queued { job: id }
        }
    }

    fn start(&mut self, now: u64, id: u32, rng: &mut SmallRng) -> u64 {
        self.busy += 1;
        self.counters.peak_busy = self.counters.peak_busy.max(self.busy);
        let version = self.version(self.jobs[id as usize].key);
        let j = &mut self.jobs[id as usize];
        j.state = JobState::Running;
        let lat = if j.write {
            self.write_latency.sample(rng)
        } else {
            j.version = version;
            self.read_latency.sample(rng)
        };
        now + lat
    }

    /// Completes the running job `id` at `now`: commits a write, starts the next queued job
    /// (returned with its completion time). The job's slot is freed; its contents are returned.
    pub fn finish(&mut self, now: u64, id: u32, rng: &mut SmallRng) -> Finished {
        self.account(now);
        self.busy -= 1;
        let batch = std::mem::take(&mut self.jobs[id as usize].batch);
        let mut job = self.jobs[id as usize].clone();
        job.batch = batch;
        self.jobs[id as usize].state = JobState::Free;
        self.free.push(id);
        self.counters.departures += 1;
        self.counters.time_in_system += (now - job.submit) as u128;
        if job.write {
            if job.batch.is_empty() {
                let v = self.committed.entry(job.key).or_insert(0);
                *v += 1;
                job.version = *v;
            } else {
                for e in &job.batch {
                    let v = self.committed.entry(e.key).or_insert(0);
                    *v = (*v).max(e.version);
                }
            }
        }
        let mut next = None;
        while let Some(q) = self.queue.pop_front() {
            if self.jobs[q as usize].state == JobState::Cancelled {
                self.jobs[q as usize].state = JobState::Free;
                self.free.push(q);
                continue;
            }
            self.queued -= 1;
            next = Some(Started {
                job: q,
                done: self.start(now, q, rng),
            });
            break;
        }
        Finished { job, next }
    }

    /// The owner of job `id` (generation `gen`) gives up at `now`. Returns true if the job was
    /// still pending (its owner must be told it failed); a running job still completes, a queued
    /// one never runs.
    pub fn time_out(&mut self, now: u64, id: u32, gen: u32) -> bool {
        let j = self.jobs[id as usize].clone();
        if j.gen != gen {
            return false;
        }
        match j.state {
            JobState::Running if !j.abandoned => {
                self.jobs[id as usize].abandoned = true;
                true
            }
            JobState::Queued => {
                self.account(now);
                self.queued -= 1;
                self.counters.departures += 1;
                self.counters.time_in_system += (now - j.submit) as u128;
                self.jobs[id as usize].state = JobState::Cancelled;
                true
            }
            _ => false,
        }
    }

    /// Closes the time integral at `now` (the end of the run).
    pub fn close(&mut self, now: u64) {
        self.account(now.max(self.last));
    }
}
