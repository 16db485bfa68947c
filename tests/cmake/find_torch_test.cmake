# CTest: cmake/torch.cmake refuses a libtorch that is not 2.x, and a missing one, with one
# line saying what to do.
#   cmake -DMODLR_SOURCE_DIR=<repo> -DWORK=<scratch dir> -P tests/cmake/find_torch_test.cmake
file(REMOVE_RECURSE "${WORK}")
# A libtorch 1.13 as Debian shipped it: only its version file matters before it is refused.
file(WRITE "${WORK}/old/share/cmake/Torch/TorchConfigVersion.cmake" "set(PACKAGE_VERSION \"1.13.1\")\n")
file(WRITE "${WORK}/old/share/cmake/Torch/TorchConfig.cmake" "message(FATAL_ERROR \"must not be read\")\n")

function(configure name expected)
  execute_process(COMMAND ${CMAKE_COMMAND} -S ${MODLR_SOURCE_DIR}/tests/cmake/find_torch -B ${WORK}/${name}
                          -DMODLR_SOURCE_DIR=${MODLR_SOURCE_DIR} -DMODLR_PYTHON=${WORK}/no-python ${ARGN}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  string(REGEX REPLACE "[ \n]+" " " err "${err}")  # CMake wraps long messages
  if(rc EQUAL 0 OR NOT err MATCHES "${expected}")
    message(FATAL_ERROR "${name}: expected a failure matching '${expected}', got rc ${rc}:\n${out}${err}")
  endif()
  message(STATUS "${name}: refused as expected")
endfunction()

configure(old "modlr: libtorch 1.13.1 at .* is not supported: modlr needs libtorch 2.x"
          -DTorch_DIR=${WORK}/old/share/cmake/Torch)
configure(missing "modlr: libtorch 2.x not found: run scripts/setup.sh")
