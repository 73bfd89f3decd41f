# ctest driver: install the build tree into a scratch prefix, then build and run a consumer
# against it, the CMake way (find_package) or the pkg-config way. Inputs:
#   BUILD, WORK, CXX    the build tree, a scratch directory, the compiler
#   SRC, EXE            CMake way: the consumer project and the executable it builds (consumer)
#   PC_MODULES, PC_SRC  pkg-config way (instead): modules (comma-separated) and one source file,
#                       compiled as `CXX -std=c++20 $(pkg-config --cflags M) SRC $(pkg-config --libs M)`
#   LIBDIR              where the .pc files are installed, relative to the prefix
file(REMOVE_RECURSE ${WORK})
function(step)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "install consumer step failed (${rc}): ${ARGN}")
  endif()
endfunction()

step(${CMAKE_COMMAND} --install ${BUILD} --prefix ${WORK}/prefix)
if(DEFINED PC_MODULES)
  string(REPLACE "," ";" modules "${PC_MODULES}")
  set(ENV{PKG_CONFIG_PATH} ${WORK}/prefix/${LIBDIR}/pkgconfig)
  foreach(what cflags libs)
    execute_process(COMMAND pkg-config --${what} ${modules} RESULT_VARIABLE rc
                    OUTPUT_VARIABLE out OUTPUT_STRIP_TRAILING_WHITESPACE)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "pkg-config --${what} ${modules} failed (${rc}) with PKG_CONFIG_PATH=$ENV{PKG_CONFIG_PATH}")
    endif()
    message(STATUS "pkg-config --${what} ${modules}: ${out}")
    separate_arguments(${what} UNIX_COMMAND "${out}")
  endforeach()
  file(MAKE_DIRECTORY ${WORK}/build)
  step(${CXX} -std=c++20 ${cflags} ${PC_SRC} -o ${WORK}/build/pc_consumer ${libs})
  step(${WORK}/build/pc_consumer)
else()
  if(NOT DEFINED EXE)
    set(EXE consumer)
  endif()
  step(${CMAKE_COMMAND} -S ${SRC} -B ${WORK}/build -G Ninja -DCMAKE_CXX_COMPILER=${CXX}
       -DCMAKE_PREFIX_PATH=${WORK}/prefix)
  step(${CMAKE_COMMAND} --build ${WORK}/build)
  step(${WORK}/build/${EXE})
endif()
