// The one main() of every test binary: libfasttext.so exports a `main` symbol of its own,
// so relying on gtest_main could run fastText's CLI instead of the tests.
#include <gtest/gtest.h>

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
