# Finds libtorch 2.x. Where it comes from, first match wins:
#   1. CMAKE_PREFIX_PATH / Torch_DIR set by the user (any libtorch 2.x: a libtorch zip, a
#      source build, another Python's torch: `python -c 'import torch.utils;
#      print(torch.utils.cmake_prefix_path)'`);
#   2. the torch package of MODLR_PYTHON (default: the project's .venv, made by scripts/setup.sh).
# Every failure is one FATAL_ERROR line that says what is missing and how to fix it.
set(MODLR_PYTHON "${CMAKE_SOURCE_DIR}/.venv/bin/python3" CACHE FILEPATH
    "Python whose torch package provides libtorch when Torch_DIR/CMAKE_PREFIX_PATH do not")

# Which libtorch: its version file, looked up as find_package would, then checked alone, so
# a libtorch 1.x is named as such instead of failing deep inside its own CMake files.
if(Torch_DIR)
  set(_modlr_torch_version_file "${Torch_DIR}/TorchConfigVersion.cmake")
else()
  find_file(_modlr_torch_version_file TorchConfigVersion.cmake
            PATH_SUFFIXES Torch share/cmake/Torch lib/cmake/Torch NO_CACHE)
  if(NOT _modlr_torch_version_file AND EXISTS "${MODLR_PYTHON}")
    execute_process(COMMAND "${MODLR_PYTHON}" -c "import torch.utils; print(torch.utils.cmake_prefix_path)"
                    OUTPUT_VARIABLE _modlr_torch_prefix OUTPUT_STRIP_TRAILING_WHITESPACE
                    RESULT_VARIABLE _modlr_rc ERROR_QUIET)
    if(_modlr_rc EQUAL 0)
      set(_modlr_torch_version_file "${_modlr_torch_prefix}/Torch/TorchConfigVersion.cmake")
    endif()
  endif()
endif()
if(NOT _modlr_torch_version_file OR NOT EXISTS "${_modlr_torch_version_file}")
  message(FATAL_ERROR "modlr: libtorch 2.x not found: run scripts/setup.sh (PyPI torch in .venv) "
          "or pass -DCMAKE_PREFIX_PATH=<libtorch dir> (see README, 'Another libtorch')")
endif()
get_filename_component(_modlr_torch_dir "${_modlr_torch_version_file}" DIRECTORY)
file(STRINGS "${_modlr_torch_version_file}" _modlr_line REGEX "set\\(PACKAGE_VERSION ")
string(REGEX MATCH "[0-9]+\\.[0-9]+(\\.[0-9]+)?" _modlr_found_version "${_modlr_line}")
if(NOT _modlr_found_version OR _modlr_found_version VERSION_LESS 2 OR NOT _modlr_found_version VERSION_LESS 3)
  message(FATAL_ERROR "modlr: libtorch ${_modlr_found_version} at ${_modlr_torch_dir} is not supported: "
          "modlr needs libtorch 2.x (scripts/setup.sh installs PyPI torch 2.11.0)")
endif()
set(Torch_DIR "${_modlr_torch_dir}" CACHE PATH "libtorch's CMake package" FORCE)

# A CUDA build of libtorch needs the CUDA toolkit to configure (its CMake files look for
# nvcc and the CUDA libraries); say so in one line instead of torch's own trace.
get_filename_component(_modlr_torch_root "${_modlr_torch_dir}/../../.." ABSOLUTE)
if(EXISTS "${_modlr_torch_root}/lib/libtorch_cuda.so")
  find_package(CUDAToolkit QUIET)
  if(NOT CUDAToolkit_FOUND)
    message(FATAL_ERROR "modlr: ${_modlr_torch_root} is a CUDA build of libtorch but no CUDA toolkit "
            "was found: install CUDA 13 (nvcc on PATH or -DCUDAToolkit_ROOT=...) or use a CPU libtorch")
  endif()
  set(MODLR_TORCH_CUDA ON)
else()
  set(MODLR_TORCH_CUDA OFF)
endif()

if(NOT DEFINED TORCH_CUDA_ARCH_LIST AND NOT DEFINED ENV{TORCH_CUDA_ARCH_LIST})
  set(TORCH_CUDA_ARCH_LIST "8.0;9.0")  # A100, H100/H200: what CUDA code here is built for
endif()
find_package(Torch 2 REQUIRED CONFIG)

# at::parallel_for is an OpenMP region in libtorch's headers: without -fopenmp our own
# kernels (max pool, direct convolution) would run on one thread whatever runner.threads
# says. A libtorch that ships its own libgomp (PyPI's) must be the process's only OpenMP
# runtime, so modlr links that one rather than the compiler's.
find_package(OpenMP REQUIRED)
add_library(modlr_openmp INTERFACE)
if(EXISTS "${_modlr_torch_root}/lib/libgomp.so.1")
  target_compile_options(modlr_openmp INTERFACE ${OpenMP_CXX_FLAGS})
  target_link_libraries(modlr_openmp INTERFACE "${_modlr_torch_root}/lib/libgomp.so.1")
else()
  target_link_libraries(modlr_openmp INTERFACE OpenMP::OpenMP_CXX)
endif()
message(STATUS "modlr: libtorch ${Torch_VERSION} from ${Torch_DIR} (CUDA: ${MODLR_TORCH_CUDA})")

# PyPI's libtorch is built with a newer GCC's toolset, which links parts of its libstdc++
# (std::filesystem, std::chrono's time zones, ...) into libtorch.so and exports them. A
# program whose first NEEDED library with those symbols is libtorch.so binds its own
# std::filesystem calls to those copies, and remove_all() then jumps to address 0. Every
# program linking modlr therefore names the system libstdc++ first, so the dynamic linker
# finds its symbols there before it looks into libtorch.
add_library(modlr_libstdcxx_first INTERFACE)
target_link_options(modlr_libstdcxx_first INTERFACE "LINKER:--push-state,--no-as-needed" -lstdc++
                    "LINKER:--pop-state")
