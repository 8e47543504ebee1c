# firebus — fire-safety IoT SDK.
#[=======================================================================[.rst:
FindAsio
--------

Finds standalone Asio (Debian: ``libasio-dev``), which ships no CMake package of its own.

Imported target ``asio::asio``: the include directory, ``ASIO_STANDALONE`` (no Boost) and
``ASIO_NO_DEPRECATED``, and the threads library.

Result variables: ``Asio_FOUND``, ``Asio_VERSION``, ``Asio_INCLUDE_DIR``.
#]=======================================================================]

find_path(Asio_INCLUDE_DIR NAMES asio.hpp asio/version.hpp DOC "standalone Asio headers")
mark_as_advanced(Asio_INCLUDE_DIR)

if(Asio_INCLUDE_DIR AND EXISTS "${Asio_INCLUDE_DIR}/asio/version.hpp")
  # "#define ASIO_VERSION 102201 // 1.22.1": XXYYZZ = major * 100000 + minor * 100 + patch.
  file(STRINGS "${Asio_INCLUDE_DIR}/asio/version.hpp" _asio_version_line
       REGEX "^#define ASIO_VERSION [0-9]+")
  string(REGEX REPLACE "^#define ASIO_VERSION ([0-9]+).*" "\\1" _asio_version
                       "${_asio_version_line}")
  math(EXPR _asio_major "${_asio_version} / 100000")
  math(EXPR _asio_minor "${_asio_version} / 100 % 1000")
  math(EXPR _asio_patch "${_asio_version} % 100")
  set(Asio_VERSION "${_asio_major}.${_asio_minor}.${_asio_patch}")
  unset(_asio_version_line)
  unset(_asio_version)
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(Asio REQUIRED_VARS Asio_INCLUDE_DIR VERSION_VAR Asio_VERSION)

if(Asio_FOUND AND NOT TARGET asio::asio)
  find_package(Threads REQUIRED)
  add_library(asio::asio INTERFACE IMPORTED)
  set_target_properties(asio::asio PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${Asio_INCLUDE_DIR}"
    INTERFACE_COMPILE_DEFINITIONS "ASIO_STANDALONE;ASIO_NO_DEPRECATED"
    INTERFACE_LINK_LIBRARIES Threads::Threads)
endif()
