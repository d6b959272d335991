#include "cli/app.h"

int main(int argc, char** argv) { return pw::cli::main(argc, argv); }
