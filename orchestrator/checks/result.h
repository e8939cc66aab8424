// What a check found, with its evidence.
#pragma once

#include <string>
#include <vector>

namespace netrig {

enum class CheckStatus { Passed, Failed, Skipped, Error };
const char* to_string(CheckStatus status);

struct Evidence {
  std::string command;  // what ran, as a shell line or a description of the socket operation
  std::string output;
  int exit_code = 0;
  double seconds = 0;
};

struct CheckResult {
  std::string name;
  std::string type;    // ping, connect, exec, pingall, capture, iperf3
  std::string node;    // where it ran
  std::string target;  // resolved target (address[:port]) or command
  CheckStatus status = CheckStatus::Error;
  std::string message;  // why it passed / failed / was skipped, in one line
  int attempts = 0;
  double seconds = 0;
  std::vector<Evidence> evidence;      // the last attempt's, plus the first failing one when it differs
  std::vector<std::string> artifacts;  // absolute paths of files the check kept (a capture's pcap)
};

}  // namespace netrig
