/* One line per test area: LNN_SUITE(area) declares Suite *area_suite(void)
 * from tests/test_<area>.c; tests/meson.build registers the same names. */
LNN_SUITE(status)
LNN_SUITE(tensor)
LNN_SUITE(runtime)
LNN_SUITE(blaswarn)
LNN_SUITE(io)
