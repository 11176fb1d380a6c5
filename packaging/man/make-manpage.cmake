# Writes a gzipped man page from a program's own --help output (cmake -P).
#   -DPROGRAM=<built program> -DNAME=<one-line description> -DVERSION=<x.y.z>
#   -DINCLUDE=<extra sections in help2man's include format: "[SECTION]" lines, then roff>
#   -DOUTPUT=<page.1.gz> -DGZIP=<gzip>
#   -DSUBCOMMANDS=OFF: help2man (-DHELP2MAN=) turns `PROGRAM --help` into the page (Qt's
#                      QCommandLineParser output, which help2man reads as it is).
#   -DSUBCOMMANDS=ON:  the page is written here, for a program whose --help lists
#                      "  PROGRAM <command> ..." usage lines and whose `PROGRAM <command> --help`
#                      prints "PROGRAM <command>: summary", a blank line, "usage:", its usage
#                      lines, a blank line, optionally "options:" and one line per option, a blank
#                      line and the notes common to all commands (app/cli/nac_main.cpp and
#                      cli_common.cpp): SYNOPSIS, DESCRIPTION, one COMMANDS subsection per command
#                      (usage and options), the notes.
foreach(var PROGRAM NAME VERSION INCLUDE OUTPUT GZIP)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "make-manpage.cmake: -D${var}= is missing")
  endif()
endforeach()
get_filename_component(program_name "${PROGRAM}" NAME)
string(REGEX REPLACE "\\.gz$" "" page "${OUTPUT}")
file(READ "${INCLUDE}" extra_sections)

# roff-safe text: backslashes, hyphens as minus signs, leading dots and quotes.
function(roff_escape text out)
  string(REPLACE "\\" "\\e" text "${text}")
  string(REPLACE "-" "\\-" text "${text}")
  string(REGEX REPLACE "(^|\n)([.'])" "\\1\\\\&\\2" text "${text}")
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

function(run_help out)
  execute_process(COMMAND "${PROGRAM}" ${ARGN} --help OUTPUT_VARIABLE text RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${program_name} ${ARGN} --help exited with ${rc}")
  endif()
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

if(SUBCOMMANDS)
  run_help(help)
  # First line "PROGRAM: description"; then "usage:" and the usage lines up to a blank line; then notes.
  if(NOT help MATCHES "^${program_name}: ([^\n]*)\n\nusage:\n(.*)")
    message(FATAL_ERROR "${program_name} --help does not start with '${program_name}: ...' and 'usage:'")
  endif()
  set(description "${CMAKE_MATCH_1}")
  string(REGEX REPLACE "\n\n.*" "" synopsis "${CMAKE_MATCH_2}")
  string(REGEX REPLACE "^.*\n\n" "" notes "${CMAKE_MATCH_2}")
  string(REGEX REPLACE "\n+$" "" notes "${notes}")
  string(REGEX MATCHALL "(^|\n)  ${program_name} [a-z]+ " command_lines "${synopsis}")
  set(commands)
  foreach(line IN LISTS command_lines)
    string(REGEX REPLACE "^\n?  ${program_name} ([a-z]+) $" "\\1" command "${line}")
    list(APPEND commands ${command})
  endforeach()
  list(REMOVE_DUPLICATES commands)
  if(NOT commands)
    message(FATAL_ERROR "${program_name} --help lists no commands")
  endif()
  string(REGEX REPLACE "(^|\n)  " "\\1" synopsis "${synopsis}")
  foreach(var description synopsis notes)
    roff_escape("${${var}}" ${var})
  endforeach()
  string(TOUPPER "${program_name}" title)
  string(TIMESTAMP date "%Y-%m-%d" UTC)  # SOURCE_DATE_EPOCH, when set, makes it reproducible
  roff_escape("${NAME}" name)
  set(roff ".TH ${title} 1 \"${date}\" \"${program_name} ${VERSION}\" \"User Commands\"\n")
  string(APPEND roff ".SH NAME\n${program_name} \\- ${name}\n.SH SYNOPSIS\n.nf\n${synopsis}\n.fi\n")
  string(APPEND roff ".SH DESCRIPTION\n${description}.\n.PP\n")
  string(APPEND roff "\\fB${program_name} \\fIcommand\\fB \\-\\-help\\fR prints that command's part of this page; ")
  string(APPEND roff "\\fB${program_name} \\-\\-version\\fR prints the version.\n.SH COMMANDS\n")
  foreach(command IN LISTS commands)
    run_help(usage ${command})
    if(NOT usage MATCHES "^${program_name} ${command}: ([^\n]*)\n\nusage:\n(.*)")
      message(FATAL_ERROR "${program_name} ${command} --help does not start with '${program_name} ${command}: ...' and 'usage:'")
    endif()
    set(summary "${CMAKE_MATCH_1}")
    set(rest "${CMAKE_MATCH_2}")
    string(REGEX REPLACE "\n\n.*" "" lines "${rest}")
    string(REGEX REPLACE "(^|\n)  " "\\1" lines "${lines}")
    roff_escape("${summary}" summary)
    roff_escape("${lines}" lines)
    string(APPEND roff ".SS \"${program_name} ${command}\"\n${summary}.\n.PP\n.nf\n${lines}\n.fi\n")
    # Then its "options:" block (one line per option, what it takes and does), when it has one.
    if(rest MATCHES "\n\noptions:\n(.*)")
      string(REGEX REPLACE "\n\n.*" "" options "${CMAKE_MATCH_1}")
      roff_escape("${options}" options)
      string(APPEND roff ".PP\nOptions:\n.nf\n${options}\n.fi\n")
    endif()
  endforeach()
  string(APPEND roff ".SH \"DATA, COMMON OPTIONS, EXIT STATUS\"\n.nf\n${notes}\n.fi\n")
  # The include file's "[SECTION]" lines become section headings.
  string(REGEX REPLACE "(^|\n)\\[([^]\n]+)\\]" "\\1.SH \\2" extra_sections "${extra_sections}")
  string(APPEND roff "${extra_sections}")
  file(WRITE "${page}" "${roff}")
else()
  if(NOT DEFINED HELP2MAN)
    message(FATAL_ERROR "make-manpage.cmake: -DHELP2MAN= is missing")
  endif()
  execute_process(
    COMMAND "${HELP2MAN}" --no-info --no-discard-stderr "--name=${NAME}" "--version-string=${program_name} ${VERSION}"
            "--include=${INCLUDE}" "--output=${page}" "${PROGRAM}"
    RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "help2man failed for ${program_name} (${rc})")
  endif()
endif()
execute_process(COMMAND "${GZIP}" -9nf "${page}" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "gzip failed for ${page}")
endif()
