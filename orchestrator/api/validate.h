// What the HTTP API accepts before anything reaches the system: names, tokens.
#pragma once

#include <string>

namespace netrig::api {

// Why `name` cannot name a lab, a node, a topology or a job in a URL ("" when it can): up to 64
// letters, digits, '_', '.' or '-', starting with a letter or digit. No '/', no "..", nothing a
// shell or a path would read differently.
std::string name_problem(const std::string& name);

// Compares in time that depends only on the lengths, not on where the strings differ.
bool constant_time_equal(const std::string& a, const std::string& b);

// Reads the bearer token from a file that must be a regular file with mode 0600 (or 0400); throws
// std::runtime_error saying what is wrong otherwise (so serve refuses to start). Surrounding
// whitespace is dropped; a token shorter than 16 characters is refused.
std::string read_token_file(const std::string& path);

// "Bearer <token>" -> token; "" when the header is not a bearer token.
std::string bearer_token(const std::string& authorization);

}  // namespace netrig::api
