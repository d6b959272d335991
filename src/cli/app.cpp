#include "cli/app.h"

namespace pw::cli {
int main(int, char**) { return 0; }
}  // namespace pw::cli
