# Install.ConsumerProjectBuildsWithFindPackage: installs this build into WORK/prefix, builds
# examples/consumer's train_lenet5 against it with find_package(modlr) (no path into the source
# or build tree), and runs it for one epoch on Fashion-MNIST when that is installed.
file(REMOVE_RECURSE "${WORK}")
function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "${what} failed (${status}):\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()
run("cmake --install" ${CMAKE_COMMAND} --install "${MODLR_BUILD_DIR}" --prefix "${WORK}/prefix")
foreach(file include/modlr/runner/runner.h lib/libmodlr.so lib/cmake/modlr/modlrConfig.cmake bin/modlr)
  if(NOT EXISTS "${WORK}/prefix/${file}")
    message(FATAL_ERROR "the install lacks ${file}")
  endif()
endforeach()
run("configuring examples/consumer" ${CMAKE_COMMAND} -S "${MODLR_SOURCE_DIR}/examples/consumer" -B "${WORK}/build"
    -G Ninja -DCMAKE_BUILD_TYPE=Release "-DCMAKE_PREFIX_PATH=${WORK}/prefix")
# train_lenet5 only: custom_model_and_loss is the same headers (the install copies include/modlr
# whole) and compiles in this build already; each program costs a minute of torch headers.
run("building examples/consumer" ${CMAKE_COMMAND} --build "${WORK}/build" -j 2 --target train_lenet5)
set(data /usr/share/datasets/fashion-mnist)
if(EXISTS "${data}/train-images-idx3-ubyte.gz")
  run("running the consumer's train_lenet5" "${WORK}/build/train_lenet5" "${data}" 1)
  if(NOT last_output MATCHES "example done: test accuracy 0\\.[6-9]")
    message(FATAL_ERROR "train_lenet5 printed:\n${last_output}")
  endif()
  message(STATUS "${last_output}")
endif()
run("the installed CLI" "${WORK}/prefix/bin/modlr" --help)
