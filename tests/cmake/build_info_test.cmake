# CTest: cmake/build_info.cmake records the commit of the source tree's own checkout, and
# "unknown" for sources unpacked inside another repository (they are not that commit).
#   cmake -DSCRIPT=cmake/build_info.cmake -DWORK=<scratch dir> -P tests/cmake/build_info_test.cmake
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}/outer/unpacked")
set(git git -c user.name=t -c user.email=t@t -c init.defaultBranch=main)
execute_process(COMMAND ${git} init -q WORKING_DIRECTORY "${WORK}/outer" COMMAND_ERROR_IS_FATAL ANY)
execute_process(COMMAND ${git} commit -q --allow-empty -m outer WORKING_DIRECTORY "${WORK}/outer"
                COMMAND_ERROR_IS_FATAL ANY)
execute_process(COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${WORK}/outer/unpacked -DOUT=${WORK}/a.cpp -DVERSION=0 -P ${SCRIPT}
                COMMAND_ERROR_IS_FATAL ANY)
file(READ "${WORK}/a.cpp" unpacked)
if(NOT unpacked MATCHES "source_commit\\(\\) { return \"unknown\"; }")
  message(FATAL_ERROR "sources inside another repository recorded its commit:\n${unpacked}")
endif()
execute_process(COMMAND ${git} rev-parse HEAD WORKING_DIRECTORY "${WORK}/outer" OUTPUT_VARIABLE head
                OUTPUT_STRIP_TRAILING_WHITESPACE COMMAND_ERROR_IS_FATAL ANY)
execute_process(COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${WORK}/outer -DOUT=${WORK}/b.cpp -DVERSION=0 -P ${SCRIPT}
                COMMAND_ERROR_IS_FATAL ANY)
file(READ "${WORK}/b.cpp" own)
if(NOT own MATCHES "return \"${head}\"; }")
  message(FATAL_ERROR "the checkout's own commit ${head} was not recorded:\n${own}")
endif()
message(STATUS "build_info: unknown inside another repository, ${head} in its own")
