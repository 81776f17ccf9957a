# Fails the configure when a core target links Qt: core must stay headless.
function(wb_assert_no_qt target)
  get_target_property(libs ${target} LINK_LIBRARIES)
  get_target_property(ilibs ${target} INTERFACE_LINK_LIBRARIES)
  foreach(lib IN LISTS libs ilibs)
    if(lib MATCHES "Qt[56]?::|Qt[56]?[A-Z]")
      message(FATAL_ERROR "${target} links ${lib}: core/ must not depend on Qt")
    endif()
  endforeach()
endfunction()

function(wb_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-unused-parameter)
endfunction()
