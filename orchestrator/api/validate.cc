#include "api/validate.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "util/files.h"

namespace netrig::api {

std::string name_problem(const std::string& name) {
  if (name.empty()) return "it is empty";
  if (name.size() > 64) return "it has " + std::to_string(name.size()) + " characters, at most 64 are allowed";
  if (!std::isalnum(static_cast<unsigned char>(name[0]))) return "it must start with a letter or digit";
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-')
      return std::string("character '") + (std::isprint(static_cast<unsigned char>(c)) ? std::string(1, c) : "?") +
             "' is not allowed";
  if (name.find("..") != std::string::npos) return "'..' is not allowed";
  return "";
}

bool constant_time_equal(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  const std::string& longer = a.size() >= b.size() ? a : b;
  for (size_t i = 0; i < longer.size(); ++i) {
    unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= x ^ y;
  }
  return diff == 0;
}

std::string read_token_file(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) throw std::runtime_error("token file " + path + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) throw std::runtime_error("token file " + path + " is not a regular file");
  if ((st.st_mode & 0077) != 0) {
    std::ostringstream mode;
    mode << std::oct << (st.st_mode & 0777);
    throw std::runtime_error("token file " + path + " has mode 0" + mode.str() +
                             "; it must be readable by its owner only (chmod 600 " + path + ")");
  }
  std::string token = read_file(path);
  token.erase(0, token.find_first_not_of(" \t\r\n"));
  token.erase(token.find_last_not_of(" \t\r\n") + 1);
  if (token.size() < 16) throw std::runtime_error("token file " + path + " holds no token of at least 16 characters");
  return token;
}

std::string bearer_token(const std::string& authorization) {
  const std::string prefix = "Bearer ";
  if (authorization.size() <= prefix.size() || authorization.compare(0, prefix.size(), prefix) != 0) return "";
  return authorization.substr(prefix.size());
}

}  // namespace netrig::api
