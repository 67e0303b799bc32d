#include "layers/option_arg.hpp"

#include <string>
#include <string_view>

namespace loom::detail {

void throw_option_error(const char* layer, const char* option, const ValueError& e) {
  // The resolvers' messages start with their own name ("get_activation: ..."), which would only
  // repeat what the argument's name now says.
  std::string_view msg = e.what();
  const auto colon = msg.find(": ");
  if (colon != std::string_view::npos && msg.substr(0, colon).find(' ') == std::string_view::npos)
    msg.remove_prefix(colon + 2);
  throw ValueError(std::string(layer) + ": argument '" + option + "': " + std::string(msg));
}

}  // namespace loom::detail
