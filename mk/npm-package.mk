# The npm package as people install it (tests/package): `npm pack` of the full
# package (make npm-package), then publint --strict, arethetypeswrong, a tsc
# --strict consumer and ESM/CommonJS consumers of the tarball. Tools pinned in
# tests/package/package-lock.json. About 45 s once built (attw is most of it).
.PHONY: npm-package-test npm-package-test-deps

PACKAGE_TEST_DIR := tests/package

npm-package-test: npm-package npm-package-test-deps
	node --test --test-timeout=180000 $(PACKAGE_TEST_DIR)/

npm-package-test-deps: $(PACKAGE_TEST_DIR)/node_modules/.stamp
$(PACKAGE_TEST_DIR)/node_modules/.stamp: $(PACKAGE_TEST_DIR)/package-lock.json
	cd $(PACKAGE_TEST_DIR) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

TEST_SUITES += npm-package-test
