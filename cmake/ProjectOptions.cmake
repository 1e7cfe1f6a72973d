# project_options: the one place that sets language level, warnings and Qt hygiene defines.
# Every target links it PRIVATE; nothing uses global include_directories/add_definitions.
add_library(project_options INTERFACE)
target_compile_features(project_options INTERFACE cxx_std_17)
target_compile_options(project_options INTERFACE
    $<$<CXX_COMPILER_ID:GNU,Clang>:-Wall -Wextra -Wpedantic -Wshadow -Wold-style-cast -Wnon-virtual-dtor>)
# CI builds with warnings as errors (.ci/run sets it); a user's newer compiler may warn where ours does not.
option(QUANTSCOPE_WERROR "Treat compiler warnings as errors" OFF)
if(QUANTSCOPE_WERROR)
    target_compile_options(project_options INTERFACE $<$<CXX_COMPILER_ID:GNU,Clang>:-Werror>)
endif()
# gold links our executables (LibTorch's large shared libraries plus the static quantcore/quantui) about 7x faster
# than the default bfd on this machine, which is most of a rebuild after a one-line ui/ edit (docs/benchmarks.md).
include(CheckLinkerFlag)
check_linker_flag(CXX "-fuse-ld=gold" QUANTSCOPE_LINKER_GOLD)
if(QUANTSCOPE_LINKER_GOLD)
    target_link_options(project_options INTERFACE -fuse-ld=gold)
endif()
target_compile_definitions(project_options INTERFACE
    QT_NO_KEYWORDS                       # Qt's `slots` macro breaks torch headers (pytorch#19405)
    QT_NO_CAST_FROM_ASCII
    QT_NO_NARROWING_CONVERSIONS_IN_CONNECT
    QT_DISABLE_DEPRECATED_BEFORE=0x060400)

# ccache when present; PCH needs the sloppiness below to get hits.
find_program(CCACHE_PROGRAM ccache)
if(CCACHE_PROGRAM AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
    set(CMAKE_CXX_COMPILER_LAUNCHER ${CMAKE_COMMAND} -E env CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime ${CCACHE_PROGRAM})
endif()
