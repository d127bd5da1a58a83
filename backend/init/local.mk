# backend/init/: dom0 start-up (systemd unit, sysv script) and the default config.
init_edit = sed -e 's|@sbindir[@]|$(sbindir)|g' -e 's|@sysconfdir[@]|$(sysconfdir)|g' \
	-e 's|@runstatedir[@]|$(runstatedir)|g'
backend/init/vgpuback.service: $(srcdir)/backend/init/vgpuback.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) backend/init && $(init_edit) $< > $@
backend/init/vgpuback: $(srcdir)/backend/init/vgpuback.init.in Makefile
	$(AM_V_GEN)$(MKDIR_P) backend/init && $(init_edit) $< > $@ && chmod +x $@
systemdsystemunit_DATA = backend/init/vgpuback.service
initd_SCRIPTS = backend/init/vgpuback
vgpuconfdir = $(sysconfdir)/xen-vgpu
CLEANFILES += backend/init/vgpuback.service backend/init/vgpuback
EXTRA_DIST += backend/init/vgpuback.service.in backend/init/vgpuback.init.in \
	backend/init/vgpuback.conf

# The config is an operator's file: install it once, never overwrite it.
install-data-local: install-vgpuback-conf
install-vgpuback-conf:
	$(MKDIR_P) $(DESTDIR)$(vgpuconfdir)
	@if [ -f $(DESTDIR)$(vgpuconfdir)/vgpuback.conf ]; then \
		echo "keeping $(DESTDIR)$(vgpuconfdir)/vgpuback.conf"; \
	else \
		$(INSTALL_DATA) $(srcdir)/backend/init/vgpuback.conf $(DESTDIR)$(vgpuconfdir)/vgpuback.conf; \
	fi
uninstall-local: uninstall-vgpuback-conf
uninstall-vgpuback-conf:
	@cmp -s $(srcdir)/backend/init/vgpuback.conf $(DESTDIR)$(vgpuconfdir)/vgpuback.conf && \
		rm -f $(DESTDIR)$(vgpuconfdir)/vgpuback.conf || true
.PHONY: install-vgpuback-conf uninstall-vgpuback-conf
TESTS += backend/init/test-install.sh
dist_check_SCRIPTS += backend/init/test-install.sh
