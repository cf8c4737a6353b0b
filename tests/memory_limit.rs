//! A run that will not fit in the memory available is refused before it starts, with the
//! figures. Its own test binary: it sets `CARECAST_MEMORY_LIMIT`, which every run in the process
//! reads.

use carecast::{CarecastError, Model, RunOptions, Scenario, Silent};

#[test]
fn a_run_over_the_memory_limit_is_refused_with_the_figures() {
    let model = Model::new(&Scenario::default_preset()).unwrap();
    let options = RunOptions::new(100, 10, 1);
    let needed = model.memory_estimate(&options).total;
    // SAFETY: the only test in this binary, and nothing else reads the environment meanwhile.
    unsafe { std::env::set_var("CARECAST_MEMORY_LIMIT", (needed - 1).to_string()) };
    match model.run(&options, &Silent) {
        Err(CarecastError::TooLarge { needed: n, available, message }) => {
            assert_eq!((n, available), (needed, needed - 1));
            assert!(message.starts_with("this run needs about "), "{message}");
            assert!(message.contains("100 replications x 8.2 KB"), "{message}");
            assert!(message.contains("is available: use fewer replications"), "{message}");
        }
        other => panic!("expected TooLarge, got {:?}", other.map(|r| r.replications)),
    }
    // Just enough: it runs.
    unsafe { std::env::set_var("CARECAST_MEMORY_LIMIT", needed.to_string()) };
    assert!(model.run(&options, &Silent).is_ok());
    // A million replications of 100 years against this machine's own memory (or the refusal's
    // figures), run only where the estimate says they will not fit.
    unsafe { std::env::remove_var("CARECAST_MEMORY_LIMIT") };
    let million = RunOptions::new(1_000_000, 100, 1);
    let needed = model.memory_estimate(&million).total;
    assert!(needed > 70_000_000_000, "{needed}");
    if carecast::engine::available_memory().is_some_and(|m| m < needed) {
        let e = model.run(&million, &Silent).unwrap_err();
        assert!(e.to_string().contains("1,000,000 replications x"), "{e}");
    }
}
