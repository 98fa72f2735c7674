// The one main() of the benchmark binary: libfasttext.so exports a `main` symbol of its
// own, so BENCHMARK_MAIN in a library-linked binary is not relied on.
#include <benchmark/benchmark.h>

int main(int argc, char** argv) {
  ::benchmark::Initialize(&argc, argv);
  if (::benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  ::benchmark::RunSpecifiedBenchmarks();
  ::benchmark::Shutdown();
  return 0;
}
