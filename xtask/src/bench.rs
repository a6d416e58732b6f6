//! The scan benchmark: runs the release `stockade` binary on the generated corpus and on the
//! real-manifest corpus, one warm-up run then `runs` measured runs each, and reports wall time,
//! throughput and peak RSS.
//!
//! Peak RSS comes from `wait4(2)` on the child itself (`ru_maxrss`, KiB on Linux), so each run is
//! measured alone, with no shell or `/usr/bin/time` in between. The warm-up run writes its JSON
//! report to a file so the object count can be read from `summary.objects`; measured runs write to
//! `/dev/null`.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Wall time target for a full scan of the default 50,000-object corpus.
const TARGET_WALL: Duration = Duration::from_secs(3);
/// Peak RSS target for the same scan: 1 GB (10^9 bytes).
const TARGET_RSS_BYTES: u64 = 1_000_000_000;

/// What to benchmark.
pub struct Config {
    /// Objects in the generated corpus.
    pub objects: usize,
    /// Measured runs per corpus.
    pub runs: usize,
    /// The real-manifest corpus, if benchmarked.
    pub real: Option<PathBuf>,
    /// The scanner binary.
    pub bin: PathBuf,
    /// Print JSON instead of text.
    pub json: bool,
}

/// One run of the scanner.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Run {
    pub(crate) wall: Duration,
    /// User plus system CPU time: on a shared machine, wall time includes waiting for a core.
    pub(crate) cpu: Duration,
    pub(crate) max_rss_bytes: u64,
    pub(crate) exit: i32,
}

/// Figures for one corpus.
struct Figures {
    name: String,
    path: PathBuf,
    files: usize,
    bytes: u64,
    objects: usize,
    runs: Vec<Run>,
}

impl Figures {
    fn walls(&self) -> Vec<Duration> {
        let mut w: Vec<Duration> = self.runs.iter().map(|r| r.wall).collect();
        w.sort();
        w
    }
    fn best(&self) -> Duration {
        self.walls()[0]
    }
    fn median(&self) -> Duration {
        let w = self.walls();
        w[w.len() / 2]
    }
    fn median_cpu(&self) -> Duration {
        let mut c: Vec<Duration> = self.runs.iter().map(|r| r.cpu).collect();
        c.sort();
        c[c.len() / 2]
    }
    fn peak_rss(&self) -> u64 {
        self.runs.iter().map(|r| r.max_rss_bytes).max().unwrap_or(0)
    }
    fn objects_per_s(&self, d: Duration) -> f64 {
        self.objects as f64 / d.as_secs_f64()
    }
    fn mb_per_s(&self, d: Duration) -> f64 {
        self.bytes as f64 / 1e6 / d.as_secs_f64()
    }
}

/// Runs the benchmark; returns whether the targets were met.
pub fn run(cfg: &Config) -> Result<bool> {
    if !cfg.bin.is_file() {
        bail!(
            "{} not found; build it first with `cargo build --release -p stockade`",
            cfg.bin.display()
        );
    }
    let dir = crate::corpus::default_dir(cfg.objects);
    let stats = crate::corpus::ensure(&dir, cfg.objects, false)?;
    let mut all = vec![measure(
        cfg,
        &format!("generated ({} objects)", cfg.objects),
        &dir,
    )?];
    if stats.objects != all[0].objects {
        eprintln!(
            "xtask: warning: the corpus holds {} objects but the scanner loaded {}",
            stats.objects, all[0].objects
        );
    }
    match &cfg.real {
        Some(real) if real.is_dir() => all.push(measure(cfg, "real", real)?),
        Some(real) => eprintln!(
            "xtask: warning: real corpus {} not found; skipped (pass --real DIR)",
            real.display()
        ),
        None => {}
    }
    let gen_fig = &all[0];
    let full = cfg.objects == crate::corpus::DEFAULT_OBJECTS;
    let wall_ok = gen_fig.median() < TARGET_WALL;
    let rss_ok = gen_fig.peak_rss() < TARGET_RSS_BYTES;
    if cfg.json {
        print_json(cfg, &all, full, wall_ok, rss_ok)?;
    } else {
        print_text(cfg, &all, full, wall_ok, rss_ok);
    }
    Ok(!full || (wall_ok && rss_ok))
}

