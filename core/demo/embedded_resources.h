#pragma once

#include <string_view>

namespace wb::resources {

/// resources/iris.csv, compiled in: the demo works without the source tree.
std::string_view irisCsv();

}  // namespace wb::resources
