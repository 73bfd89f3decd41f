// tsan_tests/tsan_test.cpp — every scenario on real threads with the std platform (fences
// made visible to TSan: tsan_platform.hpp says how and what that costs), built with
// -fsanitize=thread and repeated many times. Passing means: every scenario check held in
// every run, and ThreadSanitizer reported nothing (the tests run with halt_on_error=1, so the
// first report fails the run; tsan.supp lists the suppressions, each justified).
#include "support/real_runner.hpp"

#include "tsan_platform.hpp"

int main(int argc, char** argv) {
  // Messages per producer: enough that producers and consumers overlap for a while, small
  // enough that each run is short and the start/end races (the interesting ones) recur often.
  sluice::verif::config cfg;
  cfg.per_producer = 16;
  cfg.buffered = 4;
  return sluice::verif::run_real_tier<sluice::tsan::tsan_platform>(argc, argv, "tsan", cfg);
}