fn measure(cfg: &Config, name: &str, corpus: &Path) -> Result<Figures> {
    let (files, bytes) = crate::corpus::measure(corpus)?;
    let report = crate::target_dir().join("bench-corpus/last-report.json");
    eprintln!("xtask: {name}: warm-up run ...");
    let warm = scan(cfg, corpus, &report)?;
    let objects = read_objects(&report)?;
    eprintln!(
        "xtask: {name}: warm-up {:.3} s, {objects} objects; {} measured runs ...",
        warm.wall.as_secs_f64(),
        cfg.runs
    );
    let mut runs = Vec::with_capacity(cfg.runs);
    for i in 0..cfg.runs {
        let r = scan(cfg, corpus, Path::new("/dev/null"))?;
        eprintln!(
            "xtask: {name}: run {}: {:.3} s wall, {:.3} s CPU, {:.1} MiB peak RSS",
            i + 1,
            r.wall.as_secs_f64(),
            r.cpu.as_secs_f64(),
            r.max_rss_bytes as f64 / (1 << 20) as f64
        );
        runs.push(r);
    }
    Ok(Figures {
        name: name.to_string(),
        path: corpus.to_path_buf(),
        files,
        bytes,
        objects,
        runs,
    })
}

/// Runs one scan and waits for it with `wait4`, which gives that child's own resource usage.
fn scan(cfg: &Config, corpus: &Path, output: &Path) -> Result<Run> {
    scan_with(&cfg.bin, corpus, output)
}

/// Runs `bin scan corpus -o json --no-config --output-file output` and measures that child.
pub(crate) fn scan_with(bin: &Path, corpus: &Path, output: &Path) -> Result<Run> {
    let stderr_path = crate::target_dir().join("bench-corpus/last-stderr.txt");
    let stderr = std::fs::File::create(&stderr_path)
        .with_context(|| format!("creating {}", stderr_path.display()))?;
    let start = Instant::now();
    let child = Command::new(bin)
        .arg("scan")
        .arg(corpus)
        .args(["-o", "json", "--no-config", "--output-file"])
        .arg(output)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .with_context(|| format!("starting {}", bin.display()))?;
    let pid = libc::pid_t::try_from(child.id()).context("child pid out of range")?;
    let mut status: libc::c_int = 0;
    // SAFETY: an all-zero `rusage` is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = loop {
        // SAFETY: `pid` is our own unreaped child; `status` and `usage` are valid for writes.
        let rc = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if rc == -1 && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
            continue;
        }
        break rc;
    };
    let wall = start.elapsed();
    // The child was reaped by wait4 above; dropping the handle does not wait again.
    drop(child);
    if rc != pid {
        bail!("wait4 failed: {}", std::io::Error::last_os_error());
    }
    let exit = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    // 0: no finding at or above the threshold; 1: findings (expected on this corpus).
    if exit != 0 && exit != 1 {
        let err = std::fs::read_to_string(&stderr_path).unwrap_or_default();
        let tail: String = err
            .lines()
            .rev()
            .take(20)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
            .join("\n");
        bail!(
            "{} scan {} failed (status {status:#x}):\n{tail}",
            bin.display(),
            corpus.display()
        );
    }
    let max_rss_kib = u64::try_from(usage.ru_maxrss).unwrap_or(0);
    let tv = |t: libc::timeval| {
        Duration::from_secs(u64::try_from(t.tv_sec).unwrap_or(0))
            + Duration::from_micros(u64::try_from(t.tv_usec).unwrap_or(0))
    };
    Ok(Run {
        wall,
        cpu: tv(usage.ru_utime) + tv(usage.ru_stime),
        max_rss_bytes: max_rss_kib * 1024,
        exit,
    })
}

/// Reads `summary.objects` from a JSON report, streaming and skipping everything else.
///
/// The report of a 50,000-object scan is over 100 MB; parsing it into a `serde_json::Value`
/// would grow this process by hundreds of MB, and Linux carries a parent's RSS high-water mark
/// into every child it forks and execs, which would then inflate the children's `ru_maxrss`.
fn read_objects(report: &Path) -> Result<usize> {
    #[derive(serde::Deserialize)]
    struct Head {
        summary: Summary,
    }
    #[derive(serde::Deserialize)]
    struct Summary {
        objects: usize,
    }
    let f = std::fs::File::open(report).with_context(|| format!("reading {}", report.display()))?;
    let head: Head = serde_json::from_reader(std::io::BufReader::new(f))
        .with_context(|| format!("reading summary.objects from {}", report.display()))?;
    Ok(head.summary.objects)
}

