// The command line: parses arguments and dispatches to the commands.
#pragma once

namespace pw::cli {

// Runs pipewright with the process's arguments and returns the exit code.
int main(int argc, char** argv);

}  // namespace pw::cli
