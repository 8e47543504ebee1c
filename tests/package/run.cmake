# firebus — fire-safety IoT SDK.
# cmake -DSTEP=install|find_package|pkg_config|add_subdirectory -D... -P run.cmake

function(run)
  execute_process(COMMAND ${ARGV} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    string(REPLACE ";" " " cmd "${ARGV}")
    message(FATAL_ERROR "failed (${rc}): ${cmd}\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

# The consumer prints this line; anything else means it did not run as it should.
set(expected "firebus consumer OK: library ")

set(stage "${WORK_DIR}/stage")
set(moved "${WORK_DIR}/moved")

if(STEP STREQUAL "install")
  file(REMOVE_RECURSE "${stage}" "${moved}")
  run("${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${stage}")
  # Relocatable: the tree must work from wherever it is copied to.
  file(COPY "${stage}/" DESTINATION "${moved}")
  file(REMOVE_RECURSE "${stage}")
  foreach(f "${LIBDIR}/cmake/firebus/firebusConfig.cmake"
            "${LIBDIR}/cmake/firebus/firebusConfigVersion.cmake"
            "${LIBDIR}/cmake/firebus/firebusTargets.cmake"
            "${LIBDIR}/pkgconfig/firebus.pc"
            "include/firebus/core.hpp" "include/firebus/export.hpp")
    if(NOT EXISTS "${moved}/${f}")
      message(FATAL_ERROR "installed tree lacks ${f}")
    endif()
  endforeach()
  file(GLOB_RECURSE all RELATIVE "${moved}" "${moved}/*")
  foreach(f IN LISTS all)
    if(NOT IS_SYMLINK "${moved}/${f}" AND f MATCHES "\\.(cmake|pc)$")
      file(READ "${moved}/${f}" text)
      string(FIND "${text}" "${stage}" at)
      if(NOT at EQUAL -1)
        message(FATAL_ERROR "${f} names the install prefix: the tree is not relocatable")
      endif()
    endif()
  endforeach()

elseif(STEP STREQUAL "find_package")
  set(bin "${WORK_DIR}/find_package-build")
  file(REMOVE_RECURSE "${bin}")
  run("${CMAKE_COMMAND}" -S "${TEST_DIR}/find_package" -B "${bin}" -G "${GENERATOR}"
      "-DCMAKE_CXX_COMPILER=${CXX}" "-DCMAKE_PREFIX_PATH=${moved}")
  run("${CMAKE_COMMAND}" --build "${bin}")
  run("${bin}/consumer")
  if(NOT last_output MATCHES "^${expected}")
    message(FATAL_ERROR "unexpected output: ${last_output}")
  endif()
  # SameMajorVersion: asking for another major must fail.
  execute_process(COMMAND "${CMAKE_COMMAND}" -S "${TEST_DIR}/find_package" -B "${bin}-v2"
                  -G "${GENERATOR}" "-DCMAKE_CXX_COMPILER=${CXX}" "-DCMAKE_PREFIX_PATH=${moved}"
                  -DFIREBUS_WANTED_VERSION=2
                  RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
  if(rc EQUAL 0)
    message(FATAL_ERROR "find_package(firebus 2) accepted a 1.x installation")
  endif()

elseif(STEP STREQUAL "pkg_config")
  find_program(PKG_CONFIG NAMES pkgconf pkg-config REQUIRED)
  set(ENV{PKG_CONFIG_PATH} "${moved}/${LIBDIR}/pkgconfig")
  run("${PKG_CONFIG}" --cflags --libs firebus)
  string(STRIP "${last_output}" flags)
  separate_arguments(flags UNIX_COMMAND "${flags}")
  run("${PKG_CONFIG}" --variable=libdir firebus)
  string(STRIP "${last_output}" libdir)
  set(exe "${WORK_DIR}/pkg_config_consumer")
  run("${CXX}" -std=c++17 "${TEST_DIR}/consumer.cpp" -o "${exe}" ${flags} "-Wl,-rpath,${libdir}")
  run("${exe}")
  if(NOT last_output MATCHES "^${expected}")
    message(FATAL_ERROR "unexpected output: ${last_output}")
  endif()

elseif(STEP STREQUAL "add_subdirectory")
  set(bin "${WORK_DIR}/add_subdirectory-build")
  file(REMOVE_RECURSE "${bin}")
  run("${CMAKE_COMMAND}" -S "${TEST_DIR}/add_subdirectory" -B "${bin}" -G "${GENERATOR}"
      "-DCMAKE_CXX_COMPILER=${CXX}" "-DFIREBUS_SOURCE_DIR=${SOURCE_DIR}")
  run("${CMAKE_COMMAND}" --build "${bin}")
  run("${bin}/consumer")
  if(NOT last_output MATCHES "^${expected}")
    message(FATAL_ERROR "unexpected output: ${last_output}")
  endif()
  # A sub-project must not get firebus's tests, examples or install rules.
  if(EXISTS "${bin}/firebus/tests" OR EXISTS "${bin}/firebus/examples")
    message(FATAL_ERROR "add_subdirectory built firebus's tests or examples")
  endif()

elseif(STEP STREQUAL "core_only")
  # FIREBUS_CORE_ONLY: configure without looking for any dependency, install the headers only,
  # and build a consumer of firebus::core against that.
  set(bin "${WORK_DIR}/core_only-firebus")
  set(prefix "${WORK_DIR}/core_only-prefix")
  file(REMOVE_RECURSE "${bin}" "${prefix}" "${WORK_DIR}/core_only-consumer")
  run("${CMAKE_COMMAND}" -S "${SOURCE_DIR}" -B "${bin}" -G "${GENERATOR}"
      "-DCMAKE_CXX_COMPILER=${CXX}" -DFIREBUS_CORE_ONLY=ON -DFIREBUS_BUILD_TESTS=OFF
      -DFIREBUS_BUILD_EXAMPLES=OFF)
  if(last_output MATCHES "firebus dependencies")
    message(FATAL_ERROR "a core-only configuration looked for dependencies")
  endif()
  run("${CMAKE_COMMAND}" --build "${bin}")
  run("${CMAKE_COMMAND}" --install "${bin}" --prefix "${prefix}")
  file(GLOB_RECURSE libs "${prefix}/*firebus.so*" "${prefix}/*firebus.a")
  if(libs OR EXISTS "${prefix}/include/firebus/library.hpp")
    message(FATAL_ERROR "a core-only installation holds parts of the compiled library: ${libs}")
  endif()
  run("${CMAKE_COMMAND}" -S "${TEST_DIR}/core_only" -B "${WORK_DIR}/core_only-consumer"
      -G "${GENERATOR}" "-DCMAKE_CXX_COMPILER=${CXX}" "-DCMAKE_PREFIX_PATH=${prefix}")
  run("${CMAKE_COMMAND}" --build "${WORK_DIR}/core_only-consumer")
  run("${WORK_DIR}/core_only-consumer/consumer")
  if(NOT last_output MATCHES "^firebus consumer OK: core ")
    message(FATAL_ERROR "unexpected output: ${last_output}")
  endif()

else()
  message(FATAL_ERROR "unknown STEP '${STEP}'")
endif()
