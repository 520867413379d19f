// The `sinter` command.
#include <cstdio>

int main() {
  std::fprintf(stderr, "sinter: no commands yet\n");
  return 1;
}
