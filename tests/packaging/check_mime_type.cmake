# The shared-mime-info definition compiles (update-mime-database) and, through GLib's MIME
# lookup, gives application/x-nacprofile to a file named *.nacprofile and to a file with another
# name that starts with the profile magic "NACPROF" 0x1a (engine/profile_io.cpp).
#   -DMIME_XML=<packaging/...xml> -DWORK=<scratch folder> -DUPDATE_MIME_DATABASE=<prog> -DGIO=<prog>
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}/mime/packages")
file(COPY "${MIME_XML}" DESTINATION "${WORK}/mime/packages")
execute_process(COMMAND "${UPDATE_MIME_DATABASE}" "${WORK}/mime" RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "update-mime-database rejected ${MIME_XML} (${rc})")
endif()
string(ASCII 26 substitute)
file(WRITE "${WORK}/by-magic.bin" "NACPROF${substitute} and then some bytes")
file(WRITE "${WORK}/by-name.nacprofile" "empty")
set(ENV{XDG_DATA_DIRS} "${WORK}:/usr/share")
foreach(file by-magic.bin by-name.nacprofile)
  execute_process(COMMAND "${GIO}" info -a standard::content-type "${WORK}/${file}" OUTPUT_VARIABLE out RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0 OR NOT out MATCHES "content-type: application/x-nacprofile")
    message(FATAL_ERROR "${file}: expected application/x-nacprofile, gio says (${rc}):\n${out}")
  endif()
endforeach()
