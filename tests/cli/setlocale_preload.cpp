// Loaded into `wb` with LD_PRELOAD by tst_cli_locale: applies the environment's locale
// (LC_ALL=de_DE.UTF-8) as Qt does in the GUI, so that any number the CLI reads or writes
// through the C locale (strtod, printf "%g") would come out with a decimal comma.
#include <clocale>

namespace {
__attribute__((constructor)) void applyEnvironmentLocale() { std::setlocale(LC_ALL, ""); }
}  // namespace