/// This process's own peak RSS in bytes: a floor under every child's `ru_maxrss` (see
/// [`read_objects`]), printed so that a floor close to a child's figure is noticed.
fn own_peak_rss() -> u64 {
    // SAFETY: an all-zero `rusage` is valid; getrusage only writes into it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: RUSAGE_SELF with a valid pointer.
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return 0;
    }
    u64::try_from(usage.ru_maxrss).unwrap_or(0) * 1024
}

fn verdict(ok: bool) -> &'static str {
    if ok { "met" } else { "MISSED" }
}

fn print_text(cfg: &Config, all: &[Figures], full: bool, wall_ok: bool, rss_ok: bool) {
    println!(
        "stockade scan benchmark ({} measured runs after 1 warm-up)",
        cfg.runs
    );
    println!("binary: {}", cfg.bin.display());
    println!(
        "(this harness's own peak RSS, a floor under the figures below: {:.1} MiB)",
        own_peak_rss() as f64 / (1 << 20) as f64
    );
    for f in all {
        let (best, median) = (f.best(), f.median());
        println!();
        println!("{}: {}", f.name, f.path.display());
        println!(
            "  input     {} files, {:.1} MB, {} objects (exit code {})",
            f.files,
            f.bytes as f64 / 1e6,
            f.objects,
            f.runs.last().map_or(-1, |r| r.exit)
        );
        println!(
            "  wall      best {:.3} s, median {:.3} s",
            best.as_secs_f64(),
            median.as_secs_f64()
        );
        println!(
            "  CPU       median {:.3} s (user + system)",
            f.median_cpu().as_secs_f64()
        );
        println!(
            "  speed     {:.0} objects/s, {:.1} MB/s (median; best {:.0} objects/s, {:.1} MB/s)",
            f.objects_per_s(median),
            f.mb_per_s(median),
            f.objects_per_s(best),
            f.mb_per_s(best)
        );
        println!(
            "  peak RSS  {:.1} MiB",
            f.peak_rss() as f64 / (1 << 20) as f64
        );
    }
    println!();
    let g = &all[0];
    if full {
        println!(
            "targets (50,000-object corpus): wall < {} s: {} ({:.3} s median); peak RSS < 1 GB: {} ({:.0} MB)",
            TARGET_WALL.as_secs(),
            verdict(wall_ok),
            g.median().as_secs_f64(),
            verdict(rss_ok),
            g.peak_rss() as f64 / 1e6
        );
    } else {
        println!(
            "targets apply to the default 50,000-object corpus (run without --objects to check them)"
        );
    }
}

fn print_json(
    cfg: &Config,
    all: &[Figures],
    full: bool,
    wall_ok: bool,
    rss_ok: bool,
) -> Result<()> {
    let corpora: Vec<serde_json::Value> = all
        .iter()
        .map(|f| {
            serde_json::json!({
                "name": f.name,
                "path": f.path.display().to_string(),
                "files": f.files,
                "bytes": f.bytes,
                "objects": f.objects,
                "runsSeconds": f.runs.iter().map(|r| r.wall.as_secs_f64()).collect::<Vec<_>>(),
                "bestSeconds": f.best().as_secs_f64(),
                "medianSeconds": f.median().as_secs_f64(),
                "cpuSeconds": f.runs.iter().map(|r| r.cpu.as_secs_f64()).collect::<Vec<_>>(),
                "medianCpuSeconds": f.median_cpu().as_secs_f64(),
                "objectsPerSecond": f.objects_per_s(f.median()),
                "megabytesPerSecond": f.mb_per_s(f.median()),
                "peakRssBytes": f.peak_rss(),
            })
        })
        .collect();
    let v = serde_json::json!({
        "binary": cfg.bin.display().to_string(),
        "runs": cfg.runs,
        "harnessPeakRssBytes": own_peak_rss(),
        "corpora": corpora,
        "targets": {
            "applies": full,
            "wallSeconds": TARGET_WALL.as_secs_f64(),
            "peakRssBytes": TARGET_RSS_BYTES,
            "wallMet": full && wall_ok,
            "rssMet": full && rss_ok,
        },
    });
    println!("{}", serde_json::to_string_pretty(&v)?);
    Ok(())
}
