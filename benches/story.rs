//! The story engine's step: load a player's save-state, take a choice, continue to the next
//! choice point, save the state again, on one thread. Players walk random free paths of the
//! shipped story; each step is timed. Run with `cargo bench --bench story`.

use diana_actors::domain::story_rules::PlayerFacts;
use diana_actors::story::StoryBook;
use diana_actors::story::play::{self, Saved};
use std::time::{Duration, Instant};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn main() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/story");
    let started = Instant::now();
    let book = StoryBook::load(&dir, None).expect("the shipped story loads");
    println!("compile and load: {:?} ({} KiB of compiled JSON)", started.elapsed(), book.compiled.json.len() / 1024);
    let facts = PlayerFacts { level: 6, besitos: 1_000, ..PlayerFacts::default() };
    let mut rng = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move |n: usize| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        (rng % n as u64) as usize
    };
    let mut times = Vec::new();
    let mut state_bytes = 0usize;
    let wall = Instant::now();
    let mut endings = 0;
    while times.len() < 20_000 {
        let t = Instant::now();
        let mut scene = play::step(&book, None, None, &facts).unwrap();
        times.push(t.elapsed());
        let mut chapter = None;
        while !scene.ended {
            chapter = scene.chapters_entered().last().map(|c| c as i32).or(chapter);
            let saved: Saved = scene.saved(&book, chapter);
            let free: Vec<usize> = (0..scene.choices.len()).filter(|i| !scene.choices[*i].vip).collect();
            let pick = free[next(free.len())];
            let t = Instant::now();
            scene = play::step(&book, Some(&saved), Some(pick), &facts).unwrap();
            times.push(t.elapsed());
            state_bytes += scene.state.len();
        }
        endings += 1;
    }
    let elapsed = wall.elapsed();
    times.sort();
    println!(
        "{} steps over {endings} played stories in {elapsed:?}: {:.0} steps/s on one core",
        times.len(),
        times.len() as f64 / elapsed.as_secs_f64()
    );
    println!(
        "step latency p50 {:?}, p99 {:?}, max {:?}; average save-state {} bytes",
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        times[times.len() - 1],
        state_bytes / times.len().max(1)
    );
}
