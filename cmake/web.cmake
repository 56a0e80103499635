# The dashboard (web/): `npm ci` when web/package-lock.json changes (the stamp
# is npm's own web/node_modules/.package-lock.json, touched after each run, so
# a deleted node_modules is installed again too), then `node build.mjs --outdir <build>/web`
# whenever a source changes. The coordinator serves that directory by default
# (POTLUCK_DEFAULT_WEB_DIR, see src/CMakeLists.txt).
find_program(POTLUCK_NODE node REQUIRED)
find_program(POTLUCK_NPM npm REQUIRED)

set(POTLUCK_WEB_SOURCE ${PROJECT_SOURCE_DIR}/web)
set(POTLUCK_WEB_OUT ${CMAKE_BINARY_DIR}/web)
set(_npm_stamp ${POTLUCK_WEB_SOURCE}/node_modules/.package-lock.json)

add_custom_command(
  OUTPUT ${_npm_stamp}
  COMMAND ${POTLUCK_NPM} ci --no-audit --no-fund --loglevel=error
  COMMAND ${CMAKE_COMMAND} -E touch ${_npm_stamp}
  DEPENDS ${POTLUCK_WEB_SOURCE}/package-lock.json ${POTLUCK_WEB_SOURCE}/package.json
  WORKING_DIRECTORY ${POTLUCK_WEB_SOURCE}
  COMMENT "npm ci in web/"
  VERBATIM)

file(GLOB_RECURSE _web_sources CONFIGURE_DEPENDS ${POTLUCK_WEB_SOURCE}/src/*)
add_custom_command(
  OUTPUT ${POTLUCK_WEB_OUT}/index.html ${POTLUCK_WEB_OUT}/assets/app.js ${POTLUCK_WEB_OUT}/assets/app.css
  COMMAND ${POTLUCK_NODE} build.mjs --outdir ${POTLUCK_WEB_OUT}
  DEPENDS ${_npm_stamp} ${_web_sources} ${POTLUCK_WEB_SOURCE}/build.mjs
  WORKING_DIRECTORY ${POTLUCK_WEB_SOURCE}
  COMMENT "Building the dashboard into ${POTLUCK_WEB_OUT}"
  VERBATIM)

add_custom_target(web ALL DEPENDS ${POTLUCK_WEB_OUT}/index.html)
