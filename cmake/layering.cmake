# Proves that the build enforces the direction of dependencies between the
# src/ libraries (src/CMakeLists.txt): for each probe, a one-line source that
# includes a header is compiled as part of a library's target. An allowed
# include must compile; an upward one must fail because the header is not
# found (not for any other reason). The probes are EXCLUDE_FROM_ALL objects
# built by the tests only (ctest -R layering).
set(_probe_dir ${CMAKE_BINARY_DIR}/layering)

# potluck_layering_probe(<name> <library> <header> ALLOWED|REFUSED)
function(potluck_layering_probe name library header verdict)
  set(_source ${_probe_dir}/${name}.cpp)
  file(CONFIGURE OUTPUT ${_source} CONTENT "#include \"${header}\"\n")
  add_library(layering_${name} OBJECT EXCLUDE_FROM_ALL ${_source})
  target_link_libraries(layering_${name} PRIVATE ${library})
  add_test(NAME layering.${name}
           COMMAND ${CMAKE_COMMAND} --build ${CMAKE_BINARY_DIR} --target layering_${name})
  # One build of the tree at a time: ctest -j would start several.
  set_tests_properties(layering.${name} PROPERTIES RESOURCE_LOCK build_tree)
  if(verdict STREQUAL "REFUSED")
    string(REGEX REPLACE "([.+])" "\\\\\\1" _escaped "${header}")
    set_tests_properties(layering.${name} PROPERTIES PASS_REGULAR_EXPRESSION "${_escaped}: No such file")
  endif()
endfunction()

# Controls: a library sees its own headers and those of what it links.
potluck_layering_probe(store_includes_store potluck_store store/result.h ALLOWED)
potluck_layering_probe(coordinator_includes_store potluck_coordinator store/result.h ALLOWED)
# Upward or sideways includes do not compile.
potluck_layering_probe(store_includes_coordinator potluck_store coordinator/config.h REFUSED)
potluck_layering_probe(net_includes_protocol potluck_net protocol/frames.h REFUSED)
potluck_layering_probe(node_includes_coordinator potluck_node coordinator/config.h REFUSED)
potluck_layering_probe(coordinator_includes_cli potluck_coordinator cli/flags.h REFUSED)
potluck_layering_probe(common_includes_crypto potluck_common crypto/sha256.h REFUSED)
# The payment rails know the network, not the store or the coordinator.
potluck_layering_probe(payments_includes_store potluck_payments store/result.h REFUSED)
potluck_layering_probe(payments_includes_coordinator potluck_payments coordinator/config.h REFUSED)
potluck_layering_probe(coordinator_includes_payments potluck_coordinator payments/payment_rail.h ALLOWED)
