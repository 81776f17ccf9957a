# Writes OUTPUT: a C++ file defining wb::resources::SYMBOL() that returns INPUT's bytes.
file(READ ${INPUT} hex HEX)
string(LENGTH "${hex}" hex_len)
math(EXPR size "${hex_len} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${hex}")
file(WRITE ${OUTPUT}
  "// Generated from ${INPUT}; do not edit.\n"
  "#include \"core/demo/embedded_resources.h\"\n"
  "namespace wb::resources {\n"
  "namespace { const char kData[] = {${bytes} 0}; }\n"
  "std::string_view ${SYMBOL}() { return {kData, ${size}}; }\n"
  "}\n")
