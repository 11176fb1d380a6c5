# Installs the build into a fresh prefix (cmake --install) and runs the installed programs from
# there: nac on the installed demo model; nac-studio with no model argument, which must find the
# demo in <prefix>/share/nac-studio, fit on it and save a screenshot (offscreen, no display); and
# nac-studio with a profile as its only argument.
#   -DBUILD_DIR=<build folder> -DPREFIX=<scratch prefix, removed first> -DSOURCE_DIR=<source tree>
file(REMOVE_RECURSE "${PREFIX}")
execute_process(COMMAND "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${PREFIX}" OUTPUT_QUIET RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cmake --install failed (${rc})")
endif()
# The build-tree fallback (the source's resources/, found relative to the executable) must not
# reach the source tree from this prefix, or the test would not show the installed lookup.
foreach(candidate "${PREFIX}/../../../resources/demo" "${PREFIX}/bin/../../../resources/demo")
  get_filename_component(candidate "${candidate}" ABSOLUTE)
  if(candidate STREQUAL "${SOURCE_DIR}/resources/demo")
    message(FATAL_ERROR "the scratch prefix ${PREFIX} sits where the build-tree fallback finds the sources")
  endif()
endforeach()
foreach(file bin/nac bin/nac-studio share/nac-studio/demo/fashion_resnet18.pt share/nac-studio/demo/ood/mnist-images-idx3-ubyte.gz
        share/nac-studio/samples/mnist-0000-digit9.png share/applications/io.github.nacstudio.NacStudio.desktop
        share/metainfo/io.github.nacstudio.NacStudio.metainfo.xml share/mime/packages/io.github.nacstudio.NacStudio.xml
        share/icons/hicolor/scalable/apps/io.github.nacstudio.NacStudio.svg
        share/icons/hicolor/48x48/apps/io.github.nacstudio.NacStudio.png share/bash-completion/completions/nac
        share/doc/nac-studio/copyright share/doc/nac-studio/LICENSES.md)
  if(NOT EXISTS "${PREFIX}/${file}")
    message(FATAL_ERROR "cmake --install wrote no ${file}")
  endif()
endforeach()
execute_process(COMMAND "${PREFIX}/bin/nac" layers --model "${PREFIX}/share/nac-studio/demo/fashion_resnet18.pt"
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT out MATCHES "layer4")
  message(FATAL_ERROR "installed nac layers failed (${rc}):\n${out}${err}")
endif()
set(ENV{QT_QPA_PLATFORM} offscreen)
unset(ENV{NAC_DEMO_DIR})
unset(ENV{NAC_SAMPLES_DIR})
execute_process(COMMAND "${PREFIX}/bin/nac-studio" --samples 200 --holdout 200 --score "${PREFIX}/share/nac-studio/samples/mnist-0000-digit9.png"
                        --screenshot "${PREFIX}/screenshot.png"
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT EXISTS "${PREFIX}/screenshot.png")
  message(FATAL_ERROR "installed nac-studio --screenshot failed (${rc}):\n${out}${err}")
endif()
# A profile given as the only argument, as a file manager passes it (Exec=nac-studio %f), and
# without its extension: recognised by its magic bytes, opened with its model.
set(fmnist /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz)
if(EXISTS "${fmnist}")
  execute_process(COMMAND "${PREFIX}/bin/nac" fit --model "${PREFIX}/share/nac-studio/demo/fashion_resnet18.pt" --data "${fmnist}@0-999"
                          --samples 100 --holdout 100 --holdout-data "${fmnist}@55000-55999" --quiet -o "${PREFIX}/demo-profile"
                  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "installed nac fit failed (${rc}):\n${out}${err}")
  endif()
  execute_process(COMMAND "${PREFIX}/bin/nac-studio" "${PREFIX}/demo-profile" --screenshot "${PREFIX}/profile.png"
                  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0 OR NOT "${out}${err}" MATCHES "screenshot: " OR NOT EXISTS "${PREFIX}/profile.png")
    message(FATAL_ERROR "installed nac-studio PROFILE failed (${rc}):\n${out}${err}")
  endif()
endif()
message(STATUS "installed nac-studio found the demo in ${PREFIX}/share/nac-studio and saved ${PREFIX}/screenshot.png")
