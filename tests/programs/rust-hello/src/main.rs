//! Exercises Rust's std over WASI preview 1: arguments, the environment,
//! files and directories in the current (preopened) directory, and clocks.
//! Prints what it sees; the output does not depend on the run.

use std::io::Write;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

fn main() {
    println!("Hello from Rust!");
    let args: Vec<String> = std::env::args().skip(1).collect();
    println!("args: {args:?}");
    println!("NAME: {:?}", std::env::var("NAME").ok());
    println!("vars: {}", std::env::vars().count());

    let input = std::fs::read_to_string("input.txt").expect("read input.txt");
    let words = input.split_whitespace().count();
    println!(
        "input.txt: {} bytes, {} lines, {words} words",
        input.len(),
        input.lines().count()
    );

    std::fs::create_dir("out").expect("create out/");
    let mut f = std::fs::File::create("out/report.tmp").expect("create report");
    writeln!(f, "words {words}").unwrap();
    drop(f);
    std::fs::rename("out/report.tmp", "out/report.txt").expect("rename report");
    std::fs::write("scratch.txt", b"temporary").unwrap();
    std::fs::remove_file("scratch.txt").unwrap();
    let mut names: Vec<String> = std::fs::read_dir(".")
        .expect("read_dir .")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    println!("dir: {names:?}");
    match std::fs::read("../outside") {
        Ok(_) => println!("../outside: readable (sandbox escape!)"),
        Err(_) => println!("../outside: denied"),
    }

    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    println!("clock plausible: {}", now.as_secs() > 1_577_836_800);
    let t0 = Instant::now();
    std::thread::sleep(Duration::from_millis(10));
    println!(
        "slept >= 10ms: {}",
        t0.elapsed() >= Duration::from_millis(10)
    );
    if args.iter().any(|a| a == "exit") {
        std::process::exit(7);
    }
}
