# make install [PREFIX=/usr/local] [DESTDIR=]   the wrapper, the stages, contracts, man pages, completions
# make package                                 dist/x07lp_<version>_amd64.deb and the .tar.gz (scripts/package)
PREFIX ?= /usr/local
DESTDIR ?=

install:
	scripts/install --prefix "$(PREFIX)" --destdir "$(DESTDIR)"

package:
	scripts/package

.PHONY: install package
