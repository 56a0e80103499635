# `make package`: a Debian package of the binary, the dashboard, the systemd
# units and the deployment guide (docs/deploy.md), built by CPack from this
# build tree. The binary is installed stripped; /usr/bin/potluck serves
# /usr/share/potluck/web unless --web-dir says otherwise (serve_command.cpp).
include(GNUInstallDirs)

install(TARGETS potluck RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
if(POTLUCK_WEB)
  install(DIRECTORY ${CMAKE_BINARY_DIR}/web/ DESTINATION ${CMAKE_INSTALL_DATADIR}/potluck/web)
endif()
install(FILES packaging/systemd/potluck-serve.service packaging/systemd/potluck-node.service
        DESTINATION lib/systemd/system)
install(FILES docs/deploy.md README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES packaging/examples/serve.env packaging/examples/node.env packaging/examples/journald-potluck.conf
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME potluck)
set(CPACK_PACKAGE_VENDOR "Potluck")
set(CPACK_PACKAGE_CONTACT "Potluck maintainers <maintainers@potluck.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Community compute network: coordinator and provider node")
set(CPACK_PACKAGE_DESCRIPTION
    "One binary: `potluck serve` (the coordinator: OpenAI-compatible API, dashboard, ledger) and\n"
    "`potluck node` (a provider offering a local inference engine and sandboxed code execution).")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)  # Depends: from the libraries the binary links
set(CPACK_DEBIAN_PACKAGE_DEPENDS "passwd, ca-certificates")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "bubblewrap")  # the exec sandbox's preferred isolation
set(CPACK_DEBIAN_COMPRESSION_TYPE gzip)  # fast to build; the package is small once stripped
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/packaging/debian/postinst ${PROJECT_SOURCE_DIR}/packaging/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
