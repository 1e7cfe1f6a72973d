# QUANTSCOPE_SANITIZE=address,undefined: a whole-suite sanitizer build (gcc or clang), `quantscope.sh sanitize`.
# QUANTSCOPE_FUZZ=ON: clang only; builds quantcore alone (no Qt, ui, apps or QTest suite) instrumented with
# -fsanitize=fuzzer-no-link,address,undefined and the libFuzzer harnesses in tests/fuzz (`quantscope.sh fuzz`).
# LibTorch, Qt and zlib are Debian's uninstrumented builds: ASan still checks every access our code makes,
# including into buffers those libraries allocate, but not the accesses they make themselves.
set(QUANTSCOPE_SANITIZE "" CACHE STRING "Sanitizers for every target, e.g. address,undefined (empty: none)")
option(QUANTSCOPE_FUZZ "Build only quantcore and the libFuzzer harnesses (clang), with ASan and UBSan" OFF)

if(QUANTSCOPE_FUZZ)
    if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
        message(FATAL_ERROR "QUANTSCOPE_FUZZ needs clang (libFuzzer): configure with -DCMAKE_CXX_COMPILER=clang++-14")
    endif()
    if(QUANTSCOPE_SANITIZE STREQUAL "")
        set(QUANTSCOPE_SANITIZE "address,undefined" CACHE STRING "" FORCE)
    endif()
    # Coverage instrumentation for everything we compile; the harnesses add -fsanitize=fuzzer at link time.
    add_compile_options(-fsanitize=fuzzer-no-link)
    # core/quant/quantizers.cpp alone adds -fopenmp-simd; clang 14 then rejects (and crashes on) quantcore's PCH
    # built without it, so every file gets it here (it only enables `#pragma omp simd`).
    add_compile_options(-fopenmp-simd)
endif()

if(NOT QUANTSCOPE_SANITIZE STREQUAL "")
    # Global, not on project_options: the PCH, quantcore and every executable must agree on the flags.
    # -fno-sanitize-recover: a UBSan finding fails the test (or the fuzz run) instead of printing and going on.
    set(_qs_sanitize_flags -fsanitize=${QUANTSCOPE_SANITIZE} -fno-omit-frame-pointer
        -fno-sanitize-recover=all)
    add_compile_options(${_qs_sanitize_flags} -g1)
    add_link_options(${_qs_sanitize_flags})
    message(STATUS "QuantScope: sanitizers ${QUANTSCOPE_SANITIZE}")
endif()

# Called once core/ is added. With ASan's instrumentation clang can no longer vectorize the `#pragma omp simd`
# loops of core/quant/quantizers.cpp and warns so (-Wpass-failed), an error under QUANTSCOPE_WERROR; the
# instrumented build does not need them vectorized.
function(quantscope_sanitizer_source_fixups)
    if(NOT QUANTSCOPE_SANITIZE STREQUAL "" AND CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
        set_property(SOURCE ${PROJECT_SOURCE_DIR}/core/quant/quantizers.cpp DIRECTORY ${PROJECT_SOURCE_DIR}/core
                     APPEND PROPERTY COMPILE_OPTIONS -Wno-pass-failed)
    endif()
endfunction()
