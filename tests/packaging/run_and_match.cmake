# Runs a command and checks both its exit status and its output (cmake -P), which CTest's
# PASS_REGULAR_EXPRESSION alone does not: it ignores the exit status.
#   -DCOMMAND=<prog;arg;...> -DEXPECT_RC=<n> -DEXPECT_REGEX=<regex over stdout+stderr>
execute_process(COMMAND ${COMMAND} OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc STREQUAL EXPECT_RC)
  message(FATAL_ERROR "'${COMMAND}' exited with ${rc}, expected ${EXPECT_RC}\n${out}${err}")
endif()
if(DEFINED EXPECT_REGEX AND NOT "${out}${err}" MATCHES "${EXPECT_REGEX}")
  message(FATAL_ERROR "'${COMMAND}' printed no match for '${EXPECT_REGEX}':\n${out}${err}")
endif()
