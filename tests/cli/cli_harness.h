// Runs the real `sinter` binary (SINTER_CLI) as a child process with a timeout and captures its output.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace sinter::cli_test {

struct CliResult {
  int exit_code = -1;  // valid when !signaled && !timed_out
  bool signaled = false;
  int signal = 0;
  bool timed_out = false;
  std::string out, err;
  std::string describe() const {
    return "exit " + std::to_string(exit_code) + (signaled ? " signal " + std::to_string(signal) : "") +
           (timed_out ? " TIMED OUT" : "") + "\n--- stdout ---\n" + out + "--- stderr ---\n" + err;
  }
};

inline std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

// A folder for one test's files, removed afterwards.
class Scratch {
 public:
  Scratch() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "sinter-cli-test-XXXXXX").string();
    char* p = ::mkdtemp(tmpl.data());
    path_ = p ? p : "";
  }
  ~Scratch() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Runs SINTER_CLI with `args`; kills it after `timeout_s` seconds.
inline CliResult run_cli(const std::vector<std::string>& args, int timeout_s = 120) {
  Scratch io;
  const std::string out_path = io.file("stdout"), err_path = io.file("stderr");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<std::string> argv_s = {SINTER_CLI};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  CliResult r;
  int rc = posix_spawn(&pid, SINTER_CLI, &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    ADD_FAILURE() << "cannot start " << SINTER_CLI << ": " << rc;
    return r;
  }
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  while (true) {
    pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      r.timed_out = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (!r.timed_out) {
    if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) {
      r.signaled = true;
      r.signal = WTERMSIG(status);
    }
  }
  r.out = slurp(out_path);
  r.err = slurp(err_path);
  return r;
}

// The contract for bad input: a non-zero exit (not a signal, not a hang) and exactly one line on
// stderr that starts with "sinter: error: " and contains `expect`.
inline void expect_clean_error(const CliResult& r, const std::string& expect) {
  EXPECT_FALSE(r.timed_out) << r.describe();
  EXPECT_FALSE(r.signaled) << r.describe();
  EXPECT_NE(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.err.rfind("sinter: error: ", 0), 0u) << r.describe();
  ASSERT_FALSE(r.err.empty());
  EXPECT_EQ(r.err.back(), '\n') << r.describe();
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "stderr must be one line\n" << r.describe();
  EXPECT_NE(r.err.find(expect), std::string::npos) << "expected '" << expect << "'\n" << r.describe();
}

inline void expect_success(const CliResult& r) {
  EXPECT_FALSE(r.timed_out) << r.describe();
  EXPECT_FALSE(r.signaled) << r.describe();
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_TRUE(r.err.empty()) << r.describe();
}

inline std::string fixture(const std::string& name) {
  return std::string(SINTER_FIXTURE_DIR) + "/cli/" + name;
}

}  // namespace sinter::cli_test
