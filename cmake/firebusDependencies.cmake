# firebus — fire-safety IoT SDK.
# Third-party C++ dependencies of the compiled library, all from Debian's -dev packages, found the
# CMake way: config packages where Debian ships them, pkg-config for libmodbus and libmosquitto,
# CMake's own find modules for protobuf and SQLite, cmake/FindAsio.cmake for standalone Asio.
# None of them appears in a public header outside firebus/io and firebus/telemetry.

find_package(Threads REQUIRED)
find_package(Asio 1.18 REQUIRED)                      # cmake/FindAsio.cmake -> asio::asio
find_package(fmt 9 CONFIG REQUIRED)                   # fmt::fmt
find_package(Protobuf 3.12 REQUIRED)                  # protobuf::libprotobuf, protobuf::protoc
find_package(SQLite3 3.31 REQUIRED)                   # SQLite::SQLite3
find_package(nlohmann_json 3 CONFIG REQUIRED)         # nlohmann_json::nlohmann_json (header-only)
find_package(PkgConfig REQUIRED)
pkg_check_modules(libmodbus REQUIRED IMPORTED_TARGET libmodbus>=3.1)      # PkgConfig::libmodbus
pkg_check_modules(libmosquitto REQUIRED IMPORTED_TARGET libmosquitto>=2)  # PkgConfig::libmosquitto

message(STATUS "firebus dependencies: Asio ${Asio_VERSION}, fmt ${fmt_VERSION}, "
               "protobuf ${Protobuf_VERSION}, SQLite ${SQLite3_VERSION}, "
               "nlohmann_json ${nlohmann_json_VERSION}, "
               "libmodbus ${libmodbus_VERSION}, libmosquitto ${libmosquitto_VERSION}")
